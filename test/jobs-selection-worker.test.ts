import type { ServiceError } from '@grpc/grpc-js';
import { status as grpcStatus } from '@grpc/grpc-js';
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetDescription__Output } from '../src/gen/recommender/v1/DatasetDescription.js';
import type { DescribeDatasetRequest } from '../src/gen/recommender/v1/DescribeDatasetRequest.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { DataDir } from '../src/data-dir.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { fieldOf, getStatus, grpcCode, importBatch, randomRows, waitFor, waitTerminal } from './helpers/jobs.js';
import { packedLength, unpackStrings } from '../src/data/packed-strings.js';

/**
 * The data selection of Train and DescribeDataset (with its matrix statistics) runs in a worker thread: the
 * server's event loop keeps answering calls while half a million rows are selected, one long-lived worker serves consecutive
 * selections, and cancelling during the selection stops it.
 */
let srv: TestServer;
const USERS = 50_000, ITEMS = 20_000, PER_USER = 10; // 500k rows, many distinct ids (the id maps are the costly part)
const train = (req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), req);
const cancel = (req: { job_id?: string }) => call<object, TrainingStatus__Output>(srv.client.CancelTraining.bind(srv.client), req);
const describe_ = (req: DescribeDatasetRequest) => call<DescribeDatasetRequest, DatasetDescription__Output>(srv.client.DescribeDataset.bind(srv.client), req);

beforeAll(async () => {
  srv = await startTestServer();
  await importBatch(srv, 'INTERACTIONS', randomRows(USERS, ITEMS, PER_USER, 7), ['big']);
}, 180_000);
afterAll(async () => { await srv?.dispose(); });

describe('selection in a worker thread', () => {
  it('the server answers calls while a Train and a DescribeDataset select 500k rows, on one reused worker; the counts agree', async () => {
    const workers = srv.app.pipeline.selection;
    const startedBefore = workers.started;
    // A job is RUNNING from before its selection starts until the selection reports its counts, and all of that
    // would happen within the Train call if the selection ran on the event loop: a GetStatus answered in
    // between shows the event loop was free while the rows were selected.
    const job = await train({ model_id: 'lag', data_tags: ['big'], hyperparameters: { factors: 4, iterations: 1 } });
    let answeredDuringSelection = 0;
    await waitFor(async () => {
      const s = await getStatus(srv.client, { job_id: job.job_id });
      if (s.status === 'RUNNING' && s.data === null) answeredDuringSelection++;
      return s.data !== null || (s.status !== 'RUNNING' && s.status !== 'QUEUED');
    }, 60_000, 'selection counts');
    expect(answeredDuringSelection).toBeGreaterThan(0);
    const done = await waitTerminal(srv.client, job.job_id, 120_000);
    expect(done.status, done.error).toBe('COMPLETED');
    expect(Number(done.data?.interactions)).toBe(USERS * PER_USER);

    // DescribeDataset: a call sent after it is answered before it.
    const order: string[] = [];
    const described = describe_({ data_tags: ['big'] }).then((d) => { order.push('describe'); return d; });
    await getStatus(srv.client, { job_id: job.job_id }).then(() => order.push('status'));
    const d = await described;
    expect(order).toEqual(['status', 'describe']);
    expect(Number(d.interaction_count)).toBe(USERS * PER_USER);
    expect(Number(d.pair_count)).toBe(Number(done.data?.pairs));
    expect(Number(d.distinct_source_count)).toBe(USERS);
    expect(Number(d.distinct_target_count)).toBe(Number(done.data?.targets));
    // its matrix statistics (what the data-aware defaults read) computed there too, over every pair: weights 1..4, a repeated pair's summed
    expect(d.statistics).toMatchObject({ weight_shape: 'ratings-like', weight_sample: d.pair_count, integer_weight_share: 1, weights: { min: 1 } });
    expect(d.statistics!.weights!.q50).toBeLessThanOrEqual(4);
    expect(d.statistics!.source_lengths!.mean).toBeCloseTo(Number(d.pair_count) / USERS, 9);
    expect(d.chosen_defaults.map((c) => c.name)).toEqual(['log_scaling', 'alpha', 'regularization']);
    // Both selections ran on the same worker thread (started by the first one at most).
    expect(workers.started - startedBefore).toBeLessThanOrEqual(1);
    expect(workers.started).toBeGreaterThan(0);
  }, 180_000);

  it('hands the selection over packed: ids and entity attributes as transferred buffers, not millions of cloned strings', async () => {
    const { interactions, entities } = srv.app.pipeline.batchesOf({ tags: ['big'], tagMatch: 'all', nowMs: Date.now(), filters: { unknownEntities: 'keep' } });
    const sel = await srv.app.pipeline.selection.select(interactions, entities, { nowMs: Date.now(), filters: { unknownEntities: 'keep' } });
    expect(sel.sourceIds.offsets).toBeInstanceOf(Int32Array);
    expect(packedLength(sel.sourceIds)).toBe(USERS);
    expect(packedLength(sel.sourceEntities.type)).toBe(USERS);
    const ids = unpackStrings(sel.sourceIds);
    expect(new Set(ids).size).toBe(USERS);
    expect(ids[0]).toBe('u0');
  }, 180_000);

  it('a CancelTraining during the selection ends the job CANCELLED, its worker terminated', async () => {
    const workers = srv.app.pipeline.selection;
    const job = await train({ model_id: 'cancel-sel', data_tags: ['big'], hyperparameters: { factors: 4, iterations: 1 } });
    await waitFor(async () => (await getStatus(srv.client, { job_id: job.job_id })).status === 'RUNNING', 10_000, 'RUNNING');
    const startedBefore = workers.started;
    await cancel({ job_id: job.job_id });
    const end = await waitTerminal(srv.client, job.job_id, 10_000);
    expect(end.status).toBe('CANCELLED');
    expect(end.data).toBeNull(); // stopped before the selection reported its counts
    // The cancelled selection's worker was terminated, not left to finish: the next selection starts a fresh one.
    expect(Number((await describe_({ data_tags: ['big'] })).interaction_count)).toBe(USERS * PER_USER);
    expect(workers.started).toBe(startedBefore + 1);
  }, 180_000);

  it('an error inside the worker comes back (INTERNAL naming the cause for DescribeDataset, ERROR for a Train); bad input is still rejected up front with its field', async () => {
    try {
      await describe_({ data_tags: ['big'], maximum_interaction_age_days: -1 });
      throw new Error('expected an error');
    } catch (err) {
      expect(grpcCode(err), (err as ServiceError).message).toBe(grpcStatus.INVALID_ARGUMENT);
      expect(fieldOf(err)).toBe('maximum_interaction_age_days');
    }
    const gone = await importBatch(srv, 'INTERACTIONS', randomRows(5, 5, 2), ['gone']);
    // A stored file damaged on disk: Arrow's reader throws inside the worker.
    writeFileSync(new DataDir(srv.dataDir).batchFile(gone), Buffer.from('not an arrow stream at all '.repeat(10)));
    try {
      await describe_({ data_tags: ['gone'] });
      throw new Error('expected an error');
    } catch (err) {
      expect(grpcCode(err), (err as ServiceError).message).toBe(grpcStatus.INTERNAL);
      expect((err as ServiceError).details).toMatch(/selection worker failed: \w*Error: /);
    }
    const job = await train({ model_id: 'gone', data_tags: ['gone'], hyperparameters: { factors: 4, iterations: 1 } });
    const end = await waitTerminal(srv.client, job.job_id, 10_000);
    expect(end.status).toBe('ERROR');
    expect(end.error).toMatch(/selection worker failed: \w*Error: /);
    // The server is still up and selects the other batches.
    expect(Number((await describe_({ data_tags: ['big'] })).interaction_count)).toBe(USERS * PER_USER);

    // A selected batch whose file is gone (deleted underneath a selection) is an error naming it, not 0 rows.
    const missing = await importBatch(srv, 'INTERACTIONS', randomRows(5, 5, 2), ['missing']);
    rmSync(new DataDir(srv.dataDir).batchFile(missing));
    try {
      await describe_({ data_tags: ['missing'] });
      throw new Error('expected an error');
    } catch (err) {
      expect(grpcCode(err), (err as ServiceError).message).toBe(grpcStatus.NOT_FOUND);
      expect((err as ServiceError).details).toContain(`batch ${missing} was deleted`);
    }
    const job2 = await train({ model_id: 'missing', data_tags: ['missing'], hyperparameters: { factors: 4, iterations: 1 } });
    const end2 = await waitTerminal(srv.client, job2.job_id, 10_000);
    expect(end2.status).toBe('ERROR');
    expect(end2.error).toContain(`batch ${missing} was deleted`);
  }, 180_000);
});
