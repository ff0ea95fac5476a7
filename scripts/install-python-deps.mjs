// Installs the Python packages the interop tests use (grpcio, pyarrow) from PyPI, once.
import { execFileSync } from 'node:child_process';

const python = process.env.PYTHON ?? 'python3';
try {
  execFileSync(python, ['-c', 'import grpc, grpc_tools, pyarrow'], { stdio: 'ignore' });
} catch {
  console.log('installing Python test dependencies (test/interop/requirements.txt)');
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', 'test/interop/requirements.txt'], { stdio: 'inherit' });
}
