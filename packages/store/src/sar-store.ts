// Subject access (UK GDPR Art 15; DESIGN §8): finding a person (NHS number, or name + date of
// birth through the blind index), reading everything linked to them in one snapshot for the
// export, and the register of requests with their due dates. SQL for person_name_dob_index,
// person_name_dob_indexed and subject_access_requests lives here; the other tables are only read.
import { queryLedger } from '@hub/ledger';
import type { LedgerEntry } from '@hub/ledger';
import { isUuid, requireOneOf, requireText, requireUuid } from './checks.ts';
import type { IdentifierHmac, MasterKeys } from './crypto.ts';
import { openWithDataKey, unwrapDataKey } from './crypto.ts';
import type { Db, Queryable } from './db.ts';
import { toBuffer } from './db.ts';
import { TOMBSTONE_COLUMNS, toTombstone, type TombstoneDbRow } from './erasure-store.ts';
import type { LegalHold, Tombstone } from './erasure-types.ts';
import { DecryptionError, ErasedError, NotFoundError } from './errors.ts';
import { calendarDate, insertNameDobIndex, nameDobKey, nameDobRowsFromCanonical, normaliseNamePart } from './name-dob-index.ts';
import { canonicalContext, referralKeyContext } from './referrals.ts';
import { ACKNOWLEDGEMENT_COLUMNS, toAcknowledgement, type AckRow, type StoredAcknowledgement } from './acknowledgement-store.ts';
import { openFeedbackComment, type SealedFeedbackComment } from './feedback-answers-store.ts';
import { INVITATION_COLUMNS, toInvitation, type InvitationRow } from './feedback-store.ts';
import type { MessageOptOut, StoredFeedbackInvitation } from './feedback-types.ts';
import { openRightsReason, rectificationContext, RIGHTS_COLUMNS, RIGHTS_HISTORY_COLUMNS, toState, type RightsDbRow, type RightsHistoryDbRow } from './rights-store.ts';
import type { RecipientPropagation } from './rights-types.ts';
import type { DeliveryStatus, FeedbackKind, ReferralStatus, ReferralUrgency } from './routing-types.ts';
import type {
  ExtensionReason,
  PersonCandidate,
  SubjectAccessDelivery,
  SubjectAccessEvaluationExtract,
  SubjectAccessFeedbackAnswer,
  SubjectAccessRecords,
  SubjectAccessRectification,
  SubjectAccessReferral,
  SubjectAccessRightsChange,
  SubjectAccessRequest,
  SubjectAccessSignpostShare,
  SubjectAccessStatus,
  SubjectAccessStore,
} from './sar-types.ts';
import { EVALUATION_EXTRACT_COLUMNS, toStoredEvaluationExtract, type EvaluationExtractDbRow } from './statistics-store.ts';
import { EXTENSION_REASONS, SubjectAccessRequestError } from './sar-types.ts';
import { uuidv7 } from './uuid.ts';

const LEDGER_PAGE = 5_000;
const MAX_NOTE = 500;
const RECENT_REFERRALS = 5;

function requireCalendarDate(value: unknown, field: string): string {
  const date = calendarDate(value);
  if (date === null) throw new SubjectAccessRequestError(field, `${field} must be a real calendar date (YYYY-MM-DD)`);
  return date;
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

// ---------------------------------------------------------------------------------------------
// Candidates
// ---------------------------------------------------------------------------------------------

interface CandidateRow {
  id: string;
  linked: boolean;
  referrals: number;
  sources: string[] | null;
  roles: string[] | null;
  first_received_at: Date | null;
  last_received_at: Date | null;
  recent: string[] | null;
}

/** Ids and counts for each person id (no personal values), sorted by person id. */
async function selectCandidates(q: Queryable, personIds: readonly string[]): Promise<PersonCandidate[]> {
  if (personIds.length === 0) return [];
  const result = await q.query<CandidateRow>(
    `SELECT p.id::text AS id, p.nhs_number_hmac IS NOT NULL AS linked,
            count(DISTINCT rp.referral_id)::int AS referrals,
            array_agg(DISTINCT r.source_partner_id) FILTER (WHERE r.id IS NOT NULL) AS sources,
            array_agg(DISTINCT rp.role) FILTER (WHERE rp.role IS NOT NULL) AS roles,
            min(r.received_at) AS first_received_at, max(r.received_at) AS last_received_at,
            (SELECT array_agg(x.id ORDER BY x.received_at DESC, x.id DESC)
               FROM (SELECT DISTINCT r2.id::text AS id, r2.received_at
                       FROM referral_people rp2 JOIN referrals r2 ON r2.id = rp2.referral_id
                      WHERE rp2.person_id = p.id
                      ORDER BY r2.received_at DESC, id DESC
                      LIMIT ${RECENT_REFERRALS}) x) AS recent
       FROM people p
       LEFT JOIN referral_people rp ON rp.person_id = p.id
       LEFT JOIN referrals r ON r.id = rp.referral_id
      WHERE p.id = ANY($1::uuid[])
      GROUP BY p.id
      ORDER BY p.id`,
    [personIds],
  );
  return result.rows.map((row) => ({
    personId: row.id,
    linkedByNhsNumber: row.linked,
    referrals: row.referrals,
    sources: [...(row.sources ?? [])].sort(),
    roles: [...(row.roles ?? [])].sort(),
    firstReceivedAt: row.first_received_at,
    lastReceivedAt: row.last_received_at,
    recentReferralIds: row.recent ?? [],
  }));
}

function digestsOf(hmac: IdentifierHmac, value: string): string[] {
  return hmac.keyIds().map((keyId) => hmac.digest(value, keyId).toString('hex'));
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

const REQUEST_COLUMNS = `id::text AS id, person_id::text AS person_id, received_on::text AS received_on, due_on::text AS due_on,
  extended_due_on::text AS extended_due_on, extension_months, extension_reason, extension_note, requester_told_on::text AS requester_told_on,
  status, completed_at, completed_by, created_by, created_at`;

interface RequestRow {
  id: string;
  person_id: string | null;
  received_on: string;
  due_on: string;
  extended_due_on: string | null;
  extension_months: number | null;
  extension_reason: ExtensionReason | null;
  extension_note: string | null;
  requester_told_on: string | null;
  status: SubjectAccessStatus;
  completed_at: Date | null;
  completed_by: string | null;
  created_by: string;
  created_at: Date;
}

function toRequest(row: RequestRow): SubjectAccessRequest {
  return {
    id: row.id,
    personId: row.person_id,
    receivedOn: row.received_on,
    dueOn: row.due_on,
    extendedDueOn: row.extended_due_on,
    extensionMonths: row.extension_months === 1 || row.extension_months === 2 ? row.extension_months : null,
    extensionReason: row.extension_reason,
    extensionNote: row.extension_note,
    requesterToldOn: row.requester_told_on,
    effectiveDueOn: row.extended_due_on ?? row.due_on,
    status: row.status,
    completedAt: row.completed_at,
    completedBy: row.completed_by,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

async function selectRequest(q: Queryable, id: string, lock = false): Promise<SubjectAccessRequest | null> {
  const result = await q.query<RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM subject_access_requests WHERE id = $1::uuid${lock ? ' FOR UPDATE' : ''}`, [id]);
  const row = result.rows[0];
  return row ? toRequest(row) : null;
}

/** The request, open, locked for this transaction; NotFoundError / SubjectAccessRequestError otherwise. */
async function openRequestForUpdate(q: Queryable, id: string): Promise<SubjectAccessRequest> {
  const request = await selectRequest(q, id, true);
  if (!request) throw new NotFoundError('no such subject access request');
  if (request.status !== 'open') throw new SubjectAccessRequestError('status', 'the request is completed and can no longer be changed');
  return request;
}

// ---------------------------------------------------------------------------------------------
// The snapshot for an export
// ---------------------------------------------------------------------------------------------

async function readRecords(q: Queryable, masterKeys: MasterKeys, personId: string): Promise<SubjectAccessRecords | null> {
  const person = await q.query<{ linked: boolean; read_at: Date }>('SELECT nhs_number_hmac IS NOT NULL AS linked, now() AS read_at FROM people WHERE id = $1::uuid', [personId]);
  const found = person.rows[0];
  if (!found) return null;

  const links = await q.query<{ referral_id: string; person_ref: string }>(
    'SELECT referral_id::text AS referral_id, person_ref FROM referral_people WHERE person_id = $1::uuid ORDER BY referral_id, person_ref',
    [personId],
  );
  const refsByReferral = new Map<string, string[]>();
  for (const link of links.rows) refsByReferral.set(link.referral_id, [...(refsByReferral.get(link.referral_id) ?? []), link.person_ref]);
  const referralIds = [...refsByReferral.keys()];

  const referralRows = await q.query<{
    id: string;
    message_id: string;
    source_partner_id: string;
    source_type: string;
    urgency: ReferralUrgency;
    status: ReferralStatus;
    received_at: Date;
    routed_at: Date | null;
    erased_at: Date | null;
    key_id: string;
    dek_wrapped: unknown;
    dek_iv: unknown;
    dek_tag: unknown;
    canonical_iv: unknown;
    canonical_tag: unknown;
    canonical_ciphertext: unknown;
  }>(
    `SELECT id::text AS id, message_id::text AS message_id, source_partner_id, source_type, urgency, status, received_at, routed_at, erased_at,
            key_id, dek_wrapped, dek_iv, dek_tag, canonical_iv, canonical_tag, canonical_ciphertext
       FROM referrals WHERE id = ANY($1::uuid[]) ORDER BY received_at, id`,
    [referralIds],
  );
  const people = await q.query<{ referral_id: string; person_ref: string; person_id: string; role: string }>(
    `SELECT referral_id::text AS referral_id, person_ref, person_id::text AS person_id, role
       FROM referral_people WHERE referral_id = ANY($1::uuid[]) ORDER BY referral_id, person_ref`,
    [referralIds],
  );
  const inbound = await q.query<{ message_id: string; partner_id: string; webhook_id: string; type: string; schema_id: string; received_at: Date; body_sha256: string }>(
    `SELECT message_id::text AS message_id, partner_id, webhook_id, type, schema_id, received_at, body_sha256
       FROM inbound_messages WHERE message_id = ANY($1::uuid[])`,
    [referralRows.rows.map((r) => r.message_id)],
  );
  const decisions = await q.query<{
    id: string;
    referral_id: string;
    recipient_partner_id: string | null;
    decision: 'share' | 'not-share' | 'hold';
    rule_id: string | null;
    operator_id: string | null;
    reason: string;
    purpose: string | null;
    priority: string | null;
    decided_at: Date;
  }>(
    `SELECT id::text AS id, referral_id::text AS referral_id, recipient_partner_id, decision, rule_id, operator_id, reason, purpose, priority, decided_at
       FROM sharing_decisions WHERE referral_id = ANY($1::uuid[]) ORDER BY decided_at, id`,
    [referralIds],
  );
  const deliveries = await q.query<{
    id: string;
    referral_id: string;
    recipient_partner_id: string;
    decision_id: string;
    rule_id: string | null;
    operator_id: string | null;
    channel: string;
    status: DeliveryStatus;
    attempts: number;
    purpose: string;
    art6: string;
    art9: string | null;
    sch1_paragraph: string | null;
    art10: string | null;
    fields: string[];
    subjects: string[];
    deadline_at: Date | null;
    created_at: Date;
    delivered_at: Date | null;
    feedback_status: FeedbackKind | null;
    feedback_at: Date | null;
  }>(
    `SELECT id::text AS id, referral_id::text AS referral_id, recipient_partner_id, decision_id::text AS decision_id, rule_id, operator_id, channel,
            status, attempts, purpose, art6, art9, sch1_paragraph, art10, fields, subjects::text[] AS subjects, deadline_at, created_at,
            delivered_at, feedback_status, feedback_at
       FROM deliveries WHERE referral_id = ANY($1::uuid[]) ORDER BY created_at, id`,
    [referralIds],
  );
  const holds = await q.query<{
    referral_id: string;
    reasons: string[];
    held_at: Date;
    resolved_at: Date | null;
    resolved_by: string | null;
    resolution: string | null;
    resolution_reason: string | null;
  }>(
    `SELECT referral_id::text AS referral_id, reasons, held_at, resolved_at, resolved_by, resolution, resolution_reason
       FROM review_holds WHERE referral_id = ANY($1::uuid[])`,
    [referralIds],
  );

  const ledger: LedgerEntry[] = [];
  for (;;) {
    const page = await queryLedger(q, { personId, limit: LEDGER_PAGE, ...(ledger.length > 0 ? { after: (ledger.at(-1) as LedgerEntry).seq } : {}) });
    ledger.push(...page);
    if (page.length < LEDGER_PAGE) break;
  }
  const counted = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger WHERE subjects @> ARRAY[$1::uuid]', [personId]);

  const rectificationRows = await q.query<RectificationDbRow>(
    `SELECT id::text AS id, referral_id::text AS referral_id, person_ref, pointer, reason_category, actor, at, detail_iv, detail_tag, detail_ciphertext
       FROM rectifications WHERE person_id = $1::uuid ORDER BY at, id`,
    [personId],
  );
  const propagation = await q.query<PropagationDbRow>(
    `SELECT id::text AS id, rectification_id::text AS rectification_id, recipient_partner_id, channel, status, attempts, last_error_code, delivered_at,
            rectifies_delivery_id::text AS rectifies_delivery_id
       FROM deliveries WHERE rectification_id = ANY($1::uuid[]) ORDER BY recipient_partner_id, id`,
    [rectificationRows.rows.map((r) => r.id)],
  );

  // Each referral's data key is unwrapped once: it opens the canonical form and the details of
  // the person's rectifications on that referral (a destroyed key leaves the facts only).
  const canonicals = new Map<string, Buffer | null>();
  const details = new Map<string, SubjectAccessRectification['detail']>();
  for (const row of referralRows.rows) {
    let dataKey: Buffer | null = null;
    let keyProblem: 'erased' | 'unreadable' = 'unreadable';
    try {
      dataKey = unwrapDataKey(masterKeys, referralKeyContext(row.id), {
        keyId: row.key_id,
        wrappedKey: toBuffer(row.dek_wrapped),
        wrapIv: toBuffer(row.dek_iv),
        wrapTag: toBuffer(row.dek_tag),
      });
    } catch (err) {
      // A destroyed data key (erasure) leaves the facts and the disclosures, not the content.
      if (!(err instanceof DecryptionError)) throw err;
      if (err instanceof ErasedError) keyProblem = 'erased';
    }
    try {
      let canonical: Buffer | null = null;
      if (dataKey) {
        try {
          canonical = openWithDataKey(dataKey, canonicalContext(row.id), { iv: toBuffer(row.canonical_iv), tag: toBuffer(row.canonical_tag), ciphertext: toBuffer(row.canonical_ciphertext) });
        } catch (err) {
          if (!(err instanceof DecryptionError)) throw err;
        }
      }
      canonicals.set(row.id, canonical);
      for (const r of rectificationRows.rows.filter((x) => x.referral_id === row.id)) {
        if (!dataKey) {
          details.set(r.id, keyProblem);
          continue;
        }
        try {
          const plain = openWithDataKey(dataKey, rectificationContext(row.id, r.id), { iv: toBuffer(r.detail_iv), tag: toBuffer(r.detail_tag), ciphertext: toBuffer(r.detail_ciphertext) });
          const parsed = JSON.parse(plain.toString('utf8')) as { reason?: unknown; oldValue?: unknown; newValue?: unknown };
          details.set(r.id, { reason: typeof parsed.reason === 'string' ? parsed.reason : '', oldValue: parsed.oldValue ?? null, newValue: parsed.newValue ?? null });
        } catch (err) {
          if (!(err instanceof DecryptionError) && !(err instanceof SyntaxError)) throw err;
          details.set(r.id, 'unreadable');
        }
      }
    } finally {
      dataKey?.fill(0);
    }
  }
  const rectifications = rectificationRows.rows.map(
    (r): SubjectAccessRectification => ({
      rectificationId: r.id,
      referralId: r.referral_id,
      personRef: r.person_ref,
      pointer: r.pointer,
      reasonCategory: r.reason_category,
      actor: r.actor,
      at: r.at,
      detail: details.get(r.id) ?? 'unreadable',
      recipients: propagation.rows
        .filter((d) => d.rectification_id === r.id)
        .map(
          (d): RecipientPropagation => ({
            deliveryId: d.id,
            recipientPartnerId: d.recipient_partner_id,
            channel: d.channel,
            status: d.status,
            attempts: d.attempts,
            lastErrorCode: d.last_error_code,
            deliveredAt: d.delivered_at,
            rectifiesDeliveryId: d.rectifies_delivery_id,
          }),
        ),
    }),
  );

  const referrals: SubjectAccessReferral[] = referralRows.rows.map((row) => {
    const canonical = canonicals.get(row.id) ?? null;
    const message = inbound.rows.find((m) => m.message_id === row.message_id);
    const hold = holds.rows.find((h) => h.referral_id === row.id);
    return {
      referralId: row.id,
      messageId: row.message_id,
      sourcePartnerId: row.source_partner_id,
      sourceType: row.source_type,
      urgency: row.urgency,
      status: row.status,
      receivedAt: row.received_at,
      routedAt: row.routed_at,
      erasedAt: row.erased_at,
      canonical,
      personRefs: refsByReferral.get(row.id) ?? [],
      people: people.rows.filter((p) => p.referral_id === row.id).map((p) => ({ personRef: p.person_ref, hubPersonId: p.person_id, role: p.role })),
      inbound: message
        ? {
            messageId: message.message_id,
            partnerId: message.partner_id,
            webhookId: message.webhook_id,
            type: message.type,
            schemaId: message.schema_id,
            receivedAt: message.received_at,
            bodySha256: message.body_sha256,
          }
        : null,
      decisions: decisions.rows
        .filter((d) => d.referral_id === row.id)
        .map((d) => ({
          decisionId: d.id,
          recipientPartnerId: d.recipient_partner_id,
          decision: d.decision,
          ruleId: d.rule_id,
          operatorId: d.operator_id,
          reason: d.reason,
          purpose: d.purpose,
          priority: d.priority,
          decidedAt: d.decided_at,
        })),
      deliveries: deliveries.rows
        .filter((d) => d.referral_id === row.id)
        .map(
          (d): SubjectAccessDelivery => ({
            deliveryId: d.id,
            recipientPartnerId: d.recipient_partner_id,
            decisionId: d.decision_id,
            ruleId: d.rule_id,
            operatorId: d.operator_id,
            channel: d.channel,
            status: d.status,
            attempts: d.attempts,
            purpose: d.purpose,
            lawfulBasis: {
              art6: d.art6,
              ...(d.art9 ? { art9: d.art9 } : {}),
              ...(d.sch1_paragraph ? { sch1Paragraph: d.sch1_paragraph } : {}),
              ...(d.art10 ? { art10: d.art10 } : {}),
            },
            fields: d.fields,
            subjects: d.subjects,
            deadlineAt: d.deadline_at,
            createdAt: d.created_at,
            deliveredAt: d.delivered_at,
            feedbackStatus: d.feedback_status,
            feedbackAt: d.feedback_at,
          }),
        ),
      hold: hold
        ? {
            reasons: hold.reasons,
            heldAt: hold.held_at,
            resolvedAt: hold.resolved_at,
            resolvedBy: hold.resolved_by,
            resolution: hold.resolution,
            resolutionReason: hold.resolution_reason,
          }
        : null,
    };
  });

  return {
    personId,
    linkedByNhsNumber: found.linked,
    readAt: found.read_at,
    referrals,
    ledger,
    ledgerCount: counted.rows[0]?.n ?? 0,
    rights: await readRights(q, masterKeys, personId),
    rectifications,
    erasures: await readErasures(q, personId, referralIds),
    legalHolds: await readLegalHolds(q, personId, referralIds),
    requests: (await q.query<RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM subject_access_requests WHERE person_id = $1::uuid ORDER BY received_on, created_at, id`, [personId])).rows.map(toRequest),
    evaluationExtracts: await readEvaluationExtracts(q, ledger),
    feedback: await readFeedback(q, masterKeys, personId),
    feedbackInvitations: await readFeedbackInvitations(q, personId, referralIds),
    acknowledgements: await readAcknowledgements(q, referralIds),
    messageOptOut: await readMessageOptOut(q, personId),
    signpostShares: await readSignpostShares(q, referralIds),
  };
}

interface RectificationDbRow {
  id: string;
  referral_id: string;
  person_ref: string;
  pointer: string;
  reason_category: string;
  actor: string;
  at: Date;
  detail_iv: unknown;
  detail_tag: unknown;
  detail_ciphertext: unknown;
}

interface PropagationDbRow {
  id: string;
  rectification_id: string;
  recipient_partner_id: string;
  channel: string;
  status: DeliveryStatus;
  attempts: number;
  last_error_code: string | null;
  delivered_at: Date | null;
  rectifies_delivery_id: string;
}

/** The person's flags (as RightsStore.personRightsState) and every change, oldest first, reasons decrypted. */
async function readRights(q: Queryable, masterKeys: MasterKeys, personId: string): Promise<SubjectAccessRecords['rights']> {
  const flags = await q.query<RightsDbRow>(`SELECT ${RIGHTS_COLUMNS} FROM person_rights pr WHERE pr.person_id = $1::uuid`, [personId]);
  const row = flags.rows[0];
  const state = row ? toState(row) : null;
  const history = await q.query<RightsHistoryDbRow>(`SELECT ${RIGHTS_HISTORY_COLUMNS} FROM person_rights_history WHERE person_id = $1::uuid ORDER BY at, id`, [personId]);
  return {
    state,
    history: history.rows.map((h): SubjectAccessRightsChange => {
      let reason: string | null = null;
      try {
        reason = openRightsReason(masterKeys, h);
      } catch (err) {
        if (!(err instanceof DecryptionError)) throw err;
      }
      return { id: h.id, action: h.action, actor: h.actor, at: h.at, overrideUntil: h.override_until, reason };
    }),
  };
}

/** Tombstones naming the person, or of one of their referrals. */
async function readErasures(q: Queryable, personId: string, referralIds: readonly string[]): Promise<Tombstone[]> {
  const result = await q.query<TombstoneDbRow>(
    `SELECT ${TOMBSTONE_COLUMNS}
       FROM erasures
      WHERE subjects @> ARRAY[$1::uuid] OR (record_class = 'referral' AND record_id = ANY($2::uuid[]))
      ORDER BY erased_at, id`,
    [personId, referralIds],
  );
  return result.rows.map(toTombstone);
}

/** Legal holds on the person, or on one of their referrals, active or released. */
async function readLegalHolds(q: Queryable, personId: string, referralIds: readonly string[]): Promise<LegalHold[]> {
  const result = await q.query<{
    id: string;
    scope: LegalHold['scope'];
    target_id: string;
    reason: string;
    placed_by: string;
    placed_at: Date;
    released_at: Date | null;
    released_by: string | null;
    release_reason: string | null;
  }>(
    `SELECT id::text AS id, scope, target_id::text AS target_id, reason, placed_by, placed_at, released_at, released_by, release_reason
       FROM legal_holds
      WHERE (scope = 'person' AND target_id = $1::uuid) OR (scope = 'referral' AND target_id = ANY($2::uuid[]))
      ORDER BY placed_at, id`,
    [personId, referralIds],
  );
  return result.rows.map((row) => ({
    id: row.id,
    scope: row.scope,
    targetId: row.target_id,
    reason: row.reason,
    placedBy: row.placed_by,
    placedAt: row.placed_at,
    releasedAt: row.released_at,
    releasedBy: row.released_by,
    releaseReason: row.release_reason,
  }));
}

/** The evaluation extracts recorded by the person's ledger rows. */
async function readEvaluationExtracts(q: Queryable, ledger: readonly LedgerEntry[]): Promise<SubjectAccessEvaluationExtract[]> {
  const result = await q.query<EvaluationExtractDbRow>(
    `SELECT ${EVALUATION_EXTRACT_COLUMNS} FROM evaluation_extracts WHERE ledger_entry_id = ANY($1::uuid[]) ORDER BY created_at, id`,
    [ledger.map((e) => e.id)],
  );
  return result.rows.map((row) => {
    const x = toStoredEvaluationExtract(row);
    return {
      extractId: x.extractId,
      periodFrom: x.periodFrom,
      periodTo: x.periodTo,
      createdAt: x.createdAt,
      createdBy: x.createdBy,
      recipientPartnerId: x.recipientPartnerId,
      purpose: x.purpose,
      art6: x.art6,
      fileName: x.fileName,
      csvSha256: x.csvSha256,
      ledgerEntryId: x.ledgerEntryId,
    };
  });
}

interface FeedbackDbRow extends SealedFeedbackComment {
  feedback_id: string;
  service_type: string;
  submitted_at: Date;
  ratings: unknown;
  erased_at: Date | null;
}

function ratingsOf(value: unknown): Record<string, number> {
  const raw = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  const ratings: Record<string, number> = {};
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [question, rating] of Object.entries(raw)) if (typeof rating === 'number') ratings[question] = rating;
  }
  return ratings;
}

/** The person's feedback answers, each comment decrypted under the answer's own data key (gone once that key is destroyed). */
async function readFeedback(q: Queryable, masterKeys: MasterKeys, personId: string): Promise<SubjectAccessFeedbackAnswer[]> {
  const result = await q.query<FeedbackDbRow>(
    `SELECT feedback_id::text AS feedback_id, service_type, submitted_at, ratings, key_id, dek_wrapped, dek_iv, dek_tag, comment_iv, comment_tag, comment_ciphertext, erased_at
       FROM family_feedback WHERE person_id = $1::uuid ORDER BY submitted_at, feedback_id`,
    [personId],
  );
  return result.rows.map((row): SubjectAccessFeedbackAnswer => {
    const base = { feedbackId: row.feedback_id, submittedAt: row.submitted_at, serviceType: row.service_type, ratings: ratingsOf(row.ratings) };
    const keyDestroyed = row.key_id !== null && (row.dek_wrapped === null || row.dek_wrapped.length === 0);
    if (row.erased_at !== null || keyDestroyed) return { ...base, comment: null, commentErased: true, commentUnreadable: false };
    try {
      return { ...base, comment: openFeedbackComment(masterKeys, row.feedback_id, row), commentErased: false, commentUnreadable: false };
    } catch (err) {
      if (!(err instanceof DecryptionError)) throw err;
      const erased = err instanceof ErasedError;
      return { ...base, comment: null, commentErased: erased, commentUnreadable: !erased };
    }
  });
}

/** Feedback invitations about these referrals, or addressed to the person: never the token's hash. */
async function readFeedbackInvitations(q: Queryable, personId: string, referralIds: readonly string[]): Promise<StoredFeedbackInvitation[]> {
  const result = await q.query<InvitationRow>(
    `SELECT ${INVITATION_COLUMNS} FROM feedback_invitations WHERE referral_id = ANY($1::uuid[]) OR person_id = $2::uuid ORDER BY decided_at, invitation_id`,
    [referralIds, personId],
  );
  return result.rows.map(toInvitation);
}

async function readAcknowledgements(q: Queryable, referralIds: readonly string[]): Promise<StoredAcknowledgement[]> {
  const result = await q.query<AckRow>(
    `SELECT ${ACKNOWLEDGEMENT_COLUMNS} FROM family_acknowledgements WHERE referral_id = ANY($1::uuid[]) ORDER BY decided_at, acknowledgement_id`,
    [referralIds],
  );
  return result.rows.map(toAcknowledgement);
}

async function readMessageOptOut(q: Queryable, personId: string): Promise<MessageOptOut | null> {
  const result = await q.query<{ opted_out_at: Date; source: MessageOptOut['source']; recorded_by: string | null }>(
    'SELECT opted_out_at, source, recorded_by FROM family_message_opt_outs WHERE person_id = $1::uuid',
    [personId],
  );
  const row = result.rows[0];
  return row ? { personId, optedOutAt: row.opted_out_at, source: row.source, recordedBy: row.recorded_by } : null;
}

async function readSignpostShares(q: Queryable, referralIds: readonly string[]): Promise<SubjectAccessSignpostShare[]> {
  const result = await q.query<{ id: string; referral_id: string; service_id: string; service_name: string; service_url: string | null; operator_id: string; shared_at: Date }>(
    `SELECT id::text AS id, referral_id::text AS referral_id, service_id, service_name, service_url, operator_id, shared_at
       FROM signpost_shares WHERE referral_id = ANY($1::uuid[]) ORDER BY shared_at, id`,
    [referralIds],
  );
  return result.rows.map((row) => ({
    shareId: row.id,
    referralId: row.referral_id,
    serviceId: row.service_id,
    serviceName: row.service_name,
    serviceUrl: row.service_url,
    operatorId: row.operator_id,
    sharedAt: row.shared_at,
  }));
}

// ---------------------------------------------------------------------------------------------

export function createSubjectAccessStore(deps: { db: Db; masterKeys: MasterKeys; nhsHmac: IdentifierHmac; nameDobHmac: IdentifierHmac; assertOpen(): void }): SubjectAccessStore {
  const { db, masterKeys, nhsHmac, nameDobHmac, assertOpen } = deps;

  return {
    async findPeopleByNhsNumber(nhsNumber) {
      assertOpen();
      const bare = typeof nhsNumber === 'string' ? nhsNumber.replace(/[\s-]/g, '') : '';
      if (!/^\d{10}$/.test(bare)) throw new TypeError('nhsNumber must be 10 digits');
      const found = await db.query<{ id: string }>(
        `SELECT id::text AS id FROM people WHERE nhs_number_hmac = ANY(SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h)`,
        [digestsOf(nhsHmac, bare)],
      );
      return selectCandidates(
        db,
        found.rows.map((r) => r.id),
      );
    },

    async findPeopleByNameAndDob(search) {
      assertOpen();
      if (typeof search?.givenName !== 'string' || normaliseNamePart(search.givenName).length === 0 || search.givenName.length > 200) {
        throw new TypeError('givenName must contain a letter or digit (at most 200 characters)');
      }
      if (typeof search.familyName !== 'string' || normaliseNamePart(search.familyName).length === 0 || search.familyName.length > 200) {
        throw new TypeError('familyName must contain a letter or digit (at most 200 characters)');
      }
      if (calendarDate(search.dateOfBirth) === null) throw new TypeError('dateOfBirth must be a real calendar date (YYYY-MM-DD)');
      const key = nameDobKey(search.givenName, search.familyName, search.dateOfBirth) as string;
      const found = await db.query<{ person_id: string }>(
        `SELECT DISTINCT rp.person_id::text AS person_id
           FROM person_name_dob_index i
           JOIN referral_people rp ON rp.referral_id = i.referral_id AND rp.person_ref = i.person_ref
           JOIN referrals r ON r.id = i.referral_id
          -- An erased referral (its data key destroyed) no longer finds anyone.
          WHERE length(r.dek_wrapped) > 0
            AND i.name_dob_hmac = ANY(SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h)`,
        [digestsOf(nameDobHmac, key)],
      );
      return selectCandidates(
        db,
        found.rows.map((r) => r.person_id),
      );
    },

    async backfillNameDobIndex(options = {}) {
      assertOpen();
      const batchSize = options.batchSize ?? 100;
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new TypeError('batchSize must be an integer from 1 to 10000');
      let after = '00000000-0000-0000-0000-000000000000';
      let referrals = 0;
      let indexedPeople = 0;
      let unreadable = 0;
      for (;;) {
        const done = await db.transaction(async (tx) => {
          const batch = await tx.query<{ id: string; erased: boolean; key_id: string; dek_wrapped: unknown; dek_iv: unknown; dek_tag: unknown; canonical_iv: unknown; canonical_tag: unknown; canonical_ciphertext: unknown }>(
            `SELECT r.id::text AS id, length(r.dek_wrapped) = 0 AS erased, r.key_id, r.dek_wrapped, r.dek_iv, r.dek_tag, r.canonical_iv, r.canonical_tag, r.canonical_ciphertext
               FROM referrals r
              WHERE r.id > $1::uuid AND NOT EXISTS (SELECT 1 FROM person_name_dob_indexed i WHERE i.referral_id = r.id)
              ORDER BY r.id
              LIMIT $2
              FOR UPDATE OF r SKIP LOCKED`,
            [after, batchSize],
          );
          for (const row of batch.rows) {
            after = row.id;
            if (row.erased) {
              // Erased: nothing left to index.
              await insertNameDobIndex(tx, row.id, []);
              referrals += 1;
              continue;
            }
            const refs = await tx.query<{ person_ref: string }>('SELECT person_ref FROM referral_people WHERE referral_id = $1::uuid', [row.id]);
            let canonical: Buffer;
            try {
              const dataKey = unwrapDataKey(masterKeys, referralKeyContext(row.id), { keyId: row.key_id, wrappedKey: toBuffer(row.dek_wrapped), wrapIv: toBuffer(row.dek_iv), wrapTag: toBuffer(row.dek_tag) });
              try {
                canonical = openWithDataKey(dataKey, canonicalContext(row.id), { iv: toBuffer(row.canonical_iv), tag: toBuffer(row.canonical_tag), ciphertext: toBuffer(row.canonical_ciphertext) });
              } finally {
                dataKey.fill(0);
              }
            } catch (err) {
              // Left unmarked: a master key missing from the ring today may be restored tomorrow.
              if (!(err instanceof DecryptionError)) throw err;
              unreadable += 1;
              continue;
            }
            const rows = nameDobRowsFromCanonical(nameDobHmac, canonical, new Set(refs.rows.map((r) => r.person_ref)));
            canonical.fill(0);
            await insertNameDobIndex(tx, row.id, rows);
            referrals += 1;
            indexedPeople += rows.length;
          }
          return batch.rows.length < batchSize;
        });
        if (done) break;
      }
      return { referrals, people: indexedPeople, unreadable };
    },

    async subjectAccessRecords(personId) {
      assertOpen();
      if (!isUuid(personId)) return null;
      const id = personId.toLowerCase();
      return db.transaction(async (tx) => {
        // One snapshot: the ledger rows, their count and the referrals agree with each other.
        await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        return readRecords(tx, masterKeys, id);
      });
    },

    async createSubjectAccessRequest(input) {
      assertOpen();
      const receivedOn = requireCalendarDate(input?.receivedOn, 'receivedOn');
      const dueOn = requireCalendarDate(input.dueOn, 'dueOn');
      const createdBy = requireText(input.createdBy, 'createdBy');
      try {
        const result = await db.query<RequestRow>(
          `INSERT INTO subject_access_requests (id, received_on, due_on, created_by) VALUES ($1::uuid, $2::date, $3::date, $4) RETURNING ${REQUEST_COLUMNS}`,
          [uuidv7(), receivedOn, dueOn, createdBy],
        );
        return toRequest(result.rows[0] as RequestRow);
      } catch (err) {
        if (sqlState(err) === '23514') throw new SubjectAccessRequestError('dueOn', 'dueOn must be one calendar month after receivedOn (or the last day of that month)');
        throw err;
      }
    },

    async getSubjectAccessRequest(id) {
      assertOpen();
      if (!isUuid(id)) return null;
      return selectRequest(db, id.toLowerCase());
    },

    async listSubjectAccessRequests(query) {
      assertOpen();
      const limit = query?.limit;
      const offset = query.offset;
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new TypeError('limit must be an integer from 1 to 1000');
      if (!Number.isInteger(offset) || offset < 0) throw new TypeError('offset must be a non-negative integer');
      const status = query.status === undefined ? null : requireOneOf(query.status, ['open', 'completed'] as const, 'status');
      const [total, items] = await Promise.all([
        db.query<{ n: number }>('SELECT count(*)::int AS n FROM subject_access_requests WHERE $1::text IS NULL OR status = $1', [status]),
        db.query<RequestRow>(
          `SELECT ${REQUEST_COLUMNS} FROM subject_access_requests
            WHERE $1::text IS NULL OR status = $1
            ORDER BY status = 'completed', CASE WHEN status = 'open' THEN coalesce(extended_due_on, due_on) END, completed_at DESC, id
            LIMIT $2 OFFSET $3`,
          [status, limit, offset],
        ),
      ]);
      return { total: total.rows[0]?.n ?? 0, items: items.rows.map(toRequest) };
    },

    async matchSubjectAccessRequest(id, personId) {
      assertOpen();
      const requestId = requireUuid(id, 'id');
      const person = requireUuid(personId, 'personId');
      return db.transaction(async (tx) => {
        await openRequestForUpdate(tx, requestId);
        const exists = await tx.query('SELECT 1 FROM people WHERE id = $1::uuid', [person]);
        if (exists.rows.length === 0) throw new SubjectAccessRequestError('personId', 'personId does not name a person known to the hub');
        const result = await tx.query<RequestRow>(`UPDATE subject_access_requests SET person_id = $2::uuid WHERE id = $1::uuid RETURNING ${REQUEST_COLUMNS}`, [requestId, person]);
        return toRequest(result.rows[0] as RequestRow);
      });
    },

    async extendSubjectAccessRequest(id, input) {
      assertOpen();
      const requestId = requireUuid(id, 'id');
      const months = input?.months;
      if (months !== 1 && months !== 2) throw new SubjectAccessRequestError('months', 'months must be 1 or 2 (at most two further months in all)');
      const extendedDueOn = requireCalendarDate(input.extendedDueOn, 'extendedDueOn');
      if (!(EXTENSION_REASONS as readonly unknown[]).includes(input.reason)) throw new SubjectAccessRequestError('reason', `reason must be one of ${EXTENSION_REASONS.join(', ')}`);
      const toldOn = requireCalendarDate(input.toldOn, 'toldOn');
      const note = input.note === undefined || input.note.trim() === '' ? null : input.note.trim();
      if (note !== null && (note.length > MAX_NOTE || note.includes('\u0000'))) throw new SubjectAccessRequestError('note', `note must be at most ${MAX_NOTE} characters`);
      return db.transaction(async (tx) => {
        const request = await openRequestForUpdate(tx, requestId);
        if (request.extensionMonths !== null && months <= request.extensionMonths) {
          throw new SubjectAccessRequestError('months', `the request is already extended by ${request.extensionMonths} month${request.extensionMonths === 1 ? '' : 's'}; an extension can only be lengthened, to two months at most`);
        }
        if (toldOn < request.receivedOn || toldOn > request.dueOn) {
          throw new SubjectAccessRequestError('toldOn', 'the requester must be told within the first month: on or after the date the request was received and on or before the first due date');
        }
        try {
          const result = await tx.query<RequestRow>(
            `UPDATE subject_access_requests
                SET extended_due_on = $2::date, extension_months = $3, extension_reason = $4, extension_note = $5, requester_told_on = $6::date
              WHERE id = $1::uuid
              RETURNING ${REQUEST_COLUMNS}`,
            [requestId, extendedDueOn, months, input.reason, note, toldOn],
          );
          return toRequest(result.rows[0] as RequestRow);
        } catch (err) {
          if (sqlState(err) === '23514') throw new SubjectAccessRequestError('extendedDueOn', 'extendedDueOn must be the given number of further months after the first due date, counted from receipt');
          throw err;
        }
      });
    },

    async completeSubjectAccessRequest(id, input) {
      assertOpen();
      const requestId = requireUuid(id, 'id');
      const by = requireText(input?.by, 'by');
      if (!(input.at instanceof Date) || Number.isNaN(input.at.getTime())) throw new TypeError('at must be a valid Date');
      return db.transaction(async (tx) => {
        await openRequestForUpdate(tx, requestId);
        const result = await tx.query<RequestRow>(
          `UPDATE subject_access_requests SET status = 'completed', completed_at = $2::timestamptz, completed_by = $3 WHERE id = $1::uuid RETURNING ${REQUEST_COLUMNS}`,
          [requestId, input.at, by],
        );
        return toRequest(result.rows[0] as RequestRow);
      });
    },

    async countOverdueSubjectAccessRequests(today) {
      assertOpen();
      const date = calendarDate(today);
      if (date === null) throw new TypeError('today must be a real calendar date (YYYY-MM-DD)');
      const result = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM subject_access_requests WHERE status = 'open' AND coalesce(extended_due_on, due_on) < $1::date`,
        [date],
      );
      return result.rows[0]?.n ?? 0;
    },
  };
}
