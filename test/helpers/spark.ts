/**
 * What the Spark tests share: whether pyspark and Java are here (in CI they must be), Spark settings
 * that keep the JVM small and quiet, the processes of a driver's process group read from /proc (not
 * through the code under test), the driver group of a running job, a real standalone cluster (a
 * master and one worker from the pip package's spark-class on 127.0.0.1), and a real Spark Connect
 * server (the pip package's SparkConnectServer through its spark-submit, on 127.0.0.1).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { python, pythonLacks } from '../../scripts/python.mjs';
import { expect } from 'vitest';
import { INTERRUPTED } from '../../src/service/jobs/job-scheduler.js';
import type { SparkSettings } from '../../src/service/spark/settings.js';
import { createClient } from '../../src/transport/client.js';
import { spawnServe, type ServeProcess } from './cli.js';
import { getStatus } from './jobs.js';

function javaLacks(): string | undefined {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'java is not on PATH (Spark 4 needs Java 17+: apt-get install openjdk-17-jre-headless)';
  }
}

/** Why the Spark tests cannot run here, or undefined. In CI a missing piece is an error, never a skip. */
export const sparkMissing = pythonLacks(['pyspark', 'pyarrow']) ?? javaLacks();
if (sparkMissing && process.env.CI === 'true') throw new Error(`CI: the Spark tests must run: ${sparkMissing}`);

/** Spark properties of the tests: no UI, few partitions, a JVM that starts fast (C1 only) and stays small. */
export const TEST_SPARK_CONF: Record<string, string> = {
  'spark.ui.enabled': 'false',
  'spark.ui.showConsoleProgress': 'false',
  'spark.sql.shuffle.partitions': '4',
  'spark.default.parallelism': '2',
  'spark.driver.memory': '512m',
  'spark.driver.extraJavaOptions': '-XX:TieredStopAtLevel=1',
  'spark.executor.extraJavaOptions': '-XX:TieredStopAtLevel=1',
};

/** Server options' `spark` for the tests (the venv's python, two blocks, tiny data). */
export function testSparkSettings(over: Partial<SparkSettings> = {}): Partial<SparkSettings> {
  return { master: 'local[2]', python, conf: { ...TEST_SPARK_CONF }, blocks: 2, stopGraceMs: 5000, ...over };
}

/** RECOMMENDER_SPARK_* of a server started as a process, for the same settings. */
export function testSparkEnv(master = 'local[1]'): NodeJS.ProcessEnv {
  return {
    RECOMMENDER_SPARK_MASTER: master, RECOMMENDER_SPARK_PYTHON: python, RECOMMENDER_SPARK_BLOCKS: '2',
    RECOMMENDER_SPARK_CONF: Object.entries(TEST_SPARK_CONF).map(([k, v]) => `${k}=${v}`).join(';'),
  };
}

export interface ProcessInfo { pid: number; state: string; comm: string }

/** The live (non-zombie) processes whose process group is `pgid`, read from /proc. */
export function processGroup(pgid: number): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') out.push({ pid: Number(name), state: state!, comm });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** The process group of the Spark driver running in `dataDir` (from its run directory's driver.pid). */
export function runningDriverGroup(dataDir: string): number | undefined {
  const root = join(dataDir, 'spark-staging');
  if (!existsSync(root)) return undefined;
  for (const run of readdirSync(root)) {
    const f = join(root, run, 'driver.pid');
    if (existsSync(f)) return Number(readFileSync(f, 'utf8'));
  }
  return undefined;
}

/** Entries left in the local staging directory of `dataDir`. */
export function stagingLeft(dataDir: string): string[] {
  const root = join(dataDir, 'spark-staging');
  return existsSync(root) ? readdirSync(root) : [];
}

export interface StandaloneCluster {
  master: string;
  /** The worker's work directory: one folder per application that ran executors there. */
  workDir: string;
  stop(): Promise<void>;
}

function sparkHome(): string {
  return execFileSync(python, ['-c', 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'], { encoding: 'utf8' }).trim();
}

/** The pip package's own spark-submit (a Spark installation's launcher, as --spark-submit takes it). */
export function sparkSubmit(): string {
  return join(sparkHome(), 'bin', 'spark-submit');
}

/**
 * Starts a JVM daemon of the pip package (bin/`launcher`) in a process group of its own; resolves when
 * `ready` matches its log; `log()` is all of its output so far.
 */
function daemon(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, launcher = 'spark-class'): { child: ChildProcess; found: Promise<RegExpMatchArray>; log(): string } {
  const child = spawn(join(sparkHome(), 'bin', launcher), args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  const found = new Promise<RegExpMatchArray>((resolve, reject) => {
    const on = (b: Buffer) => {
      log += b.toString();
      const m = log.match(ready);
      if (m) resolve(m);
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.on('exit', (code) => reject(new Error(`${launcher} ${args.join(' ').slice(0, 200)} exited (${code}): ${log.slice(-2000)}`)));
  });
  return { child, found, log: () => log };
}

async function stopDaemon(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const gone = new Promise((r) => child.once('exit', r));
  const kill = (sig: NodeJS.Signals) => { try { process.kill(-child.pid!, sig); } catch { /* gone */ } };
  kill('SIGTERM');
  const timer = setTimeout(() => kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
  for (let i = 0; i < 100 && processGroup(child.pid).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
}

/** A standalone master and one worker (1 core, 1 GiB) on 127.0.0.1, on free ports. */
export async function startStandaloneCluster(): Promise<StandaloneCluster> {
  const workDir = mkdtempSync(join(tmpdir(), 'spark-worker-'));
  // Their scratch space (and the executors') inside workDir, removed with it.
  const env = { SPARK_LOCAL_IP: '127.0.0.1', SPARK_DAEMON_MEMORY: '256m', SPARK_DAEMON_JAVA_OPTS: '-XX:TieredStopAtLevel=1', SPARK_LOCAL_DIRS: join(workDir, 'local') };
  const master = daemon(['org.apache.spark.deploy.master.Master', '--host', '127.0.0.1', '--port', '0', '--webui-port', '0'], env, /Starting Spark master at (spark:\/\/127\.0\.0\.1:\d+)/);
  let worker: ReturnType<typeof daemon> | undefined;
  try {
    const url = (await master.found)[1]!;
    worker = daemon(['org.apache.spark.deploy.worker.Worker', url, '--host', '127.0.0.1', '--cores', '1', '--memory', '1g', '--webui-port', '0', '--work-dir', workDir], env, /Successfully registered with master/);
    await worker.found;
    return {
      master: url, workDir,
      stop: async () => {
        await stopDaemon(worker!.child);
        await stopDaemon(master.child);
        rmSync(workDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (worker) await stopDaemon(worker.child);
    await stopDaemon(master.child);
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
}

export interface ConnectServer {
  /** sc://127.0.0.1:PORT */
  url: string;
  /** The server's Spark application (every Connect session's work runs in it). */
  applicationId: string;
  /** The server's Spark jobs, read from its UI's REST API (not through the code under test). */
  jobs(): Promise<{ total: number; running: number }>;
  stop(): Promise<void>;
}

/**
 * A Spark Connect server (SparkConnectServer of the pip package, launched with its spark-submit) on
 * local[2] at 127.0.0.1, on free ports, small and quiet as the other Spark JVMs of the tests; with a
 * checkpoint directory (ALS checkpoints there) and its UI on a free port only for its REST API, which is
 * how the tests see whether work still runs in it.
 */
export async function startConnectServer(): Promise<ConnectServer> {
  const dir = mkdtempSync(join(tmpdir(), 'spark-connect-'));
  const env = { SPARK_LOCAL_IP: '127.0.0.1', SPARK_LOCAL_DIRS: join(dir, 'local') };
  const conf = {
    'spark.connect.grpc.binding.address': '127.0.0.1', 'spark.connect.grpc.binding.port': '0',
    ...TEST_SPARK_CONF, 'spark.ui.enabled': 'true', 'spark.ui.port': '0', 'spark.checkpoint.dir': pathToFileURL(join(dir, 'checkpoints')).href,
  };
  const args = ['--class', 'org.apache.spark.sql.connect.service.SparkConnectServer', '--master', 'local[2]', '--name', 'recommender-engine test connect server',
    ...Object.entries(conf).flatMap(([k, v]) => ['--conf', `${k}=${v}`])];
  const server = daemon(args, env, /Spark Connect server started at: (127\.0\.0\.1:\d+)/, 'spark-submit');
  try {
    const address = (await server.found)[1]!;
    const ui = /Successfully started service 'SparkUI' on port (\d+)/.exec(server.log())?.[1];
    if (!ui) throw new Error(`the Connect server did not report its UI port: ${server.log().slice(-2000)}`);
    const rest = async <T>(path: string): Promise<T> => {
      const res = await fetch(`http://127.0.0.1:${ui}/api/v1/applications${path}`);
      if (!res.ok) throw new Error(`Spark REST ${path}: HTTP ${res.status}`);
      return (await res.json()) as T;
    };
    const [app] = await rest<Array<{ id: string }>>('');
    return {
      url: `sc://${address}`, applicationId: app!.id,
      jobs: async () => {
        const jobs = await rest<Array<{ status: string }>>(`/${app!.id}/jobs`);
        return { total: jobs.length, running: jobs.filter((j) => j.status === 'RUNNING').length };
      },
      stop: async () => {
        await stopDaemon(server.child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopDaemon(server.child);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * After the server was killed (-9) during a spark job: restarts `recommender serve` on `dataDir` and
 * checks that the job became "interrupted" and the staging is empty; returns the new server process.
 */
export async function restartExpectingInterrupted(dataDir: string, env: NodeJS.ProcessEnv, jobId: string): Promise<ServeProcess> {
  const serve = spawnServe(dataDir, [], { env });
  const again = createClient({ address: `127.0.0.1:${await serve.ready}` });
  const s = await getStatus(again, { job_id: jobId });
  again.close();
  expect(s.status).toBe('ERROR');
  expect(s.error).toBe(INTERRUPTED);
  expect(stagingLeft(dataDir)).toEqual([]);
  return serve;
}
