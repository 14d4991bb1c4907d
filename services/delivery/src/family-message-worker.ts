import { DelayedError, Worker, type Job } from 'bullmq';
import type { HubConfig } from '@hub/config';
import type { Logger } from '@hub/observability';
import { assertHandled, cappedExponentialBackoff, createRedisConnection } from '@hub/queues';

// The BullMQ side shared by the workers that write to families (acknowledgements, feedback
// invitations): one job name per queue, waiting (a hold, a due time, Notify's Retry-After) by moving
// the job to delayed, BullMQ's capped backoff for other retries, and logs of ids and codes only.

/** What one job did, as the worker needs to know it. */
export type FamilyMessageStep =
  /** Not yet: the job waits, delayed, until `untilMs`; `note` is logged (fixed text). */
  | { kind: 'wait'; untilMs: number; note: string }
  | { kind: 'retry'; code: string; retryAfterMs?: number }
  | { kind: 'failed'; code: string }
  /** Finished: `outcome` is the job's return value; `code` is logged (e.g. why it was suppressed). */
  | { kind: 'done'; outcome: string; code?: string };

/**
 * The worker's step for a job's finished work (retry, failed, or done with its outcome and, when
 * suppressed, the code); waiting steps are each worker's own (a hold, a due time).
 */
export function finishedStep(step: { kind: string; code?: string; retryAfterMs?: number }): FamilyMessageStep {
  if (step.kind === 'retry') return { kind: 'retry', code: step.code ?? 'UNKNOWN', ...(step.retryAfterMs !== undefined ? { retryAfterMs: step.retryAfterMs } : {}) };
  if (step.kind === 'failed') return { kind: 'failed', code: step.code ?? 'UNKNOWN' };
  return { kind: 'done', outcome: step.kind, ...(step.kind === 'suppressed' && step.code ? { code: step.code } : {}) };
}

export interface FamilyMessageWorker {
  worker: Worker;
  close(): Promise<void>;
}

export interface FamilyMessageWorkerSpec<P extends object> {
  queue: string;
  name: string;
  /** How logs name the message: "acknowledgement", "feedback invitation". */
  label: string;
  /** Does the job's work once; the payload (ids only) also goes in the log context. */
  run(data: P): Promise<FamilyMessageStep>;
  concurrency?: number;
}

export function startFamilyMessageWorker<P extends object>(config: HubConfig, logger: Logger, spec: FamilyMessageWorkerSpec<P>): FamilyMessageWorker {
  const { settings } = config;
  assertHandled(spec.queue, [spec.name]);
  const connection = createRedisConnection(settings.redisUrl, 'worker');
  connection.on('error', () => undefined);
  const worker = new Worker<P>(
    spec.queue,
    async (job: Job<P>, token?: string) => {
      if (job.name !== spec.name) throw new Error(`unexpected job name on ${spec.queue}`);
      const step = await spec.run(job.data);
      // The payload is ids only (the job catalogue's rule), so it may go in the log context.
      const log = logger.child({ jobId: job.id, ...job.data });
      switch (step.kind) {
        case 'wait':
          log.info({ delayMs: Math.max(0, step.untilMs - Date.now()) }, `${spec.label} ${step.note}`);
          await job.moveToDelayed(step.untilMs, token);
          throw new DelayedError();
        case 'retry':
          log.warn({ code: step.code }, `${spec.label} not accepted by Notify yet; will retry`);
          if (step.retryAfterMs !== undefined) {
            await job.moveToDelayed(Date.now() + step.retryAfterMs, token);
            throw new DelayedError();
          }
          throw new Error(`notify answered ${step.code}`);
        case 'failed':
          log.error({ code: step.code }, `${spec.label} failed for good`);
          return 'failed';
        case 'done':
          log.info({ outcome: step.outcome, ...(step.code ? { code: step.code } : {}) }, `${spec.label} finished`);
          return step.outcome;
        default: {
          const unreachable: never = step;
          throw new Error(`unhandled step ${String(unreachable)}`);
        }
      }
    },
    { connection, prefix: settings.queuePrefix, concurrency: spec.concurrency ?? 2, maxStalledCount: 100, settings: { backoffStrategy: cappedExponentialBackoff } },
  );
  worker.on('error', (err) => logger.warn({ err: { message: err.message } }, `${spec.label} worker error`));
  return {
    worker,
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
