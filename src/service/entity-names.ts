/**
 * Entity names for display (the console's "Try it"): the `name` of given ids in the entity batches a model
 * was trained with (its batch_ids), the latest batch winning as in training. Read from the stored files on
 * demand, yielding to the event loop between record batches; ids that were never imported have no name.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { readStoredBatch, stringColumn } from '../data/batch-reader.js';
import type { BatchRepo } from './store/batch-repo.js';

export async function entityNames(batches: BatchRepo, batchIds: readonly string[], ids: Iterable<string>): Promise<Map<string, string>> {
  const wanted = new Set(ids);
  const out = new Map<string, string>();
  if (wanted.size === 0) return out;
  const entityBatches = batchIds.map((id) => batches.get(id)).filter((b) => b !== undefined && b.kind === 'ENTITIES')
    .sort((a, b) => a!.createdMs - b!.createdMs || (a!.batchId < b!.batchId ? -1 : 1));
  for (const b of entityBatches) {
    if (!existsSync(b!.path)) continue;
    for (const rb of readStoredBatch(b!.path)) {
      const idCol = stringColumn(rb, 'id');
      const names = stringColumn(rb, 'name');
      for (let i = 0; i < rb.numRows; i++) {
        const id = idCol[i];
        if (id === null || id === undefined || !wanted.has(id)) continue;
        const name = names[i];
        if (name) out.set(id, name); else out.delete(id);
      }
      await yieldToLoop();
    }
  }
  return out;
}
