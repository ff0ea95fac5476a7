/**
 * The latency floor of this machine for any grpc-js service (issue 5's p99 goal): a bare @grpc/grpc-js
 * server whose one unary method does nothing, loaded by ghz exactly as bench/serving.ts loads Recommend
 * (8 concurrent clients, one connection, fixed rate). None of our code runs: what it measures is Node,
 * grpc-js, HTTP/2 on loopback and the load generator sharing the machine's cores.
 *
 *   npx tsx bench/grpc-floor.ts [--rps 500] [--duration 10s] [--concurrency 8] [--ghz ~/go/bin/ghz]
 */
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runGhz } from './ghz.js';

const { values: a } = parseArgs({
  options: {
    rps: { type: 'string', default: '500' }, duration: { type: 'string', default: '10s' }, concurrency: { type: 'string', default: '8' },
    ghz: { type: 'string', default: join(homedir(), 'go/bin/ghz') },
  },
});
const dir = mkdtempSync(join(tmpdir(), 'grpc-floor-'));
try {
  const proto = join(dir, 'floor.proto');
  writeFileSync(proto, 'syntax = "proto3";\npackage floor;\nmessage Msg { string s = 1; }\nservice Floor { rpc Ping(Msg) returns (Msg); }\n');
  const pkg = grpc.loadPackageDefinition(loader.loadSync(proto)) as unknown as { floor: { Floor: { service: grpc.ServiceDefinition } } };
  const server = new grpc.Server();
  server.addService(pkg.floor.Floor.service, { Ping: (_call: unknown, cb: grpc.sendUnaryData<{ s: string }>) => cb(null, { s: 'ok' }) });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  const out = join(dir, 'ghz.json');
  const args = ['--insecure', '--proto', proto, '--call', 'floor.Floor.Ping', '-d', '{"s":"x"}', '-c', a.concurrency!, '--connections', '1',
    '-z', a.duration!, ...(Number(a.rps) > 0 ? ['--rps', a.rps!] : []), `127.0.0.1:${port}`];
  const cpu0 = process.cpuUsage();
  const rep = await runGhz(a.ghz!, args, join(dir, 'ghz.json'));
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({
    call: 'bare grpc-js no-op', concurrency: Number(a.concurrency), rateLimit: Number(a.rps) || 'none', requests: rep.count, rps: Math.round(rep.rps),
    p50ms: rep.pctMs(50), p90ms: rep.pctMs(90), p99ms: rep.pctMs(99), avgMs: rep.avgMs,
    serverCpuMsPerRequest: +((cpu.user + cpu.system) / 1000 / rep.count).toFixed(3),
  }));
  server.forceShutdown();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
