// Types of the subject access part of the Store (UK GDPR Art 15; see SubjectAccessStore).
import type { LedgerEntry } from '@hub/ledger';
import type { StoredAcknowledgement } from './acknowledgement-store.ts';
import type { LegalHold, Tombstone } from './erasure-types.ts';
import type { MessageOptOut, StoredFeedbackInvitation, SubjectAccessFeedback } from './feedback-types.ts';
import type { PersonRightsState, RecipientPropagation, RightsAction } from './rights-types.ts';
import type { DeliveryStatus, FeedbackKind, LawfulBasis, ReferralStatus, ReferralUrgency } from './routing-types.ts';

/** A hub person the DPO may choose for a request: ids and counts only, no personal values. */
export interface PersonCandidate {
  personId: string;
  /** True when the person is known by an NHS number (the only thing that links referrals). */
  linkedByNhsNumber: boolean;
  /** Referrals the person appears in. */
  referrals: number;
  /** Distinct source partners of those referrals, sorted. */
  sources: string[];
  /** The person's roles in those referrals, sorted. */
  roles: string[];
  firstReceivedAt: Date | null;
  lastReceivedAt: Date | null;
  /** Up to five of the person's referrals, newest first (to show masked names and years of birth). */
  recentReferralIds: string[];
}

export interface NameDobSearch {
  givenName: string;
  familyName: string;
  /** `YYYY-MM-DD` */
  dateOfBirth: string;
}

export type SubjectAccessStatus = 'open' | 'completed';
export type ExtensionReason = 'complex' | 'numerous';
export const EXTENSION_REASONS: readonly ExtensionReason[] = ['complex', 'numerous'];

/** One subject access request. Dates are UK calendar dates `YYYY-MM-DD`. */
export interface SubjectAccessRequest {
  id: string;
  /** The hub person the DPO matched the request to; null until then. */
  personId: string | null;
  receivedOn: string;
  /** One calendar month from receipt (end-of-month rule). */
  dueOn: string;
  extendedDueOn: string | null;
  extensionMonths: 1 | 2 | null;
  extensionReason: ExtensionReason | null;
  /** Written by the DPO ("no personal details"); dpo role only. */
  extensionNote: string | null;
  requesterToldOn: string | null;
  /** extendedDueOn when extended, else dueOn. */
  effectiveDueOn: string;
  status: SubjectAccessStatus;
  completedAt: Date | null;
  completedBy: string | null;
  createdBy: string;
  createdAt: Date;
}

/**
 * An extension as the caller computed it (with @hub/domain extendDueDate from receipt); the
 * database refuses an extended date that is not `months` + 1 calendar months after receipt.
 */
export interface SubjectAccessExtensionInput {
  /** Further months beyond the first: 1 or 2 (at most two in total). */
  months: 1 | 2;
  extendedDueOn: string;
  reason: ExtensionReason;
  /** At most 500 characters, no personal details. */
  note?: string;
  /** When the requester was told of the extension and why: on or after receipt, on or before the first due date. */
  toldOn: string;
}

/** A refused change to a subject access request: `field` names the input, the message never quotes it. */
export class SubjectAccessRequestError extends Error {
  override name = 'SubjectAccessRequestError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Everything the hub holds that is linked to a person, read in one snapshot for an export. */
export interface SubjectAccessRecords {
  personId: string;
  linkedByNhsNumber: boolean;
  /** When the snapshot was read (database time). */
  readAt: Date;
  referrals: SubjectAccessReferral[];
  /** Every ledger row whose subjects include the person, in seq order. */
  ledger: LedgerEntry[];
  /** count(*) of those ledger rows in the same snapshot: the completeness check. */
  ledgerCount: number;
  /** The person's restriction / objection / safeguarding override flags and their whole history. */
  rights: SubjectAccessRights;
  /** Corrections of the person's own fields (in any of their referrals), oldest first. */
  rectifications: SubjectAccessRectification[];
  /**
   * Tombstones of erased records the person was in (their `subjects` name the person, or the
   * record is one of the person's referrals), oldest first. `subjects` names other people too:
   * the export builder never copies it.
   */
  erasures: Tombstone[];
  /** Legal holds on the person, or on one of their referrals, active or released, oldest first. */
  legalHolds: LegalHold[];
  /** Subject access requests matched to the person (this one included), oldest first. */
  requests: SubjectAccessRequest[];
  /** National evaluation extracts whose ledger row names the person, oldest first. */
  evaluationExtracts: SubjectAccessEvaluationExtract[];
  /** The person's own feedback answers (family_feedback.person_id), comments decrypted, oldest first. */
  feedback: SubjectAccessFeedbackAnswer[];
  /**
   * Feedback invitations about the person's referrals, or addressed to them, oldest first: codes
   * and dates (the token's hash is never read). `personId` may be another person (the parent the
   * invitation went to): the export builder never copies it.
   */
  feedbackInvitations: StoredFeedbackInvitation[];
  /** Acknowledgements of the person's referrals (self-referrals), oldest first: codes and dates. */
  acknowledgements: StoredAcknowledgement[];
  /** The person's request to get no messages from the hub, if any. */
  messageOptOut: MessageOptOut | null;
  /** Directory services an operator recorded as shared with the family on the person's referrals, oldest first. */
  signpostShares: SubjectAccessSignpostShare[];
}

/** A feedback answer for subject access: `commentUnreadable` when a comment exists, is not erased, and would not decrypt. */
export interface SubjectAccessFeedbackAnswer extends SubjectAccessFeedback {
  commentUnreadable: boolean;
}

/** A signpost_shares row: which directory service was shared with the family, by whom and when. */
export interface SubjectAccessSignpostShare {
  shareId: string;
  referralId: string;
  serviceId: string;
  serviceName: string;
  /** The directory's public URL for the service (from migration 0011; null for older shares). */
  serviceUrl: string | null;
  operatorId: string;
  sharedAt: Date;
}

/** The person's flags (null when never set) and every change of them with its decrypted reason. */
export interface SubjectAccessRights {
  state: PersonRightsState | null;
  /** Oldest first. */
  history: SubjectAccessRightsChange[];
}

export interface SubjectAccessRightsChange {
  id: string;
  action: RightsAction;
  actor: string;
  at: Date;
  overrideUntil: Date | null;
  /** The typed reason (PLAINTEXT free text), or null when it could not be decrypted. */
  reason: string | null;
}

export interface SubjectAccessRectification {
  rectificationId: string;
  referralId: string;
  personRef: string;
  /** JSON pointer relative to the person (e.g. `/contact/phone`). */
  pointer: string;
  reasonCategory: string;
  actor: string;
  at: Date;
  /**
   * The typed reason and the old and new values (PLAINTEXT), decrypted with the referral's data
   * key; `erased` when that key was destroyed, `unreadable` when it would not decrypt otherwise.
   */
  detail: { reason: string; oldValue: unknown; newValue: unknown } | 'erased' | 'unreadable';
  /** The rectification delivery to each recipient that had received the field. */
  recipients: RecipientPropagation[];
}

/** An evaluation_extracts row (counts only; the CSV is not kept). */
export interface SubjectAccessEvaluationExtract {
  extractId: string;
  periodFrom: string;
  periodTo: string;
  createdAt: Date;
  createdBy: string;
  recipientPartnerId: string;
  purpose: string;
  art6: string;
  fileName: string;
  csvSha256: string;
  ledgerEntryId: string;
}

export interface SubjectAccessReferral {
  referralId: string;
  messageId: string;
  sourcePartnerId: string;
  sourceType: string;
  urgency: ReferralUrgency;
  status: ReferralStatus;
  receivedAt: Date;
  routedAt: Date | null;
  /** When the referral was erased (its data key destroyed); null while it is not. */
  erasedAt: Date | null;
  /**
   * The decrypted canonical referral JSON (PLAINTEXT, every person in it: for the export builder,
   * which redacts other people), or null when its data key is gone (erased).
   */
  canonical: Buffer | null;
  /** The person's own entries in the referral (usually one). */
  personRefs: string[];
  /** Everyone in the referral: personRef, hub person id and role. */
  people: { personRef: string; hubPersonId: string; role: string }[];
  inbound: { messageId: string; partnerId: string; webhookId: string; type: string; schemaId: string; receivedAt: Date; bodySha256: string } | null;
  decisions: {
    decisionId: string;
    recipientPartnerId: string | null;
    decision: 'share' | 'not-share' | 'hold';
    ruleId: string | null;
    operatorId: string | null;
    reason: string;
    purpose: string | null;
    priority: string | null;
    decidedAt: Date;
  }[];
  deliveries: SubjectAccessDelivery[];
  hold: { reasons: string[]; heldAt: Date; resolvedAt: Date | null; resolvedBy: string | null; resolution: string | null; resolutionReason: string | null } | null;
}

export interface SubjectAccessStore {
  /** The hub person known by this NHS number (bare 10 digits), if any: zero or one candidate. */
  findPeopleByNhsNumber(nhsNumber: string): Promise<PersonCandidate[]>;
  /**
   * Every hub person recorded with this normalised given name, family name and date of birth
   * (see name-dob-index.ts), each its own candidate: never merged.
   */
  findPeopleByNameAndDob(search: NameDobSearch): Promise<PersonCandidate[]>;
  /**
   * Indexes names and dates of birth of referrals routed before migration 0005 (decrypting each
   * canonical referral), `batchSize` referrals per transaction until none is left. Referrals whose
   * canonical form cannot be decrypted are counted as `unreadable` and left for a later run.
   */
  backfillNameDobIndex(options?: { batchSize?: number }): Promise<{ referrals: number; people: number; unreadable: number }>;
  /** Everything linked to the person, in one consistent snapshot; null when there is no such person. */
  subjectAccessRecords(personId: string): Promise<SubjectAccessRecords | null>;

  /**
   * Registers a request. `dueOn` is computed by the caller (@hub/domain subjectAccessDueDate); the
   * database refuses one that is not one calendar month after `receivedOn` (end-of-month rule).
   */
  createSubjectAccessRequest(input: { receivedOn: string; dueOn: string; createdBy: string }): Promise<SubjectAccessRequest>;
  getSubjectAccessRequest(id: string): Promise<SubjectAccessRequest | null>;
  /** Open requests first (earliest effective due date first), then completed ones (newest first). */
  listSubjectAccessRequests(query: { status?: SubjectAccessStatus; limit: number; offset: number }): Promise<{ total: number; items: SubjectAccessRequest[] }>;
  /** Sets (or changes) the hub person of an open request. */
  matchSubjectAccessRequest(id: string, personId: string): Promise<SubjectAccessRequest>;
  /** Records an extension (or lengthens a one-month extension to two) on an open request. */
  extendSubjectAccessRequest(id: string, input: SubjectAccessExtensionInput): Promise<SubjectAccessRequest>;
  completeSubjectAccessRequest(id: string, input: { by: string; at: Date }): Promise<SubjectAccessRequest>;
  /** Open requests whose effective due date is before `today` (UK date, `YYYY-MM-DD`). */
  countOverdueSubjectAccessRequests(today: string): Promise<number>;
}

/** A delivery without its payload (the ledger row records what was sent, as pointers). */
export interface SubjectAccessDelivery {
  deliveryId: string;
  recipientPartnerId: string;
  decisionId: string;
  ruleId: string | null;
  operatorId: string | null;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  purpose: string;
  lawfulBasis: LawfulBasis;
  fields: string[];
  /** Hub person ids the payload is about. */
  subjects: string[];
  deadlineAt: Date | null;
  createdAt: Date;
  deliveredAt: Date | null;
  feedbackStatus: FeedbackKind | null;
  feedbackAt: Date | null;
}
