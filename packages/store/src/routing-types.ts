// Types of the routing, delivery and ledger part of the Store (see RoutingStore).
import type { LedgerEntry, LedgerQuery, LedgerVerification, VerifyOptions } from '@hub/ledger';
import type { OutboxEntry } from './types.ts';
import type { AcknowledgementInput } from './acknowledgement-store.ts';
import type { DeliveryGauges } from './metrics-queries.ts';

export type ReferralUrgency = 'routine' | 'medium' | 'high' | 'urgent';
export type ReferralStatus = 'routed' | 'held' | 'closed';
export type DecisionKind = 'share' | 'not-share' | 'hold';
/** BullMQ priority of the delivery job: urgent 1, high 2, routine 5. */
export type DeliveryPriority = 'urgent' | 'high' | 'routine';
export type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'closed';
export type FeedbackKind = 'acknowledged' | 'accepted' | 'declined' | 'closed';
/** A referral delivery, or the correction of one (UK GDPR Art 19; see RightsStore.saveRectification). */
export type DeliveryKind = 'referral' | 'rectification';

export interface LawfulBasis {
  art6: string;
  art9?: string;
  sch1Paragraph?: string;
  art10?: string;
}

export interface ReferralInput {
  referralId: string;
  messageId: string;
  sourcePartnerId: string;
  sourceType: string;
  /**
   * The source's own reference for the referral (searchable by exact match). Stored only as an
   * HMAC (key derived from the master key, label SOURCE_REFERENCE_HMAC_LABEL), never in plaintext.
   */
  sourceReference?: string;
  urgency: ReferralUrgency;
  receivedAt: Date;
  /**
   * Non-identifying dimensions for anonymised statistics (statistics-store.ts), stored in clear:
   * the need codes, and the postcode DISTRICT (outward code such as `M14`, POSTCODE_DISTRICT_PATTERN),
   * never a full postcode.
   */
  needs?: string[];
  postcodeDistrict?: string;
  /** The canonical referral's JSON bytes; stored encrypted under the referral's own data key. */
  canonical: Buffer;
  people: { personRef: string; hubPersonId: string; role: string }[];
}

export interface DecisionInput {
  decisionId: string;
  recipientPartnerId?: string;
  decision: DecisionKind;
  ruleId?: string;
  operatorId?: string;
  /** A fixed text (code or sentence written by developers), never free text about the family. */
  reason: string;
  purpose?: string;
  priority?: DeliveryPriority;
}

export interface DeliveryInput {
  deliveryId: string;
  recipientPartnerId: string;
  /** A `share` decision of the same call (or of the hold resolution) for the same recipient. */
  decisionId: string;
  ruleId?: string;
  operatorId?: string;
  channel: string;
  priority: DeliveryPriority;
  deadlineAt?: Date;
  purpose: string;
  lawfulBasis: LawfulBasis;
  /** JSON pointers of the fields the payload discloses. */
  fields: string[];
  /** Hub person ids of the people the payload is about. */
  subjects: string[];
  /** The exact bytes to send; stored encrypted, with their SHA-256. */
  payload: Buffer;
}

export interface RoutingOutcomeInput {
  referral: ReferralInput;
  decisions: DecisionInput[];
  hold?: { reasons: string[] };
  deliveries: DeliveryInput[];
  /** A self-referral's acknowledgement decision (queued or suppressed), recorded in the same transaction. */
  acknowledgement?: AcknowledgementInput;
}

export interface StoredReferral {
  referralId: string;
  messageId: string;
  sourcePartnerId: string;
  sourceType: string;
  urgency: ReferralUrgency;
  status: ReferralStatus;
  receivedAt: Date;
  routedAt: Date | null;
  canonical: Buffer;
  people: { personRef: string; hubPersonId: string; role: string }[];
}

/** A delivery without its payload. */
export interface DeliverySummary {
  deliveryId: string;
  referralId: string;
  kind: DeliveryKind;
  /** For a rectification delivery: the rectification, and the recipient's referral delivery it corrects. */
  rectificationId: string | null;
  rectifiesDeliveryId: string | null;
  recipientPartnerId: string;
  decisionId: string;
  ruleId: string | null;
  operatorId: string | null;
  channel: string;
  priority: DeliveryPriority;
  status: DeliveryStatus;
  attempts: number;
  lastErrorCode: string | null;
  nextAttemptAt: Date | null;
  deadlineAt: Date | null;
  deadlineMissedAt: Date | null;
  payloadSha256: string;
  fields: string[];
  subjects: string[];
  purpose: string;
  lawfulBasis: LawfulBasis;
  createdAt: Date;
  deliveredAt: Date | null;
  feedbackStatus: FeedbackKind | null;
  feedbackAt: Date | null;
}

export interface StoredDelivery extends DeliverySummary {
  /** The referral's urgency (for the adapter, e.g. the email subject's flag). */
  urgency: ReferralUrgency;
  /** When the hub received the referral's message (for the delivery latency metric). */
  referralReceivedAt: Date;
  /** The exact bytes to send, decrypted. */
  payload: Buffer;
  /** For a rectification delivery: the status of the referral delivery it corrects (sent only once that was delivered). */
  rectifiedDeliveryStatus: DeliveryStatus | null;
  /** Some person on the referral is restricted or objected (see RightsStore.referralSubjectRights before sending). */
  subjectRightsFlagged: boolean;
}

export interface AttemptInput {
  /** A short code, e.g. `delivered`, `retryable`, `permanent`, `gone`. */
  outcome: string;
  httpStatus?: number;
  errorCode?: string;
  durationMs: number;
  nextAttemptAt?: Date;
}

export interface DeliveryAttempt {
  attempt: number;
  at: Date;
  outcome: string;
  httpStatus: number | null;
  errorCode: string | null;
  durationMs: number;
}

export interface DeadLetter extends DeliverySummary {
  attemptHistory: DeliveryAttempt[];
}

export interface HeldReferral {
  referralId: string;
  messageId: string;
  sourcePartnerId: string;
  sourceType: string;
  urgency: ReferralUrgency;
  receivedAt: Date;
  reasons: string[];
  heldAt: Date;
}

export type HoldResolutionInput =
  | { operatorId: string; reason: string; decisions: DecisionInput[]; deliveries: DeliveryInput[] }
  | { operatorId: string; reason: string; close: true };

export interface DueDeadline {
  deliveryId: string;
  referralId: string;
  recipientPartnerId: string;
  deadlineAt: Date;
  status: DeliveryStatus;
}

/** Routing, delivery, review and ledger operations of the Store (one transaction each). */
export interface RoutingStore {
  /** The referral made from this inbound message, if it has been routed. */
  findReferralByMessage(messageId: string): Promise<{ referralId: string; status: ReferralStatus } | null>;
  /**
   * Hub person ids by personRef. Exact NHS number match only (same number → same id, across
   * calls, processes and master-key rotation); a person without an NHS number always gets a new
   * id. The NHS number is stored only as an HMAC. Commits on its own (before the routing
   * transaction, whose payloads need the ids); concurrent calls for one number get one id.
   */
  linkPeople(people: { personRef: string; nhsNumber?: string }[]): Promise<Map<string, string>>;
  /**
   * In one transaction: the referral (canonical bytes encrypted), its people, every decision, the
   * hold (if any), the deliveries (payloads encrypted, with SHA-256) with one `deliver` outbox row
   * each, and a `not-disclosed` ledger row per `not-share` decision. Idempotent on messageId: a
   * second call for the same message changes nothing and returns `{ created: false, outbox: [] }`.
   */
  saveRoutingOutcome(input: RoutingOutcomeInput): Promise<{ created: boolean; outbox: OutboxEntry[] }>;
  /** Decrypted canonical bytes and metadata; null when unknown. Throws DecryptionError on tampering. */
  readReferral(referralId: string): Promise<StoredReferral | null>;
  /** Metadata and decrypted payload; null when unknown. */
  getDelivery(deliveryId: string): Promise<StoredDelivery | null>;
  deliveryRecipient(deliveryId: string): Promise<string | null>;
  /** Records one try (and the next retry time); returns the attempt count. Throws if the delivery is unknown. */
  recordAttempt(deliveryId: string, attempt: AttemptInput): Promise<{ attempts: number }>;
  /**
   * Marks the delivery delivered and appends its `disclosed` ledger row, in one transaction, only
   * if it was not delivered already: a worker that crashes and runs again, or two workers at
   * once, never write two ledger rows. Works from any other status (pending, dead, closed): if
   * the bytes reached the recipient, it is a disclosure. Throws NotFoundError if unknown.
   */
  completeDelivery(deliveryId: string, input: { at: Date; channel: string }): Promise<{ ledgerEntryId: string } | { already: true }>;
  /** pending → dead with the error code; false if it was not pending. */
  deadLetter(deliveryId: string, input: { code: string }): Promise<boolean>;
  listDeadLetters(input: { limit: number; offset: number; partnerId?: string }): Promise<{ total: number; items: DeadLetter[] }>;
  /**
   * dead → pending (attempts 0) with a `replay` action row and a fresh outbox row each. Deliveries
   * not dead are skipped. The job id is `delivery-<id>-replay-<n>` (n = how many replays so far):
   * the dead job keeps its own id in BullMQ (removeOnFail is off), and adding a job with that id
   * again would be ignored.
   */
  replayDeliveries(deliveryIds: string[], input: { operatorId: string; reason: string }): Promise<OutboxEntry[]>;
  /** dead → closed with a `close` action row and a `not-disclosed` ledger row; false if it was not dead. */
  closeDeadLetter(deliveryId: string, input: { operatorId: string; reason: string }): Promise<boolean>;
  /** Disables the partner's endpoint (e.g. after 410 Gone) until an operator enables it. */
  disableEndpoint(partnerId: string, code: string): Promise<void>;
  enableEndpoint(partnerId: string, operatorId: string): Promise<void>;
  endpointDisabled(partnerId: string): Promise<boolean>;
  /** Unresolved holds, oldest first. */
  listHolds(): Promise<HeldReferral[]>;
  /**
   * Resolves an open hold in one transaction: the operator's decisions (recorded with their
   * operator id), deliveries with outbox rows, `not-disclosed` ledger rows for `not-share`
   * decisions; or closes the referral (a `not-share` decision and ledger row). `resolved: false`
   * when there is no open hold. A delivery for a recipient that already has one is skipped.
   */
  resolveHold(referralId: string, resolution: HoldResolutionInput): Promise<{ resolved: boolean; outbox: OutboxEntry[] }>;
  /** Records the recipient's latest feedback; false when the delivery is unknown. Older feedback does not overwrite newer. */
  recordFeedback(deliveryId: string, input: { kind: FeedbackKind; at: Date }): Promise<boolean>;
  /** Deliveries whose deadline is before `now`, not delivered by it, and not yet marked missed. */
  dueDeadlines(now: Date): Promise<DueDeadline[]>;
  /** Marks a missed deadline once; false if it was marked already. */
  markDeadlineMissed(deliveryId: string, at: Date): Promise<boolean>;
  /** Counts per recipient for the metrics sampled on scrape: open dead letters and deadlines at risk (due within `atRiskWindowMs` or past, not delivered, not yet marked missed). */
  deliveryGauges(now: Date, atRiskWindowMs: number): Promise<DeliveryGauges>;
  /** Checks the ledger's hash chain (see @hub/ledger verifyLedger). */
  verifyLedger(options?: VerifyOptions): Promise<LedgerVerification>;
  queryLedger(query: LedgerQuery): Promise<LedgerEntry[]>;
  /** The last ledger row's seq and hash, to keep a copy elsewhere (truncation/rewrite detection). */
  ledgerHead(): Promise<{ seq: number; hash: string } | null>;
}
