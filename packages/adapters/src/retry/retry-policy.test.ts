import { describe, expect, it } from 'vitest';
import { nextAttemptDelay, parseRetrySchedule, RETRY_SCHEDULE_MS } from './retry-policy.ts';

const retry = { kind: 'retry', code: 'HTTP_500', status: 500 } as const;
const middle = (): number => 0.5;

describe('retry schedule', () => {
  it('is immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts', () => {
    expect(RETRY_SCHEDULE_MS).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  });

  it('waits the scheduled delay before the next attempt (no jitter at the midpoint)', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attemptsMade) => nextAttemptDelay({ attemptsMade, result: retry, random: middle }));
    expect(delays).toEqual(RETRY_SCHEDULE_MS.slice(1).map((delayMs) => ({ action: 'retry', delayMs })));
  });

  it('jitters by at most ±20 %', () => {
    expect(nextAttemptDelay({ attemptsMade: 2, result: retry, random: () => 0 })).toEqual({ action: 'retry', delayMs: 240_000 });
    expect(nextAttemptDelay({ attemptsMade: 2, result: retry, random: () => 0.999999 })).toMatchObject({ action: 'retry' });
    const high = nextAttemptDelay({ attemptsMade: 2, result: retry, random: () => 0.999999 });
    expect(high.action === 'retry' && high.delayMs).toBeLessThanOrEqual(360_000);
    expect(high.action === 'retry' && high.delayMs).toBeGreaterThan(359_000);
    for (let i = 0; i < 200; i++) {
      const d = nextAttemptDelay({ attemptsMade: 1, result: retry });
      expect(d.action).toBe('retry');
      if (d.action === 'retry') {
        expect(d.delayMs).toBeGreaterThanOrEqual(4_000);
        expect(d.delayMs).toBeLessThanOrEqual(6_000);
      }
    }
  });

  it('dead-letters with RETRIES_EXHAUSTED after the last scheduled attempt', () => {
    expect(nextAttemptDelay({ attemptsMade: 8, result: retry })).toEqual({ action: 'dead-letter', code: 'RETRIES_EXHAUSTED' });
    expect(nextAttemptDelay({ attemptsMade: 9, result: retry })).toEqual({ action: 'dead-letter', code: 'RETRIES_EXHAUSTED' });
  });

  it('dead-letters a permanent failure at once with its own code, and disables the endpoint on 410', () => {
    expect(nextAttemptDelay({ attemptsMade: 1, result: { kind: 'permanent', code: 'HTTP_400', status: 400 } })).toEqual({ action: 'dead-letter', code: 'HTTP_400' });
    expect(nextAttemptDelay({ attemptsMade: 1, result: { kind: 'permanent', code: 'FHIR_INVALID' } })).toEqual({ action: 'dead-letter', code: 'FHIR_INVALID' });
    expect(nextAttemptDelay({ attemptsMade: 3, result: { kind: 'gone', code: 'HTTP_410', status: 410 } })).toEqual({ action: 'disable-endpoint', code: 'HTTP_410' });
  });

  it('follows an overriding short schedule (tests and the demo)', () => {
    const scheduleMs = parseRetrySchedule('0,100,200');
    expect(nextAttemptDelay({ attemptsMade: 1, result: retry, scheduleMs, random: middle })).toEqual({ action: 'retry', delayMs: 100 });
    expect(nextAttemptDelay({ attemptsMade: 2, result: retry, scheduleMs, random: middle })).toEqual({ action: 'retry', delayMs: 200 });
    expect(nextAttemptDelay({ attemptsMade: 3, result: retry, scheduleMs, random: middle })).toEqual({ action: 'dead-letter', code: 'RETRIES_EXHAUSTED' });
  });
});

describe('Retry-After', () => {
  const limited = (retryAfterMs: number) => ({ kind: 'retry', code: 'HTTP_429', status: 429, retryAfterMs }) as const;

  it('replaces the scheduled delay, jittered only upwards (never earlier than asked)', () => {
    expect(nextAttemptDelay({ attemptsMade: 2, result: limited(7_000), random: () => 0 })).toEqual({ action: 'retry', delayMs: 7_000 });
    expect(nextAttemptDelay({ attemptsMade: 2, result: limited(7_000), random: () => 0.5 })).toEqual({ action: 'retry', delayMs: 7_700 });
    const top = nextAttemptDelay({ attemptsMade: 2, result: limited(7_000), random: () => 0.999999 });
    expect(top.action === 'retry' && top.delayMs).toBeLessThanOrEqual(8_400);
  });

  it('is clamped to [min, max]', () => {
    expect(nextAttemptDelay({ attemptsMade: 1, result: limited(0), random: () => 0 })).toEqual({ action: 'retry', delayMs: 1_000 });
    expect(nextAttemptDelay({ attemptsMade: 1, result: limited(10 * 86_400_000), random: () => 0.9 })).toEqual({ action: 'retry', delayMs: 36_000_000 });
    expect(nextAttemptDelay({ attemptsMade: 1, result: limited(50), random: () => 0, minRetryAfterMs: 10, maxRetryAfterMs: 60 })).toEqual({ action: 'retry', delayMs: 50 });
    expect(nextAttemptDelay({ attemptsMade: 1, result: limited(500), random: () => 0, minRetryAfterMs: 10, maxRetryAfterMs: 60 })).toEqual({ action: 'retry', delayMs: 60 });
  });

  it('does not extend the number of attempts', () => {
    expect(nextAttemptDelay({ attemptsMade: 8, result: limited(5_000) })).toEqual({ action: 'dead-letter', code: 'RETRIES_EXHAUSTED' });
  });
});

describe('parseRetrySchedule', () => {
  it('reads comma-separated milliseconds, spaces allowed', () => {
    expect(parseRetrySchedule('0,100,200')).toEqual([0, 100, 200]);
    expect(parseRetrySchedule(' 0, 5000 ,300000')).toEqual([0, 5_000, 300_000]);
    expect(parseRetrySchedule('250')).toEqual([250]);
  });

  it.each(['', ',', '0,,1', '0,-5', '1.5', '5s', '0,abc', '1e3', '99999999999999999999'])('refuses %j', (text) => {
    expect(() => parseRetrySchedule(text)).toThrow(/retry schedule/);
  });
});
