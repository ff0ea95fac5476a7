import { describe, expect, it } from 'vitest';
import { compileServerOptions, optionsFromEnv } from '../src/config.js';
import { compileAlsOptions } from '../src/engine/options.js';
import { InvalidArgumentError } from '../src/errors.js';
import { rowLambda } from '../src/engine/regularization.js';
import type { TrainRequest__Output } from '../src/gen/recommender/v1/TrainRequest.js';
import { compileTrainParams } from '../src/service/jobs/train-params.js';
import { SPARK_DEFAULT_REGULARIZATION, SPARK_OBJECTIVE, sparkAlsParams, validateSparkHyperparameters } from '../src/service/spark/hyperparameters.js';
import { parseDriverLine } from '../src/service/spark/job-spec.js';
import { compileSparkSettings, localStagingRoot, parseSparkConf } from '../src/service/spark/settings.js';
import { jobSpec } from '../src/service/spark/spark-trainer.js';

/** The Spark trainer's configuration, job spec and driver protocol, without Spark (spark-train.test.ts runs it). */
function fieldOfThrown(f: () => unknown): string | undefined {
  try { f(); } catch (err) { expect(err).toBeInstanceOf(InvalidArgumentError); return (err as InvalidArgumentError).field; }
  throw new Error('expected an InvalidArgumentError');
}

describe('spark settings', () => {
  it('come from the environment and flags, with defaults under the data directory', () => {
    const o = compileServerOptions(optionsFromEnv({
      RECOMMENDER_SPARK_MASTER: 'spark://10.0.0.5:7077', RECOMMENDER_SPARK_CONF: 'spark.executor.memory=8g; spark.driver.extraJavaOptions=-Xss4m -Dx=a=b\nspark.cores.max=4',
      RECOMMENDER_SPARK_CHECKPOINT_INTERVAL: '5', RECOMMENDER_SPARK_KEEP_FAILED_STAGING: '1',
    }), { dataDir: '/srv/rec', spark: { python: '/opt/py/bin/python' } });
    expect(o.spark).toMatchObject({
      master: 'spark://10.0.0.5:7077', python: '/opt/py/bin/python', staging: '/srv/rec/spark-staging', checkpointInterval: 5, keepFailedStaging: true, blocks: 0,
      conf: { 'spark.executor.memory': '8g', 'spark.driver.extraJavaOptions': '-Xss4m -Dx=a=b', 'spark.cores.max': '4' },
    });
    expect(compileServerOptions({ dataDir: '/srv/rec' }).spark.master).toMatch(/^local\[\d+\]$/);
    expect(compileServerOptions({ backend: 'spark' }).backend).toBe('spark');
  });

  it('refuse a master that is no Spark URL, a conf pair without "=", a negative interval', () => {
    expect(fieldOfThrown(() => compileSparkSettings({ master: 'http://spark:7077' }, '/s'))).toBe('sparkMaster');
    expect(fieldOfThrown(() => compileSparkSettings({ master: 'local[0]' }, '/s'))).toBe('sparkMaster');
    for (const m of ['local', 'local[*]', 'local[4]', 'local[4,2]', 'yarn', 'k8s://https://k:6443', 'sc://connect:15002']) {
      expect(compileSparkSettings({ master: m }, '/s').master).toBe(m);
    }
    expect(fieldOfThrown(() => parseSparkConf('spark.a=1;nokey', 'RECOMMENDER_SPARK_CONF'))).toBe('RECOMMENDER_SPARK_CONF');
    expect(fieldOfThrown(() => compileSparkSettings({ checkpointInterval: -1 }, '/s'))).toBe('sparkCheckpointInterval');
  });

  it('a job spec reads and writes the local run directory, or copies through a staging URI', () => {
    const o = compileAlsOptions({ backend: 'spark', factors: 16, iterations: 7, regularization: 0.3, alpha: 2, seed: 9 });
    const local = compileSparkSettings({ master: 'local[2]', conf: { a: 'b' }, blocks: 3 }, '/data/spark-staging');
    const s = jobSpec(local, '/data/spark-staging/run-1', 'run-1', o, 'app');
    expect(s).toMatchObject({
      input: 'file:///data/spark-staging/run-1/input', output: 'file:///data/spark-staging/run-1/output', upload: null, download: null, remoteRoot: null,
      manifest: '/data/spark-staging/run-1/output/manifest.json', parentPid: process.pid,
      conf: { a: 'b', 'spark.local.dir': '/data/spark-staging/run-1/scratch' },
      als: { rank: 16, maxIter: 7, regParam: 0.3, alpha: 2, seed: 9, implicitPrefs: true, checkpointInterval: 10, numUserBlocks: 3, numItemBlocks: 3 },
    });
    const remote = compileSparkSettings({ master: 'spark://m:7077', staging: 's3a://bucket/recsys/', checkpointInterval: 0 }, '/data/spark-staging');
    const r = jobSpec(remote, '/data/spark-staging/run-2', 'run-2', o, 'app');
    expect(r).toMatchObject({
      input: 's3a://bucket/recsys/run-2/input', output: 's3a://bucket/recsys/run-2/output', checkpointDir: null, remoteRoot: 's3a://bucket/recsys/run-2',
      upload: { source: 'file:///data/spark-staging/run-2/input', target: 's3a://bucket/recsys/run-2/input' },
      download: { source: 's3a://bucket/recsys/run-2/output', target: 'file:///data/spark-staging/run-2/output' },
      als: { checkpointInterval: -1, numUserBlocks: 10 },
    });
    expect(r.conf['spark.local.dir']).toBeUndefined();
    expect(sparkAlsParams(o, remote).regParam).toBe(0.3);
  });

  it('the local staging root: the data directory\'s by default or with a URI; on a shared plain path, a subdirectory of this service', () => {
    const dflt = '/data/spark-staging';
    expect(localStagingRoot(compileSparkSettings({}, dflt), dflt, '/data')).toBe(dflt);
    expect(localStagingRoot(compileSparkSettings({ staging: 's3a://bucket/recsys' }, dflt), dflt, '/data')).toBe(dflt);
    const shared = localStagingRoot(compileSparkSettings({ staging: '/mnt/shared/spark/' }, dflt), dflt, '/data');
    expect(shared).toMatch(/^\/mnt\/shared\/spark\/recommender-[0-9a-f]{12}$/);
    // Stable for this service; another data directory (another service on the mount) gets its own.
    expect(localStagingRoot(compileSparkSettings({ staging: '/mnt/shared/spark' }, dflt), dflt, '/data')).toBe(shared);
    expect(localStagingRoot(compileSparkSettings({ staging: '/mnt/shared/spark' }, '/other/spark-staging'), '/other/spark-staging', '/other')).not.toBe(shared);
  });

  it("refuses what Spark's ALS cannot train", () => {
    const h = { type_weights: {}, log_scaling: false, backend: 'spark', solver: '' };
    // Spark's objective, given or left out, is accepted; any other value of its three fields is refused
    expect(() => validateSparkHyperparameters({ ...h, regularization_exponent: 1, regularization_frequency_weight: 0, unobserved_weight: 1 })).not.toThrow();
    expect(() => validateSparkHyperparameters(h)).not.toThrow();
    expect(fieldOfThrown(() => validateSparkHyperparameters({ ...h, regularization_exponent: 0 }))).toBe('hyperparameters.regularization_exponent');
    expect(fieldOfThrown(() => validateSparkHyperparameters({ ...h, regularization_exponent: 1, unobserved_weight: 0 }))).toBe('hyperparameters.unobserved_weight');
    expect(fieldOfThrown(() => validateSparkHyperparameters({ ...h, regularization_frequency_weight: 1 }))).toBe('hyperparameters.regularization_frequency_weight');
    expect(fieldOfThrown(() => validateSparkHyperparameters({ ...h, solver: 'cg' }))).toBe('hyperparameters.solver');
  });

  it("a spark job's compiled options carry Spark's objective, so its model stores it (fold-in then solves lambda * n_u)", () => {
    const server = compileServerOptions({ dataDir: '/srv/rec' });
    const req = (h: object) => ({ model_id: 'm', data_tags: ['t'], hyperparameters: { type_weights: {}, log_scaling: false, solver: '', ...h } }) as unknown as TrainRequest__Output;
    const spark = compileTrainParams(req({ backend: 'spark' }), server, 0).als;
    expect(spark).toMatchObject({ ...SPARK_OBJECTIVE, regularization: SPARK_DEFAULT_REGULARIZATION });
    expect(rowLambda(spark, 4, 1000)).toBeCloseTo(4 * SPARK_DEFAULT_REGULARIZATION, 12);
    expect(compileTrainParams(req({ backend: 'spark', regularization_exponent: 1, regularization_frequency_weight: 0, unobserved_weight: 1 }), server, 0).als).toMatchObject(SPARK_OBJECTIVE);
    expect(fieldOfThrown(() => compileTrainParams(req({ backend: 'spark', regularization_frequency_weight: 0.5 }), server, 0))).toBe('hyperparameters.regularization_frequency_weight');
    // other backends keep the engine's defaults
    expect(compileTrainParams(req({ backend: 'native-cpu' }), server, 0).als).toMatchObject({ regularizationExponent: 0, unobservedWeight: 1 });
    expect(compileTrainParams(req({ backend: 'native-cpu' }), server, 0).als.regularizationFrequencyWeight).toBeUndefined();
  });

  it("tells the driver's events from Spark's own output", () => {
    expect(parseDriverLine('{"recommender_spark": 1, "event": "iteration", "iteration": 2, "iterations": 5, "seconds": 3.5}')).toEqual({ recommender_spark: 1, event: 'iteration', iteration: 2, iterations: 5, seconds: 3.5 });
    expect(parseDriverLine('26/12/01 23:19:11 WARN NativeCodeLoader: Unable to load native-hadoop library')).toBeUndefined();
    expect(parseDriverLine('{"recommender_spark": 2, "event": "done"}')).toBeUndefined();
    expect(parseDriverLine('{"recommender_spark": 1, "event": ')).toBeUndefined();
  });
});
