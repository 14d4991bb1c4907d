// The data-subject-rights part of the Store (see RightsStore in rights-types.ts): restriction and
// objection flags with a safeguarding override, and rectification with its propagation deliveries.
// Reasons people type are personal data in waiting: they are encrypted (a person's flags under an
// envelope of their own; a rectification's under its referral's data key) and never logged.
import { createHash } from 'node:crypto';
import type { LedgerEntryInput } from '@hub/ledger';
import { appendLedgerEntries } from '@hub/ledger';
import { isUuid, requireBuffer, requireDate, requireText, requireTextArray, requireUuid } from './checks.ts';
import type { Envelope, MasterKeys } from './crypto.ts';
import { openEnvelope, openWithDataKey, sealEnvelope, sealWithDataKey, unwrapDataKey } from './crypto.ts';
import type { Db, Queryable } from './db.ts';
import { toBuffer } from './db.ts';
import type { DeliveryRow } from './deliveries.ts';
import { insertDeliveries } from './deliveries.ts';
import { NotFoundError } from './errors.ts';
import { deliverJob, insertOutboxJobs } from './outbox.ts';
import { canonicalContext, insertDecisions, payloadContext, referralKeyContext, selectReferral, selectReferralPeople } from './referrals.ts';
import type {
  PersonReferral,
  PersonRightsFlags,
  PersonRightsState,
  RectifiableDelivery,
  RectificationSummary,
  RecipientPropagation,
  RightsAction,
  RightsHistoryEntry,
  RightsStore,
} from './rights-types.ts';
import { RectificationConflictError } from './rights-types.ts';
import type { DeliveryPriority, DeliveryStatus } from './routing-types.ts';
import { uuidv7 } from './uuid.ts';

/** The purpose recorded on a rectification delivery and its ledger row. */
export const RECTIFICATION_PURPOSE = 'rectification';
/** A typed reason: long enough to mean something, short enough for a form. */
export const RIGHTS_REASON_MAX = 1000;

const POINTER = /^(\/[A-Za-z]+)+$/;
const CODE = /^[a-z][a-z-]{1,40}$/;

/** A row of `person_rights_history` as RIGHTS_HISTORY_COLUMNS selects it (shared with the subject access snapshot). */
export interface RightsHistoryDbRow {
  id: string;
  person_id: string;
  action: RightsAction;
  actor: string;
  at: Date;
  override_until: Date | null;
  key_id: string;
  dek_wrapped: unknown;
  dek_iv: unknown;
  dek_tag: unknown;
  reason_iv: unknown;
  reason_tag: unknown;
  reason_ciphertext: unknown;
}

export const RIGHTS_HISTORY_COLUMNS =
  'id::text AS id, person_id::text AS person_id, action, actor, at, override_until, key_id, dek_wrapped, dek_iv, dek_tag, reason_iv, reason_tag, reason_ciphertext';

/** The staff member's reason for a rights change, decrypted (throws DecryptionError when it cannot be). */
export function openRightsReason(masterKeys: MasterKeys, row: RightsHistoryDbRow): string {
  const envelope: Envelope = {
    keyId: row.key_id,
    wrappedKey: toBuffer(row.dek_wrapped),
    wrapIv: toBuffer(row.dek_iv),
    wrapTag: toBuffer(row.dek_tag),
    iv: toBuffer(row.reason_iv),
    tag: toBuffer(row.reason_tag),
    ciphertext: toBuffer(row.reason_ciphertext),
  };
  return openEnvelope(masterKeys, rightsReasonContext(row.id), envelope).toString('utf8');
}

/** Where a history row's reason envelope is bound: moving it to another row breaks decryption. */
export function rightsReasonContext(historyId: string): string {
  return `person_rights_history/${historyId}`;
}

/** Where a rectification's detail (reason, old and new values) is bound, under the referral's data key. */
export function rectificationContext(referralId: string, rectificationId: string): string {
  return `referrals/${referralId}/rectifications/${rectificationId}`;
}

/** A row of `person_rights` as RIGHTS_COLUMNS selects it (alias `pr`; shared with the subject access snapshot). */
export interface RightsDbRow {
  person_id: string;
  restricted_at: Date | null;
  restricted_by: string | null;
  objected_at: Date | null;
  objected_by: string | null;
  override_at: Date | null;
  override_by: string | null;
  override_until: Date | null;
  override_history_id: string | null;
  override_active: boolean;
  updated_at: Date;
}

export const RIGHTS_COLUMNS = `pr.person_id::text AS person_id, pr.restricted_at, pr.restricted_by, pr.objected_at, pr.objected_by,
  pr.override_at, pr.override_by, pr.override_until, pr.override_history_id::text AS override_history_id,
  (pr.override_at IS NOT NULL AND (pr.override_until IS NULL OR pr.override_until > now())) AS override_active, pr.updated_at`;

function toFlags(row: RightsDbRow): PersonRightsFlags {
  return {
    restricted: row.restricted_at !== null,
    objected: row.objected_at !== null,
    ...(row.override_active && row.override_at && row.override_by && row.override_history_id
      ? { safeguardingOverride: { since: row.override_at, until: row.override_until, by: row.override_by, historyId: row.override_history_id } }
      : {}),
  };
}

export function toState(row: RightsDbRow): PersonRightsState {
  return {
    personId: row.person_id,
    restricted: row.restricted_at && row.restricted_by ? { at: row.restricted_at, by: row.restricted_by } : null,
    objected: row.objected_at && row.objected_by ? { at: row.objected_at, by: row.objected_by } : null,
    override:
      row.override_at && row.override_by && row.override_history_id
        ? { at: row.override_at, by: row.override_by, until: row.override_until, historyId: row.override_history_id, active: row.override_active }
        : null,
    updatedAt: row.updated_at,
  };
}

/** What each action does to the person_rights row: a SET list over $2… and its parameters. */
function changeOf(action: RightsAction, c: { at: Date; actor: string; until: Date | null; historyId: string }): { set: string; params: unknown[] } {
  switch (action) {
    case 'restrict':
      return { set: 'restricted_at = coalesce(restricted_at, $2::timestamptz), restricted_by = coalesce(restricted_by, $3), updated_at = $2::timestamptz', params: [c.at, c.actor] };
    case 'lift-restriction':
      return { set: 'restricted_at = NULL, restricted_by = NULL, updated_at = $2::timestamptz', params: [c.at] };
    case 'object':
      return { set: 'objected_at = coalesce(objected_at, $2::timestamptz), objected_by = coalesce(objected_by, $3), updated_at = $2::timestamptz', params: [c.at, c.actor] };
    case 'withdraw-objection':
      return { set: 'objected_at = NULL, objected_by = NULL, updated_at = $2::timestamptz', params: [c.at] };
    case 'override':
      return {
        set: 'override_at = $2::timestamptz, override_by = $3, override_until = $4::timestamptz, override_history_id = $5::uuid, updated_at = $2::timestamptz',
        params: [c.at, c.actor, c.until, c.historyId],
      };
    case 'end-override':
      return { set: 'override_at = NULL, override_by = NULL, override_until = NULL, override_history_id = NULL, updated_at = $2::timestamptz', params: [c.at] };
  }
}

function checkChange(personId: unknown, input: { reason?: unknown; actor?: unknown } | undefined): { personId: string; reason: string; actor: string } {
  const id = requireUuid(personId, 'personId');
  const reason = typeof input?.reason === 'string' ? input.reason.trim() : '';
  if (reason.length === 0 || reason.length > RIGHTS_REASON_MAX || reason.includes('\u0000')) {
    throw new TypeError(`reason must be a non-empty text of at most ${RIGHTS_REASON_MAX} characters without NUL`);
  }
  return { personId: id, reason, actor: requireText(input?.actor, 'actor') };
}

interface ReferralDeliveryDbRow {
  id: string;
  recipient_partner_id: string;
  channel: string;
  status: DeliveryStatus;
  purpose: string;
  fields: string[];
  payload_iv: unknown;
  payload_tag: unknown;
  payload_ciphertext: unknown;
}

interface OriginalDeliveryDbRow {
  id: string;
  recipient_partner_id: string;
  decision_id: string;
  channel: string;
  priority: DeliveryPriority;
  art6: string;
  art9: string | null;
  sch1_paragraph: string | null;
  art10: string | null;
}

export function createRightsStore(deps: { db: Db; masterKeys: MasterKeys; assertOpen(): void }): RightsStore {
  const { db, masterKeys, assertOpen } = deps;

  async function readState(q: Queryable, personId: string): Promise<PersonRightsState | null> {
    const result = await q.query<RightsDbRow>(`SELECT ${RIGHTS_COLUMNS} FROM person_rights pr WHERE pr.person_id = $1::uuid`, [personId]);
    const row = result.rows[0];
    return row ? toState(row) : null;
  }

  /** One change: the history row (reason encrypted) and the flags, in one transaction. */
  async function change(personIdInput: unknown, action: RightsAction, input: { reason?: unknown; actor?: unknown } | undefined, until: Date | null = null): Promise<PersonRightsState> {
    assertOpen();
    const { personId, reason, actor } = checkChange(personIdInput, input);
    const historyId = uuidv7();
    const envelope = sealEnvelope(masterKeys, rightsReasonContext(historyId), Buffer.from(reason, 'utf8'));
    return db.transaction(async (tx) => {
      const person = await tx.query('SELECT 1 FROM people WHERE id = $1::uuid FOR KEY SHARE', [personId]);
      if (person.rows.length === 0) throw new NotFoundError('no such person');
      const at = new Date();
      await tx.query(
        `INSERT INTO person_rights_history (id, person_id, action, actor, at, override_until, key_id, dek_wrapped, dek_iv, dek_tag, reason_iv, reason_tag, reason_ciphertext)
         VALUES ($1::uuid, $2::uuid, $3, $4, $5::timestamptz, $6::timestamptz, $7, $8, $9, $10, $11, $12, $13)`,
        [historyId, personId, action, actor, at, until, envelope.keyId, envelope.wrappedKey, envelope.wrapIv, envelope.wrapTag, envelope.iv, envelope.tag, envelope.ciphertext],
      );
      await tx.query('INSERT INTO person_rights (person_id, updated_at) VALUES ($1::uuid, $2::timestamptz) ON CONFLICT (person_id) DO NOTHING', [personId, at]);
      const { set, params } = changeOf(action, { at, actor, until, historyId });
      await tx.query(`UPDATE person_rights SET ${set} WHERE person_id = $1::uuid`, [personId, ...params]);
      return (await readState(tx, personId)) as PersonRightsState;
    });
  }

  async function flagsOf(sql: string, params: unknown[]): Promise<Map<string, PersonRightsFlags>> {
    const result = await db.query<RightsDbRow>(sql, params);
    return new Map(result.rows.map((row) => [row.person_id, toFlags(row)]));
  }

  return {
    async setRestriction(personId, input) {
      if (typeof input?.restricted !== 'boolean') throw new TypeError('restricted must be true or false');
      return change(personId, input.restricted ? 'restrict' : 'lift-restriction', input);
    },

    async setObjection(personId, input) {
      if (typeof input?.objected !== 'boolean') throw new TypeError('objected must be true or false');
      return change(personId, input.objected ? 'object' : 'withdraw-objection', input);
    },

    async setSafeguardingOverride(personId, input) {
      const until = input?.until === undefined || input.until === null ? null : requireDate(input.until, 'until');
      if (until !== null && until.getTime() <= Date.now()) throw new TypeError('until must be in the future');
      return change(personId, 'override', input, until);
    },

    async endSafeguardingOverride(personId, input) {
      return change(personId, 'end-override', input);
    },

    async personRights(personIds) {
      assertOpen();
      if (!Array.isArray(personIds)) throw new TypeError('personIds must be an array');
      const ids = [...new Set(personIds.filter(isUuid).map((id) => id.toLowerCase()))];
      if (ids.length === 0) return new Map();
      return flagsOf(`SELECT ${RIGHTS_COLUMNS} FROM person_rights pr WHERE pr.person_id = ANY($1::uuid[])`, [ids]);
    },

    async referralSubjectRights(referralId) {
      assertOpen();
      if (!isUuid(referralId)) return new Map();
      return flagsOf(
        `SELECT ${RIGHTS_COLUMNS} FROM person_rights pr
          WHERE pr.person_id IN (SELECT person_id FROM referral_people WHERE referral_id = $1::uuid)`,
        [referralId],
      );
    },

    async personRightsState(personId) {
      assertOpen();
      if (!isUuid(personId)) return null;
      return readState(db, personId.toLowerCase());
    },

    async personExists(personId) {
      assertOpen();
      if (!isUuid(personId)) return false;
      return (await db.query('SELECT 1 FROM people WHERE id = $1::uuid', [personId])).rows.length === 1;
    },

    async rightsHistory(personId, options = {}) {
      assertOpen();
      if (!isUuid(personId)) return [];
      const result = await db.query<RightsHistoryDbRow>(
        `SELECT ${RIGHTS_HISTORY_COLUMNS} FROM person_rights_history WHERE person_id = $1::uuid ORDER BY at DESC, id DESC`,
        [personId],
      );
      return result.rows.map((row) => {
        const entry: RightsHistoryEntry = { id: row.id, personId: row.person_id, action: row.action, actor: row.actor, at: row.at, overrideUntil: row.override_until };
        if (options.includeReasons) entry.reason = openRightsReason(masterKeys, row);
        return entry;
      });
    },

    async personReferrals(personId) {
      assertOpen();
      if (!isUuid(personId)) return [];
      const result = await db.query<{ id: string; person_ref: string; role: string; source_partner_id: string; source_type: string; received_at: Date; status: string }>(
        `SELECT r.id::text AS id, rp.person_ref, rp.role, r.source_partner_id, r.source_type, r.received_at, r.status
           FROM referral_people rp JOIN referrals r ON r.id = rp.referral_id
          WHERE rp.person_id = $1::uuid
          ORDER BY r.received_at DESC, r.id DESC, rp.person_ref
          LIMIT 200`,
        [personId],
      );
      return result.rows.map(
        (row): PersonReferral => ({
          referralId: row.id,
          personRef: row.person_ref,
          role: row.role,
          sourcePartnerId: row.source_partner_id,
          sourceType: row.source_type,
          receivedAt: row.received_at,
          status: row.status,
        }),
      );
    },

    async rectifiableDeliveries(referralId) {
      assertOpen();
      if (!isUuid(referralId)) return [];
      const referral = await selectReferral(db, referralId);
      if (!referral) return [];
      const result = await db.query<ReferralDeliveryDbRow>(
        `SELECT id::text AS id, recipient_partner_id, channel, status, purpose, fields, payload_iv, payload_tag, payload_ciphertext
           FROM deliveries WHERE referral_id = $1::uuid AND kind = 'referral' AND status <> 'closed'
          ORDER BY recipient_partner_id, id`,
        [referral.referralId],
      );
      if (result.rows.length === 0) return [];
      const dataKey = unwrapDataKey(masterKeys, referralKeyContext(referral.referralId), referral.wrappedKey);
      try {
        return result.rows.map(
          (row): RectifiableDelivery => ({
            deliveryId: row.id,
            recipientPartnerId: row.recipient_partner_id,
            channel: row.channel,
            status: row.status,
            purpose: row.purpose,
            fields: row.fields,
            payload: openWithDataKey(dataKey, payloadContext(referral.referralId, row.id), {
              iv: toBuffer(row.payload_iv),
              tag: toBuffer(row.payload_tag),
              ciphertext: toBuffer(row.payload_ciphertext),
            }),
          }),
        );
      } finally {
        dataKey.fill(0);
      }
    },

    async saveRectification(input) {
      assertOpen();
      const rectificationId = requireUuid(input?.rectificationId, 'rectificationId');
      const referralId = requireUuid(input.referralId, 'referralId');
      const personRef = requireText(input.personRef, 'personRef');
      if (typeof input.pointer !== 'string' || !POINTER.test(input.pointer) || input.pointer.length > 100) throw new TypeError('pointer must be a JSON pointer of letters');
      if (typeof input.reasonCategory !== 'string' || !CODE.test(input.reasonCategory)) throw new TypeError(`reasonCategory must match ${CODE.source}`);
      const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
      if (reason.length === 0 || reason.length > RIGHTS_REASON_MAX || reason.includes('\u0000')) throw new TypeError(`reason must be a non-empty text of at most ${RIGHTS_REASON_MAX} characters`);
      const actor = requireText(input.actor, 'actor');
      const at = requireDate(input.at, 'at');
      const basedOn = typeof input.basedOnCanonicalSha256 === 'string' ? input.basedOnCanonicalSha256.toLowerCase() : '';
      if (!/^[0-9a-f]{64}$/.test(basedOn)) throw new TypeError('basedOnCanonicalSha256 must be 64 hex characters');
      const canonical = requireBuffer(input.canonical, 'canonical');
      if (!Array.isArray(input.deliveries)) throw new TypeError('deliveries must be an array');
      const deliveries = input.deliveries.map((d, i) => ({
        deliveryId: requireUuid(d?.deliveryId, `deliveries[${i}].deliveryId`),
        recipientPartnerId: requireText(d.recipientPartnerId, `deliveries[${i}].recipientPartnerId`),
        rectifiesDeliveryId: requireUuid(d.rectifiesDeliveryId, `deliveries[${i}].rectifiesDeliveryId`),
        fields: requireTextArray(d.fields, `deliveries[${i}].fields`),
        payload: requireBuffer(d.payload, `deliveries[${i}].payload`),
      }));
      if (new Set(deliveries.map((d) => d.recipientPartnerId)).size !== deliveries.length) throw new TypeError('two rectification deliveries for one recipient');
      const detail = Buffer.from(JSON.stringify({ reason, oldValue: input.oldValue ?? null, newValue: input.newValue ?? null }), 'utf8');

      return db.transaction(async (tx) => {
        const referral = await selectReferral(tx, referralId, true);
        if (!referral) throw new NotFoundError('no such referral');
        const people = await selectReferralPeople(tx, referralId);
        const person = people.find((p) => p.personRef === personRef);
        if (!person) throw new NotFoundError('no such person on the referral');
        const originals = await tx.query<OriginalDeliveryDbRow>(
          `SELECT id::text AS id, recipient_partner_id, decision_id::text AS decision_id, channel, priority, art6, art9, sch1_paragraph, art10
             FROM deliveries WHERE referral_id = $1::uuid AND kind = 'referral' AND id = ANY($2::uuid[])`,
          [referralId, deliveries.map((d) => d.rectifiesDeliveryId)],
        );
        const originalById = new Map(originals.rows.map((row) => [row.id, row]));

        const dataKey = unwrapDataKey(masterKeys, referralKeyContext(referralId), referral.wrappedKey);
        let rows: DeliveryRow[];
        let sealedCanonical;
        let sealedDetail;
        try {
          const current = openWithDataKey(dataKey, canonicalContext(referralId), referral.canonical);
          if (createHash('sha256').update(current).digest('hex') !== basedOn) throw new RectificationConflictError('the referral changed since it was read');
          sealedCanonical = sealWithDataKey(dataKey, canonicalContext(referralId), canonical);
          sealedDetail = sealWithDataKey(dataKey, rectificationContext(referralId, rectificationId), detail);
          rows = deliveries.map((d): DeliveryRow => {
            const original = originalById.get(d.rectifiesDeliveryId);
            if (!original || original.recipient_partner_id !== d.recipientPartnerId) throw new TypeError(`delivery ${d.rectifiesDeliveryId} is not a referral delivery of this referral to ${d.recipientPartnerId}`);
            return {
              deliveryId: d.deliveryId,
              recipientPartnerId: d.recipientPartnerId,
              decisionId: original.decision_id,
              ruleId: null,
              operatorId: actor,
              channel: original.channel,
              priority: original.priority,
              deadlineAt: null,
              purpose: RECTIFICATION_PURPOSE,
              lawfulBasis: {
                art6: original.art6,
                ...(original.art9 !== null ? { art9: original.art9 } : {}),
                ...(original.sch1_paragraph !== null ? { sch1Paragraph: original.sch1_paragraph } : {}),
                ...(original.art10 !== null ? { art10: original.art10 } : {}),
              },
              fields: d.fields,
              subjects: [person.hubPersonId],
              payload: sealWithDataKey(dataKey, payloadContext(referralId, d.deliveryId), d.payload),
              payloadSha256: createHash('sha256').update(d.payload).digest('hex'),
              rectification: { rectificationId, rectifiesDeliveryId: d.rectifiesDeliveryId },
            };
          });
        } finally {
          dataKey.fill(0);
        }

        await tx.query('UPDATE referrals SET canonical_iv = $2, canonical_tag = $3, canonical_ciphertext = $4 WHERE id = $1::uuid', [
          referralId,
          sealedCanonical.iv,
          sealedCanonical.tag,
          sealedCanonical.ciphertext,
        ]);
        await tx.query(
          `INSERT INTO rectifications (id, referral_id, person_ref, person_id, pointer, reason_category, actor, at, detail_iv, detail_tag, detail_ciphertext)
           VALUES ($1::uuid, $2::uuid, $3, $4::uuid, $5, $6, $7, $8::timestamptz, $9, $10, $11)`,
          [rectificationId, referralId, personRef, person.hubPersonId, input.pointer, input.reasonCategory, actor, at, sealedDetail.iv, sealedDetail.tag, sealedDetail.ciphertext],
        );
        const inserted = await insertDeliveries(tx, referralId, rows);
        if (inserted.size !== rows.length) throw new Error('a rectification delivery id is already in use');
        const outbox = await insertOutboxJobs(
          tx,
          rows.map((row) => deliverJob({ messageId: referral.messageId, deliveryId: row.deliveryId, recipientPartnerId: row.recipientPartnerId, priority: row.priority })),
        );
        return { outbox };
      });
    },

    async listRectifications(filter) {
      assertOpen();
      const referralId = filter?.referralId;
      const personId = filter?.personId;
      if (referralId !== undefined && !isUuid(referralId)) return [];
      if (personId !== undefined && !isUuid(personId)) return [];
      if (referralId === undefined && personId === undefined) throw new TypeError('listRectifications needs a referralId or a personId');
      const limit = Math.min(Math.max(1, Math.trunc(filter.limit ?? 100)), 1000);
      const found = await db.query<{ id: string; referral_id: string; person_ref: string; person_id: string; pointer: string; reason_category: string; actor: string; at: Date }>(
        `SELECT id::text AS id, referral_id::text AS referral_id, person_ref, person_id::text AS person_id, pointer, reason_category, actor, at
           FROM rectifications
          WHERE ($1::uuid IS NULL OR referral_id = $1::uuid) AND ($2::uuid IS NULL OR person_id = $2::uuid)
          ORDER BY at DESC, id DESC
          LIMIT $3`,
        [referralId ?? null, personId ?? null, limit],
      );
      if (found.rows.length === 0) return [];
      const deliveries = await db.query<{
        id: string;
        rectification_id: string;
        recipient_partner_id: string;
        channel: string;
        status: DeliveryStatus;
        attempts: number;
        last_error_code: string | null;
        delivered_at: Date | null;
        rectifies_delivery_id: string;
      }>(
        `SELECT id::text AS id, rectification_id::text AS rectification_id, recipient_partner_id, channel, status, attempts, last_error_code, delivered_at,
                rectifies_delivery_id::text AS rectifies_delivery_id
           FROM deliveries WHERE rectification_id = ANY($1::uuid[]) ORDER BY recipient_partner_id, id`,
        [found.rows.map((row) => row.id)],
      );
      const byRectification = new Map<string, RecipientPropagation[]>();
      for (const d of deliveries.rows) {
        const list = byRectification.get(d.rectification_id) ?? [];
        list.push({
          deliveryId: d.id,
          recipientPartnerId: d.recipient_partner_id,
          channel: d.channel,
          status: d.status,
          attempts: d.attempts,
          lastErrorCode: d.last_error_code,
          deliveredAt: d.delivered_at,
          rectifiesDeliveryId: d.rectifies_delivery_id,
        });
        byRectification.set(d.rectification_id, list);
      }
      return found.rows.map(
        (row): RectificationSummary => ({
          rectificationId: row.id,
          referralId: row.referral_id,
          personRef: row.person_ref,
          personId: row.person_id,
          pointer: row.pointer,
          reasonCategory: row.reason_category,
          actor: row.actor,
          at: row.at,
          recipients: byRectification.get(row.id) ?? [],
        }),
      );
    },

    async recordBlockedShares(referralId, input) {
      assertOpen();
      const id = requireUuid(referralId, 'referralId');
      const operatorId = requireText(input?.operatorId, 'operatorId');
      if (!Array.isArray(input.decisions) || input.decisions.length === 0) throw new TypeError('decisions must name at least one blocked share');
      const decisions = input.decisions.map((d, i) => ({
        decisionId: requireUuid(d?.decisionId, `decisions[${i}].decisionId`),
        recipientPartnerId: requireText(d.recipientPartnerId, `decisions[${i}].recipientPartnerId`),
        decision: 'not-share' as const,
        ruleId: null,
        operatorId,
        reason: requireText(d.reason, `decisions[${i}].reason`, 512),
        purpose: d.purpose === undefined ? null : requireText(d.purpose, `decisions[${i}].purpose`),
        priority: null,
      }));
      return db.transaction(async (tx) => {
        const referral = await selectReferral(tx, id, true);
        if (!referral || referral.status !== 'held') return false;
        const open = await tx.query('SELECT 1 FROM review_holds WHERE referral_id = $1::uuid AND resolved_at IS NULL', [id]);
        if (open.rows.length === 0) return false;
        const at = new Date();
        // Decision ids name the attempt (see the routing package): a repeated attempt records nothing twice.
        const existing = await tx.query<{ id: string }>('SELECT id::text AS id FROM sharing_decisions WHERE id = ANY($1::uuid[])', [decisions.map((d) => d.decisionId)]);
        const seen = new Set(existing.rows.map((row) => row.id));
        const fresh = decisions.filter((d) => !seen.has(d.decisionId));
        if (fresh.length === 0) return true;
        await insertDecisions(tx, id, fresh, at);
        const subjects = [...new Set((await selectReferralPeople(tx, id)).map((p) => p.hubPersonId))];
        const entries: LedgerEntryInput[] = fresh.map((d) => ({
          id: uuidv7(at.getTime()),
          at,
          referralId: id,
          subjects,
          recipientPartnerId: d.recipientPartnerId,
          purpose: d.purpose,
          fields: [],
          outcome: 'not-disclosed',
          decidedByOperator: operatorId,
        }));
        await appendLedgerEntries(tx, entries);
        return true;
      });
    },
  };
}
