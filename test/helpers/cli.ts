/**
 * The `recommender` command as a real child process: one command run to its end (`runCli`), or
 * `recommender serve` kept running (`spawnServe`). Both start bin/recommender.mjs unless `entry` names
 * another entry (the compiled dist/cli/main.js of a build).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(REPO_ROOT, 'bin', 'recommender.mjs');

export interface CliOptions {
  /** The script node runs (default bin/recommender.mjs). */
  entry?: string;
  /** Added to the environment. */
  env?: NodeJS.ProcessEnv;
  /** Node flags before the script. */
  nodeArgs?: string[];
  /** Called with each piece of stderr as it comes (to act on a line before the command ends). */
  onStderr?: (text: string) => void;
}

export interface CliResult { code: number; stdout: string; stderr: string }

export function runCli(args: string[], o: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(o.nodeArgs ?? []), o.entry ?? BIN, ...args], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c; });
    child.stderr.on('data', (c: Buffer) => { stderr += c; o.onStderr?.(stderr); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export interface ServeProcess {
  child: ChildProcess;
  /** The port, once the server logged "ready"; rejects if it exits first. */
  ready: Promise<number>;
  /** The exit code. */
  exited: Promise<number | null>;
  /** Everything it wrote on stderr so far. */
  log(): string;
}

/** `recommender serve --data-dir D --port P [extra]` (JSON logs at info on stderr). */
export function spawnServe(dataDir: string, extra: string[] = [], o: CliOptions & { port?: number } = {}): ServeProcess {
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), o.entry ?? BIN, 'serve', '--data-dir', dataDir, '--port', String(o.port ?? 0), ...extra], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info', ...o.env },
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (b: Buffer) => {
      stderr += b.toString();
      for (const line of stderr.split('\n')) {
        if (line.includes('"msg":"ready"')) resolve((JSON.parse(line) as { port: number }).port);
      }
    });
    void exited.then((code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, exited, log: () => stderr };
}
