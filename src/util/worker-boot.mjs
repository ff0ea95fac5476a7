// Entry of every worker thread we start (worker-rpc.ts). Worker threads do not inherit the main
// thread's tsx loader on Node 20 (and `execArgv: ['--import', 'tsx']` does not apply it there), so when
// the worker's module is TypeScript source this registers tsx first, then imports the module.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
