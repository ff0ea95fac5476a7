/**
 * native-cpu's split of each side into chunks of about equal work, and the order workers claim them in.
 * O(rows), once per training.
 */

/**
 * Chunk boundaries of about equal work (row cost ~ nnz + k/2 + 1: the k x k product is ~k/2 entries'
 * worth). The split depends only on the data, k and chunkNonzeros, never on the worker count, so loss
 * sums (taken in chunk order) are the same for any number of workers. At least ~64 chunks when rows allow.
 */
export function chunkBounds(indptr: Int32Array, rows: number, k: number, chunkNonzeros: number): Int32Array {
  const cost = (r: number) => indptr[r + 1] - indptr[r] + k / 2 + 1;
  let total = 0;
  for (let r = 0; r < rows; r++) total += cost(r);
  const target = Math.max(1, Math.min(chunkNonzeros, total / 64));
  const bounds: number[] = [0];
  let acc = 0;
  for (let r = 0; r < rows; r++) {
    acc += cost(r);
    if (acc >= target) {
      bounds.push(r + 1);
      acc = 0;
    }
  }
  if (bounds[bounds.length - 1] !== rows) bounds.push(rows);
  return Int32Array.from(bounds);
}

/** Chunk ids by descending work (ties by id): the claim order (longest processing time first). */
export function claimOrder(indptr: Int32Array, bounds: Int32Array, k: number): Int32Array {
  const n = bounds.length - 1;
  const cost = new Float64Array(n);
  for (let c = 0; c < n; c++) cost[c] = indptr[bounds[c + 1]] - indptr[bounds[c]] + ((bounds[c + 1] - bounds[c]) * (k / 2 + 1));
  return Int32Array.from({ length: n }, (_, c) => c).sort((a, b) => cost[b] - cost[a] || a - b);
}
