// SQL for deliveries, delivery_attempts, delivery_actions and partner_endpoints.
import { valuesPlaceholders } from './checks.ts';
import type { SealedValue, WrappedDataKey } from './crypto.ts';
import type { Queryable } from './db.ts';
import { toBuffer } from './db.ts';
import type {
  DeliveryAttempt,
  DeliveryKind,
  DeliveryPriority,
  DeliveryStatus,
  DeliverySummary,
  DueDeadline,
  FeedbackKind,
  LawfulBasis,
  ReferralUrgency,
} from './routing-types.ts';

export interface DeliveryRow {
  deliveryId: string;
  recipientPartnerId: string;
  decisionId: string;
  ruleId: string | null;
  operatorId: string | null;
  channel: string;
  priority: DeliveryPriority;
  deadlineAt: Date | null;
  purpose: string;
  lawfulBasis: LawfulBasis;
  fields: string[];
  subjects: string[];
  payload: SealedValue;
  payloadSha256: string;
  /** Set on a rectification delivery only (kind 'rectification'). */
  rectification?: { rectificationId: string; rectifiesDeliveryId: string };
}

const INSERT_CASTS = [
  'uuid', // id
  'uuid', // referral_id
  undefined, // recipient_partner_id
  'uuid', // decision_id
  undefined, // rule_id
  undefined, // operator_id
  undefined, // channel
  undefined, // priority
  'timestamptz', // deadline_at
  'bytea', // payload_iv
  'bytea', // payload_tag
  'bytea', // payload_ciphertext
  undefined, // payload_sha256
  'text[]', // fields
  'uuid[]', // subjects
  undefined, // purpose
  undefined, // art6
  undefined, // art9
  undefined, // sch1_paragraph
  undefined, // art10
  undefined, // kind
  'uuid', // rectification_id
  'uuid', // rectifies_delivery_id
] as const;

/**
 * Inserts deliveries; ones whose (referral, recipient) or id exists already are skipped.
 * Returns the ids inserted.
 */
export async function insertDeliveries(q: Queryable, referralId: string, rows: readonly DeliveryRow[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const result = await q.query<{ id: string }>(
    `INSERT INTO deliveries (id, referral_id, recipient_partner_id, decision_id, rule_id, operator_id, channel, priority, deadline_at,
                             payload_iv, payload_tag, payload_ciphertext, payload_sha256, fields, subjects, purpose,
                             art6, art9, sch1_paragraph, art10, kind, rectification_id, rectifies_delivery_id)
     VALUES ${valuesPlaceholders(rows.length, INSERT_CASTS)}
     ON CONFLICT DO NOTHING
     RETURNING id::text AS id`,
    rows.flatMap((d) => [
      d.deliveryId,
      referralId,
      d.recipientPartnerId,
      d.decisionId,
      d.ruleId,
      d.operatorId,
      d.channel,
      d.priority,
      d.deadlineAt,
      d.payload.iv,
      d.payload.tag,
      d.payload.ciphertext,
      d.payloadSha256,
      d.fields,
      d.subjects,
      d.purpose,
      d.lawfulBasis.art6,
      d.lawfulBasis.art9 ?? null,
      d.lawfulBasis.sch1Paragraph ?? null,
      d.lawfulBasis.art10 ?? null,
      d.rectification ? 'rectification' : 'referral',
      d.rectification?.rectificationId ?? null,
      d.rectification?.rectifiesDeliveryId ?? null,
    ]),
  );
  return new Set(result.rows.map((row) => row.id));
}

const SUMMARY_COLUMNS = `d.id::text AS id, d.referral_id::text AS referral_id, d.kind, d.rectification_id::text AS rectification_id,
  d.rectifies_delivery_id::text AS rectifies_delivery_id, d.recipient_partner_id, d.decision_id::text AS decision_id,
  d.rule_id, d.operator_id, d.channel, d.priority, d.status, d.attempts, d.last_error_code, d.next_attempt_at, d.deadline_at,
  d.deadline_missed_at, d.payload_sha256, d.fields, d.subjects::text[] AS subjects, d.purpose, d.art6, d.art9, d.sch1_paragraph,
  d.art10, d.created_at, d.delivered_at, d.feedback_status, d.feedback_at`;

interface SummaryDbRow {
  id: string;
  referral_id: string;
  kind: DeliveryKind;
  rectification_id: string | null;
  rectifies_delivery_id: string | null;
  recipient_partner_id: string;
  decision_id: string;
  rule_id: string | null;
  operator_id: string | null;
  channel: string;
  priority: DeliveryPriority;
  status: DeliveryStatus;
  attempts: number;
  last_error_code: string | null;
  next_attempt_at: Date | null;
  deadline_at: Date | null;
  deadline_missed_at: Date | null;
  payload_sha256: string;
  fields: string[];
  subjects: string[];
  purpose: string;
  art6: string;
  art9: string | null;
  sch1_paragraph: string | null;
  art10: string | null;
  created_at: Date;
  delivered_at: Date | null;
  feedback_status: FeedbackKind | null;
  feedback_at: Date | null;
}

function toSummary(row: SummaryDbRow): DeliverySummary {
  return {
    deliveryId: row.id,
    referralId: row.referral_id,
    kind: row.kind,
    rectificationId: row.rectification_id,
    rectifiesDeliveryId: row.rectifies_delivery_id,
    recipientPartnerId: row.recipient_partner_id,
    decisionId: row.decision_id,
    ruleId: row.rule_id,
    operatorId: row.operator_id,
    channel: row.channel,
    priority: row.priority,
    status: row.status,
    attempts: row.attempts,
    lastErrorCode: row.last_error_code,
    nextAttemptAt: row.next_attempt_at,
    deadlineAt: row.deadline_at,
    deadlineMissedAt: row.deadline_missed_at,
    payloadSha256: row.payload_sha256,
    fields: row.fields,
    subjects: row.subjects,
    purpose: row.purpose,
    lawfulBasis: {
      art6: row.art6,
      ...(row.art9 !== null ? { art9: row.art9 } : {}),
      ...(row.sch1_paragraph !== null ? { sch1Paragraph: row.sch1_paragraph } : {}),
      ...(row.art10 !== null ? { art10: row.art10 } : {}),
    },
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
    feedbackStatus: row.feedback_status,
    feedbackAt: row.feedback_at,
  };
}

export interface DeliveryWithKey {
  summary: DeliverySummary;
  urgency: ReferralUrgency;
  /** The referral's receipt. */
  receivedAt: Date;
  wrappedKey: WrappedDataKey;
  payload: SealedValue;
  /** A rectification's original delivery status (null for a referral delivery). */
  rectifiedStatus: DeliveryStatus | null;
  /** Some person on the referral is restricted or objected. */
  subjectRightsFlagged: boolean;
}

export async function selectDelivery(q: Queryable, deliveryId: string): Promise<DeliveryWithKey | null> {
  const result = await q.query<
    SummaryDbRow & {
      urgency: ReferralUrgency;
      received_at: Date;
      key_id: string;
      dek_wrapped: unknown;
      dek_iv: unknown;
      dek_tag: unknown;
      payload_iv: unknown;
      payload_tag: unknown;
      payload_ciphertext: unknown;
      rectified_status: DeliveryStatus | null;
      subject_rights_flagged: boolean;
    }
  >(
    `SELECT ${SUMMARY_COLUMNS}, r.urgency, r.received_at, r.key_id, r.dek_wrapped, r.dek_iv, r.dek_tag, d.payload_iv, d.payload_tag, d.payload_ciphertext,
            o.status AS rectified_status,
            EXISTS (SELECT 1 FROM referral_people rp JOIN person_rights pr ON pr.person_id = rp.person_id
                     WHERE rp.referral_id = d.referral_id AND (pr.restricted_at IS NOT NULL OR pr.objected_at IS NOT NULL)) AS subject_rights_flagged
       FROM deliveries d JOIN referrals r ON r.id = d.referral_id
       LEFT JOIN deliveries o ON o.id = d.rectifies_delivery_id
      WHERE d.id = $1::uuid`,
    [deliveryId],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    summary: toSummary(row),
    urgency: row.urgency,
    receivedAt: row.received_at,
    wrappedKey: { keyId: row.key_id, wrappedKey: toBuffer(row.dek_wrapped), wrapIv: toBuffer(row.dek_iv), wrapTag: toBuffer(row.dek_tag) },
    payload: { iv: toBuffer(row.payload_iv), tag: toBuffer(row.payload_tag), ciphertext: toBuffer(row.payload_ciphertext) },
    rectifiedStatus: row.rectified_status,
    subjectRightsFlagged: row.subject_rights_flagged,
  };
}

export async function selectDeliveryRecipient(q: Queryable, deliveryId: string): Promise<string | null> {
  const result = await q.query<{ recipient_partner_id: string }>('SELECT recipient_partner_id FROM deliveries WHERE id = $1::uuid', [deliveryId]);
  return result.rows[0]?.recipient_partner_id ?? null;
}

export async function deliveryExists(q: Queryable, deliveryId: string): Promise<boolean> {
  const result = await q.query('SELECT 1 FROM deliveries WHERE id = $1::uuid', [deliveryId]);
  return result.rows.length > 0;
}

/** Counts one attempt and records it; null when the delivery does not exist. */
export async function insertAttempt(
  q: Queryable,
  deliveryId: string,
  attempt: { outcome: string; httpStatus: number | null; errorCode: string | null; durationMs: number; nextAttemptAt: Date | null; at: Date },
): Promise<number | null> {
  const updated = await q.query<{ attempts: number }>(
    `UPDATE deliveries SET attempts = attempts + 1, last_error_code = coalesce($2, last_error_code), next_attempt_at = $3::timestamptz
      WHERE id = $1::uuid
      RETURNING attempts`,
    [deliveryId, attempt.errorCode, attempt.nextAttemptAt],
  );
  const attempts = updated.rows[0]?.attempts;
  if (attempts === undefined) return null;
  await q.query(
    `INSERT INTO delivery_attempts (delivery_id, attempt, at, outcome, http_status, error_code, duration_ms)
     VALUES ($1::uuid, $2, $3::timestamptz, $4, $5, $6, $7)`,
    [deliveryId, attempts, attempt.at, attempt.outcome, attempt.httpStatus, attempt.errorCode, attempt.durationMs],
  );
  return attempts;
}

/**
 * The conditional update that makes completion idempotent: a row comes back only when this call
 * moved the delivery to delivered (a concurrent caller waits on the row lock, then sees it
 * delivered and gets nothing).
 */
export async function markDelivered(q: Queryable, deliveryId: string, at: Date): Promise<DeliverySummary | null> {
  const result = await q.query<SummaryDbRow>(
    `UPDATE deliveries d SET status = 'delivered', delivered_at = $2::timestamptz, next_attempt_at = NULL
      WHERE d.id = $1::uuid AND d.status <> 'delivered'
      RETURNING ${SUMMARY_COLUMNS}`,
    [deliveryId, at],
  );
  const row = result.rows[0];
  return row ? toSummary(row) : null;
}

export async function markDead(q: Queryable, deliveryId: string, code: string): Promise<boolean> {
  const result = await q.query(
    `UPDATE deliveries SET status = 'dead', last_error_code = $2, next_attempt_at = NULL
      WHERE id = $1::uuid AND status = 'pending'
      RETURNING id`,
    [deliveryId, code],
  );
  return result.rows.length === 1;
}

export async function countDeadLetters(q: Queryable, partnerId: string | null): Promise<number> {
  const result = await q.query<{ n: number }>(
    `SELECT count(*)::integer AS n FROM deliveries WHERE status = 'dead' AND ($1::text IS NULL OR recipient_partner_id = $1)`,
    [partnerId],
  );
  return result.rows[0]?.n ?? 0;
}

export async function selectDeadLetters(q: Queryable, limit: number, offset: number, partnerId: string | null): Promise<DeliverySummary[]> {
  const result = await q.query<SummaryDbRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM deliveries d
      WHERE d.status = 'dead' AND ($3::text IS NULL OR d.recipient_partner_id = $3)
      ORDER BY d.created_at, d.id
      LIMIT $1 OFFSET $2`,
    [limit, offset, partnerId],
  );
  return result.rows.map(toSummary);
}

export async function selectAttempts(q: Queryable, deliveryIds: readonly string[]): Promise<Map<string, DeliveryAttempt[]>> {
  const byDelivery = new Map<string, DeliveryAttempt[]>();
  if (deliveryIds.length === 0) return byDelivery;
  const result = await q.query<{
    delivery_id: string;
    attempt: number;
    at: Date;
    outcome: string;
    http_status: number | null;
    error_code: string | null;
    duration_ms: number;
  }>(
    `SELECT delivery_id::text AS delivery_id, attempt, at, outcome, http_status, error_code, duration_ms
       FROM delivery_attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY id`,
    [deliveryIds],
  );
  for (const row of result.rows) {
    const list = byDelivery.get(row.delivery_id) ?? [];
    list.push({ attempt: row.attempt, at: row.at, outcome: row.outcome, httpStatus: row.http_status, errorCode: row.error_code, durationMs: row.duration_ms });
    byDelivery.set(row.delivery_id, list);
  }
  return byDelivery;
}

/** dead → pending for the given ids (locked in id order); returns what the outbox rows need. */
export async function reopenDeadDeliveries(
  q: Queryable,
  deliveryIds: readonly string[],
): Promise<{ deliveryId: string; recipientPartnerId: string; priority: DeliveryPriority; messageId: string }[]> {
  await q.query('SELECT id FROM deliveries WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE', [deliveryIds]);
  const result = await q.query<{ id: string; recipient_partner_id: string; priority: DeliveryPriority; message_id: string }>(
    `UPDATE deliveries d SET status = 'pending', attempts = 0, next_attempt_at = NULL, last_error_code = NULL
       FROM referrals r
      WHERE d.id = ANY($1::uuid[]) AND d.status = 'dead' AND r.id = d.referral_id
      RETURNING d.id::text AS id, d.recipient_partner_id, d.priority, r.message_id::text AS message_id`,
    [deliveryIds],
  );
  return result.rows
    .map((row) => ({ deliveryId: row.id, recipientPartnerId: row.recipient_partner_id, priority: row.priority, messageId: row.message_id }))
    .sort((a, b) => (a.deliveryId < b.deliveryId ? -1 : 1));
}

export async function markClosed(q: Queryable, deliveryId: string): Promise<DeliverySummary | null> {
  const result = await q.query<SummaryDbRow>(
    `UPDATE deliveries d SET status = 'closed', next_attempt_at = NULL
      WHERE d.id = $1::uuid AND d.status = 'dead'
      RETURNING ${SUMMARY_COLUMNS}`,
    [deliveryId],
  );
  const row = result.rows[0];
  return row ? toSummary(row) : null;
}

export type DeliveryAction = 'replay' | 'close' | 'disable-endpoint' | 'enable-endpoint';

export async function insertActions(
  q: Queryable,
  actions: readonly { deliveryId: string | null; partnerId: string | null; action: DeliveryAction; operatorId: string | null; reason: string; at: Date }[],
): Promise<void> {
  if (actions.length === 0) return;
  await q.query(
    `INSERT INTO delivery_actions (delivery_id, partner_id, action, operator_id, reason, at)
     VALUES ${valuesPlaceholders(actions.length, ['uuid', undefined, undefined, undefined, undefined, 'timestamptz'])}`,
    actions.flatMap((a) => [a.deliveryId, a.partnerId, a.action, a.operatorId, a.reason, a.at]),
  );
}

/** How many times each delivery has been replayed (this transaction's replay included). */
export async function countReplays(q: Queryable, deliveryIds: readonly string[]): Promise<Map<string, number>> {
  const result = await q.query<{ delivery_id: string; n: number }>(
    `SELECT delivery_id::text AS delivery_id, count(*)::integer AS n FROM delivery_actions
      WHERE action = 'replay' AND delivery_id = ANY($1::uuid[]) GROUP BY delivery_id`,
    [deliveryIds],
  );
  return new Map(result.rows.map((row) => [row.delivery_id, row.n]));
}

/** Keeps the latest feedback by time; true when the delivery exists. */
/**
 * The latest feedback wins feedback_status/feedback_at (older feedback arriving late does not
 * overwrite newer); acknowledged_at (any feedback) and accepted_at keep the EARLIEST time seen,
 * late arrivals included, for performance against targets (statistics-store.ts).
 */
export async function updateFeedback(q: Queryable, deliveryId: string, kind: FeedbackKind, at: Date): Promise<boolean> {
  const result = await q.query<{ updated: boolean }>(
    `WITH target AS (SELECT id FROM deliveries WHERE id = $1::uuid),
          changed AS (
            UPDATE deliveries
               SET feedback_status = CASE WHEN feedback_at IS NULL OR feedback_at <= $3::timestamptz THEN $2::text ELSE feedback_status END,
                   feedback_at = CASE WHEN feedback_at IS NULL OR feedback_at <= $3::timestamptz THEN $3::timestamptz ELSE feedback_at END,
                   acknowledged_at = LEAST(coalesce(acknowledged_at, $3::timestamptz), $3::timestamptz),
                   accepted_at = CASE WHEN $2::text = 'accepted' THEN LEAST(coalesce(accepted_at, $3::timestamptz), $3::timestamptz) ELSE accepted_at END
             WHERE id = $1::uuid
             RETURNING id)
     SELECT EXISTS (SELECT 1 FROM changed) AS updated FROM target`,
    [deliveryId, kind, at],
  );
  return result.rows.length === 1;
}

export async function selectDueDeadlines(q: Queryable, now: Date, limit: number): Promise<DueDeadline[]> {
  const result = await q.query<{ id: string; referral_id: string; recipient_partner_id: string; deadline_at: Date; status: DeliveryStatus }>(
    `SELECT id::text AS id, referral_id::text AS referral_id, recipient_partner_id, deadline_at, status
       FROM deliveries d
      WHERE d.deadline_at IS NOT NULL AND d.deadline_at < $1::timestamptz AND d.deadline_missed_at IS NULL
        AND (d.delivered_at IS NULL OR d.delivered_at > d.deadline_at)
      ORDER BY d.deadline_at, d.id
      LIMIT $2`,
    [now, limit],
  );
  return result.rows.map((row) => ({
    deliveryId: row.id,
    referralId: row.referral_id,
    recipientPartnerId: row.recipient_partner_id,
    deadlineAt: row.deadline_at,
    status: row.status,
  }));
}

export async function setDeadlineMissed(q: Queryable, deliveryId: string, at: Date): Promise<boolean> {
  const result = await q.query(
    'UPDATE deliveries SET deadline_missed_at = $2::timestamptz WHERE id = $1::uuid AND deadline_missed_at IS NULL RETURNING id',
    [deliveryId, at],
  );
  return result.rows.length === 1;
}

/** Disables the endpoint unless it is disabled already; true when this call disabled it. */
export async function disableEndpointRow(q: Queryable, partnerId: string, code: string, at: Date): Promise<boolean> {
  const result = await q.query(
    `INSERT INTO partner_endpoints (partner_id, disabled_at, disabled_reason_code) VALUES ($1, $3::timestamptz, $2)
     ON CONFLICT (partner_id) DO UPDATE SET disabled_at = EXCLUDED.disabled_at, disabled_reason_code = EXCLUDED.disabled_reason_code
      WHERE partner_endpoints.disabled_at IS NULL
     RETURNING partner_id`,
    [partnerId, code, at],
  );
  return result.rows.length === 1;
}

/** Enables a disabled endpoint; true when this call enabled it. */
export async function enableEndpointRow(q: Queryable, partnerId: string, operatorId: string, at: Date): Promise<boolean> {
  const result = await q.query(
    `UPDATE partner_endpoints SET disabled_at = NULL, enabled_at = $3::timestamptz, enabled_by = $2
      WHERE partner_id = $1 AND disabled_at IS NOT NULL
      RETURNING partner_id`,
    [partnerId, operatorId, at],
  );
  return result.rows.length === 1;
}

export async function isEndpointDisabled(q: Queryable, partnerId: string): Promise<boolean> {
  const result = await q.query('SELECT 1 FROM partner_endpoints WHERE partner_id = $1 AND disabled_at IS NOT NULL', [partnerId]);
  return result.rows.length > 0;
}
