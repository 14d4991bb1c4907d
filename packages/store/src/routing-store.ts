// The routing, delivery, review and ledger operations of the Store: checks, encryption and the
// transactions around the per-table SQL in referrals.ts, deliveries.ts, people.ts and outbox.ts.
import { createHash } from 'node:crypto';
import type { LedgerEntryInput } from '@hub/ledger';
import { appendLedgerEntries, ledgerHead, queryLedger, verifyLedger } from '@hub/ledger';
import {
  isUuid,
  optionalDate,
  optionalText,
  requireBuffer,
  requireDate,
  requireNonNegativeInteger,
  requireOneOf,
  requireText,
  requireTextArray,
  requireUuid,
  requireUuidArray,
} from './checks.ts';
import type { IdentifierHmac, MasterKeys } from './crypto.ts';
import { createDataKey, openWithDataKey, sealWithDataKey, unwrapDataKey } from './crypto.ts';
import type { Db, Queryable } from './db.ts';
import type { DeliveryRow } from './deliveries.ts';
import {
  countDeadLetters,
  countReplays,
  deliveryExists,
  disableEndpointRow,
  enableEndpointRow,
  insertActions,
  insertAttempt,
  insertDeliveries,
  isEndpointDisabled,
  markClosed,
  markDead,
  markDelivered,
  reopenDeadDeliveries,
  selectAttempts,
  selectDeadLetters,
  selectDelivery,
  selectDeliveryRecipient,
  selectDueDeadlines,
  setDeadlineMissed,
  updateFeedback,
} from './deliveries.ts';
import { NotFoundError } from './errors.ts';
import { deliverJob, insertOutboxJobs } from './outbox.ts';
import { checkAcknowledgement, insertAcknowledgement } from './acknowledgement-store.ts';
import { selectDeliveryGauges } from './metrics-queries.ts';
import { linkPeopleByNhsNumber } from './people.ts';
import { insertNameDobIndex, nameDobRowsFromCanonical } from './name-dob-index.ts';
import { sourceReferenceDigest } from './read-model-store.ts';
import { checkReferralDimensions } from './statistics-store.ts';
import type { DecisionRow } from './referrals.ts';
import {
  canonicalContext,
  insertDecisions,
  insertHold,
  insertReferral,
  insertReferralPeople,
  payloadContext,
  referralKeyContext,
  resolveHoldRow,
  selectOpenHolds,
  selectReferral,
  selectReferralByMessage,
  selectReferralPeople,
  setReferralStatus,
} from './referrals.ts';
import type {
  DecisionInput,
  DeliveryInput,
  DeliveryPriority,
  FeedbackKind,
  ReferralUrgency,
  RoutingStore,
} from './routing-types.ts';
import type { OutboxEntry } from './types.ts';
import { uuidv7 } from './uuid.ts';

const URGENCIES: readonly ReferralUrgency[] = ['routine', 'medium', 'high', 'urgent'];
const PRIORITIES: readonly DeliveryPriority[] = ['urgent', 'high', 'routine'];
const DECISIONS = ['share', 'not-share', 'hold'] as const;
const FEEDBACK: readonly FeedbackKind[] = ['acknowledged', 'accepted', 'declined', 'closed'];
const CODE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The fixed reason recorded when an operator closes a held referral without sharing. */
export const CLOSED_ON_REVIEW_REASON = 'closed by an operator after review';

function requireCode(value: unknown, field: string): string {
  if (typeof value !== 'string' || !CODE.test(value)) throw new TypeError(`${field} must match ${CODE.source}`);
  return value;
}

function checkDecision(d: DecisionInput, i: number): DecisionRow {
  const where = `decisions[${i}]`;
  const decision = requireOneOf(d?.decision, DECISIONS, `${where}.decision`);
  const recipientPartnerId = optionalText(d.recipientPartnerId, `${where}.recipientPartnerId`);
  if (decision === 'share' && recipientPartnerId === null) throw new TypeError(`${where}: a share decision names its recipient`);
  return {
    decisionId: requireUuid(d.decisionId, `${where}.decisionId`),
    recipientPartnerId,
    decision,
    ruleId: optionalText(d.ruleId, `${where}.ruleId`),
    operatorId: optionalText(d.operatorId, `${where}.operatorId`),
    reason: requireText(d.reason, `${where}.reason`, 512),
    purpose: optionalText(d.purpose, `${where}.purpose`),
    priority: d.priority === undefined || d.priority === null ? null : requireOneOf(d.priority, PRIORITIES, `${where}.priority`),
  };
}

interface CheckedDelivery extends Omit<DeliveryRow, 'payload' | 'payloadSha256'> {
  plaintext: Buffer;
}

function checkDelivery(d: DeliveryInput, i: number): CheckedDelivery {
  const where = `deliveries[${i}]`;
  const basis = d?.lawfulBasis;
  if (basis === null || typeof basis !== 'object') throw new TypeError(`${where}.lawfulBasis must be an object`);
  return {
    deliveryId: requireUuid(d.deliveryId, `${where}.deliveryId`),
    recipientPartnerId: requireText(d.recipientPartnerId, `${where}.recipientPartnerId`),
    decisionId: requireUuid(d.decisionId, `${where}.decisionId`),
    ruleId: optionalText(d.ruleId, `${where}.ruleId`),
    operatorId: optionalText(d.operatorId, `${where}.operatorId`),
    channel: requireText(d.channel, `${where}.channel`),
    priority: requireOneOf(d.priority, PRIORITIES, `${where}.priority`),
    deadlineAt: optionalDate(d.deadlineAt, `${where}.deadlineAt`),
    purpose: requireText(d.purpose, `${where}.purpose`),
    lawfulBasis: {
      art6: requireText(basis.art6, `${where}.lawfulBasis.art6`),
      ...(basis.art9 ? { art9: requireText(basis.art9, `${where}.lawfulBasis.art9`) } : {}),
      ...(basis.sch1Paragraph ? { sch1Paragraph: requireText(basis.sch1Paragraph, `${where}.lawfulBasis.sch1Paragraph`) } : {}),
      ...(basis.art10 ? { art10: requireText(basis.art10, `${where}.lawfulBasis.art10`) } : {}),
    },
    fields: requireTextArray(d.fields, `${where}.fields`),
    subjects: requireUuidArray(d.subjects, `${where}.subjects`),
    plaintext: requireBuffer(d.payload, `${where}.payload`),
  };
}

/** Each delivery must carry out a `share` decision of the same call for the same recipient. */
function checkDeliveriesAgainstDecisions(decisions: readonly DecisionRow[], deliveries: readonly CheckedDelivery[]): void {
  const decisionIds = new Set<string>();
  for (const d of decisions) {
    if (decisionIds.has(d.decisionId)) throw new TypeError(`decision ${d.decisionId} appears twice`);
    decisionIds.add(d.decisionId);
  }
  const shares = new Map(decisions.filter((d) => d.decision === 'share').map((d) => [d.decisionId, d]));
  const deliveryIds = new Set<string>();
  const recipients = new Set<string>();
  for (const delivery of deliveries) {
    const decision = shares.get(delivery.decisionId);
    if (!decision) throw new TypeError(`delivery ${delivery.deliveryId} does not name a share decision of this call`);
    if (decision.recipientPartnerId !== delivery.recipientPartnerId) {
      throw new TypeError(`delivery ${delivery.deliveryId} is for another recipient than its decision`);
    }
    if (deliveryIds.has(delivery.deliveryId)) throw new TypeError(`delivery ${delivery.deliveryId} appears twice`);
    if (recipients.has(delivery.recipientPartnerId)) throw new TypeError(`two deliveries for recipient ${delivery.recipientPartnerId}`);
    deliveryIds.add(delivery.deliveryId);
    recipients.add(delivery.recipientPartnerId);
  }
}

function sealDeliveries(dataKey: Buffer, referralId: string, deliveries: readonly CheckedDelivery[]): DeliveryRow[] {
  return deliveries.map(({ plaintext, ...delivery }) => ({
    ...delivery,
    payload: sealWithDataKey(dataKey, payloadContext(referralId, delivery.deliveryId), plaintext),
    payloadSha256: createHash('sha256').update(plaintext).digest('hex'),
  }));
}

/** One `not-disclosed` ledger row per `not-share` decision (DOMAIN §7: record decisions either way). */
function notSharedEntries(referralId: string, subjects: readonly string[], decisions: readonly DecisionRow[], at: Date): LedgerEntryInput[] {
  return decisions
    .filter((d) => d.decision === 'not-share')
    .map((d) => ({
      id: uuidv7(at.getTime()),
      at,
      referralId,
      subjects,
      recipientPartnerId: d.recipientPartnerId,
      purpose: d.purpose,
      fields: [],
      outcome: 'not-disclosed' as const,
      decidedByRule: d.ruleId,
      decidedByOperator: d.operatorId,
    }));
}

function deliverJobs(messageId: string, rows: readonly DeliveryRow[], inserted: Set<string>): ReturnType<typeof deliverJob>[] {
  return rows
    .filter((row) => inserted.has(row.deliveryId))
    .map((row) => deliverJob({ messageId, deliveryId: row.deliveryId, recipientPartnerId: row.recipientPartnerId, priority: row.priority }));
}

async function withDataKey<T>(masterKeys: MasterKeys, referralId: string, wrapped: Parameters<typeof unwrapDataKey>[2], fn: (key: Buffer) => T): Promise<T> {
  const dataKey = unwrapDataKey(masterKeys, referralKeyContext(referralId), wrapped);
  try {
    return fn(dataKey);
  } finally {
    dataKey.fill(0);
  }
}

export function createRoutingStore(deps: {
  db: Db;
  masterKeys: MasterKeys;
  nhsHmac: IdentifierHmac;
  /** Keyed HMAC of referrals' source references (see read-model-store.ts). */
  sourceReferenceHmac: IdentifierHmac;
  /** Keyed HMAC of people's names and dates of birth, for subject access search (see name-dob-index.ts). */
  nameDobHmac: IdentifierHmac;
  assertOpen(): void;
}): RoutingStore {
  const { db, masterKeys, nhsHmac, sourceReferenceHmac, nameDobHmac, assertOpen } = deps;

  type CompleteResult = { ledgerEntryId: string } | { already: true };
  interface PendingCompletion {
    id: string;
    at: Date;
    channel: string;
    resolve(result: CompleteResult): void;
    reject(err: unknown): void;
  }
  /**
   * Deliveries completed at about the same time are marked delivered and ledgered in ONE
   * transaction: the ledger's chain lock and the commit are paid once per batch, not once per
   * delivery (that lock serialises every disclosure). If the transaction fails, every caller in
   * it gets the error and nothing of it is committed; the conditional update keeps a retry safe.
   */
  const MAX_COMPLETIONS_PER_BATCH = 64;
  let completions: PendingCompletion[] = [];
  let completionTimer: ReturnType<typeof setImmediate> | undefined;

  async function flushCompletions(): Promise<void> {
    if (completionTimer) clearImmediate(completionTimer);
    completionTimer = undefined;
    const batch = completions;
    completions = [];
    if (batch.length === 0) return;
    try {
      const results = await db.transaction(async (tx) => {
        const out: CompleteResult[] = [];
        const entries: LedgerEntryInput[] = [];
        const entryIndex: number[] = [];
        for (const item of batch) {
          const delivered = await markDelivered(tx, item.id, item.at);
          if (!delivered) {
            if (!(await deliveryExists(tx, item.id))) throw new NotFoundError('no such delivery');
            out.push({ already: true });
            continue;
          }
          const entryId = uuidv7(item.at.getTime());
          entryIndex.push(out.length);
          out.push({ ledgerEntryId: entryId });
          entries.push({
            id: entryId,
            at: item.at,
            referralId: delivered.referralId,
            deliveryId: delivered.deliveryId,
            subjects: delivered.subjects,
            recipientPartnerId: delivered.recipientPartnerId,
            purpose: delivered.purpose,
            art6: delivered.lawfulBasis.art6,
            art9: delivered.lawfulBasis.art9 ?? null,
            sch1Paragraph: delivered.lawfulBasis.sch1Paragraph ?? null,
            art10: delivered.lawfulBasis.art10 ?? null,
            fields: delivered.fields,
            payloadSha256: delivered.payloadSha256,
            channel: item.channel,
            outcome: 'disclosed',
            decidedByRule: delivered.ruleId,
            decidedByOperator: delivered.operatorId,
          });
        }
        if (entries.length > 0) await appendLedgerEntries(tx, entries);
        return out;
      });
      batch.forEach((item, i) => item.resolve(results[i] as CompleteResult));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One bad item (e.g. an unknown id) must not fail the others: retry each on its own.
      for (const item of batch) {
        completions.push(item);
        await flushCompletions();
      }
    }
  }

  async function subjectsOf(q: Queryable, referralId: string): Promise<string[]> {
    return [...new Set((await selectReferralPeople(q, referralId)).map((p) => p.hubPersonId))];
  }

  return {
    async findReferralByMessage(messageId) {
      assertOpen();
      if (!isUuid(messageId)) return null;
      return selectReferralByMessage(db, messageId);
    },

    async linkPeople(people) {
      assertOpen();
      return linkPeopleByNhsNumber(db, nhsHmac, people);
    },

    async saveRoutingOutcome(input) {
      assertOpen();
      const r = input?.referral;
      if (r === null || typeof r !== 'object') throw new TypeError('referral is required');
      const referralId = requireUuid(r.referralId, 'referral.referralId');
      const messageId = requireUuid(r.messageId, 'referral.messageId');
      const sourcePartnerId = requireText(r.sourcePartnerId, 'referral.sourcePartnerId');
      const sourceType = requireText(r.sourceType, 'referral.sourceType');
      const urgency = requireOneOf(r.urgency, URGENCIES, 'referral.urgency');
      const receivedAt = requireDate(r.receivedAt, 'referral.receivedAt');
      const sourceReference = optionalText(r.sourceReference, 'referral.sourceReference');
      const canonical = requireBuffer(r.canonical, 'referral.canonical');
      const dimensions = checkReferralDimensions(r);
      if (!Array.isArray(r.people)) throw new TypeError('referral.people must be an array');
      const people = r.people.map((p, i) => ({
        personRef: requireText(p?.personRef, `referral.people[${i}].personRef`),
        hubPersonId: requireUuid(p.hubPersonId, `referral.people[${i}].hubPersonId`),
        role: requireText(p.role, `referral.people[${i}].role`),
      }));
      if (new Set(people.map((p) => p.personRef)).size !== people.length) throw new TypeError('referral.people has a personRef twice');
      if (!Array.isArray(input.decisions) || !Array.isArray(input.deliveries)) throw new TypeError('decisions and deliveries must be arrays');
      const decisions = input.decisions.map(checkDecision);
      const deliveries = input.deliveries.map(checkDelivery);
      checkDeliveriesAgainstDecisions(decisions, deliveries);
      const holdReasons = input.hold ? requireTextArray(input.hold.reasons, 'hold.reasons', 256) : null;
      if (holdReasons !== null && holdReasons.length === 0) throw new TypeError('hold.reasons must name at least one reason');
      const acknowledgement = input.acknowledgement ? checkAcknowledgement(input.acknowledgement) : undefined;

      const now = new Date();
      const { dataKey, wrapped } = createDataKey(masterKeys, referralKeyContext(referralId));
      let rows: DeliveryRow[];
      let sealedCanonical;
      try {
        sealedCanonical = sealWithDataKey(dataKey, canonicalContext(referralId), canonical);
        rows = sealDeliveries(dataKey, referralId, deliveries);
      } finally {
        dataKey.fill(0);
      }
      const subjects = [...new Set(people.map((p) => p.hubPersonId))];
      const nameDobRows = nameDobRowsFromCanonical(nameDobHmac, canonical, new Set(people.map((p) => p.personRef)));

      return db.transaction(async (tx) => {
        const created = await insertReferral(tx, {
          referralId,
          messageId,
          sourcePartnerId,
          sourceType,
          urgency,
          status: holdReasons ? 'held' : 'routed',
          receivedAt,
          routedAt: holdReasons ? null : now,
          wrappedKey: wrapped,
          canonical: sealedCanonical,
          sourceReferenceHmac: sourceReference === null ? null : sourceReferenceDigest(sourceReferenceHmac, sourceReference),
          dimensions,
        });
        if (!created) return { created: false, outbox: [] };
        await insertReferralPeople(tx, referralId, people);
        await insertNameDobIndex(tx, referralId, nameDobRows);
        await insertDecisions(tx, referralId, decisions, now);
        if (holdReasons) await insertHold(tx, referralId, holdReasons, now);
        const inserted = await insertDeliveries(tx, referralId, rows);
        if (inserted.size !== rows.length) throw new Error('a delivery id is already in use by another referral');
        const outbox = await insertOutboxJobs(tx, deliverJobs(messageId, rows, inserted));
        if (acknowledgement) outbox.push(...(await insertAcknowledgement(tx, messageId, referralId, acknowledgement, now)));
        // Last: the ledger lock is held until commit.
        await appendLedgerEntries(tx, notSharedEntries(referralId, subjects, decisions, now));
        return { created: true, outbox };
      });
    },

    async readReferral(referralId) {
      assertOpen();
      if (!isUuid(referralId)) return null;
      const row = await selectReferral(db, referralId);
      if (!row) return null;
      const people = await selectReferralPeople(db, row.referralId);
      const canonical = await withDataKey(masterKeys, row.referralId, row.wrappedKey, (key) =>
        openWithDataKey(key, canonicalContext(row.referralId), row.canonical),
      );
      return {
        referralId: row.referralId,
        messageId: row.messageId,
        sourcePartnerId: row.sourcePartnerId,
        sourceType: row.sourceType,
        urgency: row.urgency,
        status: row.status,
        receivedAt: row.receivedAt,
        routedAt: row.routedAt,
        canonical,
        people,
      };
    },

    async getDelivery(deliveryId) {
      assertOpen();
      if (!isUuid(deliveryId)) return null;
      const found = await selectDelivery(db, deliveryId);
      if (!found) return null;
      const { summary } = found;
      const payload = await withDataKey(masterKeys, summary.referralId, found.wrappedKey, (key) =>
        openWithDataKey(key, payloadContext(summary.referralId, summary.deliveryId), found.payload),
      );
      return { ...summary, urgency: found.urgency, referralReceivedAt: found.receivedAt, payload, rectifiedDeliveryStatus: found.rectifiedStatus, subjectRightsFlagged: found.subjectRightsFlagged };
    },

    async deliveryRecipient(deliveryId) {
      assertOpen();
      if (!isUuid(deliveryId)) return null;
      return selectDeliveryRecipient(db, deliveryId);
    },

    async recordAttempt(deliveryId, attempt) {
      assertOpen();
      const id = requireUuid(deliveryId, 'deliveryId');
      const outcome = requireCode(attempt?.outcome, 'outcome');
      const httpStatus = attempt.httpStatus === undefined || attempt.httpStatus === null ? null : requireNonNegativeInteger(attempt.httpStatus, 'httpStatus');
      const errorCode = attempt.errorCode === undefined || attempt.errorCode === null ? null : requireCode(attempt.errorCode, 'errorCode');
      const durationMs = Math.round(Number(attempt.durationMs));
      if (!Number.isFinite(durationMs) || durationMs < 0) throw new TypeError('durationMs must be a non-negative number');
      const nextAttemptAt = optionalDate(attempt.nextAttemptAt, 'nextAttemptAt');
      const attempts = await db.transaction((tx) => insertAttempt(tx, id, { outcome, httpStatus, errorCode, durationMs, nextAttemptAt, at: new Date() }));
      if (attempts === null) throw new NotFoundError('no such delivery');
      return { attempts };
    },

    async completeDelivery(deliveryId, input) {
      assertOpen();
      const id = requireUuid(deliveryId, 'deliveryId');
      const at = requireDate(input?.at, 'at');
      const channel = requireText(input.channel, 'channel');
      return new Promise<CompleteResult>((resolve, reject) => {
        completions.push({ id, at, channel, resolve, reject });
        if (completions.length >= MAX_COMPLETIONS_PER_BATCH) void flushCompletions();
        else if (!completionTimer) completionTimer = setImmediate(() => void flushCompletions());
      });
    },

    async deadLetter(deliveryId, input) {
      assertOpen();
      const id = requireUuid(deliveryId, 'deliveryId');
      return markDead(db, id, requireCode(input?.code, 'code'));
    },

    async listDeadLetters(input) {
      assertOpen();
      const limit = requireNonNegativeInteger(input?.limit, 'limit');
      const offset = requireNonNegativeInteger(input.offset, 'offset');
      if (limit < 1 || limit > 1000) throw new TypeError('limit must be from 1 to 1000');
      const partnerId = optionalText(input.partnerId, 'partnerId');
      const [total, items] = await Promise.all([countDeadLetters(db, partnerId), selectDeadLetters(db, limit, offset, partnerId)]);
      const attempts = await selectAttempts(
        db,
        items.map((item) => item.deliveryId),
      );
      return { total, items: items.map((item) => ({ ...item, attemptHistory: attempts.get(item.deliveryId) ?? [] })) };
    },

    async replayDeliveries(deliveryIds, input) {
      assertOpen();
      const ids = [...new Set(requireUuidArray(deliveryIds, 'deliveryIds'))];
      const operatorId = requireText(input?.operatorId, 'operatorId');
      const reason = requireText(input.reason, 'reason', 512);
      if (ids.length === 0) return [];
      return db.transaction(async (tx) => {
        const reopened = await reopenDeadDeliveries(tx, ids);
        if (reopened.length === 0) return [];
        const at = new Date();
        await insertActions(
          tx,
          reopened.map((d) => ({ deliveryId: d.deliveryId, partnerId: d.recipientPartnerId, action: 'replay' as const, operatorId, reason, at })),
        );
        const replays = await countReplays(
          tx,
          reopened.map((d) => d.deliveryId),
        );
        return insertOutboxJobs(
          tx,
          reopened.map((d) => deliverJob({ ...d, replay: replays.get(d.deliveryId) ?? 1 })),
        );
      });
    },

    async closeDeadLetter(deliveryId, input) {
      assertOpen();
      const id = requireUuid(deliveryId, 'deliveryId');
      const operatorId = requireText(input?.operatorId, 'operatorId');
      const reason = requireText(input.reason, 'reason', 512);
      return db.transaction(async (tx) => {
        const closed = await markClosed(tx, id);
        if (!closed) return false;
        const at = new Date();
        await insertActions(tx, [{ deliveryId: id, partnerId: closed.recipientPartnerId, action: 'close', operatorId, reason, at }]);
        await appendLedgerEntries(tx, [
          {
            id: uuidv7(at.getTime()),
            at,
            referralId: closed.referralId,
            deliveryId: closed.deliveryId,
            subjects: closed.subjects,
            recipientPartnerId: closed.recipientPartnerId,
            purpose: closed.purpose,
            fields: [],
            outcome: 'not-disclosed',
            decidedByOperator: operatorId,
          },
        ]);
        return true;
      });
    },

    async disableEndpoint(partnerId, code) {
      assertOpen();
      const partner = requireText(partnerId, 'partnerId');
      const reasonCode = requireCode(code, 'code');
      await db.transaction(async (tx) => {
        const at = new Date();
        if (await disableEndpointRow(tx, partner, reasonCode, at)) {
          await insertActions(tx, [{ deliveryId: null, partnerId: partner, action: 'disable-endpoint', operatorId: null, reason: reasonCode, at }]);
        }
      });
    },

    async enableEndpoint(partnerId, operatorId) {
      assertOpen();
      const partner = requireText(partnerId, 'partnerId');
      const operator = requireText(operatorId, 'operatorId');
      await db.transaction(async (tx) => {
        const at = new Date();
        if (await enableEndpointRow(tx, partner, operator, at)) {
          await insertActions(tx, [{ deliveryId: null, partnerId: partner, action: 'enable-endpoint', operatorId: operator, reason: 'enabled by an operator', at }]);
        }
      });
    },

    async endpointDisabled(partnerId) {
      assertOpen();
      return isEndpointDisabled(db, requireText(partnerId, 'partnerId'));
    },

    async listHolds() {
      assertOpen();
      return selectOpenHolds(db);
    },

    async resolveHold(referralId, resolution) {
      assertOpen();
      const id = requireUuid(referralId, 'referralId');
      const operatorId = requireText(resolution?.operatorId, 'operatorId');
      const reason = requireText(resolution.reason, 'reason', 512);
      const close = 'close' in resolution && resolution.close === true;
      let decisions: DecisionRow[] = [];
      let deliveries: CheckedDelivery[] = [];
      // Checked before the transaction, so a malformed resolution changes nothing.
      if (!close) {
        if (!('decisions' in resolution) || !Array.isArray(resolution.decisions) || !Array.isArray(resolution.deliveries)) {
          throw new TypeError('resolveHold needs decisions and deliveries, or close: true');
        }
        // The operator who resolves the hold is who decided: recorded on every decision and delivery.
        const withOperator = <T extends { operatorId: string | null }>(row: T, where: string): T => {
          if (row.operatorId !== null && row.operatorId !== operatorId) throw new TypeError(`${where} names another operator`);
          return { ...row, operatorId };
        };
        decisions = resolution.decisions.map((d, i) => withOperator(checkDecision(d, i), `decisions[${i}]`));
        if (decisions.some((d) => d.decision === 'hold')) throw new TypeError('a hold is resolved with share or not-share decisions');
        deliveries = resolution.deliveries.map((d, i) => withOperator(checkDelivery(d, i), `deliveries[${i}]`));
        checkDeliveriesAgainstDecisions(decisions, deliveries);
      }
      const shares = decisions.some((d) => d.decision === 'share');

      return db.transaction(async (tx) => {
        const referral = await selectReferral(tx, id, true);
        if (!referral) return { resolved: false, outbox: [] as OutboxEntry[] };
        const at = new Date();
        if (!(await resolveHoldRow(tx, id, { operatorId, reason, outcome: shares ? 'shared' : 'closed', at }))) {
          return { resolved: false, outbox: [] as OutboxEntry[] };
        }
        const recorded: DecisionRow[] = close
          ? [
              {
                decisionId: uuidv7(at.getTime()),
                recipientPartnerId: null,
                decision: 'not-share',
                ruleId: null,
                operatorId,
                reason: CLOSED_ON_REVIEW_REASON,
                purpose: null,
                priority: null,
              },
            ]
          : decisions;
        await insertDecisions(tx, id, recorded, at);
        await setReferralStatus(tx, id, shares ? 'routed' : 'closed', shares ? at : null);
        let outbox: OutboxEntry[] = [];
        if (deliveries.length > 0) {
          const rows = await withDataKey(masterKeys, id, referral.wrappedKey, (key) => sealDeliveries(key, id, deliveries));
          const inserted = await insertDeliveries(tx, id, rows);
          outbox = await insertOutboxJobs(tx, deliverJobs(referral.messageId, rows, inserted));
        }
        await appendLedgerEntries(tx, notSharedEntries(id, await subjectsOf(tx, id), recorded, at));
        return { resolved: true, outbox };
      });
    },

    async recordFeedback(deliveryId, input) {
      assertOpen();
      if (!isUuid(deliveryId)) return false;
      const kind = requireOneOf(input?.kind, FEEDBACK, 'kind');
      return updateFeedback(db, deliveryId, kind, requireDate(input.at, 'at'));
    },

    async dueDeadlines(now) {
      assertOpen();
      return selectDueDeadlines(db, requireDate(now, 'now'), 1000);
    },

    async markDeadlineMissed(deliveryId, at) {
      assertOpen();
      return setDeadlineMissed(db, requireUuid(deliveryId, 'deliveryId'), requireDate(at, 'at'));
    },

    async deliveryGauges(now, atRiskWindowMs) {
      assertOpen();
      const window = requireNonNegativeInteger(atRiskWindowMs, 'atRiskWindowMs');
      return selectDeliveryGauges(db, requireDate(now, 'now'), window);
    },

    async verifyLedger(options) {
      assertOpen();
      return verifyLedger(db, options);
    },

    async queryLedger(query) {
      assertOpen();
      return queryLedger(db, query);
    },

    async ledgerHead() {
      assertOpen();
      return ledgerHead(db);
    },
  };
}
