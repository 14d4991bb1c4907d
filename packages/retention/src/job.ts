// The scheduler's retention job: a BullMQ job scheduler (upsertJobScheduler) adds a run on the
// configured cron; the console adds one-off runs. One worker, one run at a time.
import { Queue, Worker, type Job } from 'bullmq';
import type { RetentionConfig } from '@hub/config';
import { assertHandled, createRedisConnection, retentionRun, type RetentionRunPayload } from '@hub/queues';
import type { RetentionRunRecord } from '@hub/store';
import { isCalendarDate, londonDate } from './dates.ts';
import type { RetentionProgress } from './planner.ts';
import { carryOutRetentionRun, type RetentionRunStore } from './runs.ts';

interface JobLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RetentionScheduler {
  queue: Queue<RetentionRunPayload>;
  worker: Worker<RetentionRunPayload>;
  close(): Promise<void>;
}

export interface RetentionSchedulerOptions {
  store: RetentionRunStore;
  config: RetentionConfig;
  redisUrl: string;
  prefix: string;
  logger: JobLogger;
  /** Today's London date for runs without an as-of date (tests); default the real one. */
  today?: () => string;
}

/** What a retention job returns (kept with the completed job): counts only. */
export interface RetentionJobResult {
  runId: string;
  mode: string;
  asOf: string;
  due: number;
  held: number;
  erased?: number;
  skipped?: number;
}

/**
 * Starts the retention worker and keeps the job scheduler `retention.daily` in step with the
 * config: upserted when the schedule is enabled, removed when it is not. Each run writes progress
 * to the job (`updateProgress`, `log`) and to retention_runs (the console's view).
 */
export async function startRetentionScheduler(opts: RetentionSchedulerOptions): Promise<RetentionScheduler> {
  const { store, config, logger } = opts;
  assertHandled(retentionRun.queue, [retentionRun.name]);
  const today = opts.today ?? (() => londonDate(new Date()));
  const producer = createRedisConnection(opts.redisUrl, 'producer');
  producer.on('error', () => undefined);
  const queue = new Queue<RetentionRunPayload>(retentionRun.queue, { connection: producer, prefix: opts.prefix });
  queue.on('error', (err) => logger.warn({ queue: retentionRun.queue, err: { message: err.message } }, 'queue connection error'));

  const { schedule } = config;
  if (schedule.enabled) {
    await queue.upsertJobScheduler(
      retentionRun.schedulerId,
      { pattern: schedule.cron, tz: schedule.timezone },
      { name: retentionRun.name, data: { mode: schedule.action, trigger: 'schedule' }, opts: retentionRun.options },
    );
  } else {
    await queue.removeJobScheduler(retentionRun.schedulerId);
  }

  const connection = createRedisConnection(opts.redisUrl, 'worker');
  connection.on('error', () => undefined);
  const worker = new Worker<RetentionRunPayload, RetentionJobResult>(
    retentionRun.queue,
    async (job: Job<RetentionRunPayload, RetentionJobResult>) => {
      if (job.name !== retentionRun.name) throw new Error(`unexpected job name on ${retentionRun.queue}`);
      const { mode, trigger, runId, requestedBy } = job.data;
      if (mode !== 'dry-run' && mode !== 'erase') throw new Error('retention job has no valid mode');
      let run: RetentionRunRecord | null;
      if (runId) {
        run = await store.getRetentionRun(runId);
        if (!run) throw new Error('retention job names an unknown run');
        if (run.status === 'done') return { runId: run.id, mode: run.mode, asOf: run.asOf, due: 0, held: 0 };
      } else {
        const asOf = job.data.asOf && isCalendarDate(job.data.asOf) ? job.data.asOf : today();
        run = await store.createRetentionRun({ mode, trigger: trigger === 'console' || trigger === 'cli' ? trigger : 'schedule', requestedBy: requestedBy ?? null, asOf, status: 'running' });
      }
      logger.info({ jobId: job.id, runId: run.id, mode: run.mode, asOf: run.asOf, trigger: run.trigger }, 'retention run started');
      await job.log(`run ${run.id}: ${run.mode} as of ${run.asOf}`);
      let phase: string | undefined;
      const pending: Promise<unknown>[] = [];
      const onProgress = (progress: RetentionProgress): void => {
        pending.push(job.updateProgress({ phase: progress.phase, done: progress.done, total: progress.total }).catch(() => undefined));
        if (progress.phase !== phase) {
          phase = progress.phase;
          pending.push(job.log(`${progress.phase}: ${progress.done} of ${progress.total}`).catch(() => 0));
        }
        if (pending.length > 100) pending.splice(0, pending.length - 100);
      };
      const carried = await carryOutRetentionRun({ store, config }, run, {
        actor: requestedBy ? { name: requestedBy, role: 'console' } : { name: 'retention', role: 'system' },
        onProgress,
        today: today(),
      });
      await Promise.all(pending);
      const { counts } = carried.report;
      await job.log(`done: ${counts.due} due, ${counts.held} held${counts.erased !== undefined ? `, ${counts.erased} erased, ${counts.skipped ?? 0} skipped` : ''}`);
      logger.info({ jobId: job.id, runId: run.id, due: counts.due, held: counts.held, erased: counts.erased ?? 0 }, 'retention run finished');
      return { runId: run.id, mode: run.mode, asOf: run.asOf, due: counts.due, held: counts.held, ...(counts.erased !== undefined ? { erased: counts.erased, skipped: counts.skipped ?? 0 } : {}) };
    },
    { connection, prefix: opts.prefix, concurrency: 1 },
  );
  worker.on('error', (err) => logger.warn({ queue: retentionRun.queue, err: { message: err.message } }, 'retention worker connection error'));
  worker.on('failed', (job, err) => logger.error({ jobId: job?.id, err: { name: err.name } }, 'retention run failed'));

  return {
    queue,
    worker,
    async close() {
      await worker.close();
      await queue.close();
      connection.disconnect();
      producer.disconnect();
    },
  };
}
