// The Python interpreter the tests and benchmarks run: $PYTHON when set, else the project's virtual
// environment .venv (made by scripts/install-python-deps.mjs), never the system's python3 itself.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VENV_DIR = fileURLToPath(new URL('../.venv', import.meta.url));
export const python = process.env.PYTHON || join(VENV_DIR, 'bin', 'python');

/** undefined when `python` imports every module named, else what is missing and how to install it. */
export function pythonLacks(modules) {
  try {
    execFileSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' });
    return undefined;
  } catch {
    return `${python} cannot import ${modules.join(', ')} (node scripts/install-python-deps.mjs installs the test packages into .venv; --bench adds the benchmarks' peers)`;
  }
}
