/**
 * Server options as a user gives them (flags, environment, or code). `optionsFromEnv` is the one place
 * that reads the service's environment variables, and `compileServerOptions` the one place that applies
 * defaults and validates; everything downstream takes `CompiledServerOptions` (or the part it needs).
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ENGINE_BACKENDS } from './engine/options.js';
import { engineSettings, type EngineSettings } from './engine/settings.js';
import type { TrainingHold } from './engine/train-protocol.js';
import { InvalidArgumentError } from './errors.js';
import { DataDir } from './data-dir.js';
import { compileSparkSettings, parseSparkConf, type SparkSettings } from './service/spark/settings.js';

export interface ServerOptions {
  /** Data directory (SQLite catalog + Arrow files). Env RECOMMENDER_DATA_DIR, default ./data. */
  dataDir?: string;
  /** Listen host (default 127.0.0.1; env RECOMMENDER_HOST) and port (default 50051; 0 = any free port). */
  host?: string;
  port?: number;
  /**
   * Port of the HTTP listener on the same host (/metrics, /healthz, the web console): default 50052, 0 = off,
   * 'any' = any free port (tests). Env RECOMMENDER_HTTP_PORT.
   */
  httpPort?: number | 'any';
  /** Completed versions kept per model (default 5; the serving one is always kept). Env RECOMMENDER_MODEL_VERSIONS_KEPT. */
  modelVersionsKept?: number;
  /**
   * Tests only: the named crash point (util/crash-point.ts) blocks the process there, so a test can kill -9
   * it at a chosen step of a rollback or delete. Env RECOMMENDER_CRASH_POINT.
   */
  crashPoint?: string;
  /**
   * Tests only (a server in the test's process): trainings on the worker thread hold part-way as
   * engine/train-protocol.ts TrainingHold says, so a test sees a job at a known iteration.
   */
  trainingHold?: TrainingHold;
  /** API keys; when non-empty every call but health needs `x-api-key` (or `authorization: Bearer`). Env RECOMMENDER_API_KEYS (comma separated). */
  apiKeys?: string[];
  /** TLS: PEM file paths. Both or neither. Env RECOMMENDER_TLS_CERT / RECOMMENDER_TLS_KEY. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Largest accepted upload (Arrow bytes of one ImportBatch), default 2 GiB. Env RECOMMENDER_MAX_UPLOAD_BYTES. */
  maxUploadBytes?: number;
  /**
   * Graceful shutdown: `recommender serve` exits within this long after SIGTERM/SIGINT whatever is running
   * (open calls are cancelled a second before it), default 10 s. Env RECOMMENDER_SHUTDOWN_GRACE_MS.
   */
  shutdownGraceMs?: number;
  /** Training jobs running at once (default 1); others queue. Env RECOMMENDER_TRAINING_CONCURRENCY. */
  trainingConcurrency?: number;
  /** Engine backend: auto | tensorflow | webgpu | wasm | cpu | native-cpu | spark. Env RECOMMENDER_BACKEND. */
  backend?: string;
  /** CPU worker threads for training (default: cores, at most maxWorkers). Env RECOMMENDER_WORKERS. */
  workers?: number;
  /**
   * The most worker threads one job may use (a Train's hyperparameters.workers above it is INVALID_ARGUMENT),
   * also the most uploads processed at once. Default: the machine's cores. Env RECOMMENDER_MAX_WORKERS.
   */
  maxWorkers?: number;
  /** Webhook signing secret (`whsec_` + base64). Env RECOMMENDER_WEBHOOK_SECRET; generated and stored in the data dir when absent. */
  webhookSecret?: string;
  /** Retry schedule of webhook deliveries in ms (default 5s, 30s, 2m, 10m, 30m, 2h), and request timeout (default 15 s). */
  webhookRetryScheduleMs?: number[];
  webhookTimeoutMs?: number;
  /** Hosts/CIDRs that callbacks may target even though they are private/loopback (tests: 127.0.0.1). Env RECOMMENDER_WEBHOOK_ALLOW. */
  webhookAllowlist?: string[];
  /** Memory budget of models held in memory for serving, default 2 GiB. */
  modelCacheBytes?: number;
  /** Worker threads that score Recommend calls off the event loop (default 1; 0 = on the event loop). Env RECOMMENDER_SERVING_THREADS. */
  servingThreads?: number;
  /** Score with the WebAssembly SIMD kernel (default true; false = the plain JS kernel). Env RECOMMENDER_WASM_SCORING=0 turns it off. */
  wasmScoring?: boolean;
  /** Rank through the exact int8 prefilter where k allows it (default true). Env RECOMMENDER_SERVING_PREFILTER=0 turns it off. */
  servingPrefilter?: boolean;
  /**
   * A ranking whose work (multiply-adds: targets x factors for an exact pass, about 128 x factors per
   * candidate through the ANN index) is at most this runs on the event loop instead of a scoring thread:
   * below it the thread hop costs more CPU than it spares the loop. Default 2,097,152 (an exact pass over
   * 32k targets at k = 64); 0 = every ranking on a scoring thread. Env RECOMMENDER_SERVING_INLINE_WORK.
   */
  servingInlineWork?: number;
  /**
   * Recommend on catalogs of at least this many targets goes through an approximate nearest-neighbour
   * index (HNSW, serving/ann-index.ts) unless a request asks for `exact`; default 100,000, 0 = no index.
   * Env RECOMMENDER_ANN_THRESHOLD_TARGETS.
   */
  annThresholdTargets?: number;
  /** Recall@10 the index's search breadth is calibrated to when it is built (default 0.95). Env RECOMMENDER_ANN_RECALL. */
  annRecall?: number;
  /** Threads that build an index (default: cores). Env RECOMMENDER_ANN_BUILD_THREADS. */
  annBuildThreads?: number;
  logLevel?: string;
  /**
   * How the engine runs (engine/settings.ts). Env RECOMMENDER_WASM_BATCH_MATMUL=0 (tfjs's stock BatchMatMul on
   * the wasm backend), NATIVE_CPU_KERNEL=js|wasm (native-cpu's row kernel), NATIVE_CPU_RELAXED_SIMD=0 (its plain
   * SIMD build instead of the fused multiply-add one).
   */
  engine?: Partial<EngineSettings>;
  /**
   * The Spark trainer (service/spark/settings.ts). Env RECOMMENDER_SPARK_MASTER, RECOMMENDER_SPARK_PYTHON,
   * RECOMMENDER_SPARK_SUBMIT, RECOMMENDER_SPARK_CONF (key=value pairs separated by ';' or newlines),
   * RECOMMENDER_SPARK_STAGING, RECOMMENDER_SPARK_KEEP_FAILED_STAGING=1, RECOMMENDER_SPARK_CHECKPOINT_INTERVAL,
   * RECOMMENDER_SPARK_BLOCKS.
   */
  spark?: Partial<SparkSettings>;
}

export interface CompiledServerOptions {
  dataDir: string;
  host: string;
  port: number;
  /** undefined = off. */
  http?: { port: number | 'any'; /** false when the port is the default: then a port in use only turns HTTP off (with a warning). */ explicit: boolean };
  modelVersionsKept: number;
  crashPoint?: string;
  trainingHold?: TrainingHold;
  apiKeys: string[];
  tls?: { certFile: string; keyFile: string };
  maxUploadBytes: number;
  shutdownGraceMs: number;
  trainingConcurrency: number;
  backend: string;
  workers: number;
  maxWorkers: number;
  webhookSecret?: string;
  webhookRetryScheduleMs: number[];
  webhookTimeoutMs: number;
  webhookAllowlist: string[];
  modelCacheBytes: number;
  servingThreads: number;
  wasmScoring: boolean;
  servingPrefilter: boolean;
  servingInlineWork: number;
  annThresholdTargets: number;
  annRecall: number;
  annBuildThreads: number;
  logLevel: string;
  engine: EngineSettings;
  spark: SparkSettings;
}

/** The default delays before webhook retries 1..6: 5 s, 30 s, 2 min, 10 min, 30 min, 2 h. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [5_000, 30_000, 120_000, 600_000, 1_800_000, 7_200_000];
const MAX_WEBHOOK_RETRIES = 50;
/** The HTTP listener's default port (metrics, health, console). */
export const DEFAULT_HTTP_PORT = 50052;


function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}
function num(v: string | undefined): number | undefined {
  return v === undefined || v === '' ? undefined : Number(v);
}
/** `--http-port` / RECOMMENDER_HTTP_PORT: a number, or 'any'. */
export function httpPortOf(v: string | undefined): number | 'any' | undefined {
  if (v === undefined || v === '') return undefined;
  return v.trim().toLowerCase() === 'any' ? 'any' : Number(v);
}
/** A switch that is on unless set to 0 / false / off. */
function onUnlessOff(v: string | undefined): boolean | undefined {
  return v === undefined || v === '' ? undefined : !['0', 'false', 'off'].includes(v.trim().toLowerCase());
}

/** Options read from the environment (flags given in code or on the command line win). */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): ServerOptions {
  return {
    dataDir: env.RECOMMENDER_DATA_DIR,
    host: env.RECOMMENDER_HOST,
    port: num(env.RECOMMENDER_PORT),
    httpPort: httpPortOf(env.RECOMMENDER_HTTP_PORT),
    modelVersionsKept: num(env.RECOMMENDER_MODEL_VERSIONS_KEPT),
    crashPoint: env.RECOMMENDER_CRASH_POINT || undefined,
    apiKeys: list(env.RECOMMENDER_API_KEYS),
    tlsCertFile: env.RECOMMENDER_TLS_CERT,
    tlsKeyFile: env.RECOMMENDER_TLS_KEY,
    maxUploadBytes: num(env.RECOMMENDER_MAX_UPLOAD_BYTES),
    shutdownGraceMs: num(env.RECOMMENDER_SHUTDOWN_GRACE_MS),
    trainingConcurrency: num(env.RECOMMENDER_TRAINING_CONCURRENCY),
    backend: env.RECOMMENDER_BACKEND,
    workers: num(env.RECOMMENDER_WORKERS),
    maxWorkers: num(env.RECOMMENDER_MAX_WORKERS),
    webhookSecret: env.RECOMMENDER_WEBHOOK_SECRET,
    webhookAllowlist: list(env.RECOMMENDER_WEBHOOK_ALLOW),
    webhookRetryScheduleMs: list(env.RECOMMENDER_WEBHOOK_RETRY_SCHEDULE_MS)?.map(Number),
    webhookTimeoutMs: num(env.RECOMMENDER_WEBHOOK_TIMEOUT_MS),
    modelCacheBytes: num(env.RECOMMENDER_MODEL_CACHE_BYTES),
    servingThreads: num(env.RECOMMENDER_SERVING_THREADS),
    wasmScoring: onUnlessOff(env.RECOMMENDER_WASM_SCORING),
    servingPrefilter: onUnlessOff(env.RECOMMENDER_SERVING_PREFILTER),
    servingInlineWork: num(env.RECOMMENDER_SERVING_INLINE_WORK),
    annThresholdTargets: num(env.RECOMMENDER_ANN_THRESHOLD_TARGETS),
    annRecall: num(env.RECOMMENDER_ANN_RECALL),
    annBuildThreads: num(env.RECOMMENDER_ANN_BUILD_THREADS),
    logLevel: env.LOG_LEVEL,
    engine: engineSettingsFromEnv(env),
    spark: {
      master: env.RECOMMENDER_SPARK_MASTER || undefined, python: env.RECOMMENDER_SPARK_PYTHON || undefined, submit: env.RECOMMENDER_SPARK_SUBMIT || undefined,
      conf: parseSparkConf(env.RECOMMENDER_SPARK_CONF, 'RECOMMENDER_SPARK_CONF'), staging: env.RECOMMENDER_SPARK_STAGING || undefined,
      keepFailedStaging: onUnlessOff(env.RECOMMENDER_SPARK_KEEP_FAILED_STAGING),
      checkpointInterval: num(env.RECOMMENDER_SPARK_CHECKPOINT_INTERVAL), blocks: num(env.RECOMMENDER_SPARK_BLOCKS),
    },
  };
}

/** The engine's settings given in the environment (unset ones are left out). */
export function engineSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<EngineSettings> {
  const off = (v: string | undefined) => (v === undefined || v === '' ? undefined : v !== '0');
  const kernel = env.NATIVE_CPU_KERNEL;
  if (kernel !== undefined && kernel !== '' && kernel !== 'js' && kernel !== 'wasm') {
    throw new InvalidArgumentError(`NATIVE_CPU_KERNEL must be js or wasm, got "${kernel}"`, { field: 'NATIVE_CPU_KERNEL' });
  }
  return {
    wasmBatchMatMul: off(env.RECOMMENDER_WASM_BATCH_MATMUL),
    nativeCpuKernel: kernel === 'js' || kernel === 'wasm' ? kernel : undefined,
    relaxedSimd: off(env.NATIVE_CPU_RELAXED_SIMD),
  };
}

function positiveInt(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${v}`, { field: name });
  return v;
}

/** The one rule for the webhook retry schedule: at most 50 integer delays >= 0 ms. */
export function compileRetrySchedule(schedule: readonly number[] | undefined): number[] {
  const s = schedule ?? DEFAULT_WEBHOOK_RETRY_SCHEDULE_MS;
  if (!Array.isArray(s) || s.length > MAX_WEBHOOK_RETRIES || !s.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidArgumentError(`webhookRetryScheduleMs must be a list of at most ${MAX_WEBHOOK_RETRIES} integer delays >= 0 ms, got ${JSON.stringify(s)}`, { field: 'webhookRetryScheduleMs' });
  }
  return [...s];
}

function mergeNested<K extends 'engine' | 'spark'>(layers: readonly ServerOptions[], key: K): NonNullable<ServerOptions[K]> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) for (const [k, v] of Object.entries(layer[key] ?? {})) if (v !== undefined) out[k] = v;
  return out as NonNullable<ServerOptions[K]>;
}

export function compileServerOptions(...layers: ServerOptions[]): CompiledServerOptions {
  const o: ServerOptions = {};
  for (const layer of layers) for (const [k, v] of Object.entries(layer)) if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  // The engine's and Spark's settings merge setting by setting (a layer that sets one keeps the others).
  o.engine = mergeNested(layers, 'engine');
  o.spark = mergeNested(layers, 'spark');
  if ((o.tlsCertFile === undefined) !== (o.tlsKeyFile === undefined)) {
    throw new InvalidArgumentError('TLS needs both a certificate and a key file', { field: o.tlsCertFile ? 'tlsKeyFile' : 'tlsCertFile' });
  }
  const backend = o.backend ?? 'auto';
  if (!(ENGINE_BACKENDS as readonly string[]).includes(backend)) {
    throw new InvalidArgumentError(`backend must be one of ${ENGINE_BACKENDS.join(', ')}, got "${backend}"`, { field: 'backend' });
  }
  const maxWorkers = positiveInt('maxWorkers', o.maxWorkers, availableParallelism());
  const workers = positiveInt('workers', o.workers, Math.min(availableParallelism(), maxWorkers));
  if (workers > maxWorkers) {
    throw new InvalidArgumentError(`workers (${workers}) is above maxWorkers (${maxWorkers}, default the machine's ${availableParallelism()} cores): raise maxWorkers (--max-workers, RECOMMENDER_MAX_WORKERS) to use more`, { field: 'workers' });
  }
  if (o.annRecall !== undefined && !(o.annRecall > 0 && o.annRecall <= 1)) {
    throw new InvalidArgumentError(`annRecall must be in (0, 1], got ${o.annRecall}`, { field: 'annRecall' });
  }
  if (o.webhookSecret !== undefined && !o.webhookSecret.startsWith('whsec_')) {
    throw new InvalidArgumentError('webhookSecret must look like whsec_<base64>', { field: 'webhookSecret' });
  }
  const dataDir = resolve(o.dataDir ?? './data');
  let http: CompiledServerOptions['http'];
  if (o.httpPort === 'any') http = { port: 'any', explicit: true };
  else {
    const httpPort = positiveInt('httpPort', o.httpPort, DEFAULT_HTTP_PORT, 0);
    if (httpPort > 65535) throw new InvalidArgumentError(`httpPort must be 0..65535 or "any", got ${httpPort}`, { field: 'httpPort' });
    http = httpPort === 0 ? undefined : { port: httpPort, explicit: o.httpPort !== undefined };
  }
  return {
    dataDir,
    host: o.host ?? '127.0.0.1',
    port: positiveInt('port', o.port, 50051, 0),
    http,
    modelVersionsKept: positiveInt('modelVersionsKept', o.modelVersionsKept, 5),
    crashPoint: o.crashPoint,
    trainingHold: o.trainingHold,
    apiKeys: o.apiKeys ?? [],
    tls: o.tlsCertFile && o.tlsKeyFile ? { certFile: o.tlsCertFile, keyFile: o.tlsKeyFile } : undefined,
    maxUploadBytes: positiveInt('maxUploadBytes', o.maxUploadBytes, 2 * 1024 ** 3),
    shutdownGraceMs: positiveInt('shutdownGraceMs', o.shutdownGraceMs, 10_000, 0),
    trainingConcurrency: positiveInt('trainingConcurrency', o.trainingConcurrency, 1),
    backend,
    workers,
    maxWorkers,
    webhookSecret: o.webhookSecret,
    webhookRetryScheduleMs: compileRetrySchedule(o.webhookRetryScheduleMs),
    webhookTimeoutMs: positiveInt('webhookTimeoutMs', o.webhookTimeoutMs, 15_000),
    webhookAllowlist: o.webhookAllowlist ?? [],
    modelCacheBytes: positiveInt('modelCacheBytes', o.modelCacheBytes, 2 * 1024 ** 3),
    servingThreads: positiveInt('servingThreads', o.servingThreads, 1, 0),
    wasmScoring: o.wasmScoring ?? true,
    servingPrefilter: o.servingPrefilter ?? true,
    servingInlineWork: positiveInt('servingInlineWork', o.servingInlineWork, 2_097_152, 0),
    annThresholdTargets: positiveInt('annThresholdTargets', o.annThresholdTargets, 100_000, 0),
    annRecall: o.annRecall ?? 0.95,
    annBuildThreads: positiveInt('annBuildThreads', o.annBuildThreads, availableParallelism()),
    logLevel: o.logLevel ?? 'info',
    engine: engineSettings(o.engine),
    spark: compileSparkSettings(o.spark, new DataDir(dataDir).sparkStagingDir),
  };
}
