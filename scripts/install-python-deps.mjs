// Installs the Python packages the tests use (test/interop/requirements.txt: grpcio, grpcio-tools,
// pyarrow; spark/requirements.txt: pyspark and its Spark Connect client for the Spark trainer's driver) into the project's virtual
// environment .venv, creating it first (python3 -m venv); with
// --bench also the benchmarks' peers (bench/requirements.txt: implicit, numpy, scipy). Nothing is
// installed into the system's Python. Does nothing when .venv already has them. With $PYTHON set, that
// interpreter is used as it is: only checked, never installed into.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { python, pythonLacks, VENV_DIR } from './python.mjs';

const bench = process.argv.includes('--bench');
const sets = [
  { file: 'test/interop/requirements.txt', modules: ['grpc', 'grpc_tools', 'pyarrow'] },
  // grpc_status, google.rpc, zstandard: the Spark Connect client's extras (a .venv from before them gets them too).
  { file: 'spark/requirements.txt', modules: ['pyspark', 'numpy', 'pandas', 'pyarrow', 'grpc', 'grpc_status', 'google.rpc', 'zstandard'] },
  ...(bench ? [{ file: 'bench/requirements.txt', modules: ['implicit', 'numpy', 'scipy'] }] : []),
];
const root = join(VENV_DIR, '..');

if (process.env.PYTHON) {
  for (const s of sets) {
    const lacks = pythonLacks(s.modules);
    if (lacks) console.warn(`warning: PYTHON=${python} lacks what ${s.file} lists; install it there yourself or unset PYTHON to use .venv (${lacks})`);
  }
  process.exit(0);
}
if (!existsSync(python)) {
  const base = process.env.PYTHON3 || 'python3';
  console.log(`creating the Python virtual environment .venv (${base} -m venv)`);
  try {
    execFileSync(base, ['-m', 'venv', VENV_DIR], { stdio: 'inherit' });
  } catch {
    console.error(`could not create .venv with "${base} -m venv": install Python 3 with its venv module (Debian/Ubuntu: apt-get install python3-venv)`);
    process.exit(1);
  }
}
for (const s of sets) {
  if (!pythonLacks(s.modules)) continue;
  console.log(`installing Python packages into .venv (${s.file})`);
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', join(root, s.file)], { stdio: 'inherit' });
}
