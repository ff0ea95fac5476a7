/**
 * When to try a failed delivery again.
 *
 * Attempts: 1 + schedule.length (the first one immediately, then one after each delay of the schedule,
 * e.g. the default 5 s, 30 s, 2 min, 10 min, 30 min, 2 h). Each delay gets uniform jitter of +-20 %
 * (delay * U[0.8, 1.2)), so receivers that failed together are not hit together again. A Retry-After
 * header (delta-seconds or HTTP-date) is honoured as a lower bound on the wait, capped at the schedule's
 * largest delay (a receiver cannot park a delivery for longer than our own back-off would).
 */

/** Relative jitter of each delay. */
export const JITTER = 0.2;

export function maxAttempts(schedule: readonly number[]): number {
  return schedule.length + 1;
}

/** Retry-After in ms from now, or undefined when absent/unparseable. Past dates give 0. */
export function parseRetryAfterMs(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - nowMs);
}

/**
 * Delay before the next attempt after `attemptsDone` attempts have failed, or undefined when the
 * schedule is exhausted (the delivery has failed for good).
 */
export function nextDelayMs(
  schedule: readonly number[],
  attemptsDone: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (attemptsDone < 1 || attemptsDone > schedule.length) return undefined;
  const base = schedule[attemptsDone - 1];
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  if (retryAfterMs === undefined) return jittered;
  const cap = Math.max(...schedule);
  return Math.max(jittered, Math.min(retryAfterMs, cap));
}
