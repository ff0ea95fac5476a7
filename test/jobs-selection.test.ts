import { status as grpcStatus } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetDescription__Output } from '../src/gen/recommender/v1/DatasetDescription.js';
import type { DescribeDatasetRequest } from '../src/gen/recommender/v1/DescribeDatasetRequest.js';
import type { TrainingStatus__Output } from '../src/gen/recommender/v1/TrainingStatus.js';
import type { TrainRequest } from '../src/gen/recommender/v1/TrainRequest.js';
import { call, startTestServer, type TestServer } from './helpers/server.js';
import { fieldOf, grpcCode, importBatch, waitTerminal, type Row } from './helpers/jobs.js';

/**
 * Every selection parameter's effect on the data actually used, through the real API: DescribeDataset
 * counts, and a Train whose status reports the same counts.
 */
let srv: TestServer;
const DAY = 86_400_000;
const now = Date.now();
let A: string, B: string, C: string, E: string;
const describe_ = (req: DescribeDatasetRequest) => call<DescribeDatasetRequest, DatasetDescription__Output>(srv.client.DescribeDataset.bind(srv.client), req);
const n = (v: unknown) => Number(v);
const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: 0 });

beforeAll(async () => {
  srv = await startTestServer();
  // A [a, b]: 6 rows. 2 are 10 days old, 1 has no timestamp, types view/buy/skip, metadata src.
  const a: Row[] = [
    { s: 'u1', t: 'i1', type: 'view', ts: now - DAY, w: 1, meta: '{"src":"web"}' },
    { s: 'u1', t: 'i2', type: 'buy', ts: now - 2 * DAY, w: 5, meta: '{"src":"app"}' },
    { s: 'u2', t: 'i1', type: 'view', ts: now - 10 * DAY, w: 2, meta: '{"src":"web"}' },
    { s: 'u2', t: 'i3', type: 'skip', ts: now - 10 * DAY, w: 1 },
    { s: 'u3', t: 'i1', type: 'view', ts: null, w: null },
    { s: 'u1', t: 'i1', type: 'view', ts: now - 3 * DAY, w: 1, meta: '{"src":"web"}' },
  ];
  A = await importBatch(srv, 'INTERACTIONS', a, ['a', 'b']);
  B = await importBatch(srv, 'INTERACTIONS', [{ s: 'u4', t: 'i4', type: 'view' }, { s: 'u5', t: 'i4', type: 'view' }], ['b']);
  C = await importBatch(srv, 'INTERACTIONS', [{ s: 'u6', t: 'i5', type: 'view' }], ['c']);
  E = await importBatch(srv, 'ENTITIES', [
    { id: 'u1', type: 'user', metadata: '{"tier":"gold"}' }, { id: 'u2', type: 'user', metadata: '{"tier":"free"}' },
    { id: 'i1', type: 'movie' }, { id: 'i2', type: 'movie' }, { id: 'i3', type: 'book' }, { id: 'i4', type: 'movie' },
  ], ['a', 'b', 'c']);
});
afterAll(async () => { await srv?.dispose(); });

describe('DescribeDataset: tags, age, filters', () => {
  it('tags: none = every batch; ALL (default) = the batch carries every tag; ANY = at least one', async () => {
    const all = await describe_({});
    expect(n(all.interaction_count)).toBe(9);
    expect(all.batch_ids.sort()).toEqual([A, B, C, E].sort());
    expect(n(all.entity_count)).toBe(6);
    expect(n(all.pair_count)).toBe(8); // (u1, i1) twice in A
    expect(n(all.distinct_source_count)).toBe(6);
    expect(n(all.distinct_target_count)).toBe(5);
    const ab = await describe_({ data_tags: ['a', 'b'] });
    expect(ab.batch_ids.sort()).toEqual([A, E].sort());
    expect(n(ab.interaction_count)).toBe(6);
    const b = await describe_({ data_tags: ['b'] });
    expect(n(b.interaction_count)).toBe(8);
    const anyAC = await describe_({ data_tags: ['a', 'c'], tag_match: 'TAG_MATCH_ANY' });
    expect(n(anyAC.interaction_count)).toBe(7);
    const allAC = await describe_({ data_tags: ['a', 'c'], tag_match: 'TAG_MATCH_ALL' });
    expect(n(allAC.interaction_count)).toBe(0);
    expect(allAC.batch_ids).toEqual([E]); // only the entity batch carries both
  });

  it('maximum_interaction_age_days drops older rows, keeps untimestamped ones', async () => {
    const d = await describe_({ data_tags: ['a'], maximum_interaction_age_days: 7 });
    expect(n(d.interaction_count)).toBe(4);
    expect(n(d.dropped_by_age)).toBe(2);
    const d2 = await describe_({ data_tags: ['a'], maximum_interaction_age_days: 1 });
    // 1 day old: the row made at now - DAY is just over a day old by the time of the call.
    expect(n(d2.interaction_count)).toBe(1);
    expect(n(d2.dropped_by_age)).toBe(5);
    await expect(describe_({ maximum_interaction_age_days: -1 })).rejects.toMatchObject({ code: grpcStatus.INVALID_ARGUMENT });
  });

  it('each filter kind changes the counts', async () => {
    const f = async (data_filters: DescribeDatasetRequest['data_filters']) => describe_({ data_tags: ['a'], data_filters });
    expect(n((await f({ interactions: { types: ['view'] } })).interaction_count)).toBe(4);
    expect(n((await f({ interactions: { min_weight: 2 } })).interaction_count)).toBe(2);
    expect(n((await f({ interactions: { max_weight: 1 } })).interaction_count)).toBe(4); // null weight counts as 1
    expect(n((await f({ interactions: { min_timestamp: ts(now - 5 * DAY) } })).interaction_count)).toBe(4); // untimestamped kept
    expect(n((await f({ interactions: { max_timestamp: ts(now - 5 * DAY) } })).interaction_count)).toBe(3);
    expect(n((await f({ interactions: { metadata: [{ key: 'src', values: ['web'] }] } })).interaction_count)).toBe(3);
    expect(n((await f({ interactions: { metadata: [{ key: 'src', values: ['web', 'app'] }] } })).interaction_count)).toBe(4);
    const movies = await f({ entities: { types: ['movie', 'user'] } });
    expect(n(movies.interaction_count)).toBe(5); // drops (u2, i3: book); u3 is unknown -> kept
    expect(n(movies.dropped_by_filter)).toBe(1);
    expect(n((await f({ entities: { types: ['movie', 'user'] }, unknown_entities: 'UNKNOWN_ENTITY_DROP' })).interaction_count)).toBe(4);
    expect(n((await f({ unknown_entities: 'UNKNOWN_ENTITY_DROP' })).interaction_count)).toBe(5);
    const gold = await f({ entities: { metadata: [{ key: 'tier', values: ['gold'] }] } });
    expect(n(gold.interaction_count)).toBe(0); // targets have no tier: every known target fails
  });

  it('invalid filters: INVALID_ARGUMENT naming the field (DescribeDataset and Train)', async () => {
    const cases: Array<[DescribeDatasetRequest['data_filters'], string]> = [
      [{ interactions: { min_weight: 3, max_weight: 1 } }, 'data_filters.interactions.min_weight'],
      [{ interactions: { min_weight: 'NaN' } }, 'data_filters.interactions.min_weight'],
      [{ interactions: { min_timestamp: ts(now), max_timestamp: ts(now - DAY) } }, 'data_filters.interactions.min_timestamp'],
      [{ interactions: { metadata: [{ key: '', values: ['x'] }] } }, 'data_filters.interactions.metadata[0].key'],
      [{ interactions: { metadata: [{ key: 'k', values: [] }] } }, 'data_filters.interactions.metadata[0].values'],
      [{ interactions: { types: [''] } }, 'data_filters.interactions.types[0]'],
      [{ entities: { metadata: [{ key: '', values: ['x'] }] } }, 'data_filters.entities.metadata[0].key'],
    ];
    for (const [data_filters, field] of cases) {
      for (const p of [describe_({ data_filters }), call(srv.client.Train.bind(srv.client), { model_id: 'bad', data_filters } as TrainRequest)]) {
        try { await p; throw new Error(`accepted ${field}`); } catch (err) {
          expect(grpcCode(err), `${field}: ${(err as Error).message}`).toBe(grpcStatus.INVALID_ARGUMENT);
          expect(fieldOf(err)).toBe(field);
        }
      }
    }
    await expect(describe_({ data_tags: [''] })).rejects.toMatchObject({ code: grpcStatus.INVALID_ARGUMENT });
  });

  it('tags follow one rule in every request that takes them (Train, DescribeDataset, ImportBatch, ListBatches, DeleteBatches)', async () => {
    const tooMany = Array.from({ length: 65 }, (_, i) => `t${i}`);
    const bad: [string[], string][] = [[tooMany, ''], [[' shop'], '[0]'], [['ok', 'shop '], '[1]'], [['a\tb'], '[0]'], [['x'.repeat(129)], '[0]'], [['ok', ''], '[1]']];
    const rejects = async (p: Promise<unknown>, field: string) => {
      try { await p; throw new Error(`accepted ${field}`); } catch (err) {
        expect(grpcCode(err), `${field}: ${(err as Error).message}`).toBe(grpcStatus.INVALID_ARGUMENT);
        expect(fieldOf(err)).toBe(field);
      }
    };
    for (const [tags, at] of bad) {
      await rejects(describe_({ data_tags: tags }), `data_tags${at}`);
      await rejects(call(srv.client.Train.bind(srv.client), { model_id: 'tags', data_tags: tags } as TrainRequest), `data_tags${at}`);
      await rejects(importBatch(srv, 'INTERACTIONS', [{ s: 'u', t: 'i' }], tags), `header.tags${at}`);
      await rejects(call(srv.client.ListBatches.bind(srv.client), { tags }), `tags${at}`);
      await rejects(call(srv.client.DeleteBatches.bind(srv.client), { tags }), `tags${at}`);
    }
    // 64 tags, inner spaces and any printable character are fine everywhere; duplicates count once.
    const many = Array.from({ length: 64 }, (_, i) => `tag ${i}/é`);
    expect(n((await describe_({ data_tags: many })).interaction_count)).toBe(0);
    expect(n((await describe_({ data_tags: ['c', 'c'] })).interaction_count)).toBe(1);
  });
});

describe('Train uses exactly the selection', () => {
  it('status counts and batch_ids reflect tags, age, filters and type weights', async () => {
    const req: TrainRequest = {
      model_id: 'sel', data_tags: ['a', 'c'], tag_match: 'TAG_MATCH_ANY', maximum_interaction_age_days: 7,
      data_filters: { interactions: { types: ['view', 'buy', 'skip'] } },
      hyperparameters: { factors: 8, iterations: 3, type_weights: { buy: 0 } },
    };
    const d = await describe_({ data_tags: req.data_tags, tag_match: req.tag_match, maximum_interaction_age_days: 7, data_filters: req.data_filters });
    expect(n(d.interaction_count)).toBe(5);
    const st = await call<TrainRequest, TrainingStatus__Output>(srv.client.Train.bind(srv.client), req);
    const done = await waitTerminal(srv.client, st.job_id);
    expect(done.status).toBe('COMPLETED');
    // buy weighted 0 -> dropped by the weight rule, counted with the filters.
    expect(done.data).toMatchObject({ interactions: '4', dropped_by_age: '2', dropped_by_filter: '1', sources: '3', targets: '2', pairs: '3', entities: '6' });
    expect(done.batch_ids.sort()).toEqual([A, C, E].sort());
  }, 180_000);
});
