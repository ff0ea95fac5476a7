/**
 * Measures this machine's peaks for the roofline figures (bench/README.md), with 1 and 2 threads
 * running at once (worker_threads):
 *   - compute: bench/roofline/roofline.wasm `peak_flops`, 12 independent f32x4 mul+add chains
 *     (WebAssembly SIMD, as our kernel; no FMA in Node 20's default wasm) -> GFLOP/s;
 *   - memory read: `stream_sum` over 256 MiB of float32 per thread (wasm SIMD loads) -> GB/s;
 *   - memory copy: Float32Array.prototype.set of 128 MiB per thread -> GB/s (read + write bytes).
 * Best of 5 runs each. Usage: npx tsx bench/roofline.ts
 */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const wasm = readFileSync(new URL('./roofline/roofline.wasm', import.meta.url));

const body = `
const { parentPort, workerData } = require('node:worker_threads');
const mem = new WebAssembly.Memory({ initial: 4200, maximum: 4200 });
const inst = new WebAssembly.Instance(new WebAssembly.Module(workerData.wasm), { env: { memory: mem } });
const f = new Float32Array(mem.buffer, 65536, 64 << 20); f.fill(1);
const a = new Float32Array(32 << 20).fill(1), b = new Float32Array(32 << 20);
parentPort.on('message', (what) => {
  const t = performance.now();
  if (what === 'flops') inst.exports.peak_flops(workerData.rounds);
  else if (what === 'read') inst.exports.stream_sum(65536, 64 << 20);
  else b.set(a);
  parentPort.postMessage(performance.now() - t);
});
`;

async function measure(threads: number, what: 'flops' | 'read' | 'copy', rounds: number): Promise<number> {
  const ws = Array.from({ length: threads }, () => new Worker(body, { eval: true, workerData: { wasm, rounds } }));
  let best = Infinity;
  for (let rep = 0; rep < 5; rep++) {
    const ms = await Promise.all(ws.map((w) => new Promise<number>((res) => { w.once('message', res); w.postMessage(what); })));
    best = Math.min(best, Math.max(...ms));
  }
  await Promise.all(ws.map((w) => w.terminate()));
  const perThread = what === 'flops' ? 12 * 4 * 2 * rounds : what === 'read' ? (64 << 20) * 4 : 2 * (32 << 20) * 4;
  return (threads * perThread) / (best / 1000) / 1e9;
}

const rounds = 20_000_000;
console.log('| threads | wasm SIMD GFLOP/s (mul+add) | read GB/s (wasm SIMD) | copy GB/s (TypedArray.set, r+w) |');
console.log('|---|---|---|---|');
for (const t of [1, 2]) {
  const fl = await measure(t, 'flops', rounds);
  const rd = await measure(t, 'read', 0);
  const cp = await measure(t, 'copy', 0);
  console.log(`| ${t} | ${fl.toFixed(1)} | ${rd.toFixed(1)} | ${cp.toFixed(1)} |`);
}
