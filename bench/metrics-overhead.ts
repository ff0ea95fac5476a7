/**
 * What the gRPC server metrics interceptor (src/transport/grpc-metrics.ts) costs a call: the same no-op
 * unary method on two grpc-js servers in this process, one with the interceptor and one without, called
 * by an in-process client (16 in flight), in alternating rounds. Reports the process's CPU time per call
 * (client and server together, the same for both sides but the interceptor) for each side, their ratio,
 * and the time to render /metrics afterwards (one scrape).
 *
 *   npx tsx bench/metrics-overhead.ts [--calls 4000] [--rounds 6]
 */
import * as grpc from '@grpc/grpc-js';
import * as loader from '@grpc/proto-loader';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ServiceMetrics } from '../src/service/metrics.js';
import { grpcMetricsInterceptor } from '../src/transport/grpc-metrics.js';

const { values: a } = parseArgs({ options: { calls: { type: 'string', default: '4000' }, rounds: { type: 'string', default: '6' } } });
const CALLS = Number(a.calls), ROUNDS = Number(a.rounds), IN_FLIGHT = 16;
const dir = mkdtempSync(join(tmpdir(), 'metrics-bench-'));
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
try {
  const proto = join(dir, 'b.proto');
  writeFileSync(proto, 'syntax = "proto3";\npackage b;\nmessage Msg { string s = 1; }\nservice B { rpc Ping(Msg) returns (Msg); }\n');
  const pkg = grpc.loadPackageDefinition(loader.loadSync(proto)) as unknown as { b: { B: grpc.ServiceClientConstructor & { service: grpc.ServiceDefinition } } };
  const metrics = new ServiceMetrics();
  const start = async (interceptors: grpc.ServerInterceptor[]) => {
    const server = new grpc.Server({ interceptors });
    server.addService(pkg.b.B.service, { Ping: (_c: unknown, cb: grpc.sendUnaryData<{ s: string }>) => cb(null, { s: 'ok' }) });
    const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    const client = new pkg.b.B(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as { Ping(m: object, cb: (e: Error | null) => void): void; close(): void };
    return { server, client };
  };
  const sides = { without: await start([]), with: await start([grpcMetricsInterceptor(metrics)]) };
  const ping = (c: { Ping(m: object, cb: (e: Error | null) => void): void }) => new Promise<void>((res, rej) => c.Ping({ s: 'x' }, (e) => (e ? rej(e) : res())));
  const round = async (c: { Ping(m: object, cb: (e: Error | null) => void): void }, n: number) => {
    let next = 0;
    const cpu0 = process.cpuUsage();
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => { while (next++ < n) await ping(c); }));
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / n; // µs per call
  };
  for (const s of Object.values(sides)) await round(s.client, 500); // warm-up
  const us: Record<'with' | 'without', number[]> = { with: [], without: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of (r % 2 === 0 ? ['without', 'with'] : ['with', 'without']) as Array<'with' | 'without'>) us[k].push(await round(sides[k].client, CALLS));
  }
  const renders: number[] = [];
  for (let i = 0; i < 20; i++) { const t0 = performance.now(); await metrics.render(); renders.push(performance.now() - t0); }
  const w = median(us.with), wo = median(us.without);
  console.log(JSON.stringify({
    calls: CALLS, rounds: ROUNDS, inFlight: IN_FLIGHT, cpuUsPerCallWithout: +wo.toFixed(1), cpuUsPerCallWith: +w.toFixed(1),
    interceptorUsPerCall: +(w - wo).toFixed(1), ratio: +(w / wo).toFixed(3), renderMetricsMs: +median(renders).toFixed(2),
  }));
  for (const s of Object.values(sides)) { s.client.close(); s.server.forceShutdown(); }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
