// Types of the erasure, legal-hold and retention part of the Store (issue 5; see ErasureStore and
// docs/data-protection.md "Erasure", "Legal holds", "Retention"). Ids, codes, counts and times only.

/** Why a record was erased (a fixed code; any words an operator typed go to the audit trail). */
export const ERASURE_REASON_CODES = ['retention-period-ended', 'art17-request', 'received-in-error', 'court-order'] as const;
export type ErasureReasonCode = (typeof ERASURE_REASON_CODES)[number];

/** Who may be named as deciding an erasure: an operator, or a retention rule within a run. */
export type ErasureAuthority =
  | {
      /** The operator's account (console username, or the CLI's `--operator`). */
      operatorId: string;
      /** Their role for the audit trail (`dpo`, `admin`, `cli`). */
      role: string;
      reasonCode: ErasureReasonCode;
      /** What the operator typed (audit trail only; no personal details). */
      reason?: string;
    }
  | {
      /** The retention rule (config/retention.yaml) that made the record due. */
      ruleId: string;
      /** The retention run that erased it. */
      runId: string;
      reasonCode: ErasureReasonCode;
      /** Who the audit trail names: the user who started the run, or `retention` (the schedule). */
      actor?: { name: string; role: string };
    };

export type RecordClass = 'referral' | 'inbound-message';
/**
 * Every class the hub erases: a family's feedback answer too (issue 6). An erased answer is its own
 * evidence (erased_at, its key and person gone; audit row per answer): it has no tombstone row.
 */
export type ErasableRecordClass = RecordClass | 'family-feedback';

export type ErasureOutcome =
  /** The data key(s) were destroyed in this call. */
  | 'erased'
  /** An active legal hold covers it: nothing was changed. */
  | 'held'
  | 'already-erased'
  | 'not-found'
  /** An inbound message that became a referral: erase the referral instead. */
  | 'has-referral';

export interface ErasureCounts {
  /** Wrapped data keys destroyed: the referral's and its inbound message's. */
  keysDestroyed: number;
  /** Delivery payloads (sent or not) made unreadable with the referral's key. */
  payloads: number;
  /** Dead letters closed because there is nothing left to send. */
  deliveriesClosed: number;
}

export interface ErasureResult {
  recordClass: ErasableRecordClass;
  id: string;
  outcome: ErasureOutcome;
  /** Active legal holds that refused it (outcome `held`). */
  holdIds?: string[];
  /** Set when outcome is `erased`. */
  tombstoneId?: string;
  /** The ledger row recording the erasure (referrals only). */
  ledgerEntryId?: string;
  counts?: ErasureCounts;
}

/** What stays of an erased record: the evidence that it was erased, when, why and by whom. */
export interface Tombstone extends ErasureCounts {
  id: string;
  recordClass: RecordClass;
  recordId: string;
  messageId: string | null;
  erasedAt: Date;
  ruleId: string | null;
  operatorId: string | null;
  runId: string | null;
  reasonCode: string;
  /** Hub person ids that appeared in the record. */
  subjects: string[];
  ledgerEntryId: string | null;
}

export type LegalHoldScope = 'referral' | 'person';

export interface LegalHold {
  id: string;
  scope: LegalHoldScope;
  /** A referral id or a hub person id. */
  targetId: string;
  /** What the DPO typed (a case or matter reference); shown to dpo and admin only. */
  reason: string;
  placedBy: string;
  placedAt: Date;
  releasedAt: Date | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

/** The account an action is recorded against in the audit trail. */
export interface AuditActor {
  actor: string;
  role: string;
  ip?: string | null;
}

export interface LegalHoldInput {
  scope: LegalHoldScope;
  targetId: string;
  reason: string;
  by: AuditActor;
}

/** One referral not yet erased, as the retention planner needs it (page of `retentionReferralPage`). */
export interface RetentionReferralRow {
  referralId: string;
  messageId: string;
  sourceType: string;
  receivedAt: Date;
  /** Hub person ids in the referral (links family records across referrals). */
  personIds: string[];
  /** The decrypted canonical referral; null when it cannot be decrypted (key missing from the ring, tampering). */
  canonical: Buffer | null;
}

/** One inbound message that never became a referral (feedback, or never routed), not yet erased. */
export interface RetentionInboundRow {
  messageId: string;
  type: string;
  receivedAt: Date;
}

/** One family feedback answer not yet erased (page of `retentionFeedbackPage`): no person, no text. */
export interface RetentionFeedbackRow {
  feedbackId: string;
  submittedAt: Date;
  /** Active legal holds on the person the answer came from (a hold on a person keeps their answers). */
  heldBy: string[];
}

export type RetentionRunMode = 'dry-run' | 'erase';
export type RetentionRunTrigger = 'schedule' | 'console' | 'cli';
export type RetentionRunStatus = 'queued' | 'running' | 'done' | 'failed';

export interface RetentionRunInput {
  mode: RetentionRunMode;
  trigger: RetentionRunTrigger;
  requestedBy: string | null;
  /** London calendar date `YYYY-MM-DD`. */
  asOf: string;
  status?: RetentionRunStatus;
}

export interface RetentionRunRecord {
  id: string;
  mode: RetentionRunMode;
  trigger: RetentionRunTrigger;
  requestedBy: string | null;
  asOf: string;
  status: RetentionRunStatus;
  phase: 'planning' | 'erasing' | null;
  done: number;
  total: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** The run's report (ids, codes and counts only), set when it finishes. */
  report: Record<string, unknown> | null;
  errorCode: string | null;
}

export interface RetentionRunUpdate {
  status?: RetentionRunStatus;
  phase?: 'planning' | 'erasing';
  done?: number;
  total?: number;
  startedAt?: Date;
  finishedAt?: Date;
  report?: Record<string, unknown>;
  errorCode?: string;
}

export interface ErasureStore {
  /**
   * Erases referrals by destroying their data keys (and their inbound messages' keys), each batch
   * in one transaction with its tombstones, its audit rows and one `erased` ledger row per referral
   * (plus a `not-disclosed` row per dead letter closed). A referral under an active legal hold is
   * refused (`held`), whoever asks. Pending deliveries are left to the delivery worker, which
   * closes them without sending (closeErasedDelivery): one may be mid-send right now. One result
   * per distinct id, in the order given.
   */
  eraseReferrals(referralIds: readonly string[], authority: ErasureAuthority): Promise<ErasureResult[]>;
  /** The same for inbound messages that never became a referral (no ledger row: no referral). */
  eraseInboundMessages(messageIds: readonly string[], authority: ErasureAuthority): Promise<ErasureResult[]>;
  /**
   * Erases family feedback answers (issue 6): destroys each answer's wrapped data key (its free
   * text can no longer be read), clears the person it came from and sets erased_at, with an
   * `erasure` audit row per answer in the same transaction. The ratings, service type, area and
   * month stay for anonymised statistics. An answer from a person under an active legal hold is
   * refused (`held`). No ledger row (nothing was disclosed) and no tombstone row (the answer row
   * itself is the evidence).
   */
  eraseFamilyFeedback(feedbackIds: readonly string[], authority: ErasureAuthority): Promise<ErasureResult[]>;
  /**
   * Closes a delivery (pending or dead) of an erased referral without sending it: the action and a
   * `not-disclosed` ledger row, decided by whoever erased the referral. False when it is not such
   * a delivery (or is closed already).
   */
  closeErasedDelivery(deliveryId: string): Promise<boolean>;
  /** The tombstone of an erased record, or null. */
  erasureOf(recordClass: RecordClass, recordId: string): Promise<Tombstone | null>;
  /** Newest first. */
  listErasures(query: { limit: number; offset: number; runId?: string }): Promise<{ total: number; items: Tombstone[] }>;
  /** The referrals a hub person appears in (erased ones too), oldest first. */
  referralsOfPerson(personId: string): Promise<{ referralId: string; personRef: string; role: string; receivedAt: Date; erasedAt: Date | null }[]>;

  /** Places a hold (audited in the same transaction). NotFoundError when there is no such (unerased) referral or person. */
  placeLegalHold(input: LegalHoldInput): Promise<LegalHold>;
  /** Releases an active hold (audited); null when there is no such active hold. */
  releaseLegalHold(holdId: string, release: { reason: string; by: AuditActor }): Promise<LegalHold | null>;
  /** Active holds first (newest first), then released ones when `includeReleased`. */
  listLegalHolds(query?: { includeReleased?: boolean; limit?: number }): Promise<LegalHold[]>;
  /** Active hold ids covering each referral (directly, or through a person in it); referrals with none are absent. */
  activeLegalHolds(referralIds: readonly string[]): Promise<Map<string, string[]>>;

  /** How many records the planner will walk (for progress). */
  retentionCounts(): Promise<{ referrals: number; inboundMessages: number; familyFeedback: number }>;
  /** Referrals not erased, in id order after `after`, decrypted for the planner. */
  retentionReferralPage(page: { after?: string; limit: number }): Promise<RetentionReferralRow[]>;
  /** Inbound messages not erased and never routed, received before `receivedBefore`, in id order after `after`. */
  retentionInboundPage(page: { after?: string; limit: number; receivedBefore: Date }): Promise<RetentionInboundRow[]>;
  /** Family feedback answers not erased, submitted before `submittedBefore`, in id order after `after`. */
  retentionFeedbackPage(page: { after?: string; limit: number; submittedBefore: Date }): Promise<RetentionFeedbackRow[]>;
  /** Ledger or audit rows older than `before` (report-only classes: they are never deleted). */
  countRowsOlderThan(table: 'ledger' | 'audit', before: Date): Promise<{ count: number; oldestAt: Date | null }>;

  createRetentionRun(input: RetentionRunInput): Promise<RetentionRunRecord>;
  updateRetentionRun(runId: string, update: RetentionRunUpdate): Promise<void>;
  getRetentionRun(runId: string): Promise<RetentionRunRecord | null>;
  /** Newest first. */
  listRetentionRuns(limit: number): Promise<RetentionRunRecord[]>;
}
