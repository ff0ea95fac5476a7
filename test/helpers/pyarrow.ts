/** pyarrow (the venv's python) as an independent judge of the files the server stores. */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { python, pythonLacks } from '../../scripts/python.mjs';

/** undefined when pyarrow is importable; outside CI a suite that needs it is skipped, in CI it must run. */
export const pyarrowMissing: string | undefined = pythonLacks(['pyarrow']);
if (pyarrowMissing && process.env.CI === 'true') throw new Error(`CI: pyarrow is needed: ${pyarrowMissing}`);

/** Runs the venv's python (async: the server under test shares this event loop). */
export function runPython(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(python, args, { env: { ...process.env, ...env } });
    let stdout = ''; let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    child.on('close', (status: number | null) => res({ status, stdout, stderr }));
  });
}

/** Every `.arrow` file of a batches directory through `pa.ipc.open_stream(...).read_all().validate(full=True)`. */
export async function validateStoredBatches(batchesDir: string): Promise<{ checked: number; rows: number; failures: [string, string][] }> {
  const files = readdirSync(batchesDir).filter((f) => f.endsWith('.arrow')).map((f) => join(batchesDir, f));
  const run = await runPython([resolve('test/interop/validate_stored.py'), ...files]);
  if (run.status !== 0) throw new Error(`validate_stored.py failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as { checked: number; rows: number; failures: [string, string][] };
}
