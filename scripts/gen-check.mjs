// Fails when src/gen is not what proto-loader-gen-types makes of proto/ today.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'gen-check-'));
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const args = pkg.scripts.gen.replace(/^proto-loader-gen-types /, '').replace(/--outDir=\S+/, `--outDir=${out}`).split(/\s+/);
execFileSync(join('node_modules', '.bin', 'proto-loader-gen-types'), args, { stdio: 'inherit' });

const walk = (dir) => readdirSync(dir).flatMap((n) => {
  const p = join(dir, n);
  return statSync(p).isDirectory() ? walk(p) : [p];
});
const fresh = new Map(walk(out).map((p) => [relative(out, p), readFileSync(p, 'utf8')]));
const committed = new Map(walk('src/gen').map((p) => [relative('src/gen', p), readFileSync(p, 'utf8')]));
rmSync(out, { recursive: true, force: true });
const stale = [...new Set([...fresh.keys(), ...committed.keys()])].filter((k) => fresh.get(k) !== committed.get(k));
if (stale.length > 0) {
  console.error(`src/gen is stale (run npm run gen): ${stale.join(', ')}`);
  process.exit(1);
}
console.log(`src/gen is current (${fresh.size} files)`);
