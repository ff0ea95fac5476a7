// Worker-thread bootstrap of selectInWorker (select-in-worker.ts): workers do not inherit the parent's tsx
// loader on Node 20, so register it here (only when the entry is TypeScript source), then load the worker.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
