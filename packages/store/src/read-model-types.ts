// Read models for the operators' console (issue 4): searches, timelines, partner health and the
// overview's figures. Every result is ids, codes, counts and times — never personal data; the
// console decrypts a referral (readReferral) only to show it masked or, after a reason, revealed.
import type { DeliveryPriority, DeliveryStatus, FeedbackKind, ReferralStatus, ReferralUrgency } from './routing-types.ts';

export type BreakerStateName = 'closed' | 'open' | 'half-open';

export interface ReferralSearch {
  referralId?: string;
  /** The source's own reference, matched exactly (stored only as an HMAC). */
  sourceReference?: string;
  /** Matches the source partner or any recipient partner. */
  partnerId?: string;
  /** receivedAt >= from */
  from?: Date;
  /** receivedAt < to */
  to?: Date;
  /**
   * A referral status, or a delivery status that any of its deliveries has: `routed` and `held`
   * match the referral's status; `pending`, `delivered` and `dead` match referrals with at least
   * one delivery in that status; `closed` matches both referrals closed on review and referrals
   * with a dead letter an operator closed.
   */
  status?: ReferralStatus | DeliveryStatus;
  /** 1 to 1000. Items are newest first (receivedAt, then referralId, descending); `total` ignores limit and offset. */
  limit: number;
  offset: number;
}

export interface ReferralListItem {
  referralId: string;
  sourcePartnerId: string;
  sourceType: string;
  urgency: ReferralUrgency;
  status: ReferralStatus;
  receivedAt: Date;
  deliveries: { deliveryId: string; recipientPartnerId: string; status: DeliveryStatus }[];
}

/** One event of a referral's life, oldest first. */
export type TimelineEvent =
  | { kind: 'received'; at: Date; messageId: string; sourcePartnerId: string; sourceType: string }
  | { kind: 'decision'; at: Date; decision: 'share' | 'not-share' | 'hold'; recipientPartnerId: string | null; ruleId: string | null; operatorId: string | null; reason: string; purpose: string | null }
  | { kind: 'held'; at: Date; reasons: string[] }
  | { kind: 'hold-resolved'; at: Date; resolution: 'shared' | 'closed'; operatorId: string | null; reason: string | null }
  | { kind: 'delivery-created'; at: Date; deliveryId: string; recipientPartnerId: string; channel: string; priority: DeliveryPriority; deadlineAt: Date | null }
  | { kind: 'attempt'; at: Date; deliveryId: string; recipientPartnerId: string; attempt: number; outcome: string; httpStatus: number | null; errorCode: string | null; durationMs: number }
  | { kind: 'delivery-action'; at: Date; deliveryId: string; recipientPartnerId: string; action: string; operatorId: string | null; reason: string }
  | { kind: 'delivered'; at: Date; deliveryId: string; recipientPartnerId: string }
  | { kind: 'dead-lettered'; at: Date | null; deliveryId: string; recipientPartnerId: string; errorCode: string | null }
  | { kind: 'deadline-missed'; at: Date; deliveryId: string; recipientPartnerId: string }
  | { kind: 'feedback'; at: Date; deliveryId: string; recipientPartnerId: string; feedback: FeedbackKind }
  | { kind: 'ledger'; at: Date; ledgerId: string; seq: number; outcome: 'disclosed' | 'not-disclosed'; recipientPartnerId: string | null; fields: string[] };

export interface PartnerHealth {
  partnerId: string;
  breakerState: BreakerStateName;
  breakerChangedAt: Date | null;
  lastSuccessAt: Date | null;
  /** Attempts in the 24 hours before `now`, and how many of them failed. */
  attempts24h: number;
  failures24h: number;
  /** failures24h / attempts24h, 0 when there were none. */
  errorRate24h: number;
  /** Deliveries completed since local midnight (Europe/London) of `now`. */
  deliveredToday: number;
  pendingDeliveries: number;
  deadLetters: number;
  endpoint: { disabledAt: Date; reasonCode: string | null } | null;
}

export interface Overview {
  /** 12 five-minute buckets covering the hour before `now`, oldest first. */
  throughput: { bucketStart: Date; received: number; delivered: number; failedAttempts: number }[];
  openHolds: number;
  deadLetters: number;
  /** Operation Encompass (and any other) delivery deadlines falling on `now`'s day (Europe/London). */
  deadlinesToday: { due: number; met: number; missed: number; atRisk: number };
  deadlines: { deliveryId: string; referralId: string; recipientPartnerId: string; deadlineAt: Date; status: DeliveryStatus; deliveredAt: Date | null; missedAt: Date | null }[];
}

export interface ReadModelStore {
  searchReferrals(query: ReferralSearch): Promise<{ total: number; items: ReferralListItem[] }>;
  /** Null when the referral is unknown. */
  referralTimeline(referralId: string): Promise<TimelineEvent[] | null>;
  /** One row per partner id given (partners without deliveries get zeros). */
  partnerHealth(partnerIds: readonly string[], now: Date): Promise<PartnerHealth[]>;
  /** Written by delivery workers on every breaker transition (last write wins per partner). */
  recordBreakerState(partnerId: string, state: BreakerStateName, at: Date): Promise<void>;
  overview(now: Date): Promise<Overview>;
}
