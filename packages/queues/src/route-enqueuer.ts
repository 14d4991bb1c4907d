import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { routeReferral } from './catalogue.ts';

export interface OutboxRef {
  messageId: string;
  outboxId: string;
}

/** The part of the store the enqueuer and sweeper need; kept structural so queues does not import store. */
export interface OutboxPort {
  claimOutbox(limit: number, minAgeMs: number): Promise<{ outboxId: string; messageId: string }[]>;
  markQueued(outboxIds: string[]): Promise<void>;
}

interface WarnLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

const MAX_BATCH = 500;

/**
 * Adds `referral.route` jobs for committed messages. Calls made while a batch is being
 * written are gathered into the next `addBulk`, so many concurrent requests cost one
 * round trip to Redis and one UPDATE of the outbox.
 */
export class RouteEnqueuer {
  readonly queue: Queue;
  private pending: OutboxRef[] = [];
  private flushing: Promise<void> | undefined;
  private readonly outbox: OutboxPort;
  private readonly logger: WarnLogger;

  constructor(opts: { connection: Redis; prefix: string; outbox: OutboxPort; logger: WarnLogger }) {
    this.queue = new Queue(routeReferral.queue, { connection: opts.connection, prefix: opts.prefix, skipWaitingForReady: true });
    this.queue.on('error', (err) => opts.logger.warn({ err: { message: err.message } }, 'route queue connection error'));
    this.outbox = opts.outbox;
    this.logger = opts.logger;
  }

  /** Adds jobs now and marks them queued; throws if Redis refuses (the rows stay in the outbox). */
  async addNow(refs: OutboxRef[]): Promise<void> {
    if (refs.length === 0) return;
    await this.queue.addBulk(
      refs.map((ref) => ({
        name: routeReferral.name,
        data: routeReferral.payload(ref.messageId),
        opts: { ...routeReferral.options, jobId: routeReferral.jobId(ref.messageId) },
      })),
    );
    await this.outbox.markQueued(refs.map((r) => r.outboxId));
  }

  /** Fire and forget: never throws; failures are left to the outbox sweeper. */
  enqueue(ref: OutboxRef): void {
    this.pending.push(ref);
    if (!this.flushing) this.flushing = this.flushLoop();
  }

  /** Resolves when everything handed to `enqueue` so far has been tried once. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flushLoop(): Promise<void> {
    // Let the other requests of this tick join the batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, MAX_BATCH);
        try {
          await this.addNow(batch);
        } catch (err) {
          // Everything waiting is in the outbox already: hand it all to the sweeper rather
          // than pile up in memory while Redis is away.
          const left = this.pending.splice(0);
          this.logger.warn({ count: batch.length + left.length, err: { message: (err as Error).message } }, 'could not queue accepted messages now; the outbox sweeper will retry');
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  async close(): Promise<void> {
    await this.drain();
    await this.queue.close();
  }
}

export interface OutboxSweeper {
  /** One pass: claims due outbox rows and queues them; returns how many were queued. */
  sweepNow(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Re-enqueues anything committed but not yet queued (Redis was down, the process died
 * between commit and add). Safe to run in several processes: claims are leased rows.
 */
export function startOutboxSweeper(opts: { outbox: OutboxPort; enqueuer: RouteEnqueuer; intervalMs: number; minAgeMs: number; logger: WarnLogger; batchSize?: number }): OutboxSweeper {
  const batchSize = opts.batchSize ?? MAX_BATCH;
  let failing = false;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function sweepOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await opts.outbox.claimOutbox(batchSize, opts.minAgeMs);
      if (claimed.length === 0) break;
      await opts.enqueuer.addNow(claimed);
      total += claimed.length;
      if (claimed.length < batchSize || stopped) break;
    }
    if (total > 0) opts.logger.info({ count: total }, 'outbox sweeper queued messages');
    return total;
  }

  function sweepNow(): Promise<number> {
    running ??= sweepOnce().finally(() => {
      running = undefined;
    });
    return running;
  }

  const timer = setInterval(() => {
    sweepNow().then(
      () => {
        if (failing) opts.logger.info({}, 'outbox sweeper recovered');
        failing = false;
      },
      (err: Error) => {
        if (!failing) opts.logger.warn({ err: { message: err.message } }, 'outbox sweep failed; will retry');
        failing = true;
      },
    );
  }, opts.intervalMs);
  timer.unref();

  return {
    sweepNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (running) await running.catch(() => 0);
    },
  };
}
