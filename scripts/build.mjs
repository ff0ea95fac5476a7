// `npm run build`: compiles src/ to JavaScript in dist/ (tsconfig.build.json), copies the files the
// modules load at run time beside them (the committed .wasm binaries, the worker entry
// src/util/worker-boot.mjs, the web console's stylesheet and script), and writes dist/.build-stamp last.
//
//   node scripts/build.mjs              always builds
//   node scripts/build.mjs --if-stale   only when dist/ is missing or older than its sources (npm start)
//   node scripts/build.mjs --out DIR    builds into DIR instead, a folder directly in the repository root
//                                       (the modules find proto/ at ../../proto from their own folder)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildState, ROOT, STAMP } from './build-state.mjs';

const { values } = parseArgs({ options: { 'if-stale': { type: 'boolean', default: false }, out: { type: 'string', default: 'dist' } } });
const out = resolve(ROOT, values.out);
if (dirname(out) !== resolve(ROOT)) {
  console.error(`build: --out must be a folder directly in ${ROOT}, got ${values.out}`);
  process.exit(2);
}
if (values['if-stale']) {
  const s = buildState(out);
  if (s.state === 'current') process.exit(0);
  console.error(s.state === 'missing' ? `building ${relative(ROOT, out)}/ (no build yet)` : `building ${relative(ROOT, out)}/ (${relative(ROOT, s.newer)} changed)`);
}

let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('build: typescript is not installed (it is a devDependency: run npm ci without --omit=dev)');
  process.exit(1);
}
const t0 = performance.now();
rmSync(out, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, stdio: 'inherit' });
} catch {
  console.error('build: tsc failed');
  process.exit(1);
}

// Run-time assets: anything under src/ the modules open by a URL relative to themselves.
const ASSET = /\.(wasm|mjs|css|js)$/;
let assets = 0;
const copyAssets = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const from = join(dir, e.name);
    if (e.isDirectory()) copyAssets(from);
    else if (ASSET.test(e.name)) {
      const to = join(out, relative(join(ROOT, 'src'), from));
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
      assets++;
    }
  }
};
copyAssets(join(ROOT, 'src'));
if (!existsSync(join(out, 'cli', 'main.js'))) {
  console.error(`build: ${relative(ROOT, out)}/cli/main.js was not emitted`);
  process.exit(1);
}
writeFileSync(join(out, STAMP), `${new Date().toISOString()}\n`);
console.error(`built ${relative(ROOT, out)}/ (${assets} assets) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
