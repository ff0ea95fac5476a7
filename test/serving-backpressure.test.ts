/**
 * RecommendAll honours backpressure (issue 5): a client that stops reading holds the server's generator
 * back, over real gRPC on a loopback socket.
 *
 * Observable: the server's own end-of-call log line ("call ok" / "call failed", written by
 * transport/call.ts when the handler's promise settles, carrying the x-request-id we send). The server
 * runs in this process with a pino logger writing to an in-memory sink, so the test knows whether, and at
 * which point of the client's reading, the handler finished. The handler pulls the next chunk only after
 * the previous write was accepted, so it can be ahead of the client by at most what the transport holds
 * (grpc-js' object buffers on both sides plus one 64 KiB HTTP/2 stream window: ~150 KB measured here).
 * The stream is ~5.8 MB. The client pauses twice: after the first message (the whole stream is left) and
 * when only a little more than MAX_AHEAD_BYTES is left; a server that may run ahead by more than that
 * (ignoring 'drain', or queueing ahead of the transport) finishes during one of the pauses and fails.
 */
import { Metadata, status, type ClientReadableStream, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../src/app.js';
import { compileServerOptions } from '../src/config.js';
import type { RecommendAllResponse, RecommendAllResponse__Output } from '../src/gen/recommender/v1/RecommendAllResponse.js';
import type { RecommendRequest } from '../src/gen/recommender/v1/RecommendRequest.js';
import type { RecommendResponse__Output } from '../src/gen/recommender/v1/RecommendResponse.js';
import type { RecommenderClient } from '../src/gen/recommender/v1/Recommender.js';
import { createClient } from '../src/transport/client.js';
import { loadProto } from '../src/transport/proto.js';
import { call, tempDataDir, type TestServer } from './helpers/server.js';
import { serveModel, syntheticModel } from './helpers/serving.js';

const SOURCES = 12000;
const TARGETS = 300;
const COUNT = 25;
const CHUNK = 8;
/** How long the client stops reading after the first message. Unthrottled, the whole stream is produced in well under this. */
const PAUSE_MS = 1500;
/** The second stop: TAIL_PAUSE_MS when TAIL messages (more than MAX_AHEAD_BYTES, checked) are left. */
const TAIL = 150;
const TAIL_PAUSE_MS = 500;
/** Otherwise the client stops for SLOW_MS every SLOW_EVERY messages, so it stays slower than the server. */
const SLOW_EVERY = 10;
const SLOW_MS = 10;
/**
 * The most the server may be ahead of the client's reads: one 64 KiB HTTP/2 stream window, 16 messages
 * in grpc-js' server-side object buffer, 16 in the client's, a few in flight (~3.9 KB each here), with
 * ample margin (measured: ~150 KB). A handler that ignores 'drain' is megabytes past it.
 */
const MAX_AHEAD_BYTES = 512 * 1024;

const M = syntheticModel({ sources: SOURCES, targets: TARGETS, factors: 4, density: 0.02, seed: 5, modelId: 'big', jobId: 'job-big' });

/** The server's log lines, kept in memory; `waitFor` resolves on the first line matching. */
class LogSink {
  readonly lines: Array<Record<string, unknown>> = [];
  private waiters: Array<{ pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  write(s: string): void {
    const line = JSON.parse(s) as Record<string, unknown>;
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => (w.pred(line) ? (w.resolve(line), false) : true));
  }
  find(pred: (l: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    return this.lines.find(pred);
  }
  waitFor(pred: (l: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown> | undefined> {
    const hit = this.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => {
      const w = { pred, resolve: (l: Record<string, unknown>) => { clearTimeout(t); resolve(l); } };
      const t = setTimeout(() => { this.waiters = this.waiters.filter((x) => x !== w); resolve(undefined); }, timeoutMs);
      this.waiters.push(w);
    });
  }
}

const sink = new LogSink();
let app: App;
let client: RecommenderClient;
let dataDir: string;
const serialize = (loadProto().packageDefinition['recommender.v1.Recommender'] as ServiceDefinition).RecommendAll!.responseSerialize as (m: RecommendAllResponse) => Buffer;

/** The end-of-call line of the call sent with `x-request-id: id` (the handler's promise has settled). */
const endOf = (id: string) => (l: Record<string, unknown>) => l.request_id === id && (l.msg === 'call ok' || l.msg === 'call failed');

function recommendAll(id: string): ClientReadableStream<RecommendAllResponse__Output> {
  const md = new Metadata();
  md.set('x-request-id', id);
  return client.RecommendAll({ model_id: 'big', max_recommendations: COUNT, chunk_size: CHUNK }, md);
}
const recommend = (req: RecommendRequest) => call<RecommendRequest, RecommendResponse__Output>(client.Recommend.bind(client), req);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dataDir = tempDataDir('rec-bp-');
  const options = compileServerOptions({ port: 0, host: '127.0.0.1', httpPort: 0, shutdownGraceMs: 2000, backend: 'wasm', workers: 1, dataDir });
  app = await startApp(options, pino({ level: 'debug' }, sink));
  client = createClient({ address: `127.0.0.1:${app.port}` });
  await serveModel({ app, dataDir } as TestServer, M);
}, 180_000);
afterAll(async () => {
  client?.close();
  await app?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('RecommendAll backpressure over a real socket', () => {
  it('a paused client holds the generator back; after resuming it gets every source once, in order, and OK', async () => {
    const id = 'bp-pause';
    const total = SOURCES / CHUNK;
    const s = recommendAll(id);
    const got: RecommendAllResponse__Output[] = [];
    let receivedAtEnd = -1;
    // Read synchronously inside the logger's write: the client's count at the instant the handler settled.
    const ended = sink.waitFor((l) => endOf(id)(l) && ((receivedAtEnd = got.length), true), 30_000);
    const stops = new Map<number, () => void>();
    const stopAt = (n: number) => new Promise<void>((resolve) => stops.set(n, resolve));
    const firstStop = stopAt(1);
    const tailStop = stopAt(total - TAIL);
    s.on('data', (m: RecommendAllResponse__Output) => {
      got.push(m);
      const stop = stops.get(got.length);
      if (stop) { s.pause(); stop(); } // resumed by the test
      else if (got.length % SLOW_EVERY === 0) { s.pause(); setTimeout(() => s.resume(), SLOW_MS); }
    });
    const finished = new Promise<{ code: number }>((resolve, reject) => {
      let st: { code: number } | undefined;
      s.on('status', (x: { code: number }) => { st = x; });
      s.on('error', reject);
      s.on('end', () => resolve(st ?? { code: -1 }));
    });
    finished.catch(() => undefined); // awaited below; a failed assertion before that cancels the call
    try {
      await firstStop;
      // While the client is paused, other calls are served (the server is not busy producing the stream)...
      const r = await recommend({ model_id: 'big', source_id: 'u7', max_recommendations: 3 });
      expect(r.results[0]!.recommendations).toHaveLength(3);
      await sleep(PAUSE_MS);
      // ...and the handler is still waiting for the client: it has not run through the catalog.
      expect(got).toHaveLength(1);
      expect(sink.find(endOf(id)), 'RecommendAll finished while its client was paused after 1 message: backpressure ignored').toBeUndefined();
      s.resume();

      await tailStop;
      await sleep(TAIL_PAUSE_MS);
      expect(got).toHaveLength(total - TAIL);
      expect(sink.find(endOf(id)), `RecommendAll finished while its client was paused ${TAIL} messages before the end: the server ran ahead`).toBeUndefined();
      s.resume();

      const st = await finished;
      const end = await ended;
      expect(st.code).toBe(status.OK);
      expect(end).toMatchObject({ msg: 'call ok', code: 0, method: 'RecommendAll' });

      // Every source exactly once, in index order, COUNT recommendations each, CHUNK per message.
      const results = got.flatMap((m) => m.results);
      expect(results.map((x) => x.source_id)).toEqual(M.sourceIds);
      expect(got.map((m) => m.results.length)).toEqual(Array.from({ length: total }, () => CHUNK));
      expect(results.every((x) => x.recommendations.length === COUNT && x.strategy === 'model')).toBe(true);

      // Sizes (the server's own serializer): the tail pause left more than the bound; and when the handler
      // finished, the messages the client had not yet read fit within it.
      const sizes = got.map((m) => serialize(m).length);
      const sum = (from: number) => sizes.slice(from).reduce((a, b) => a + b, 0);
      expect(sum(0)).toBeGreaterThan(8 * MAX_AHEAD_BYTES);
      expect(sum(total - TAIL)).toBeGreaterThan(MAX_AHEAD_BYTES);
      expect(receivedAtEnd).toBeGreaterThan(total - TAIL);
      const ahead = sum(receivedAtEnd);
      expect(ahead, `server ${ahead} B ahead of the client when it finished (client had read ${receivedAtEnd}/${total} messages; stream ${sum(0)} B)`).toBeLessThanOrEqual(MAX_AHEAD_BYTES);
    } finally {
      s.cancel();
    }
  }, 180_000);

  it('cancelling a paused call ends the handler, and the server keeps answering promptly', async () => {
    const id = 'bp-cancel';
    const s = recommendAll(id);
    const clientErr = new Promise<ServiceError>((resolve) => s.on('error', resolve));
    let n = 0;
    await new Promise<void>((resolve) => {
      s.on('data', () => { if (++n === 1) { s.pause(); resolve(); } });
    });
    await sleep(300);
    expect(sink.find(endOf(id)), 'handler ended before the cancel').toBeUndefined();

    s.cancel();
    expect((await clientErr).code).toBe(status.CANCELLED);
    // The handler, blocked waiting for 'drain', settles on the cancel instead of waiting forever.
    const end = await sink.waitFor(endOf(id), 5_000);
    expect(end, 'RecommendAll handler still running after the client cancelled').toBeDefined();
    // Logged as what it is: the client's cancel (CANCELLED at info), not an internal error.
    expect(end).toMatchObject({ msg: 'call failed', method: 'RecommendAll', code: status.CANCELLED, level: 30 });

    // The server goes on answering (the cancelled handler holds nothing).
    const r = await recommend({ model_id: 'big', source_id: 'u42', max_recommendations: 5 });
    expect(r.results[0]!.source_id).toBe('u42');
    expect(r.results[0]!.recommendations).toHaveLength(5);
    // A fresh full stream still completes after the cancelled one.
    const all = await new Promise<number>((resolve, reject) => {
      let c = 0;
      const s2 = recommendAll('bp-after');
      s2.on('data', (m: RecommendAllResponse__Output) => { c += m.results.length; });
      s2.on('error', reject);
      s2.on('end', () => resolve(c));
    });
    expect(all).toBe(SOURCES);
  }, 180_000);
});
