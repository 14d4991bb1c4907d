// SQL for referrals, referral_people, sharing_decisions and review_holds.
import { valuesPlaceholders } from './checks.ts';
import type { SealedValue, WrappedDataKey } from './crypto.ts';
import type { Queryable } from './db.ts';
import { toBuffer } from './db.ts';
import type { DecisionKind, DeliveryPriority, HeldReferral, ReferralStatus, ReferralUrgency } from './routing-types.ts';

/** Where a referral's data key is bound: moving it to another referral breaks decryption. */
export function referralKeyContext(referralId: string): string {
  return `referrals/${referralId}`;
}

export function canonicalContext(referralId: string): string {
  return `referrals/${referralId}/canonical`;
}

export function payloadContext(referralId: string, deliveryId: string): string {
  return `referrals/${referralId}/deliveries/${deliveryId}`;
}

export interface ReferralRow {
  referralId: string;
  messageId: string;
  sourcePartnerId: string;
  sourceType: string;
  urgency: ReferralUrgency;
  status: ReferralStatus;
  receivedAt: Date;
  routedAt: Date | null;
  wrappedKey: WrappedDataKey;
  canonical: SealedValue;
  /** HMAC of the source's reference and the master key id it was derived from (never the plaintext). */
  sourceReferenceHmac?: { digest: Buffer; keyId: string } | null;
  /** Statistics dimensions (see statistics-store.ts): need codes and the postcode district only. */
  dimensions?: { needs: string[]; postcodeDistrict: string | null } | null;
}

/** Inserts the referral unless its message was routed already; true when this call created it. */
export async function insertReferral(q: Queryable, row: ReferralRow): Promise<boolean> {
  const result = await q.query(
    `INSERT INTO referrals (id, message_id, source_partner_id, source_type, urgency, status, received_at, routed_at,
                            key_id, dek_wrapped, dek_iv, dek_tag, canonical_iv, canonical_tag, canonical_ciphertext,
                            source_reference_hmac, source_reference_key_id, needs, postcode_district)
     VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz, $9, $10, $11, $12, $13, $14, $15, $16::bytea, $17,
             $18::text[], $19)
     ON CONFLICT (message_id) DO NOTHING
     RETURNING id`,
    [
      row.referralId,
      row.messageId,
      row.sourcePartnerId,
      row.sourceType,
      row.urgency,
      row.status,
      row.receivedAt,
      row.routedAt,
      row.wrappedKey.keyId,
      row.wrappedKey.wrappedKey,
      row.wrappedKey.wrapIv,
      row.wrappedKey.wrapTag,
      row.canonical.iv,
      row.canonical.tag,
      row.canonical.ciphertext,
      row.sourceReferenceHmac?.digest ?? null,
      row.sourceReferenceHmac?.keyId ?? null,
      row.dimensions?.needs ?? null,
      row.dimensions?.postcodeDistrict ?? null,
    ],
  );
  return result.rows.length === 1;
}

export async function insertReferralPeople(
  q: Queryable,
  referralId: string,
  people: readonly { personRef: string; hubPersonId: string; role: string }[],
): Promise<void> {
  if (people.length === 0) return;
  await q.query(
    `INSERT INTO referral_people (referral_id, person_id, person_ref, role) VALUES ${valuesPlaceholders(people.length, ['uuid', 'uuid', undefined, undefined])}`,
    people.flatMap((p) => [referralId, p.hubPersonId, p.personRef, p.role]),
  );
}

export interface DecisionRow {
  decisionId: string;
  recipientPartnerId: string | null;
  decision: DecisionKind;
  ruleId: string | null;
  operatorId: string | null;
  reason: string;
  purpose: string | null;
  priority: DeliveryPriority | null;
}

export async function insertDecisions(q: Queryable, referralId: string, decisions: readonly DecisionRow[], decidedAt: Date): Promise<void> {
  if (decisions.length === 0) return;
  await q.query(
    `INSERT INTO sharing_decisions (id, referral_id, recipient_partner_id, decision, rule_id, operator_id, reason, purpose, priority, decided_at)
     VALUES ${valuesPlaceholders(decisions.length, ['uuid', 'uuid', undefined, undefined, undefined, undefined, undefined, undefined, undefined, 'timestamptz'])}`,
    decisions.flatMap((d) => [
      d.decisionId,
      referralId,
      d.recipientPartnerId,
      d.decision,
      d.ruleId,
      d.operatorId,
      d.reason,
      d.purpose,
      d.priority,
      decidedAt,
    ]),
  );
}

export async function insertHold(q: Queryable, referralId: string, reasons: readonly string[], heldAt: Date): Promise<void> {
  await q.query('INSERT INTO review_holds (referral_id, reasons, held_at) VALUES ($1::uuid, $2::text[], $3::timestamptz)', [
    referralId,
    reasons,
    heldAt,
  ]);
}

export async function selectReferralByMessage(q: Queryable, messageId: string): Promise<{ referralId: string; status: ReferralStatus } | null> {
  const result = await q.query<{ id: string; status: ReferralStatus }>('SELECT id::text AS id, status FROM referrals WHERE message_id = $1::uuid', [
    messageId,
  ]);
  const row = result.rows[0];
  return row ? { referralId: row.id, status: row.status } : null;
}

interface ReferralDbRow {
  id: string;
  message_id: string;
  source_partner_id: string;
  source_type: string;
  urgency: ReferralUrgency;
  status: ReferralStatus;
  received_at: Date;
  routed_at: Date | null;
  key_id: string;
  dek_wrapped: unknown;
  dek_iv: unknown;
  dek_tag: unknown;
  canonical_iv: unknown;
  canonical_tag: unknown;
  canonical_ciphertext: unknown;
}

/** The referral row with its wrapped data key; `lock` takes a row lock for the transaction. */
export async function selectReferral(q: Queryable, referralId: string, lock = false): Promise<ReferralRow | null> {
  const result = await q.query<ReferralDbRow>(
    `SELECT id::text AS id, message_id::text AS message_id, source_partner_id, source_type, urgency, status, received_at, routed_at,
            key_id, dek_wrapped, dek_iv, dek_tag, canonical_iv, canonical_tag, canonical_ciphertext
       FROM referrals WHERE id = $1::uuid ${lock ? 'FOR NO KEY UPDATE' : ''}`,
    [referralId],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    referralId: row.id,
    messageId: row.message_id,
    sourcePartnerId: row.source_partner_id,
    sourceType: row.source_type,
    urgency: row.urgency,
    status: row.status,
    receivedAt: row.received_at,
    routedAt: row.routed_at,
    wrappedKey: { keyId: row.key_id, wrappedKey: toBuffer(row.dek_wrapped), wrapIv: toBuffer(row.dek_iv), wrapTag: toBuffer(row.dek_tag) },
    canonical: { iv: toBuffer(row.canonical_iv), tag: toBuffer(row.canonical_tag), ciphertext: toBuffer(row.canonical_ciphertext) },
  };
}

export async function selectReferralPeople(q: Queryable, referralId: string): Promise<{ personRef: string; hubPersonId: string; role: string }[]> {
  const result = await q.query<{ person_ref: string; person_id: string; role: string }>(
    'SELECT person_ref, person_id::text AS person_id, role FROM referral_people WHERE referral_id = $1::uuid ORDER BY person_ref',
    [referralId],
  );
  return result.rows.map((row) => ({ personRef: row.person_ref, hubPersonId: row.person_id, role: row.role }));
}

export async function setReferralStatus(q: Queryable, referralId: string, status: ReferralStatus, routedAt: Date | null): Promise<void> {
  await q.query('UPDATE referrals SET status = $2, routed_at = coalesce($3::timestamptz, routed_at) WHERE id = $1::uuid', [referralId, status, routedAt]);
}

export async function selectOpenHolds(q: Queryable): Promise<HeldReferral[]> {
  const result = await q.query<{
    id: string;
    message_id: string;
    source_partner_id: string;
    source_type: string;
    urgency: ReferralUrgency;
    received_at: Date;
    reasons: string[];
    held_at: Date;
  }>(
    `SELECT r.id::text AS id, r.message_id::text AS message_id, r.source_partner_id, r.source_type, r.urgency, r.received_at,
            h.reasons, h.held_at
       FROM review_holds h JOIN referrals r ON r.id = h.referral_id
      WHERE h.resolved_at IS NULL
      ORDER BY h.held_at, r.id`,
  );
  return result.rows.map((row) => ({
    referralId: row.id,
    messageId: row.message_id,
    sourcePartnerId: row.source_partner_id,
    sourceType: row.source_type,
    urgency: row.urgency,
    receivedAt: row.received_at,
    reasons: row.reasons,
    heldAt: row.held_at,
  }));
}

/** Resolves the hold if it is still open; true when this call resolved it. */
export async function resolveHoldRow(
  q: Queryable,
  referralId: string,
  resolution: { operatorId: string; reason: string; outcome: 'shared' | 'closed'; at: Date },
): Promise<boolean> {
  const result = await q.query(
    `UPDATE review_holds SET resolved_at = $2::timestamptz, resolved_by = $3, resolution = $4, resolution_reason = $5
      WHERE referral_id = $1::uuid AND resolved_at IS NULL
      RETURNING referral_id`,
    [referralId, resolution.at, resolution.operatorId, resolution.outcome, resolution.reason],
  );
  return result.rows.length === 1;
}
