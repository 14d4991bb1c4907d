// One retention run, start to finish, however it was started (the schedule, the console, the CLI):
// progress into retention_runs, the plan, the erasures (erase runs), the report and the summary
// audit row. Per-record evidence (tombstone, audit row, ledger row) is written with each erasure.
import type { Queue } from 'bullmq';
import type { RetentionConfig } from '@hub/config';
import { retentionRun, type RetentionRunPayload } from '@hub/queues';
import type { RetentionRunMode, RetentionRunRecord, RetentionRunTrigger, Store } from '@hub/store';
import { isCalendarDate, londonDate } from './dates.ts';
import type { RetentionPlan, RetentionProgress, RetentionRunResult } from './planner.ts';
import { planRetention, runRetention } from './planner.ts';

export type RetentionRunStore = Pick<
  Store,
  | 'retentionCounts'
  | 'retentionReferralPage'
  | 'retentionInboundPage'
  | 'retentionFeedbackPage'
  | 'countRowsOlderThan'
  | 'activeLegalHolds'
  | 'eraseReferrals'
  | 'eraseInboundMessages'
  | 'eraseFamilyFeedback'
  | 'createRetentionRun'
  | 'updateRetentionRun'
  | 'getRetentionRun'
  | 'appendAudit'
>;

/** Items of each list kept in a run's stored report (the counts are always complete). */
export const REPORT_ITEM_LIMIT = 200;
/** How often progress is written to retention_runs while a run goes on. */
const PROGRESS_WRITE_MS = 1_000;
/** Audit details strings are at most 512 characters. */
const DETAIL_MAX = 500;

/** What a run stores for the console: ids, codes and counts only (no dates that could be a birthday). */
export interface RetentionReport {
  asOf: string;
  mode: RetentionRunMode;
  counts: {
    scanned: Record<string, number>;
    due: number;
    held: number;
    toErase: number;
    unreadable: number;
    erased?: number;
    skipped?: number;
  };
  byRule: { rule: string; class: string; description: string; due: number; held: number; erased?: number; skipped?: number }[];
  /** The first REPORT_ITEM_LIMIT records past their period (held ones marked). */
  items: { class: string; id: string; rule: string; reason: string; held: boolean; outcome?: string }[];
  /** The first REPORT_ITEM_LIMIT held records and the holds that keep them. */
  held: { class: string; id: string; rule: string; holdIds: string[] }[];
  reportOnly: { class: string; rule: string; description: string; count: number; oldestAt: string | null }[];
  unreadable: string[];
  truncated: boolean;
}

export function buildReport(config: Pick<RetentionConfig, 'rules'>, mode: RetentionRunMode, plan: RetentionPlan, result?: RetentionRunResult): RetentionReport {
  const describe = (id: string): string => config.rules.find((r) => r.id === id)?.description ?? '';
  const outcomes = new Map<string, string>();
  for (const item of result?.erased ?? []) outcomes.set(`${item.class} ${item.id}`, 'erased');
  for (const item of result?.held ?? []) outcomes.set(`${item.class} ${item.id}`, 'held');
  for (const item of result?.skipped ?? []) outcomes.set(`${item.class} ${item.id}`, item.outcome);
  const held = result ? result.held : plan.items.filter((item) => item.heldBy.length > 0);
  return {
    asOf: plan.asOf,
    mode,
    counts: {
      scanned: plan.counts.scanned,
      due: plan.counts.due,
      held: result ? result.counts.held : plan.counts.held,
      toErase: plan.counts.toErase,
      unreadable: plan.unreadable.length,
      ...(result ? { erased: result.counts.erased, skipped: result.counts.skipped } : {}),
    },
    byRule: Object.entries(plan.counts.byRule)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([rule, c]) => ({
        rule,
        class: c.class,
        description: describe(rule),
        due: c.due,
        held: result ? (result.counts.byRule[rule]?.held ?? 0) : c.held,
        ...(result ? { erased: result.counts.byRule[rule]?.erased ?? 0, skipped: result.counts.byRule[rule]?.skipped ?? 0 } : {}),
      })),
    items: plan.items.slice(0, REPORT_ITEM_LIMIT).map((item) => {
      const outcome = outcomes.get(`${item.class} ${item.id}`);
      return { class: item.class, id: item.id, rule: item.rule, reason: item.reason, held: item.heldBy.length > 0 || outcome === 'held', ...(outcome ? { outcome } : {}) };
    }),
    held: held.slice(0, REPORT_ITEM_LIMIT).map((item) => ({ class: item.class, id: item.id, rule: item.rule, holdIds: item.heldBy })),
    reportOnly: plan.reportOnly.map((r) => ({ class: r.class, rule: r.rule, description: describe(r.rule), count: r.count, oldestAt: r.oldestAt ? r.oldestAt.toISOString() : null })),
    unreadable: plan.unreadable.slice(0, REPORT_ITEM_LIMIT),
    truncated: plan.items.length > REPORT_ITEM_LIMIT || held.length > REPORT_ITEM_LIMIT || plan.unreadable.length > REPORT_ITEM_LIMIT,
  };
}

function joined(values: readonly string[]): string {
  let out = '';
  for (const value of values) {
    const next = out ? `${out},${value}` : value;
    if (next.length > DETAIL_MAX) return `${out},…`;
    out = next;
  }
  return out;
}

export interface CarryOutOptions {
  /** Who the audit trail names; default the schedule (`retention`, role `system`). */
  actor?: { name: string; role: string };
  /** Every progress step (the BullMQ job's progress, the CLI's stderr). retention_runs is written here too, at most once a second. */
  onProgress?(progress: RetentionProgress): void;
  /** Today's London date (tests). */
  today?: string;
}

export interface CarriedOutRun {
  run: RetentionRunRecord;
  plan: RetentionPlan;
  result?: RetentionRunResult;
  report: RetentionReport;
}

/**
 * Carries out a retention run recorded in retention_runs: marks it running, plans (and for an
 * `erase` run erases) with progress, stores the report and appends the summary audit row. A
 * failure marks the run failed (audited) and is rethrown.
 */
export async function carryOutRetentionRun(deps: { store: RetentionRunStore; config: Pick<RetentionConfig, 'rules'> }, run: RetentionRunRecord, options: CarryOutOptions = {}): Promise<CarriedOutRun> {
  const { store } = deps;
  const actor = options.actor ?? { name: 'retention', role: 'system' };
  await store.updateRetentionRun(run.id, { status: 'running', phase: 'planning', done: 0, startedAt: new Date() });
  let lastWrite = 0;
  let lastPhase: string | undefined;
  let writing: Promise<void> = Promise.resolve();
  const onProgress = (progress: RetentionProgress): void => {
    options.onProgress?.(progress);
    const now = Date.now();
    if (progress.phase === lastPhase && now - lastWrite < PROGRESS_WRITE_MS && progress.done < progress.total) return;
    lastWrite = now;
    lastPhase = progress.phase;
    // Progress is advisory: a failed write must not stop the run (the final update says how it ended).
    writing = writing.then(() => store.updateRetentionRun(run.id, { phase: progress.phase, done: progress.done, total: progress.total }).catch(() => undefined));
  };
  try {
    const plan = await planRetention(deps, { asOf: run.asOf, onProgress });
    const result =
      run.mode === 'erase'
        ? await runRetention(deps, plan, { runId: run.id, actor, onProgress, ...(options.today ? { today: options.today } : {}) })
        : undefined;
    await writing;
    const report = buildReport(deps.config, run.mode, plan, result);
    await store.updateRetentionRun(run.id, { status: 'done', finishedAt: new Date(), report: report as unknown as Record<string, unknown> });
    await store.appendAudit({
      at: new Date(),
      actor: actor.name,
      role: actor.role,
      action: run.mode === 'erase' ? 'retention.run' : 'retention.dry-run',
      targetType: 'retention-run',
      targetId: run.id,
      outcome: 'ok',
      details: {
        asOf: run.asOf,
        trigger: run.trigger,
        due: plan.counts.due,
        held: report.counts.held,
        unreadable: plan.unreadable.length,
        ...(result ? { erased: result.counts.erased, skipped: result.counts.skipped } : {}),
        byRule: joined(report.byRule.map((r) => `${r.rule}:${result ? `${r.erased ?? 0} erased` : `${r.due} due`}/${r.held} held`)),
        ...(report.counts.held > 0 ? { heldIds: joined(report.held.map((h) => h.id)) } : {}),
        ledgerRowsPastPeriod: plan.reportOnly.filter((r) => r.class === 'ledger').reduce((n, r) => n + r.count, 0),
        auditRowsPastPeriod: plan.reportOnly.filter((r) => r.class === 'audit').reduce((n, r) => n + r.count, 0),
      },
    });
    const finished = (await store.getRetentionRun(run.id)) ?? run;
    return { run: finished, plan, ...(result ? { result } : {}), report };
  } catch (err) {
    await writing;
    const errorCode = err instanceof RangeError ? 'as-of-after-today' : 'run-failed';
    await store.updateRetentionRun(run.id, { status: 'failed', finishedAt: new Date(), errorCode }).catch(() => undefined);
    await store
      .appendAudit({ at: new Date(), actor: actor.name, role: actor.role, action: run.mode === 'erase' ? 'retention.run' : 'retention.dry-run', targetType: 'retention-run', targetId: run.id, outcome: 'failed', details: { asOf: run.asOf, errorCode } })
      .catch(() => undefined);
    throw err;
  }
}

/**
 * Records a run the console asked for and queues it (job id `retention-<runId>`): the scheduler's
 * worker carries it out. If Redis refuses, the run is marked failed (`queue-unavailable`) and the
 * error rethrown, so the page can say so.
 */
export async function requestRetentionRun(
  deps: { store: Pick<Store, 'createRetentionRun' | 'updateRetentionRun'>; queue: Pick<Queue, 'add'> },
  request: { mode: RetentionRunMode; trigger: RetentionRunTrigger; requestedBy: string; asOf?: string },
): Promise<RetentionRunRecord> {
  const asOf = request.asOf ?? londonDate(new Date());
  if (!isCalendarDate(asOf)) throw new TypeError('asOf must be a calendar date YYYY-MM-DD');
  const run = await deps.store.createRetentionRun({ mode: request.mode, trigger: request.trigger, requestedBy: request.requestedBy, asOf });
  const payload: RetentionRunPayload = { mode: request.mode, trigger: request.trigger, runId: run.id, asOf, requestedBy: request.requestedBy };
  try {
    await deps.queue.add(retentionRun.name, payload, { ...retentionRun.options, jobId: retentionRun.jobId(run.id) });
  } catch (err) {
    await deps.store.updateRetentionRun(run.id, { status: 'failed', finishedAt: new Date(), errorCode: 'queue-unavailable' }).catch(() => undefined);
    throw err;
  }
  return run;
}
