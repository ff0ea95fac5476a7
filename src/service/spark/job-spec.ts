/**
 * The service's half of the contract with the Spark driver (spark/driver.py, the other half): the job
 * spec the service writes, the events the driver prints on stdout (JSON lines tagged
 * `recommender_spark`), and the manifest it writes beside the factors. Both sides check SPEC_VERSION; a
 * change to any of these shapes changes it on both sides.
 *
 * The files of one run, in its local directory `<data-dir>/spark-staging/<run>/`:
 *
 *   spec.json              the job spec (below)
 *   driver.pid             the driver's process group, while it runs (a restart kills a group left behind)
 *   input/part-*.parquet   source_index int32, target_index int32, weight float32 (one row per nonzero)
 *   output/user_factors/   id int32, features array<float32> (Spark's ALSModel.userFactors), Parquet
 *   output/item_factors/   the same for the targets
 *   output/manifest.json   what ran where (Manifest)
 *   checkpoints/           Spark's ALS checkpoints (with a shared-directory staging)
 *
 * With a staging URI the driver copies input/ to `<uri>/<run>/input` first and `<uri>/<run>/output` back
 * into output/ after, and removes `<uri>/<run>`.
 */
import { fileURLToPath } from 'node:url';

export const SPEC_VERSION = 1;

/** spark/driver.py, from src/ or dist/. */
export const DRIVER_PATH = fileURLToPath(new URL('../../../spark/driver.py', import.meta.url));

/** pyspark.ml.recommendation.ALS's parameters, by their Spark names. */
export interface SparkAlsParams {
  rank: number;
  maxIter: number;
  regParam: number;
  alpha: number;
  implicitPrefs: true;
  seed: number;
  checkpointInterval: number;
  numUserBlocks: number;
  numItemBlocks: number;
}

export interface SparkJobSpec {
  version: typeof SPEC_VERSION;
  master: string;
  appName: string;
  conf: Record<string, string>;
  /** Where Spark reads the interactions and writes the factors (a path or a URI). */
  input: string;
  output: string;
  checkpointDir: string | null;
  /** Local input -> staging URI, before the fit; staging URI -> local output, after. */
  upload: { source: string; target: string } | null;
  download: { source: string; target: string } | null;
  /** The run's directory under a staging URI, removed at the end. */
  remoteRoot: string | null;
  keepOnFailure: boolean;
  /** Local path of the manifest the driver writes. */
  manifest: string;
  /** The service's pid: the driver kills its process group once it is gone. */
  parentPid: number;
  als: SparkAlsParams;
}

export interface SparkManifest {
  version: number;
  applicationId: string | null;
  master: string;
  sparkVersion: string;
  rank: number;
  userFactors: string;
  itemFactors: string;
  fitSeconds: number;
  iterations: number;
  executors: number | null;
}

export type DriverEvent =
  | { event: 'session'; applicationId: string | null; master: string; sparkVersion: string; parallelism: number | null }
  | { event: 'iteration'; iteration: number; iterations: number; seconds: number }
  | { event: 'warning'; message: string }
  | { event: 'done'; manifest: SparkManifest }
  | { event: 'error'; message: string; exception?: string };

/** A driver event from one line of its stdout, or undefined for Spark's own output. */
export function parseDriverLine(line: string): DriverEvent | undefined {
  if (!line.startsWith('{') || !line.includes('"recommender_spark"')) return undefined;
  try {
    const v = JSON.parse(line) as { recommender_spark?: unknown; event?: unknown };
    return v.recommender_spark === SPEC_VERSION && typeof v.event === 'string' ? (v as unknown as DriverEvent) : undefined;
  } catch {
    return undefined;
  }
}
