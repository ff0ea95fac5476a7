// Whether a compiled build (dist/, made by scripts/build.mjs) is the build of today's sources: it is stale
// when any file it is made from (src/, the tsconfigs, the build script) is newer than its stamp, the file
// the build writes last. Plain JavaScript, so the bin can ask before anything is compiled.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const STAMP = '.build-stamp';
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'];

function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return { mtimeMs: 0, path };
  if (!st.isDirectory()) return { mtimeMs: st.mtimeMs, path };
  let best = { mtimeMs: 0, path };
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const n = newest(join(path, e.name));
    if (n.mtimeMs > best.mtimeMs) best = n;
  }
  return best;
}

/** 'current', 'missing' (no stamp in `outDir`) or 'stale' (with the newest input file). */
export function buildState(outDir = join(ROOT, 'dist')) {
  const stamp = statSync(join(outDir, STAMP), { throwIfNoEntry: false });
  if (!stamp) return { state: 'missing' };
  let latest = { mtimeMs: 0, path: '' };
  for (const input of INPUTS) {
    const n = newest(join(ROOT, input));
    if (n.mtimeMs > latest.mtimeMs) latest = n;
  }
  return latest.mtimeMs > stamp.mtimeMs ? { state: 'stale', newer: latest.path } : { state: 'current' };
}
