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
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

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
    '-z', a.duration!, ...(Number(a.rps) > 0 ? ['--rps', a.rps!] : []), '--format', 'json', '--output', out, `127.0.0.1:${port}`];
  const cpu0 = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    const p = spawn(a.ghz!, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ghz exited ${code}`))));
  });
  const cpu = process.cpuUsage(cpu0);
  const rep = JSON.parse(readFileSync(out, 'utf8')) as { count: number; rps: number; average: number; latencyDistribution: Array<{ percentage: number; latency: number }> };
  const pct = (q: number) => +((rep.latencyDistribution.find((d) => d.percentage === q)?.latency ?? NaN) / 1e6).toFixed(2);
  console.log(JSON.stringify({
    call: 'bare grpc-js no-op', concurrency: Number(a.concurrency), rateLimit: Number(a.rps) || 'none', requests: rep.count, rps: Math.round(rep.rps),
    p50ms: pct(50), p90ms: pct(90), p99ms: pct(99), avgMs: +(rep.average / 1e6).toFixed(2),
    serverCpuMsPerRequest: +((cpu.user + cpu.system) / 1000 / rep.count).toFixed(3),
  }));
  server.forceShutdown();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
