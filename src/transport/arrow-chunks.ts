/**
 * Arrow IPC bytes carried in gRPC messages (ImportBatch's and ExportModel's `arrow_chunk`): about 1 MiB a
 * message, well under gRPC's default 4 MiB limit.
 */

/** Bytes of Arrow IPC per message. */
export const ARROW_CHUNK_BYTES = 1024 * 1024;

/** Re-cuts `pieces` into chunks of exactly `size` bytes (the last one shorter), joining small pieces. */
export function* rechunk(pieces: Iterable<Uint8Array>, size = ARROW_CHUNK_BYTES): Generator<Uint8Array> {
  let buf: Uint8Array[] = [];
  let held = 0;
  for (const piece of pieces) {
    let p = piece;
    while (p.byteLength > 0) {
      const take = Math.min(size - held, p.byteLength);
      buf.push(p.subarray(0, take));
      held += take;
      p = p.subarray(take);
      if (held === size) {
        yield buf.length === 1 ? buf[0]! : Buffer.concat(buf, held);
        buf = [];
        held = 0;
      }
    }
  }
  if (held > 0) yield buf.length === 1 ? buf[0]! : Buffer.concat(buf, held);
}
