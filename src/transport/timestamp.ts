import type { Timestamp, Timestamp__Output } from '../gen/google/protobuf/Timestamp.js';

/** Epoch milliseconds as a google.protobuf.Timestamp (null for "not set"). */
export function toTimestamp(ms: number): Timestamp;
export function toTimestamp(ms: number | undefined | null): Timestamp | null;
export function toTimestamp(ms: number | undefined | null): Timestamp | null {
  if (ms === undefined || ms === null) return null;
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) % 1_000_000_000 };
}

/** A received Timestamp as ISO-8601 ('-' when unset), for CLI output. */
export function timestampToIso(t: Timestamp__Output | null | undefined): string {
  return t ? new Date(Number(t.seconds) * 1000 + Math.round(t.nanos / 1e6)).toISOString() : '-';
}
