/**
 * Crash points, for tests of crash safety: `crashPoint(configured, name)` does nothing unless `configured`
 * (config.ts `crashPoint`, env RECOMMENDER_CRASH_POINT) equals `name`; then it writes
 * `crash point reached: <name>` on stderr and blocks the process's thread for good, so a test can kill -9
 * it at exactly that step (e.g. between a rollback's checks and its transaction).
 */
import { writeSync } from 'node:fs';

export function crashPoint(configured: string | undefined, name: string): void {
  if (configured === undefined || configured !== name) return;
  writeSync(2, `crash point reached: ${name}\n`);
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0);
}
