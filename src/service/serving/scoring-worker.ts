import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import type { FromScorer, ToScorer } from './scoring-protocol.js';
import { BATCH, BatchScorer } from './wasm-scorer.js';

/**
 * A scoring worker thread (started by ScoringPool with its slot number): ranks targets for source
 * vectors against models in shared memory, off the gRPC event loop. Requests that are already queued
 * when it wakes are taken together (receiveMessageOnPort) and requests for the same model are scored
 * BATCH at a time in one pass over its target factors; each reply goes out as soon as its batch is done.
 */
type Rank = Extract<ToScorer, { t: 'rank' }>;

const port = parentPort!;
const models = new Map<number, BatchScorer>();
let slot = -1;

function reply(m: FromScorer): void {
  port.postMessage(m, m.t === 'ranked' ? [m.indices.buffer as ArrayBuffer, m.scores.buffer as ArrayBuffer] : []);
}

function take(m: ToScorer, into: Rank[]): void {
  if (m.t === 'drop') { models.delete(m.model); return; }
  if (m.share && !models.has(m.model)) {
    try {
      models.set(m.model, new BatchScorer(m.share, slot));
    } catch (err) {
      reply({ t: 'failed', id: m.id, message: (err as Error).message });
      return;
    }
  }
  into.push(m);
}

function run(batch: Rank[]): void {
  const byModel = new Map<number, Rank[]>();
  for (const r of batch) {
    const list = byModel.get(r.model);
    if (list) list.push(r); else byModel.set(r.model, [r]);
  }
  for (const [model, list] of byModel) {
    const scorer = models.get(model);
    for (let a = 0; a < list.length; a += BATCH) {
      const group = list.slice(a, a + BATCH);
      if (!scorer) {
        for (const r of group) reply({ t: 'failed', id: r.id, message: `scoring worker ${slot} does not hold model ${model}` });
        continue;
      }
      try {
        const tops = scorer.topBatch(group);
        group.forEach((r, q) => reply({ t: 'ranked', id: r.id, indices: tops[q]!.indices, scores: tops[q]!.scores, group: group.length }));
      } catch (err) {
        for (const r of group) reply({ t: 'failed', id: r.id, message: (err as Error).message });
      }
    }
  }
}

port.on('message', (first: ToScorer | { t: 'slot'; slot: number }) => {
  if (first.t === 'slot') { slot = first.slot; return; }
  const batch: Rank[] = [];
  take(first, batch);
  for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) take(m.message as ToScorer, batch);
  if (batch.length > 0) run(batch);
});
