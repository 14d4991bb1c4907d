// Erasure by key destruction, legal holds and the retention planner's reads (issue 5; see
// ErasureStore in erasure-types.ts and docs/data-protection.md "Erasure", "Legal holds", "Retention").
//
// Erasing a record overwrites its wrapped data key with zero bytes: the ciphertext left behind (the
// canonical referral, every delivery payload, rectification details, the inbound body) can no
// longer be decrypted by anyone, the hub included. Readers meet ErasedError (crypto.ts).
import type { LedgerEntryInput } from '@hub/ledger';
import { appendLedgerEntries } from '@hub/ledger';
import { optionalText, requireDate, requireNonNegativeInteger, requireOneOf, requireText, requireUuid, requireUuidArray } from './checks.ts';
import type { MasterKeys } from './crypto.ts';
import { openWithDataKey, unwrapDataKey } from './crypto.ts';
import type { Db, Queryable } from './db.ts';
import { toBuffer } from './db.ts';
import { insertActions } from './deliveries.ts';
import { DecryptionError, NotFoundError } from './errors.ts';
import type {
  AuditActor,
  ErasureAuthority,
  ErasureCounts,
  ErasureReasonCode,
  ErasureResult,
  ErasureStore,
  LegalHold,
  LegalHoldScope,
  RecordClass,
  RetentionRunMode,
  RetentionRunRecord,
  RetentionRunStatus,
  RetentionRunTrigger,
  Tombstone,
} from './erasure-types.ts';
import { ERASURE_REASON_CODES } from './erasure-types.ts';
import { canonicalContext, referralKeyContext } from './referrals.ts';
import { uuidv7 } from './uuid.ts';

// pg_advisory_xact_lock(classid, objid): "hub legal holds" and the schema's hash. Erasures take it
// shared and hold placement takes it exclusive, so a hold placed while an erasure runs is either
// seen by that erasure or placed after it committed — never missed in between.
const LEGAL_HOLD_LOCK_CLASS = 0x48554203;

/** Records erased per transaction: one ledger lock and commit per batch, not per record. */
const ERASE_BATCH = 50;
const REASON_MAX = 2000;
const CODE = /^[A-Za-z0-9._:-]{1,128}$/;
const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MODES: readonly RetentionRunMode[] = ['dry-run', 'erase'];
const TRIGGERS: readonly RetentionRunTrigger[] = ['schedule', 'console', 'cli'];
const STATUSES: readonly RetentionRunStatus[] = ['queued', 'running', 'done', 'failed'];
const SCOPES: readonly LegalHoldScope[] = ['referral', 'person'];

/** The review-hold resolution and dead-letter action text when a referral is erased. */
export const ERASED_RESOLUTION_REASON = 'erased: the referral was erased (data key destroyed)';

interface CheckedAuthority {
  ruleId: string | null;
  operatorId: string | null;
  runId: string | null;
  reasonCode: ErasureReasonCode;
  /** Audit trail columns. */
  actor: string;
  role: string;
  reason: string | null;
}

function checkAuthority(authority: ErasureAuthority): CheckedAuthority {
  if (authority === null || typeof authority !== 'object') throw new TypeError('authority is required');
  const reasonCode = requireOneOf(authority.reasonCode, ERASURE_REASON_CODES, 'authority.reasonCode');
  if ('ruleId' in authority) {
    const ruleId = requireText(authority.ruleId, 'authority.ruleId', 128);
    if (!CODE.test(ruleId)) throw new TypeError(`authority.ruleId must match ${CODE.source}`);
    const actor = authority.actor ?? { name: 'retention', role: 'system' };
    return {
      ruleId,
      operatorId: null,
      runId: requireUuid(authority.runId, 'authority.runId'),
      reasonCode,
      actor: requireText(actor.name, 'authority.actor.name', 128),
      role: requireText(actor.role, 'authority.actor.role', 32),
      reason: null,
    };
  }
  const operatorId = requireText(authority.operatorId, 'authority.operatorId', 128);
  return {
    ruleId: null,
    operatorId,
    runId: null,
    reasonCode,
    actor: operatorId,
    role: requireText(authority.role, 'authority.role', 32),
    reason: optionalText(authority.reason, 'authority.reason', REASON_MAX),
  };
}

function checkActor(by: AuditActor, field: string): AuditActor {
  if (by === null || typeof by !== 'object') throw new TypeError(`${field} is required`);
  return { actor: requireText(by.actor, `${field}.actor`, 128), role: requireText(by.role, `${field}.role`, 32), ip: optionalText(by.ip, `${field}.ip`, 64) };
}

interface AuditRow {
  at: Date;
  actor: string;
  role: string;
  action: string;
  targetType: string;
  targetId: string;
  reason: string | null;
  ip?: string | null;
  details: Record<string, string | number | boolean>;
}

/** Audit rows written inside the caller's transaction, so the evidence commits with the change. */
async function insertAuditRows(q: Queryable, rows: readonly AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  const params: unknown[] = [];
  const values = rows.map((row) => {
    params.push(row.at, row.actor, row.role, row.action, row.targetType, row.targetId, row.reason, row.ip ?? null, JSON.stringify(row.details));
    const n = params.length;
    return `($${n - 8}::timestamptz, $${n - 7}, $${n - 6}, $${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, 'ok', $${n - 1}, $${n}::jsonb)`;
  });
  await q.query(`INSERT INTO audit_events (at, actor, role, action, target_type, target_id, reason, outcome, ip, details) VALUES ${values.join(', ')}`, params);
}

async function lockHoldsShared(q: Queryable): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock_shared($1::integer, hashtext(current_schema()))', [LEGAL_HOLD_LOCK_CLASS]);
}

/** Active hold ids per referral: holds on the referral itself, or on any person in it. */
async function selectActiveHolds(q: Queryable, referralIds: readonly string[]): Promise<Map<string, string[]>> {
  const holds = new Map<string, string[]>();
  if (referralIds.length === 0) return holds;
  const result = await q.query<{ referral_id: string; hold_id: string }>(
    `SELECT r.id::text AS referral_id, h.id::text AS hold_id
       FROM unnest($1::uuid[]) AS r(id)
       JOIN legal_holds h ON h.released_at IS NULL AND (
              (h.scope = 'referral' AND h.target_id = r.id)
           OR (h.scope = 'person' AND h.target_id IN (SELECT rp.person_id FROM referral_people rp WHERE rp.referral_id = r.id)))
      ORDER BY h.placed_at, h.id`,
    [referralIds],
  );
  for (const row of result.rows) holds.set(row.referral_id, [...(holds.get(row.referral_id) ?? []), row.hold_id]);
  return holds;
}

interface TombstoneRow {
  id: string;
  recordClass: RecordClass;
  recordId: string;
  messageId: string | null;
  subjects: string[];
  counts: ErasureCounts;
  ledgerEntryId: string | null;
}

async function insertTombstones(q: Queryable, rows: readonly TombstoneRow[], authority: CheckedAuthority, at: Date): Promise<void> {
  const params: unknown[] = [];
  const values = rows.map((row) => {
    params.push(row.id, row.recordClass, row.recordId, row.messageId, at, authority.ruleId, authority.operatorId, authority.runId, authority.reasonCode, row.subjects, row.counts.keysDestroyed, row.counts.payloads, row.counts.deliveriesClosed, row.ledgerEntryId);
    const n = params.length - 14;
    const casts = ['uuid', '', 'uuid', 'uuid', 'timestamptz', '', '', 'uuid', '', 'uuid[]', 'integer', 'integer', 'integer', 'uuid'];
    return `(${casts.map((cast, i) => `$${n + i + 1}${cast ? `::${cast}` : ''}`).join(', ')})`;
  });
  await q.query(
    `INSERT INTO erasures (id, record_class, record_id, message_id, erased_at, rule_id, operator_id, run_id, reason_code, subjects,
                           keys_destroyed, payloads, deliveries_closed, ledger_entry_id)
     VALUES ${values.join(', ')}`,
    params,
  );
}

function erasureAuditRow(authority: CheckedAuthority, at: Date, recordClass: RecordClass, id: string, row: TombstoneRow, ip?: string | null): AuditRow {
  return {
    at,
    actor: authority.actor,
    role: authority.role,
    action: 'erasure',
    targetType: recordClass,
    targetId: id,
    reason: authority.reason,
    ip: ip ?? null,
    details: {
      reasonCode: authority.reasonCode,
      ...(authority.ruleId ? { rule: authority.ruleId } : {}),
      ...(authority.runId ? { runId: authority.runId } : {}),
      tombstoneId: row.id,
      keysDestroyed: row.counts.keysDestroyed,
      payloads: row.counts.payloads,
      deliveriesClosed: row.counts.deliveriesClosed,
      ...(row.ledgerEntryId ? { ledgerEntryId: row.ledgerEntryId } : {}),
    },
  };
}

const DESTROY_KEY = `dek_wrapped = ''::bytea, dek_iv = ''::bytea, dek_tag = ''::bytea`;

/** One batch of referral erasures: everything in one transaction, the ledger last (its lock is held to commit). */
async function eraseReferralBatch(db: Db, ids: readonly string[], authority: CheckedAuthority): Promise<ErasureResult[]> {
  return db.transaction(async (tx) => {
    await lockHoldsShared(tx);
    const at = new Date();
    const found = await tx.query<{ id: string; message_id: string; erased: boolean }>(
      `SELECT id::text AS id, message_id::text AS message_id, erased_at IS NOT NULL AS erased
         FROM referrals WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
    );
    const rows = new Map(found.rows.map((row) => [row.id, row]));
    const candidates = found.rows.filter((row) => !row.erased).map((row) => row.id);
    const holds = await selectActiveHolds(tx, candidates);
    const erase = candidates.filter((id) => !holds.has(id));

    const results = new Map<string, ErasureResult>();
    for (const id of ids) {
      const row = rows.get(id);
      if (!row) results.set(id, { recordClass: 'referral', id, outcome: 'not-found' });
      else if (row.erased) results.set(id, { recordClass: 'referral', id, outcome: 'already-erased' });
      else if (holds.has(id)) results.set(id, { recordClass: 'referral', id, outcome: 'held', holdIds: holds.get(id) as string[] });
    }
    if (erase.length === 0) return ids.map((id) => results.get(id) as ErasureResult);

    const subjects = new Map<string, string[]>();
    const people = await tx.query<{ referral_id: string; person_ids: string[] }>(
      `SELECT referral_id::text AS referral_id, array_agg(DISTINCT person_id ORDER BY person_id)::text[] AS person_ids
         FROM referral_people WHERE referral_id = ANY($1::uuid[]) GROUP BY referral_id`,
      [erase],
    );
    for (const row of people.rows) subjects.set(row.referral_id, row.person_ids);
    const payloadCounts = new Map<string, number>();
    const payloads = await tx.query<{ referral_id: string; n: number }>(
      'SELECT referral_id::text AS referral_id, count(*)::integer AS n FROM deliveries WHERE referral_id = ANY($1::uuid[]) GROUP BY referral_id',
      [erase],
    );
    for (const row of payloads.rows) payloadCounts.set(row.referral_id, row.n);

    // The keys: the referral's (canonical, payloads, rectification details) and its message's (body).
    await tx.query(
      `UPDATE referrals SET ${DESTROY_KEY}, erased_at = $2::timestamptz, source_reference_hmac = NULL, source_reference_key_id = NULL,
              status = CASE WHEN status = 'held' THEN 'closed' ELSE status END
        WHERE id = ANY($1::uuid[])`,
      [erase, at],
    );
    const messageIds = erase.map((id) => (rows.get(id) as { message_id: string }).message_id);
    const messages = await tx.query<{ message_id: string }>(
      `UPDATE inbound_messages SET ${DESTROY_KEY}, erased_at = $2::timestamptz
        WHERE message_id = ANY($1::uuid[]) AND erased_at IS NULL RETURNING message_id::text AS message_id`,
      [messageIds, at],
    );
    const messagesErased = new Set(messages.rows.map((row) => row.message_id));
    // (Migration 0005's trigger deletes the referral's keyed name + date-of-birth digests as its key
    // is destroyed: subject access search no longer finds anyone by an erased referral.)
    // Nothing is left for a reviewer to decide on.
    await tx.query(
      `UPDATE review_holds SET resolved_at = $2::timestamptz, resolved_by = $3, resolution = 'closed', resolution_reason = $4
        WHERE referral_id = ANY($1::uuid[]) AND resolved_at IS NULL`,
      [erase, at, authority.actor, ERASED_RESOLUTION_REASON],
    );
    // Dead letters can never be replayed now. Pending deliveries are left to the worker (one may be mid-send).
    const closed = await tx.query<{ id: string; referral_id: string; recipient_partner_id: string; purpose: string; subjects: string[] }>(
      `UPDATE deliveries SET status = 'closed', next_attempt_at = NULL
        WHERE referral_id = ANY($1::uuid[]) AND status = 'dead'
        RETURNING id::text AS id, referral_id::text AS referral_id, recipient_partner_id, purpose, subjects::text[] AS subjects`,
      [erase],
    );
    await insertActions(
      tx,
      closed.rows.map((d) => ({ deliveryId: d.id, partnerId: d.recipient_partner_id, action: 'close' as const, operatorId: authority.operatorId, reason: ERASED_RESOLUTION_REASON, at })),
    );

    const tombstones: TombstoneRow[] = [];
    const entries: LedgerEntryInput[] = [];
    const decidedBy = { decidedByRule: authority.ruleId, decidedByOperator: authority.operatorId };
    for (const id of erase) {
      const messageId = (rows.get(id) as { message_id: string }).message_id;
      const ledgerEntryId = uuidv7(at.getTime());
      const closedHere = closed.rows.filter((d) => d.referral_id === id);
      const row: TombstoneRow = {
        id: uuidv7(at.getTime()),
        recordClass: 'referral',
        recordId: id,
        messageId,
        subjects: subjects.get(id) ?? [],
        counts: { keysDestroyed: 1 + (messagesErased.has(messageId) ? 1 : 0), payloads: payloadCounts.get(id) ?? 0, deliveriesClosed: closedHere.length },
        ledgerEntryId,
      };
      tombstones.push(row);
      entries.push({ id: ledgerEntryId, at, referralId: id, subjects: row.subjects, purpose: authority.reasonCode, fields: [], outcome: 'erased', ...decidedBy });
      for (const d of closedHere) {
        entries.push({ id: uuidv7(at.getTime()), at, referralId: id, deliveryId: d.id, subjects: d.subjects, recipientPartnerId: d.recipient_partner_id, purpose: d.purpose, fields: [], outcome: 'not-disclosed', ...decidedBy });
      }
      results.set(id, { recordClass: 'referral', id, outcome: 'erased', tombstoneId: row.id, ledgerEntryId, counts: row.counts });
    }
    await insertTombstones(tx, tombstones, authority, at);
    await insertAuditRows(
      tx,
      tombstones.map((row) => erasureAuditRow(authority, at, 'referral', row.recordId, row)),
    );
    // Last: the ledger lock is held until commit.
    await appendLedgerEntries(tx, entries);
    return ids.map((id) => results.get(id) as ErasureResult);
  });
}

async function eraseInboundBatch(db: Db, ids: readonly string[], authority: CheckedAuthority): Promise<ErasureResult[]> {
  return db.transaction(async (tx) => {
    const at = new Date();
    const found = await tx.query<{ message_id: string; erased: boolean; has_referral: boolean }>(
      `SELECT m.message_id::text AS message_id, m.erased_at IS NOT NULL AS erased,
              EXISTS (SELECT 1 FROM referrals r WHERE r.message_id = m.message_id) AS has_referral
         FROM inbound_messages m WHERE m.message_id = ANY($1::uuid[]) ORDER BY m.message_id FOR UPDATE`,
      [ids],
    );
    const rows = new Map(found.rows.map((row) => [row.message_id, row]));
    const results = new Map<string, ErasureResult>();
    const erase: string[] = [];
    for (const id of ids) {
      const row = rows.get(id);
      if (!row) results.set(id, { recordClass: 'inbound-message', id, outcome: 'not-found' });
      else if (row.erased) results.set(id, { recordClass: 'inbound-message', id, outcome: 'already-erased' });
      else if (row.has_referral) results.set(id, { recordClass: 'inbound-message', id, outcome: 'has-referral' });
      else erase.push(id);
    }
    if (erase.length === 0) return ids.map((id) => results.get(id) as ErasureResult);
    await tx.query(`UPDATE inbound_messages SET ${DESTROY_KEY}, erased_at = $2::timestamptz WHERE message_id = ANY($1::uuid[])`, [erase, at]);
    const tombstones = erase.map((id): TombstoneRow => ({
      id: uuidv7(at.getTime()),
      recordClass: 'inbound-message',
      recordId: id,
      messageId: id,
      subjects: [],
      counts: { keysDestroyed: 1, payloads: 0, deliveriesClosed: 0 },
      ledgerEntryId: null,
    }));
    await insertTombstones(tx, tombstones, authority, at);
    await insertAuditRows(
      tx,
      tombstones.map((row) => erasureAuditRow(authority, at, 'inbound-message', row.recordId, row)),
    );
    for (const row of tombstones) results.set(row.recordId, { recordClass: 'inbound-message', id: row.recordId, outcome: 'erased', tombstoneId: row.id, counts: row.counts });
    return ids.map((id) => results.get(id) as ErasureResult);
  });
}

/** Active person-scope hold ids per person (a hold on a person keeps their feedback answers). */
async function selectPersonHolds(q: Queryable, personIds: readonly string[]): Promise<Map<string, string[]>> {
  const holds = new Map<string, string[]>();
  if (personIds.length === 0) return holds;
  const result = await q.query<{ person_id: string; hold_id: string }>(
    `SELECT target_id::text AS person_id, id::text AS hold_id FROM legal_holds
      WHERE released_at IS NULL AND scope = 'person' AND target_id = ANY($1::uuid[]) ORDER BY placed_at, id`,
    [personIds],
  );
  for (const row of result.rows) holds.set(row.person_id, [...(holds.get(row.person_id) ?? []), row.hold_id]);
  return holds;
}

/**
 * One batch of family feedback erasures in one transaction: the answer's data key destroyed (when
 * it had a comment), the person cleared, erased_at set, and an audit row per answer.
 */
async function eraseFeedbackBatch(db: Db, ids: readonly string[], authority: CheckedAuthority): Promise<ErasureResult[]> {
  return db.transaction(async (tx) => {
    await lockHoldsShared(tx);
    const at = new Date();
    const found = await tx.query<{ feedback_id: string; person_id: string | null; erased: boolean; has_key: boolean }>(
      `SELECT feedback_id::text AS feedback_id, person_id::text AS person_id, erased_at IS NOT NULL AS erased, dek_wrapped IS NOT NULL AS has_key
         FROM family_feedback WHERE feedback_id = ANY($1::uuid[]) ORDER BY feedback_id FOR UPDATE`,
      [ids],
    );
    const rows = new Map(found.rows.map((row) => [row.feedback_id, row]));
    const holds = await selectPersonHolds(tx, [...new Set(found.rows.filter((r) => !r.erased && r.person_id !== null).map((r) => r.person_id as string))]);
    const results = new Map<string, ErasureResult>();
    const erase: string[] = [];
    for (const id of ids) {
      const row = rows.get(id);
      const held = row?.person_id ? holds.get(row.person_id) : undefined;
      if (!row) results.set(id, { recordClass: 'family-feedback', id, outcome: 'not-found' });
      else if (row.erased) results.set(id, { recordClass: 'family-feedback', id, outcome: 'already-erased' });
      else if (held) results.set(id, { recordClass: 'family-feedback', id, outcome: 'held', holdIds: held });
      else erase.push(id);
    }
    if (erase.length === 0) return ids.map((id) => results.get(id) as ErasureResult);
    // An answer without free text has no key to destroy (its key columns stay NULL).
    await tx.query(
      `UPDATE family_feedback
          SET dek_wrapped = CASE WHEN dek_wrapped IS NULL THEN NULL ELSE ''::bytea END,
              dek_iv = CASE WHEN dek_iv IS NULL THEN NULL ELSE ''::bytea END,
              dek_tag = CASE WHEN dek_tag IS NULL THEN NULL ELSE ''::bytea END,
              person_id = NULL, erased_at = $2::timestamptz
        WHERE feedback_id = ANY($1::uuid[])`,
      [erase, at],
    );
    const audit: AuditRow[] = [];
    for (const id of erase) {
      const counts: ErasureCounts = { keysDestroyed: (rows.get(id) as { has_key: boolean }).has_key ? 1 : 0, payloads: 0, deliveriesClosed: 0 };
      audit.push({
        at,
        actor: authority.actor,
        role: authority.role,
        action: 'erasure',
        targetType: 'family-feedback',
        targetId: id,
        reason: authority.reason,
        details: {
          reasonCode: authority.reasonCode,
          ...(authority.ruleId ? { rule: authority.ruleId } : {}),
          ...(authority.runId ? { runId: authority.runId } : {}),
          keysDestroyed: counts.keysDestroyed,
          personUnlinked: (rows.get(id) as { person_id: string | null }).person_id !== null,
        },
      });
      results.set(id, { recordClass: 'family-feedback', id, outcome: 'erased', counts });
    }
    await insertAuditRows(tx, audit);
    return ids.map((id) => results.get(id) as ErasureResult);
  });
}

/** A row of `erasures` as TOMBSTONE_COLUMNS selects it (shared with the subject access snapshot). */
export interface TombstoneDbRow {
  id: string;
  record_class: RecordClass;
  record_id: string;
  message_id: string | null;
  erased_at: Date;
  rule_id: string | null;
  operator_id: string | null;
  run_id: string | null;
  reason_code: string;
  subjects: string[];
  keys_destroyed: number;
  payloads: number;
  deliveries_closed: number;
  ledger_entry_id: string | null;
}

export const TOMBSTONE_COLUMNS = `id::text AS id, record_class, record_id::text AS record_id, message_id::text AS message_id, erased_at, rule_id,
  operator_id, run_id::text AS run_id, reason_code, subjects::text[] AS subjects, keys_destroyed, payloads, deliveries_closed,
  ledger_entry_id::text AS ledger_entry_id`;

export function toTombstone(row: TombstoneDbRow): Tombstone {
  return {
    id: row.id,
    recordClass: row.record_class,
    recordId: row.record_id,
    messageId: row.message_id,
    erasedAt: new Date(row.erased_at),
    ruleId: row.rule_id,
    operatorId: row.operator_id,
    runId: row.run_id,
    reasonCode: row.reason_code,
    subjects: row.subjects,
    keysDestroyed: row.keys_destroyed,
    payloads: row.payloads,
    deliveriesClosed: row.deliveries_closed,
    ledgerEntryId: row.ledger_entry_id,
  };
}

interface HoldDbRow {
  id: string;
  scope: LegalHoldScope;
  target_id: string;
  reason: string;
  placed_by: string;
  placed_at: Date;
  released_at: Date | null;
  released_by: string | null;
  release_reason: string | null;
}

const HOLD_COLUMNS = 'id::text AS id, scope, target_id::text AS target_id, reason, placed_by, placed_at, released_at, released_by, release_reason';

function toHold(row: HoldDbRow): LegalHold {
  return {
    id: row.id,
    scope: row.scope,
    targetId: row.target_id,
    reason: row.reason,
    placedBy: row.placed_by,
    placedAt: new Date(row.placed_at),
    releasedAt: row.released_at ? new Date(row.released_at) : null,
    releasedBy: row.released_by,
    releaseReason: row.release_reason,
  };
}

interface RunDbRow {
  id: string;
  mode: RetentionRunMode;
  trigger: RetentionRunTrigger;
  requested_by: string | null;
  as_of: string;
  status: RetentionRunStatus;
  phase: 'planning' | 'erasing' | null;
  done: number;
  total: number | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  report: unknown;
  error_code: string | null;
}

const RUN_COLUMNS = `id::text AS id, mode, trigger, requested_by, to_char(as_of, 'YYYY-MM-DD') AS as_of, status, phase, done, total,
  created_at, started_at, finished_at, report, error_code`;

function toRun(row: RunDbRow): RetentionRunRecord {
  const report = typeof row.report === 'string' ? (JSON.parse(row.report) as Record<string, unknown>) : ((row.report as Record<string, unknown> | null) ?? null);
  return {
    id: row.id,
    mode: row.mode,
    trigger: row.trigger,
    requestedBy: row.requested_by,
    asOf: row.as_of,
    status: row.status,
    phase: row.phase,
    done: row.done,
    total: row.total,
    createdAt: new Date(row.created_at),
    startedAt: row.started_at ? new Date(row.started_at) : null,
    finishedAt: row.finished_at ? new Date(row.finished_at) : null,
    report,
    errorCode: row.error_code,
  };
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function createErasureStore(deps: { db: Db; masterKeys: MasterKeys; assertOpen(): void }): ErasureStore {
  const { db, masterKeys, assertOpen } = deps;

  return {
    async eraseReferrals(referralIds, authority) {
      assertOpen();
      const ids = [...new Set(requireUuidArray(referralIds, 'referralIds'))];
      const checked = checkAuthority(authority);
      const results = new Map<string, ErasureResult>();
      // Sorted, so concurrent erasures lock rows in the same order; answered in the caller's order.
      for (const batch of batches([...ids].sort(), ERASE_BATCH)) for (const r of await eraseReferralBatch(db, batch, checked)) results.set(r.id, r);
      return ids.map((id) => results.get(id) as ErasureResult);
    },

    async eraseInboundMessages(messageIds, authority) {
      assertOpen();
      const ids = [...new Set(requireUuidArray(messageIds, 'messageIds'))];
      const checked = checkAuthority(authority);
      const results = new Map<string, ErasureResult>();
      for (const batch of batches([...ids].sort(), ERASE_BATCH)) for (const r of await eraseInboundBatch(db, batch, checked)) results.set(r.id, r);
      return ids.map((id) => results.get(id) as ErasureResult);
    },

    async eraseFamilyFeedback(feedbackIds, authority) {
      assertOpen();
      const ids = [...new Set(requireUuidArray(feedbackIds, 'feedbackIds'))];
      const checked = checkAuthority(authority);
      const results = new Map<string, ErasureResult>();
      for (const batch of batches([...ids].sort(), ERASE_BATCH)) for (const r of await eraseFeedbackBatch(db, batch, checked)) results.set(r.id, r);
      return ids.map((id) => results.get(id) as ErasureResult);
    },

    async closeErasedDelivery(deliveryId) {
      assertOpen();
      const id = requireUuid(deliveryId, 'deliveryId');
      return db.transaction(async (tx) => {
        const closed = await tx.query<{ id: string; referral_id: string; recipient_partner_id: string; purpose: string; subjects: string[] }>(
          `UPDATE deliveries d SET status = 'closed', next_attempt_at = NULL
             FROM referrals r
            WHERE d.id = $1::uuid AND r.id = d.referral_id AND r.erased_at IS NOT NULL AND d.status IN ('pending', 'dead')
            RETURNING d.id::text AS id, d.referral_id::text AS referral_id, d.recipient_partner_id, d.purpose, d.subjects::text[] AS subjects`,
          [id],
        );
        const delivery = closed.rows[0];
        if (!delivery) return false;
        const tombstone = await tx.query<{ rule_id: string | null; operator_id: string | null }>(
          "SELECT rule_id, operator_id FROM erasures WHERE record_class = 'referral' AND record_id = $1::uuid",
          [delivery.referral_id],
        );
        const by = tombstone.rows[0] ?? { rule_id: null, operator_id: null };
        const at = new Date();
        await insertActions(tx, [{ deliveryId: id, partnerId: delivery.recipient_partner_id, action: 'close', operatorId: by.operator_id, reason: ERASED_RESOLUTION_REASON, at }]);
        await appendLedgerEntries(tx, [
          {
            id: uuidv7(at.getTime()),
            at,
            referralId: delivery.referral_id,
            deliveryId: id,
            subjects: delivery.subjects,
            recipientPartnerId: delivery.recipient_partner_id,
            purpose: delivery.purpose,
            fields: [],
            outcome: 'not-disclosed',
            decidedByRule: by.rule_id,
            decidedByOperator: by.operator_id,
          },
        ]);
        return true;
      });
    },

    async erasureOf(recordClass, recordId) {
      assertOpen();
      const cls = requireOneOf(recordClass, ['referral', 'inbound-message'] as const, 'recordClass');
      const result = await db.query<TombstoneDbRow>(`SELECT ${TOMBSTONE_COLUMNS} FROM erasures WHERE record_class = $1 AND record_id = $2::uuid`, [
        cls,
        requireUuid(recordId, 'recordId'),
      ]);
      return result.rows[0] ? toTombstone(result.rows[0]) : null;
    },

    async listErasures(query) {
      assertOpen();
      const limit = requireNonNegativeInteger(query?.limit, 'limit');
      const offset = requireNonNegativeInteger(query.offset, 'offset');
      if (limit < 1 || limit > 1000) throw new TypeError('limit must be from 1 to 1000');
      const runId = query.runId === undefined ? null : requireUuid(query.runId, 'runId');
      const where = runId ? 'WHERE run_id = $1::uuid' : '';
      const params = runId ? [runId] : [];
      const [total, items] = await Promise.all([
        db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM erasures ${where}`, params),
        db.query<TombstoneDbRow>(`SELECT ${TOMBSTONE_COLUMNS} FROM erasures ${where} ORDER BY erased_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
          ...params,
          limit,
          offset,
        ]),
      ]);
      return { total: total.rows[0]?.n ?? 0, items: items.rows.map(toTombstone) };
    },

    async referralsOfPerson(personId) {
      assertOpen();
      const id = requireUuid(personId, 'personId');
      const result = await db.query<{ referral_id: string; person_ref: string; role: string; received_at: Date; erased_at: Date | null }>(
        `SELECT rp.referral_id::text AS referral_id, rp.person_ref, rp.role, r.received_at, r.erased_at
           FROM referral_people rp JOIN referrals r ON r.id = rp.referral_id
          WHERE rp.person_id = $1::uuid ORDER BY r.received_at, r.id`,
        [id],
      );
      return result.rows.map((row) => ({
        referralId: row.referral_id,
        personRef: row.person_ref,
        role: row.role,
        receivedAt: new Date(row.received_at),
        erasedAt: row.erased_at ? new Date(row.erased_at) : null,
      }));
    },

    async placeLegalHold(input) {
      assertOpen();
      if (input === null || typeof input !== 'object') throw new TypeError('hold is required');
      const scope = requireOneOf(input.scope, SCOPES, 'scope');
      const targetId = requireUuid(input.targetId, 'targetId');
      const reason = requireText(typeof input.reason === 'string' ? input.reason.trim() : input.reason, 'reason', REASON_MAX);
      const by = checkActor(input.by, 'by');
      return db.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1::integer, hashtext(current_schema()))', [LEGAL_HOLD_LOCK_CLASS]);
        const exists =
          scope === 'referral'
            ? await tx.query('SELECT 1 FROM referrals WHERE id = $1::uuid AND erased_at IS NULL', [targetId])
            : await tx.query('SELECT 1 FROM people WHERE id = $1::uuid', [targetId]);
        if (exists.rows.length === 0) throw new NotFoundError(scope === 'referral' ? 'no such referral (or it is erased already)' : 'no such person');
        const at = new Date();
        const id = uuidv7(at.getTime());
        const result = await tx.query<HoldDbRow>(
          `INSERT INTO legal_holds (id, scope, target_id, reason, placed_by, placed_at) VALUES ($1::uuid, $2, $3::uuid, $4, $5, $6::timestamptz)
           RETURNING ${HOLD_COLUMNS}`,
          [id, scope, targetId, reason, by.actor, at],
        );
        await insertAuditRows(tx, [{ at, actor: by.actor, role: by.role, action: 'legal-hold.place', targetType: scope, targetId, reason, ip: by.ip ?? null, details: { holdId: id } }]);
        return toHold(result.rows[0] as HoldDbRow);
      });
    },

    async releaseLegalHold(holdId, release) {
      assertOpen();
      const id = requireUuid(holdId, 'holdId');
      if (release === null || typeof release !== 'object') throw new TypeError('release is required');
      const reason = requireText(typeof release.reason === 'string' ? release.reason.trim() : release.reason, 'reason', REASON_MAX);
      const by = checkActor(release.by, 'by');
      return db.transaction(async (tx) => {
        const at = new Date();
        const result = await tx.query<HoldDbRow>(
          `UPDATE legal_holds SET released_at = $2::timestamptz, released_by = $3, release_reason = $4
            WHERE id = $1::uuid AND released_at IS NULL RETURNING ${HOLD_COLUMNS}`,
          [id, at, by.actor, reason],
        );
        const row = result.rows[0];
        if (!row) return null;
        await insertAuditRows(tx, [{ at, actor: by.actor, role: by.role, action: 'legal-hold.release', targetType: row.scope, targetId: row.target_id, reason, ip: by.ip ?? null, details: { holdId: id } }]);
        return toHold(row);
      });
    },

    async listLegalHolds(query = {}) {
      assertOpen();
      const limit = query.limit === undefined ? 200 : requireNonNegativeInteger(query.limit, 'limit');
      if (limit < 1 || limit > 1000) throw new TypeError('limit must be from 1 to 1000');
      const result = await db.query<HoldDbRow>(
        `SELECT ${HOLD_COLUMNS} FROM legal_holds ${query.includeReleased ? '' : 'WHERE released_at IS NULL'}
          ORDER BY (released_at IS NULL) DESC, placed_at DESC, id DESC LIMIT $1`,
        [limit],
      );
      return result.rows.map(toHold);
    },

    async activeLegalHolds(referralIds) {
      assertOpen();
      return selectActiveHolds(db, [...new Set(requireUuidArray(referralIds, 'referralIds'))]);
    },

    async retentionCounts() {
      assertOpen();
      const result = await db.query<{ referrals: number; inbound: number; feedback: number }>(
        `SELECT (SELECT count(*) FROM referrals WHERE erased_at IS NULL)::integer AS referrals,
                (SELECT count(*) FROM inbound_messages m WHERE m.erased_at IS NULL
                    AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.message_id = m.message_id))::integer AS inbound,
                (SELECT count(*) FROM family_feedback WHERE erased_at IS NULL)::integer AS feedback`,
      );
      const row = result.rows[0];
      return { referrals: row?.referrals ?? 0, inboundMessages: row?.inbound ?? 0, familyFeedback: row?.feedback ?? 0 };
    },

    async retentionReferralPage(page) {
      assertOpen();
      const limit = requireNonNegativeInteger(page?.limit, 'limit');
      if (limit < 1 || limit > 10_000) throw new TypeError('limit must be from 1 to 10000');
      const after = page.after === undefined ? null : requireUuid(page.after, 'after');
      const result = await db.query<{
        id: string;
        message_id: string;
        source_type: string;
        received_at: Date;
        key_id: string;
        dek_wrapped: unknown;
        dek_iv: unknown;
        dek_tag: unknown;
        canonical_iv: unknown;
        canonical_tag: unknown;
        canonical_ciphertext: unknown;
        person_ids: string[] | null;
      }>(
        `SELECT r.id::text AS id, r.message_id::text AS message_id, r.source_type, r.received_at, r.key_id, r.dek_wrapped, r.dek_iv, r.dek_tag,
                r.canonical_iv, r.canonical_tag, r.canonical_ciphertext,
                (SELECT array_agg(DISTINCT rp.person_id ORDER BY rp.person_id)::text[] FROM referral_people rp WHERE rp.referral_id = r.id) AS person_ids
           FROM referrals r
          WHERE r.erased_at IS NULL AND ($1::uuid IS NULL OR r.id > $1::uuid)
          ORDER BY r.id LIMIT $2`,
        [after, limit],
      );
      return result.rows.map((row) => {
        let canonical: Buffer | null = null;
        try {
          const dataKey = unwrapDataKey(masterKeys, referralKeyContext(row.id), {
            keyId: row.key_id,
            wrappedKey: toBuffer(row.dek_wrapped),
            wrapIv: toBuffer(row.dek_iv),
            wrapTag: toBuffer(row.dek_tag),
          });
          try {
            canonical = openWithDataKey(dataKey, canonicalContext(row.id), {
              iv: toBuffer(row.canonical_iv),
              tag: toBuffer(row.canonical_tag),
              ciphertext: toBuffer(row.canonical_ciphertext),
            });
          } finally {
            dataKey.fill(0);
          }
        } catch (err) {
          // Reported by the planner as unreadable (and never erased on a guess).
          if (!(err instanceof DecryptionError)) throw err;
        }
        return { referralId: row.id, messageId: row.message_id, sourceType: row.source_type, receivedAt: new Date(row.received_at), personIds: row.person_ids ?? [], canonical };
      });
    },

    async retentionInboundPage(page) {
      assertOpen();
      const limit = requireNonNegativeInteger(page?.limit, 'limit');
      if (limit < 1 || limit > 10_000) throw new TypeError('limit must be from 1 to 10000');
      const after = page.after === undefined ? null : requireUuid(page.after, 'after');
      const before = requireDate(page.receivedBefore, 'receivedBefore');
      const result = await db.query<{ message_id: string; type: string; received_at: Date }>(
        `SELECT m.message_id::text AS message_id, m.type, m.received_at
           FROM inbound_messages m
          WHERE m.erased_at IS NULL AND m.received_at < $2::timestamptz AND ($1::uuid IS NULL OR m.message_id > $1::uuid)
            AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.message_id = m.message_id)
          ORDER BY m.message_id LIMIT $3`,
        [after, before, limit],
      );
      return result.rows.map((row) => ({ messageId: row.message_id, type: row.type, receivedAt: new Date(row.received_at) }));
    },

    async retentionFeedbackPage(page) {
      assertOpen();
      const limit = requireNonNegativeInteger(page?.limit, 'limit');
      if (limit < 1 || limit > 10_000) throw new TypeError('limit must be from 1 to 10000');
      const after = page.after === undefined ? null : requireUuid(page.after, 'after');
      const before = requireDate(page.submittedBefore, 'submittedBefore');
      const result = await db.query<{ feedback_id: string; submitted_at: Date; hold_ids: string[] | null }>(
        `SELECT f.feedback_id::text AS feedback_id, f.submitted_at,
                (SELECT array_agg(h.id::text ORDER BY h.placed_at, h.id) FROM legal_holds h
                  WHERE h.released_at IS NULL AND h.scope = 'person' AND h.target_id = f.person_id)::text[] AS hold_ids
           FROM family_feedback f
          WHERE f.erased_at IS NULL AND f.submitted_at < $2::timestamptz AND ($1::uuid IS NULL OR f.feedback_id > $1::uuid)
          ORDER BY f.feedback_id LIMIT $3`,
        [after, before, limit],
      );
      return result.rows.map((row) => ({ feedbackId: row.feedback_id, submittedAt: new Date(row.submitted_at), heldBy: row.hold_ids ?? [] }));
    },

    async countRowsOlderThan(table, before) {
      assertOpen();
      const which = requireOneOf(table, ['ledger', 'audit'] as const, 'table');
      const cutoff = requireDate(before, 'before');
      const name = which === 'ledger' ? 'ledger' : 'audit_events';
      const result = await db.query<{ n: number; oldest: Date | null }>(`SELECT count(*)::integer AS n, min(at) AS oldest FROM ${name} WHERE at < $1::timestamptz`, [cutoff]);
      const row = result.rows[0];
      return { count: row?.n ?? 0, oldestAt: row?.oldest ? new Date(row.oldest) : null };
    },

    async createRetentionRun(input) {
      assertOpen();
      if (input === null || typeof input !== 'object') throw new TypeError('run is required');
      const mode = requireOneOf(input.mode, MODES, 'mode');
      const trigger = requireOneOf(input.trigger, TRIGGERS, 'trigger');
      const requestedBy = optionalText(input.requestedBy, 'requestedBy', 128);
      if (typeof input.asOf !== 'string' || !CALENDAR_DATE.test(input.asOf)) throw new TypeError('asOf must be a date YYYY-MM-DD');
      const status = input.status === undefined ? 'queued' : requireOneOf(input.status, STATUSES, 'status');
      const at = new Date();
      const result = await db.query<RunDbRow>(
        `INSERT INTO retention_runs (id, mode, trigger, requested_by, as_of, status, created_at)
         VALUES ($1::uuid, $2, $3, $4, $5::date, $6, $7::timestamptz) RETURNING ${RUN_COLUMNS}`,
        [uuidv7(at.getTime()), mode, trigger, requestedBy, input.asOf, status, at],
      );
      return toRun(result.rows[0] as RunDbRow);
    },

    async updateRetentionRun(runId, update) {
      assertOpen();
      const id = requireUuid(runId, 'runId');
      if (update === null || typeof update !== 'object') throw new TypeError('update is required');
      const sets: string[] = [];
      const params: unknown[] = [id];
      const set = (column: string, value: unknown, cast = ''): void => {
        params.push(value);
        sets.push(`${column} = $${params.length}${cast}`);
      };
      if (update.status !== undefined) set('status', requireOneOf(update.status, STATUSES, 'status'));
      if (update.phase !== undefined) set('phase', requireOneOf(update.phase, ['planning', 'erasing'] as const, 'phase'));
      if (update.done !== undefined) set('done', requireNonNegativeInteger(update.done, 'done'));
      if (update.total !== undefined) set('total', requireNonNegativeInteger(update.total, 'total'));
      if (update.startedAt !== undefined) set('started_at', requireDate(update.startedAt, 'startedAt'), '::timestamptz');
      if (update.finishedAt !== undefined) set('finished_at', requireDate(update.finishedAt, 'finishedAt'), '::timestamptz');
      if (update.report !== undefined) {
        if (update.report === null || typeof update.report !== 'object') throw new TypeError('report must be an object');
        set('report', JSON.stringify(update.report), '::jsonb');
      }
      if (update.errorCode !== undefined) {
        if (typeof update.errorCode !== 'string' || !CODE.test(update.errorCode)) throw new TypeError(`errorCode must match ${CODE.source}`);
        set('error_code', update.errorCode);
      }
      if (sets.length === 0) return;
      const result = await db.query(`UPDATE retention_runs SET ${sets.join(', ')} WHERE id = $1::uuid`, params);
      if (result.rowCount === 0) throw new NotFoundError('no such retention run');
    },

    async getRetentionRun(runId) {
      assertOpen();
      const result = await db.query<RunDbRow>(`SELECT ${RUN_COLUMNS} FROM retention_runs WHERE id = $1::uuid`, [requireUuid(runId, 'runId')]);
      return result.rows[0] ? toRun(result.rows[0]) : null;
    },

    async listRetentionRuns(limit) {
      assertOpen();
      const n = requireNonNegativeInteger(limit, 'limit');
      if (n < 1 || n > 1000) throw new TypeError('limit must be from 1 to 1000');
      const result = await db.query<RunDbRow>(`SELECT ${RUN_COLUMNS} FROM retention_runs ORDER BY created_at DESC, id DESC LIMIT $1`, [n]);
      return result.rows.map(toRun);
    },
  };
}
