// Worker-thread bootstrap of trainInWorker: workers do not inherit the parent's tsx loader, so register
// it here (only when the entry is TypeScript source), then load the real worker module.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.entry);
