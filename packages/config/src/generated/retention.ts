/* Generated from schemas/config/retention.v1.json by `pnpm gen:types`. Do not edit. */

/**
 * The retention schedule: how long each class of record is kept, and when the scheduler applies it. Records past their period are erased by destroying their data keys (docs/data-protection.md, Retention); a legal hold overrides any rule.
 */
export interface RetentionConfigFile {
  version: 1;
  schedule: RetentionSchedule;
  /**
   * Rules per record class. A referral or inbound message takes the FIRST rule of its class whose sourceTypes name its type; each of those classes ends with one rule without sourceTypes (the default). family-feedback has exactly one rule (without sourceTypes).
   *
   * @minItems 1
   */
  rules: [RetentionRule, ...RetentionRule[]];
}
/**
 * When the scheduler's retention job runs (a BullMQ job scheduler) and what it does.
 */
export interface RetentionSchedule {
  /**
   * false: no scheduled runs (dry runs and runs can still be started from the console or the CLI).
   */
  enabled?: boolean;
  /**
   * Five-field cron pattern (minute hour day-of-month month day-of-week), e.g. "30 2 * * *" for 02:30 every day.
   */
  cron: string;
  /**
   * IANA time zone of the cron pattern. Default Europe/London.
   */
  timezone?: string;
  /**
   * erase: each scheduled run erases what is due (with evidence); dry-run: it only reports what would go and why.
   */
  action: "erase" | "dry-run";
}
/**
 * One class's period. With keep.from youngest-child-birth, `fallback` (from received) is the period when no child in the record has a known date of birth.
 */
export interface RetentionRule {
  /**
   * Stable id, recorded with every erasure it causes.
   */
  id: string;
  /**
   * referral: a family record (canonical referral, payloads, its inbound message). inbound-message: a message that never became a referral (recipients' feedback). family-feedback: a family's answer to a feedback invitation (its free text and the person it came from are erased; the ratings stay for anonymised statistics). ledger and audit: report-only classes (their rows are never deleted by the hub).
   */
  class: "referral" | "inbound-message" | "family-feedback" | "ledger" | "audit";
  /**
   * Only records of these message types (referral and inbound-message classes). Absent: every type (the class's default rule).
   *
   * @minItems 1
   */
  sourceTypes?: [string, ...string[]];
  keep: RetentionPeriod;
  fallback?: RetentionPeriod;
  /**
   * Why this period: shown in the dry-run report.
   */
  description: string;
  /**
   * Where the period comes from (a schedule, a statute).
   */
  source?: string;
}
export interface RetentionPeriod {
  /**
   * youngest-child-birth: the youngest child's (role child or young-person) date of birth in the family record. received: when the hub received the message. submitted: when the family submitted the feedback answer. recorded: when the ledger or audit row was written.
   */
  from: "youngest-child-birth" | "received" | "submitted" | "recorded";
  years: number;
}
