import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { status, type ServiceError } from '@grpc/grpc-js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { importBytes, rejection } from './helpers/import.js';
import { interactionsStream } from './helpers/ipc-writer.js';
import { fieldOf, getStatus, importBatch, randomRows, waitFor, waitTerminal } from './helpers/jobs.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import type { RecommenderClient } from '../src/gen/recommender/v1/Recommender.js';
import { MAX_DETAILS_CHARS } from '../src/transport/grpc-status.js';
import { compileServerOptions } from '../src/config.js';

const train = (c: RecommenderClient, req: TrainRequest) => call<TrainRequest, TrainingStatus__Output>(c.Train.bind(c), req);
/** The OS threads of this process (the server under test runs in it, worker threads included). */
const threads = () => readdirSync('/proc/self/task').length;

describe('request limits', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ maxWorkers: 2, workers: 1 });
    await importBatch(s, 'INTERACTIONS', randomRows(30, 20, 5), ['limits']);
  });
  afterAll(async () => { await s.dispose(); });

  it('caps hyperparameters.workers at the configured maximum', async () => {
    for (const workers of [3, 1024]) {
      const err = await rejection(train(s.client, { model_id: `w${workers}`, hyperparameters: { workers, iterations: 1, factors: 4 } }));
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(fieldOf(err)).toBe('hyperparameters.workers');
      expect(err.details).toMatch(/workers must be at most 2 \(the server's limit/);
    }
    const ok = await train(s.client, { model_id: 'w2', hyperparameters: { workers: 2, iterations: 1, factors: 4 } });
    expect((await waitTerminal(s.client, ok.job_id)).status).toBe('COMPLETED');
    expect(() => compileServerOptions({ workers: 4, maxWorkers: 2 })).toThrow(/workers \(4\) is above maxWorkers \(2/);
  });

  it('limits request_id in Train and ImportBatch, and the number and length of batch ids', async () => {
    const long = 'r'.repeat(129);
    let err = await rejection(train(s.client, { model_id: 'rid', request_id: long }));
    expect([err.code, fieldOf(err)]).toEqual([status.INVALID_ARGUMENT, 'request_id']);
    err = await rejection(importBytes(s.client, { request_id: long }, interactionsStream(['a'], ['b'])));
    expect([err.code, fieldOf(err)]).toEqual([status.INVALID_ARGUMENT, 'header.request_id']);
    const many = Array.from({ length: 1001 }, (_, i) => `b_${i}`);
    for (const m of [s.client.ListBatches.bind(s.client), s.client.DeleteBatches.bind(s.client)] as ((r: object, cb: (e: ServiceError | null) => void) => void)[]) {
      err = await rejection(call(m, { batch_ids: many }));
      expect([err.code, fieldOf(err)]).toEqual([status.INVALID_ARGUMENT, 'batch_ids']);
      err = await rejection(call(m, { batch_ids: ['b_ok', 'x'.repeat(129)] }));
      expect([err.code, fieldOf(err)]).toEqual([status.INVALID_ARGUMENT, 'batch_ids[1]']);
    }
  });

  it('a megabyte-long id is NOT_FOUND with the id cut in the message, not RESOURCE_EXHAUSTED on the status', async () => {
    const huge = 'j'.repeat(1024 * 1024);
    const calls: [string, () => Promise<unknown>][] = [
      ['GetStatus job_id', () => getStatus(s.client, { job_id: huge })],
      ['GetStatus model_id', () => getStatus(s.client, { model_id: huge })],
      ['CancelTraining', () => call(s.client.CancelTraining.bind(s.client), { job_id: huge })],
      ['GetModel', () => call(s.client.GetModel.bind(s.client), { model_id: huge })],
      ['Recommend', () => call(s.client.Recommend.bind(s.client), { model_id: huge, source_id: 'u1' })],
      ['SimilarItems', () => call(s.client.SimilarItems.bind(s.client), { model_id: huge, target_id: 'i1' })],
      ['DeleteBatches', () => call(s.client.DeleteBatches.bind(s.client), { batch_ids: ['b_'.padEnd(128, 'z')] })],
    ];
    for (const [name, p] of calls) {
      const err = await rejection(p());
      expect({ name, code: status[err.code] }).toEqual({ name, code: 'NOT_FOUND' });
      expect(err.details.length, name).toBeLessThanOrEqual(MAX_DETAILS_CHARS + 100);
    }
  });

  it('refuses enum values the proto does not declare (kind = 99 and the like)', async () => {
    const cases: [string, () => Promise<unknown>, string][] = [
      ['ImportBatch header.kind', () => importBytes(s.client, { kind: 99 as never }, interactionsStream(['a'], ['b'])), 'header.kind'],
      ['ListBatches kind', () => call(s.client.ListBatches.bind(s.client), { kind: 99 as never }), 'kind'],
      ['Train tag_match', () => train(s.client, { model_id: 'e1', tag_match: 99 as never }), 'tag_match'],
      ['Train unknown_entities', () => train(s.client, { model_id: 'e2', data_filters: { unknown_entities: 7 as never } }), 'data_filters.unknown_entities'],
      ['Train promote', () => train(s.client, { model_id: 'e3', promote: 42 as never }), 'promote'],
      ['DescribeDataset tag_match', () => call(s.client.DescribeDataset.bind(s.client), { tag_match: 5 as never }), 'tag_match'],
    ];
    for (const [name, p, field] of cases) {
      const err = await rejection(p());
      expect({ name, code: status[err.code], field: fieldOf(err) }).toEqual({ name, code: 'INVALID_ARGUMENT', field });
      expect(err.details).toMatch(/unknown value \d+/);
    }
    // Declared values still work, by name or number.
    const listed = await call(s.client.ListBatches.bind(s.client), { kind: 1 as never });
    expect((listed as { batches: unknown[] }).batches.length).toBe(1);
  });
});

describe('threads of a cancelled job', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ maxWorkers: 2, workers: 1 });
    await importBatch(s, 'INTERACTIONS', randomRows(4000, 2000, 40, 3), ['cancel']);
  });
  afterAll(async () => { await s.dispose(); });

  it('are gone shortly after CancelTraining (counted in /proc/self/task), and the next Train runs', async () => {
    const job = await train(s.client, { model_id: 'long', hyperparameters: { backend: 'native-cpu', workers: 2, factors: 64, iterations: 1000 } });
    await waitFor(async () => (await getStatus(s.client, { job_id: job.job_id })).iteration >= 1, 120_000, 'the first iteration');
    const during = threads();
    await call(s.client.CancelTraining.bind(s.client), { job_id: job.job_id });
    expect((await waitTerminal(s.client, job.job_id)).status).toBe('CANCELLED');
    // The training worker and its two kernel threads end with the job (generous polling: a loaded machine).
    await waitFor(() => threads() <= during - 3, 10_000, `threads to drop from ${during} by 3 (now ${threads()})`);
    const next = await train(s.client, { model_id: 'after', hyperparameters: { backend: 'native-cpu', workers: 2, factors: 8, iterations: 1 } });
    expect((await waitTerminal(s.client, next.job_id, 120_000)).status).toBe('COMPLETED');
  }, 240_000);
});
