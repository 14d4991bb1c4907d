// The hub's retry policy (DESIGN §4 Retries), as a pure function of what happened so far.

import type { DeliveryResult } from '../types.ts';

/**
 * Delay before each attempt: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — eight
 * attempts in about 28 hours, long enough to ride out a partner's overnight outage.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

/** ±20 % jitter, so deliveries that failed together do not all return together. */
export const RETRY_JITTER = 0.2;

export type RetryDecision =
  | { action: 'retry'; delayMs: number }
  | { action: 'dead-letter'; code: string }
  | { action: 'disable-endpoint'; code: string };

export interface NextAttemptInput {
  /** Attempts made so far, the one that just failed included (1 after the first try). */
  attemptsMade: number;
  result: Exclude<DeliveryResult, { kind: 'delivered' }>;
  /** Returns a number in [0, 1); injected by tests. */
  random?: () => number;
  /** Delay before attempt n+1 is scheduleMs[n]; its length is the number of attempts. */
  scheduleMs?: readonly number[];
  maxRetryAfterMs?: number;
  minRetryAfterMs?: number;
}

/**
 * What to do after a failed attempt. A partner's `Retry-After` replaces the scheduled delay,
 * clamped to [min, max] (so it can neither make the hub hammer it nor park a delivery for days)
 * and jittered upwards only, by up to 20 %, never past max. Exhausted → dead letter `RETRIES_EXHAUSTED`; permanent →
 * dead letter with its code; gone (410) → disable the endpoint.
 */
export function nextAttemptDelay(input: NextAttemptInput): RetryDecision {
  const { result } = input;
  if (result.kind === 'permanent') return { action: 'dead-letter', code: result.code };
  if (result.kind === 'gone') return { action: 'disable-endpoint', code: result.code };

  const schedule = input.scheduleMs ?? RETRY_SCHEDULE_MS;
  const attemptsMade = Math.max(1, Math.floor(input.attemptsMade));
  if (attemptsMade >= schedule.length) return { action: 'dead-letter', code: 'RETRIES_EXHAUSTED' };

  const random = input.random ?? Math.random;
  const scheduled = schedule[attemptsMade]!;
  const jittered = Math.round(scheduled * (1 - RETRY_JITTER + 2 * RETRY_JITTER * clampUnit(random())));
  if (result.retryAfterMs === undefined) return { action: 'retry', delayMs: jittered };

  const min = input.minRetryAfterMs ?? 1_000;
  const max = input.maxRetryAfterMs ?? 36_000_000;
  const asked = Math.min(max, Math.max(min, result.retryAfterMs));
  // Jitter only upwards: never earlier than the partner asked, but not all at the same instant.
  return { action: 'retry', delayMs: Math.min(max, asked + Math.round(asked * RETRY_JITTER * clampUnit(random()))) };
}

function clampUnit(x: number): number {
  if (!Number.isFinite(x) || x < 0) return 0;
  return x >= 1 ? 1 : x;
}

/**
 * Parses a schedule such as `0,100,200` (milliseconds, e.g. from HUB_RETRY_SCHEDULE_MS).
 * Throws with a plain message on anything else: a bad schedule is a configuration error.
 */
export function parseRetrySchedule(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new Error('retry schedule: expected comma-separated milliseconds, e.g. 0,5000,300000');
  const schedule = parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new Error('retry schedule: every entry must be a whole number of milliseconds');
    const n = Number(p);
    if (!Number.isSafeInteger(n)) throw new Error('retry schedule: an entry is too large');
    return n;
  });
  return schedule;
}
