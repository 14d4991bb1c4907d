// Family feedback (issue 6 items 4-5; migration 0011; docs/data-protection.md "Feedback from
// families"). The contract shared by the invitation side (feedback-store.ts), the answer side
// (feedback-answers-store.ts), reporting (statistics-store.ts) and subject access (sar-store.ts).
// Ids, codes, dates and ratings only — except the answer's free text, which is sealed under the
// answer's own data key and only ever returned decrypted to subject access.
import type { OutboxEntry } from './types.ts';

export const FEEDBACK_INVITE_JOB_NAME = 'family.feedback-invite';
export const FEEDBACK_INVITE_QUEUE = 'family.feedback-invite';

export type FeedbackInvitationStatus = 'scheduled' | 'sent' | 'failed' | 'suppressed';

/**
 * The routing's decision, taken when a recipient's `referral.closed` is routed. Suppression codes:
 * CONTACT_UNSAFE, MESSAGE_NOT_ALLOWED, NO_CONTACT_DETAILS (planAcknowledgement), RESTRICTED,
 * OBJECTED, OPTED_OUT, NOTIFY_NOT_CONFIGURED.
 */
export type FeedbackInvitationInput = (
  | { invitationId: string; deliveryId: string; decision: 'scheduled'; reasonCode: string; channel: 'email' | 'sms'; dueAt: Date }
  | { invitationId: string; deliveryId: string; decision: 'suppressed'; reasonCode: string }
) & {
  /** The recipient partner's organisationType (the store does not know the partner registry). */
  serviceType: string;
};

export interface StoredFeedbackInvitation {
  invitationId: string;
  referralId: string;
  deliveryId: string;
  serviceType: string;
  postcodeDistrict: string | null;
  decision: 'scheduled' | 'suppressed';
  reasonCode: string;
  channel: 'email' | 'sms' | null;
  status: FeedbackInvitationStatus;
  outcomeCode: string | null;
  notificationId: string | null;
  attempts: number;
  decidedAt: Date;
  dueAt: Date;
  finishedAt: Date | null;
  personId: string | null;
  tokenExpiresAt: Date | null;
  tokenUsedAt: Date | null;
}

export type MessageOptOutSource = 'feedback-response' | 'console';

export interface MessageOptOut {
  personId: string;
  optedOutAt: Date;
  source: MessageOptOutSource;
  recordedBy: string | null;
}

/** Invitation side (feedback-store.ts). */
export interface FeedbackInvitationStore {
  /**
   * Records a recipient's `referral.closed` (as recordFeedback does) and, in the same transaction,
   * the invitation decision with its outbox job when scheduled. Idempotent per delivery. Returns
   * whether the delivery was known and the outbox rows written (to enqueue).
   */
  recordClosure(deliveryId: string, input: { at: Date; invitation?: FeedbackInvitationInput }): Promise<{ recorded: boolean; outbox: OutboxEntry[] }>;
  feedbackInvitation(invitationId: string): Promise<StoredFeedbackInvitation | null>;
  listFeedbackInvitations(referralId: string): Promise<StoredFeedbackInvitation[]>;
  /** Counts one send attempt; returns the new count. */
  recordFeedbackInvitationAttempt(invitationId: string): Promise<number>;
  /**
   * Before the send: stores the token's SHA-256 (32 bytes), its expiry and the person written to.
   * Replaces an earlier unused token of the same invitation (a retried send gets a fresh token).
   */
  issueFeedbackToken(invitationId: string, input: { tokenSha256: Buffer; expiresAt: Date; personId: string }): Promise<void>;
  /** scheduled → sent/failed with an outcome code; false if it was not scheduled (already finished). */
  finishFeedbackInvitation(invitationId: string, input: { status: 'sent' | 'failed'; outcomeCode: string; notificationId?: string; at: Date }): Promise<boolean>;
  /** Records that a person wants no messages from the hub (idempotent: the first record stays). */
  recordMessageOptOut(input: { personId: string; source: MessageOptOutSource; recordedBy?: string; at: Date }): Promise<void>;
  /** The opt-outs among these hub person ids. */
  messageOptOuts(personIds: readonly string[]): Promise<MessageOptOut[]>;
}

/** A family's answer as submitted through the gateway (already schema-validated). */
export interface FeedbackAnswerInput {
  tokenSha256: Buffer;
  at: Date;
  /** Question id → rating 1..5. */
  ratings: Record<string, number>;
  comment?: string;
  /** "Do not ask me again": records an opt-out for the person the invitation went to. */
  noMoreRequests?: boolean;
}

/** Answer side (feedback-answers-store.ts). */
export interface FeedbackAnswerStore {
  /**
   * True only for a token that exists, is unused and unexpired at `at`. Callers answer every
   * false the same way, so nobody learns whether a token ever existed.
   */
  feedbackTokenUsable(tokenSha256: Buffer, at: Date): Promise<boolean>;
  /**
   * In one transaction: uses the token (single use; unusable → rejected, nothing written), stores
   * the answer apart from the case (no referral id) with the comment sealed, and records the
   * opt-out when asked.
   */
  submitFeedback(input: FeedbackAnswerInput): Promise<{ outcome: 'stored'; feedbackId: string } | { outcome: 'rejected' }>;
}

/** One answer as reporting sees it: no id, no person, no text. */
export interface FeedbackStatisticsRow {
  month: string; // YYYY-MM
  serviceType: string;
  postcodeDistrict: string | null;
  ratings: Record<string, number>;
}

/** One answer as subject access sees it (dpo only). `comment` is null when there was none or it was erased. */
export interface SubjectAccessFeedback {
  feedbackId: string;
  submittedAt: Date;
  serviceType: string;
  ratings: Record<string, number>;
  comment: string | null;
  commentErased: boolean;
}
