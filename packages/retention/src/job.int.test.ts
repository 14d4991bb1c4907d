import { randomBytes } from 'node:crypto';
import { QueueEvents } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '@hub/testing';
import { retentionRun, type RetentionRunPayload } from '@hub/queues';
import { startRetentionScheduler, type RetentionJobResult, type RetentionScheduler } from './job.ts';
import { requestRetentionRun } from './runs.ts';
import type { TestStore } from './test-fixtures.ts';
import { openTestStore, routeReferral, TEST_CONFIG } from './test-fixtures.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TODAY = '2060-01-01';
const WAIT_MS = 20_000;

describe('the scheduler’s retention job (real Redis and PostgreSQL)', () => {
  let t: TestStore;
  let scheduler: RetentionScheduler;
  let events: QueueEvents;
  const prefix = `ret${randomBytes(4).toString('hex')}`;
  const logs = captureLogger('scheduler', 'info');
  const progress: { jobId: string; data: unknown }[] = [];

  beforeAll(async () => {
    t = await openTestStore();
    for (let i = 0; i < 12; i += 1) {
      await routeReferral(t.store, { receivedAt: new Date('2010-01-01T10:00:00Z'), people: [{ role: 'child', dateOfBirth: '2009-01-01' }], share: i % 3 === 0 });
    }
    scheduler = await startRetentionScheduler({
      store: t.store,
      config: { ...TEST_CONFIG, schedule: { enabled: true, cron: '0 3 * * *', timezone: 'Europe/London', action: 'erase' } },
      redisUrl: REDIS_URL,
      prefix,
      logger: logs.logger,
      today: () => TODAY,
    });
    events = new QueueEvents(retentionRun.queue, { connection: { url: REDIS_URL }, prefix });
    events.on('progress', ({ jobId, data }) => progress.push({ jobId, data }));
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await events?.close();
    if (scheduler) {
      await scheduler.queue.obliterate({ force: true }).catch(() => undefined);
      await scheduler.close();
    }
    await t?.close();
  });

  it('keeps a job scheduler for the configured cron and time zone', async () => {
    const entry = await scheduler.queue.getJobScheduler(retentionRun.schedulerId);
    expect(entry).toMatchObject({ key: retentionRun.schedulerId, pattern: '0 3 * * *', tz: 'Europe/London', name: retentionRun.name, template: { data: { mode: 'erase', trigger: 'schedule' } } });
  });

  it('carries out a run the console asked for, reporting progress through the job and retention_runs', async () => {
    const run = await requestRetentionRun({ store: t.store, queue: scheduler.queue }, { mode: 'erase', trigger: 'console', requestedBy: 'admin.one', asOf: TODAY });
    const job = await scheduler.queue.getJob(retentionRun.jobId(run.id));
    expect(job?.data).toEqual({ mode: 'erase', trigger: 'console', runId: run.id, asOf: TODAY, requestedBy: 'admin.one' });
    const result = (await job!.waitUntilFinished(events, WAIT_MS)) as RetentionJobResult;
    expect(result).toEqual({ runId: run.id, mode: 'erase', asOf: TODAY, due: 12, held: 0, erased: 12, skipped: 0 });

    const mine = progress.filter((p) => p.jobId === job!.id).map((p) => p.data as { phase: string; done: number; total: number });
    expect(mine.some((p) => p.phase === 'planning')).toBe(true);
    expect(mine.some((p) => p.phase === 'erasing' && p.done === 12 && p.total === 12)).toBe(true);
    const { logs: lines } = await scheduler.queue.getJobLogs(job!.id as string);
    expect(lines.join('\n')).toMatch(/erasing: 0 of 12/);
    expect(lines.join('\n')).toMatch(/done: 12 due, 0 held, 12 erased/);

    const stored = await t.store.getRetentionRun(run.id);
    expect(stored).toMatchObject({ status: 'done', trigger: 'console', requestedBy: 'admin.one', phase: 'erasing', done: 12, total: 12, report: { counts: { erased: 12 } } });
    const audit = await t.store.listAudit({ action: 'retention.run', limit: 5, offset: 0 });
    expect(audit.items[0]).toMatchObject({ actor: 'admin.one', role: 'console', targetId: run.id, details: { erased: 12 } });
    // Job data and logs carry ids, codes and counts only.
    expect(logs.text()).toMatch(/retention run finished/);
  });

  it('creates its own run record for a scheduled job (here a dry run)', async () => {
    const job = await scheduler.queue.add(retentionRun.name, { mode: 'dry-run', trigger: 'schedule' } satisfies RetentionRunPayload, retentionRun.options);
    const result = (await job.waitUntilFinished(events, WAIT_MS)) as RetentionJobResult;
    expect(result).toMatchObject({ mode: 'dry-run', asOf: TODAY, due: 0 });
    expect(await t.store.getRetentionRun(result.runId)).toMatchObject({ trigger: 'schedule', requestedBy: null, mode: 'dry-run', status: 'done' });
  });

  it('removes the job scheduler when the config disables the schedule', async () => {
    const other = await startRetentionScheduler({ store: t.store, config: TEST_CONFIG, redisUrl: REDIS_URL, prefix, logger: logs.logger, today: () => TODAY });
    try {
      expect(await other.queue.getJobScheduler(retentionRun.schedulerId)).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
