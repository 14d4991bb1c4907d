// Types of the data-subject-rights part of the Store: restriction (UK GDPR Art 18), objection
// (Art 21) with a safeguarding override, and rectification (Art 16) propagated to recipients
// (Art 19). See RightsStore and docs/data-protection.md.
import type { DeliveryStatus } from './routing-types.ts';
import type { OutboxEntry } from './types.ts';

/** What was done to a person's flags (person_rights_history.action). */
export type RightsAction = 'restrict' | 'lift-restriction' | 'object' | 'withdraw-objection' | 'override' | 'end-override';
export const RIGHTS_ACTIONS: readonly RightsAction[] = ['restrict', 'lift-restriction', 'object', 'withdraw-objection', 'override', 'end-override'];

/** A change of a flag: the reason is required (free text; stored encrypted, never logged). */
export interface RightsChangeInput {
  reason: string;
  /** The console user (or CLI operator) who made the change. */
  actor: string;
}

/**
 * A person's flags as disclosure decisions need them. `safeguardingOverride` is present only while
 * an override is active (set, and not past its `until`): then the person's referrals may be
 * disclosed despite a restriction or objection, and the decision records the override.
 */
export interface PersonRightsFlags {
  restricted: boolean;
  objected: boolean;
  safeguardingOverride?: { since: Date; until: Date | null; by: string; historyId: string };
}

/** A person's flags with who set them and when (the console's view). */
export interface PersonRightsState {
  personId: string;
  restricted: { at: Date; by: string } | null;
  objected: { at: Date; by: string } | null;
  /** The latest override, active or expired; null when none is set. */
  override: { at: Date; by: string; until: Date | null; historyId: string; active: boolean } | null;
  updatedAt: Date;
}

export interface RightsHistoryEntry {
  id: string;
  personId: string;
  action: RightsAction;
  actor: string;
  at: Date;
  overrideUntil: Date | null;
  /** Decrypted only when asked for (`includeReasons`). */
  reason?: string;
}

/** One referral a person appears in, to pick a referral and personRef for a rectification. */
export interface PersonReferral {
  referralId: string;
  personRef: string;
  role: string;
  sourcePartnerId: string;
  sourceType: string;
  receivedAt: Date;
  status: string;
}

/** A referral delivery that may carry a field to correct: its metadata and the decrypted bytes sent. */
export interface RectifiableDelivery {
  deliveryId: string;
  recipientPartnerId: string;
  channel: string;
  status: DeliveryStatus;
  purpose: string;
  /** JSON pointers into `payload` (the ledger's `fields` for this delivery). */
  fields: string[];
  payload: Buffer;
}

/** One recipient's rectification delivery, built by the caller (payload validated against its outbound schema). */
export interface RectificationDeliveryInput {
  deliveryId: string;
  recipientPartnerId: string;
  /** The recipient's own referral delivery that carried the field. */
  rectifiesDeliveryId: string;
  /** Pointers into the recipient's original payload that this corrects (the ledger row's `fields`). */
  fields: string[];
  /** The exact bytes to send; stored encrypted under the referral's data key, with their SHA-256. */
  payload: Buffer;
}

export interface RectificationInput {
  rectificationId: string;
  referralId: string;
  personRef: string;
  /** JSON pointer relative to the person, from the fixed list of correctable fields. */
  pointer: string;
  /** A code (e.g. `data-subject-request`); the free-text reason is never sent to recipients. */
  reasonCategory: string;
  /** Free text; stored encrypted under the referral's data key with the old and new values. */
  reason: string;
  actor: string;
  at: Date;
  oldValue: unknown;
  newValue: unknown;
  /**
   * SHA-256 (hex) of the canonical bytes the correction was computed from: if the referral changed
   * since (another correction), nothing is written and RectificationConflictError is thrown.
   */
  basedOnCanonicalSha256: string;
  /** The corrected canonical referral's bytes; re-encrypted under the referral's own data key. */
  canonical: Buffer;
  deliveries: RectificationDeliveryInput[];
}

export interface RecipientPropagation {
  deliveryId: string;
  recipientPartnerId: string;
  channel: string;
  /** pending (including waiting for the original delivery), delivered, dead, closed. */
  status: DeliveryStatus;
  attempts: number;
  lastErrorCode: string | null;
  deliveredAt: Date | null;
  rectifiesDeliveryId: string;
}

/** A recorded rectification without its values or reason (ids, codes and statuses only). */
export interface RectificationSummary {
  rectificationId: string;
  referralId: string;
  personRef: string;
  personId: string;
  pointer: string;
  reasonCategory: string;
  actor: string;
  at: Date;
  recipients: RecipientPropagation[];
}

export interface RightsStore {
  /**
   * Sets or lifts a restriction of processing (UK GDPR Art 18) on a hub person, with a history
   * row (reason encrypted). A no-op change (already in that state) still records the history row.
   * Throws NotFoundError for an unknown person.
   */
  setRestriction(personId: string, input: RightsChangeInput & { restricted: boolean }): Promise<PersonRightsState>;
  /** Records or withdraws an objection (UK GDPR Art 21) on a hub person; as setRestriction. */
  setObjection(personId: string, input: RightsChangeInput & { objected: boolean }): Promise<PersonRightsState>;
  /**
   * A safeguarding override: the person's referrals may be disclosed despite a restriction or
   * objection, until `until` (or until ended). The reason is required and recorded (encrypted).
   */
  setSafeguardingOverride(personId: string, input: RightsChangeInput & { until?: Date }): Promise<PersonRightsState>;
  /** Ends an active override (history row with its reason). */
  endSafeguardingOverride(personId: string, input: RightsChangeInput): Promise<PersonRightsState>;
  /** Flags by person; people with no row are absent from the map. Unknown or malformed ids are ignored. */
  personRights(personIds: readonly string[]): Promise<Map<string, PersonRightsFlags>>;
  /** The flags of every person on a referral (by hub person id; people with no row absent). */
  referralSubjectRights(referralId: string): Promise<Map<string, PersonRightsFlags>>;
  /** The person's current flags; null when the person has no row (or does not exist). */
  personRightsState(personId: string): Promise<PersonRightsState | null>;
  /** Whether the hub knows this person id. */
  personExists(personId: string): Promise<boolean>;
  /** The history of the person's flags, newest first; reasons decrypted only when asked. */
  rightsHistory(personId: string, options?: { includeReasons?: boolean }): Promise<RightsHistoryEntry[]>;
  /** The referrals a person appears in, newest first (at most 200). */
  personReferrals(personId: string): Promise<PersonReferral[]>;
  /**
   * The referral's own deliveries (kind 'referral', any status but closed) with their decrypted
   * payloads and fields: what each recipient has received, or will receive, of the referral.
   */
  rectifiableDeliveries(referralId: string): Promise<RectifiableDelivery[]>;
  /**
   * In one transaction: the corrected canonical referral re-encrypted under the referral's own
   * data key, the rectification row (reason and old/new values encrypted under that key), and one
   * rectification delivery per recipient with its `deliver` outbox row. Each delivery copies the
   * purpose basis of the delivery it corrects (purpose `rectification`), is decided by `actor` and
   * is about the corrected person; its ledger row is written when it is delivered.
   */
  saveRectification(input: RectificationInput): Promise<{ outbox: OutboxEntry[] }>;
  /** Rectifications of a referral or of a person, newest first, with per-recipient propagation status. */
  listRectifications(filter: { referralId?: string; personId?: string; limit?: number }): Promise<RectificationSummary[]>;
  /**
   * Records `not-share` decisions (with a `not-disclosed` ledger row each) for a referral that is
   * still held, without resolving the hold: an operator's share that a restriction or objection
   * stopped. False (nothing written) when the referral is not held.
   */
  recordBlockedShares(referralId: string, input: { operatorId: string; decisions: { decisionId: string; recipientPartnerId: string; reason: string; purpose?: string }[] }): Promise<boolean>;
}

/** The canonical referral changed between reading it and saving a correction: read it again. */
export class RectificationConflictError extends Error {
  override name = 'RectificationConflictError';
}
