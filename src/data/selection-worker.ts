/**
 * Worker-thread entry of the data selection (select-in-worker.ts): one `select` call at a time, for as long as
 * the worker lives. The selection goes back packed (selection.ts PackedSelection), every buffer transferred.
 */
import { serveWorker, transfer } from '../util/worker-rpc.js';
import { packSelection, selectTrainingData } from './selection.js';
import type { SelectionProtocol } from './selection-protocol.js';

serveWorker<SelectionProtocol>({
  select: async (m, ctx) => {
    const selection = await selectTrainingData(m.interactionBatches, m.entityBatches, { ...m.params, signal: ctx.signal }, m.mode);
    const { packed, buffers } = packSelection(selection, m.mode === 'train');
    return transfer(packed, buffers);
  },
});
