import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import type { DeliveryAdapter, DeliveryResult, OutboundDelivery } from '../types.ts';

/** What a send through a breaker returns: the adapter's result, or "not tried: breaker open". */
export type BreakerResult = DeliveryResult | { kind: 'breaker-open'; retryAfterMs: number };

export type BreakerSend = (delivery: OutboundDelivery, signal?: AbortSignal) => Promise<BreakerResult>;

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerStatus {
  partnerId: string;
  state: BreakerState;
  /** Failures (retryable results) and successes in Opossum's rolling window. */
  failures: number;
  successes: number;
}

/** Opossum options a deployment may tune (timeout stays off: adapters time out themselves). */
export interface BreakerOptions {
  errorThresholdPercentage?: number;
  volumeThreshold?: number;
  resetTimeout?: number;
  rollingCountTimeout?: number;
  rollingCountBuckets?: number;
}

export const DEFAULT_BREAKER_OPTIONS: Required<Pick<BreakerOptions, 'errorThresholdPercentage' | 'volumeThreshold' | 'resetTimeout'>> = {
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  resetTimeout: 30_000,
};

/** Structural, so a Pino logger fits. Only ids and states are logged. */
export interface BreakerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export type BreakerEvent = 'open' | 'halfOpen' | 'close';

export interface BreakerRegistry {
  /** The partner's breaker around `adapter.send` (created on first use, then reused). */
  breakerFor(partnerId: string, adapter: DeliveryAdapter): BreakerSend;
  states(): BreakerStatus[];
  on(event: BreakerEvent, listener: (partnerId: string) => void): void;
  off(event: BreakerEvent, listener: (partnerId: string) => void): void;
  /** Stops every breaker's timers. */
  shutdown(): void;
}

/** Thrown inside the breaker for a retryable result, so Opossum counts it as a failure. */
class RetryableOutcome extends Error {
  constructor(readonly result: Extract<DeliveryResult, { kind: 'retry' }>) {
    super('retryable delivery outcome');
  }
}

/** While a half-open trial is in flight, other sends wait this long (capped by resetTimeout). */
const HALF_OPEN_WAIT_MS = 1_000;

/**
 * One Opossum circuit breaker per partner. Only `retry` results (5xx, 408/429, timeouts,
 * network errors) are failures: a 4xx, an invalid Bundle or a 410 says the partner is up and
 * answering, so they pass through as results and count as successes. While the breaker is
 * open, sends return `breaker-open` with the time left until the half-open trial, without
 * touching the partner, so the caller can delay the job without spending an attempt.
 */
export function createBreakerRegistry(opts: { logger?: BreakerLogger; options?: BreakerOptions } = {}): BreakerRegistry {
  const options = { ...DEFAULT_BREAKER_OPTIONS, ...opts.options };
  const events = new EventEmitter();
  const breakers = new Map<string, { breaker: CircuitBreaker<[OutboundDelivery, AbortSignal | undefined], DeliveryResult>; openedAt: number; adapter: DeliveryAdapter; send: BreakerSend }>();

  function create(partnerId: string, adapter: DeliveryAdapter): BreakerSend {
    const breaker = new CircuitBreaker<[OutboundDelivery, AbortSignal | undefined], DeliveryResult>(
      async (delivery, signal) => {
        const result = await adapter.send(delivery, signal);
        if (result.kind === 'retry') throw new RetryableOutcome(result);
        return result;
      },
      { ...options, timeout: false, name: `deliver.${partnerId}` },
    );
    const entry = { breaker, openedAt: 0, adapter, send: undefined as unknown as BreakerSend };
    breaker.on('open', () => {
      entry.openedAt = Date.now();
      opts.logger?.warn({ partnerId, breaker: 'open', resetTimeoutMs: options.resetTimeout }, 'delivery breaker opened');
      events.emit('open', partnerId);
    });
    breaker.on('halfOpen', () => {
      opts.logger?.info({ partnerId, breaker: 'half-open' }, 'delivery breaker half-open');
      events.emit('halfOpen', partnerId);
    });
    breaker.on('close', () => {
      opts.logger?.info({ partnerId, breaker: 'closed' }, 'delivery breaker closed');
      events.emit('close', partnerId);
    });

    entry.send = async (delivery, signal) => {
      try {
        return await breaker.fire(delivery, signal);
      } catch (err) {
        if (err instanceof RetryableOutcome) return err.result;
        if ((err as { code?: unknown } | null)?.code === 'EOPENBREAKER') {
          return { kind: 'breaker-open', retryAfterMs: waitFor(entry.openedAt, breaker.halfOpen) };
        }
        throw err;
      }
    };
    breakers.set(partnerId, entry);
    return entry.send;
  }

  function waitFor(openedAt: number, halfOpen: boolean): number {
    if (halfOpen) return Math.min(HALF_OPEN_WAIT_MS, options.resetTimeout);
    const left = openedAt + options.resetTimeout - Date.now();
    return Math.max(1, left);
  }

  return {
    breakerFor(partnerId, adapter) {
      const existing = breakers.get(partnerId);
      if (existing) {
        if (existing.adapter !== adapter) throw new Error(`breaker for ${partnerId} already wraps another adapter`);
        return existing.send;
      }
      return create(partnerId, adapter);
    },
    states() {
      return [...breakers.entries()].map(([partnerId, { breaker }]) => ({
        partnerId,
        state: breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed',
        failures: breaker.stats.failures,
        successes: breaker.stats.successes,
      }));
    },
    on(event, listener) {
      events.on(event, listener);
    },
    off(event, listener) {
      events.off(event, listener);
    },
    shutdown() {
      for (const { breaker } of breakers.values()) breaker.shutdown();
      breakers.clear();
    },
  };
}
