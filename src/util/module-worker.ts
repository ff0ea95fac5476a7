import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running the module `name` beside the caller (`callerUrl` = the caller's
 * `import.meta.url`): `name.ts` when running from TypeScript sources (tsx, vitest), `name.js` in a
 * compiled build. Goes through one plain-JS entry (worker-boot.mjs) that registers tsx when needed.
 * The module talks to its parent through `parentPort` messages (workerData is the entry's own).
 */
export function startModuleWorker(callerUrl: string, name: string, options: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  const entry = new URL(`./${name}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl).href;
  return new Worker(new URL('./worker-boot.mjs', import.meta.url), { ...options, workerData: { entry } });
}
