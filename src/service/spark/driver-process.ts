/**
 * The Spark driver as a child process: spark/driver.py run by the configured interpreter, or through a
 * Spark installation's spark-submit, in a process group of its own (the JVM that pyspark or spark-submit
 * starts is a member), so that stopping it stops all of it:
 *
 *   - abort (CancelTraining, server stop): SIGTERM to the group (the JVM's shutdown hook ends the Spark
 *     application), SIGKILL after `stopGraceMs`; the promise settles once no member is left.
 *   - a normal end or a failure: the members still running after the driver exited get the same.
 *   - the server killed with -9: the driver's watchdog (driver.py) kills the group within a second, and
 *     the next start kills a group recorded in a leftover run directory (`killLeftoverDriver`).
 *
 * Its stdout carries the driver's events (job-spec.ts); Spark's own output goes to the debug log, and the
 * end of stderr names the failure when the driver could not even report one (no pyspark, no Java).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CancelledError, FailedPreconditionError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { DRIVER_PATH, parseDriverLine, type DriverEvent, type SparkManifest } from './job-spec.js';
import type { SparkSettings } from './settings.js';

const STDERR_TAIL = 16 * 1024;

export interface DriverOptions {
  settings: SparkSettings;
  specPath: string;
  signal?: AbortSignal;
  log: Logger;
  onEvent(e: DriverEvent): void;
  /** Called with the process group id once the driver runs. */
  onStart?(pgid: number): void;
}

/** Members of process group `pgid` that are not zombies (Linux /proc; elsewhere kill(-pgid, 0)). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!existsSync('/proc/self/stat')) return true;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so split after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM to the group, SIGKILL after `graceMs`; resolves once no member is left (or 5 s after the SIGKILL). */
export async function stopGroup(pgid: number, graceMs: number): Promise<void> {
  const signalGroup = (sig: NodeJS.Signals) => { try { process.kill(-pgid, sig); } catch { /* already gone */ } };
  const waitGone = async (ms: number) => {
    for (const until = Date.now() + ms; groupAlive(pgid); await sleep(50)) if (Date.now() > until) return false;
    return true;
  };
  if (!groupAlive(pgid)) return;
  signalGroup('SIGTERM');
  if (await waitGone(graceMs)) return;
  signalGroup('SIGKILL');
  await waitGone(5000);
}

/** Kills the driver group recorded in a run directory's driver.pid, if it still runs that driver. */
export async function killLeftoverDriver(pidFile: string): Promise<boolean> {
  let pgid: number;
  try { pgid = Number(readFileSync(pidFile, 'utf8').trim()); } catch { return false; }
  if (!Number.isInteger(pgid) || pgid <= 1 || !groupAlive(pgid)) return false;
  try {
    // A recycled pid leads another group: only a group whose leader still runs the driver is ours.
    if (!readFileSync(`/proc/${pgid}/cmdline`, 'utf8').includes('driver.py')) return false;
  } catch {
    if (existsSync('/proc/self')) return false;
  }
  await stopGroup(pgid, 0);
  return true;
}

function command(s: SparkSettings, specPath: string): { file: string; args: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
  // A local master binds to loopback unless told otherwise (Spark would look for a routable address).
  if (s.master.startsWith('local') && env.SPARK_LOCAL_IP === undefined) env.SPARK_LOCAL_IP = '127.0.0.1';
  if (!s.submit) return { file: s.python, args: [DRIVER_PATH, specPath], env };
  const conf = Object.entries(s.conf).flatMap(([k, v]) => ['--conf', `${k}=${v}`]);
  const master = s.master.startsWith('sc://') ? ['--remote', s.master] : ['--master', s.master];
  return { file: s.submit, args: [...master, ...conf, DRIVER_PATH, specPath], env: { ...env, PYSPARK_PYTHON: s.python, PYSPARK_DRIVER_PYTHON: s.python } };
}

/** Runs the driver to its end: resolves with its manifest, rejects with Spark's message or CancelledError. */
export function runDriver(o: DriverOptions): Promise<SparkManifest> {
  const { file, args, env } = command(o.settings, o.specPath);
  return new Promise<SparkManifest>((resolve, reject) => {
    if (o.signal?.aborted) { reject(new CancelledError('spark job cancelled', { cause: o.signal.reason })); return; }
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    let stderr = '';
    let done: SparkManifest | undefined;
    let failure: string | undefined;
    let stopping: Promise<void> | undefined;
    const pgid = child.pid;
    const stop = () => {
      if (pgid !== undefined) stopping ??= stopGroup(pgid, o.settings.stopGraceMs);
      return stopping ?? Promise.resolve();
    };
    const onAbort = () => { void stop(); };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      failure = `cannot start the Spark driver with ${file}: ${err.message} (set --spark-python or --spark-submit)`;
      if (pgid === undefined) { o.signal?.removeEventListener('abort', onAbort); reject(new FailedPreconditionError(failure)); }
    });
    if (pgid !== undefined) o.onStart?.(pgid);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const e = parseDriverLine(line);
      if (!e) { o.log.debug({ spark: line }, 'spark driver output'); return; }
      if (e.event === 'done') done = e.manifest;
      else if (e.event === 'error') failure = e.message;
      o.onEvent(e);
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-STDERR_TAIL);
    });
    createInterface({ input: child.stderr }).on('line', (line) => o.log.debug({ spark: line }, 'spark driver log'));
    child.on('close', (code, sig) => {
      o.signal?.removeEventListener('abort', onAbort);
      // Members that outlive the driver (a JVM still shutting down) are stopped before the job ends.
      void stop().then(() => {
        if (o.signal?.aborted) reject(new CancelledError('spark job cancelled', { cause: o.signal.reason }));
        else if (code === 0 && done) resolve(done);
        else {
          const tail = stderr.trim().split('\n').filter((l) => /\S/.test(l)).slice(-5).join(' | ');
          const why = failure ?? (tail || `exit ${code ?? sig}`);
          reject(new FailedPreconditionError(`spark job failed: ${why}`));
        }
      });
    });
  });
}
