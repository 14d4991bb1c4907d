// @hub/retention: the retention schedule applied (issue 5; docs/data-protection.md "Retention").
// Rules and dates are pure; the planner reads through the store; runs erase by key destruction.
export { addYears, isCalendarDate, lastDueDate, londonDate, londonStartOf, nextDate } from './dates.ts';
export { CHILD_ROLES, childBirthDates, reasonText, recordRetention } from './rules.ts';
export type { RecordRetention, RetentionReasonCode } from './rules.ts';
export { planRetention, runRetention } from './planner.ts';
export type { ErasableClass, PlanOptions, ReportOnlyCount, RetentionDeps, RetentionItem, RetentionPlan, RetentionProgress, RetentionRunResult, RetentionStore, RunOptions } from './planner.ts';
export { buildReport, carryOutRetentionRun, REPORT_ITEM_LIMIT, requestRetentionRun } from './runs.ts';
export type { CarriedOutRun, CarryOutOptions, RetentionReport, RetentionRunStore } from './runs.ts';
export { startRetentionScheduler } from './job.ts';
export type { RetentionJobResult, RetentionScheduler, RetentionSchedulerOptions } from './job.ts';
