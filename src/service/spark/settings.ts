/**
 * How the service reaches Spark (README "Training on a Spark cluster"): the master, the interpreter or
 * spark-submit that runs the driver (spark/driver.py), extra Spark properties, and the staging location
 * of the data exchange. config.ts reads them from flags and the environment; the Spark trainer takes
 * them compiled. A setting left out takes its default.
 *
 * Staging: a plain path is a directory that the service and every Spark process can read and write (the
 * default, `<data-dir>/spark-staging`, suits local[N] and a cluster on a shared mount, where this service
 * keeps its runs in a subdirectory of its own: localStagingRoot). A URI with a scheme
 * (s3a://bucket/prefix, hdfs://namenode/path, gs://..., abfs://..., file:///...) is a Hadoop filesystem the
 * cluster reads: the service still writes and reads its half in `<data-dir>/spark-staging`, and the driver
 * copies the input there and the factors back.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../../errors.js';

export interface SparkSettings {
  /**
   * `local`, `local[N]`, `local[*]` (default local[<cores>]), `spark://host:port` (standalone), `k8s://https://host:port`,
   * `yarn`, or a Spark Connect URL `sc://host:port`.
   */
  master: string;
  /** The Python interpreter that runs the driver (default: the project's .venv when it exists, else python3). */
  python: string;
  /** A Spark installation's spark-submit to launch the driver with (default: none, pyspark in `python` launches Spark). */
  submit?: string;
  /** Extra Spark properties (`--conf key=value`). */
  conf: Record<string, string>;
  /** Where Spark reads the input and writes the factors: a directory path or a Hadoop filesystem URI (module comment). */
  staging: string;
  /** Keep a failed job's staging files (to look at them); a successful job's are always removed. */
  keepFailedStaging: boolean;
  /** Spark ALS's checkpointInterval (iterations between checkpoints of the factors; default 10, 0 = never). */
  checkpointInterval: number;
  /** Spark ALS's numUserBlocks and numItemBlocks (default 0: Spark's default parallelism, at least 2). */
  blocks: number;
  /** After a cancel, how long the driver may take to stop before its process group is killed (ms). */
  stopGraceMs: number;
}

export const SPARK_MASTER_RE = /^(local(\[(\*|[1-9]\d*)(,[1-9]\d*)?\])?|local-cluster\[[^\]]+\]|yarn|(spark|k8s|mesos|sc):\/\/\S+)$/;

/** The project's virtual environment (scripts/install-python-deps.mjs), from src/ or dist/. */
const PROJECT_PYTHON = fileURLToPath(new URL('../../../.venv/bin/python', import.meta.url));

/** What a disk-full error calls the local staging root (data-dir.ts diskFullError). */
export const SPARK_STAGING = 'the Spark staging directory';

/** Whether a staging location is a URI (copied by the driver) rather than a shared directory. */
export function isStagingUri(staging: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(staging);
}

/** `key=value` pairs separated by newlines or `;` (RECOMMENDER_SPARK_CONF), or a list of them (flags). */
export function parseSparkConf(v: string | readonly string[] | undefined, field = 'sparkConf'): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const pairs = typeof v === 'string' ? v.split(/[;\n]/) : v;
  const out: Record<string, string> = {};
  for (const raw of pairs) {
    const p = raw.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`${field}: "${p}" is not key=value`, { field });
    out[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return out;
}

function int(name: string, v: number | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${v}`, { field: name });
  return v;
}

/**
 * The service's own local half of the staging, one directory per run below it: `<data-dir>/spark-staging`
 * by default or when staging is a URI; with a plain staging path (a mount shared with the cluster), a
 * subdirectory of it named after this service (host name and data directory), so that the start-up clean-up
 * of one service never removes another's runs on the same mount.
 */
export function localStagingRoot(settings: Pick<SparkSettings, 'staging'>, dataDirStaging: string, dataDir: string): string {
  if (isStagingUri(settings.staging) || resolve(settings.staging) === resolve(dataDirStaging)) return dataDirStaging;
  const id = createHash('sha256').update(`${hostname()}:${resolve(dataDir)}`).digest('hex').slice(0, 12);
  return join(settings.staging, `recommender-${id}`);
}

/** Defaults and validation (errors name the option: sparkMaster, sparkStaging, ...). */
export function compileSparkSettings(s: Partial<SparkSettings>, defaultStaging: string): SparkSettings {
  const master = s.master ?? `local[${availableParallelism()}]`;
  if (!SPARK_MASTER_RE.test(master)) {
    throw new InvalidArgumentError(`sparkMaster must be local[N], spark://host:port, k8s://..., yarn or a Spark Connect URL sc://host:port, got "${master}"`, { field: 'sparkMaster' });
  }
  const staging = s.staging || defaultStaging;
  for (const [k, v] of Object.entries(s.conf ?? {})) {
    if (!k || typeof v !== 'string') throw new InvalidArgumentError(`sparkConf: "${k}" needs a string value`, { field: 'sparkConf' });
  }
  return {
    master,
    python: s.python || (existsSync(PROJECT_PYTHON) ? PROJECT_PYTHON : 'python3'),
    submit: s.submit || undefined,
    conf: { ...(s.conf ?? {}) },
    staging: isStagingUri(staging) ? staging.replace(/\/+$/, '') : resolve(staging),
    keepFailedStaging: s.keepFailedStaging ?? false,
    checkpointInterval: int('sparkCheckpointInterval', s.checkpointInterval, 10, 0),
    blocks: int('sparkBlocks', s.blocks, 0, 0),
    stopGraceMs: int('sparkStopGraceMs', s.stopGraceMs, 10_000, 0),
  };
}
