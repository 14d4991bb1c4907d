import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { optionsFor, routeReferral, type JobSpec } from './catalogue.ts';

/** An outbox row: a job to add, and the row to mark queued once it is in Redis. */
export interface OutboxJob extends JobSpec {
  outboxId: string;
}

/** An outbox row as the store returns it; rows written before job specs existed carry only a message id. */
export type OutboxRow = { outboxId: string } & (Partial<JobSpec> & { messageId?: string | null });

/** The part of the store the enqueuer and sweeper need; kept structural so queues does not import store. */
export interface OutboxPort {
  claimOutbox(limit: number, minAgeMs: number): Promise<OutboxRow[]>;
  markQueued(outboxIds: string[]): Promise<void>;
}

interface WarnLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

const MAX_BATCH = 500;

export function outboxJob(row: OutboxRow): OutboxJob {
  if (row.queueName && row.jobName && row.jobId && row.payload) {
    return { outboxId: row.outboxId, queueName: row.queueName, jobName: row.jobName, jobId: row.jobId, payload: row.payload, ...(row.priority ? { priority: row.priority } : {}) };
  }
  if (row.messageId) return { outboxId: row.outboxId, ...routeReferral.spec(row.messageId) };
  throw new Error(`outbox row ${row.outboxId} names no job`);
}

/**
 * Adds the jobs of committed outbox rows to BullMQ. Calls made while a batch is being written
 * are gathered into the next `addBulk` per queue, so many concurrent requests cost one round
 * trip to Redis and one UPDATE of the outbox.
 */
export class OutboxEnqueuer {
  private readonly queues = new Map<string, Queue>();
  private pending: OutboxJob[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly opts: { connection: Redis; prefix: string; outbox: OutboxPort; logger: WarnLogger }) {}

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.opts.connection, prefix: this.opts.prefix, skipWaitingForReady: true });
      queue.on('error', (err) => this.opts.logger.warn({ queue: name, err: { message: err.message } }, 'queue connection error'));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Adds jobs now and marks them queued; throws if Redis refuses (the rows stay in the outbox). */
  async addNow(jobs: OutboxJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const byQueue = new Map<string, OutboxJob[]>();
    for (const job of jobs) byQueue.set(job.queueName, [...(byQueue.get(job.queueName) ?? []), job]);
    await Promise.all(
      [...byQueue].map(([queueName, list]) =>
        this.addToQueue(queueName, list),
      ),
    );
    await this.opts.outbox.markQueued(jobs.map((j) => j.outboxId));
  }

  private async addToQueue(queueName: string, list: OutboxJob[]): Promise<void> {
    const queue = this.queue(queueName);
    try {
      await queue.addBulk(
          list.map((job) => ({
            name: job.jobName,
            data: job.payload,
            opts: { ...optionsFor(job.jobName), jobId: job.jobId, ...(job.priority ? { priority: job.priority } : {}) },
          })),
      );
    } catch (err) {
      // A Queue created while Redis was away can stay broken after it returns: drop it, so the
      // next attempt (the sweeper's) builds a fresh one.
      this.queues.delete(queueName);
      void queue.close().catch(() => undefined);
      throw err;
    }
  }

  /** Fire and forget: never throws; failures are left to the outbox sweeper. */
  enqueue(job: OutboxJob): void {
    this.pending.push(job);
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
          this.opts.logger.warn({ count: batch.length + left.length, err: { message: (err as Error).message } }, 'could not queue committed jobs now; the outbox sweeper will retry');
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  async close(): Promise<void> {
    await this.drain();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
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
export function startOutboxSweeper(opts: { outbox: OutboxPort; enqueuer: OutboxEnqueuer; intervalMs: number; minAgeMs: number; logger: WarnLogger; batchSize?: number }): OutboxSweeper {
  const batchSize = opts.batchSize ?? MAX_BATCH;
  let failing = false;
  let running: Promise<number> | undefined;
  let stopped = false;

  async function sweepOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed = await opts.outbox.claimOutbox(batchSize, opts.minAgeMs);
      if (claimed.length === 0) break;
      await opts.enqueuer.addNow(claimed.map(outboxJob));
      total += claimed.length;
      if (claimed.length < batchSize || stopped) break;
    }
    if (total > 0) opts.logger.info({ count: total }, 'outbox sweeper queued jobs');
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
