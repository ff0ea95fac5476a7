// Plain-JS entry of a native-cpu worker thread. When the engine runs from TypeScript sources (tsx,
// vitest) it loads worker.ts through tsx's API, which works in any thread on Node 20 (a worker's
// `execArgv: ['--import', 'tsx']` does not apply loader hooks there); compiled builds import worker.js.
import { workerData } from 'node:worker_threads';

if (workerData.ts) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport(workerData.url, import.meta.url);
} else {
  await import(workerData.url);
}
