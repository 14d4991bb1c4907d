// The console's read models (issue 4): referral search, a referral's timeline, partner health,
// breaker state and the overview's figures. Ids, codes, counts and times only: nothing here reads
// or returns personal data (the canonical referral stays encrypted; see readReferral).
import { isUuid, optionalDate, optionalText, requireDate, requireNonNegativeInteger, requireOneOf, requireText } from './checks.ts';
import type { IdentifierHmac } from './crypto.ts';
import type { Db } from './db.ts';
import type {
  BreakerStateName,
  Overview,
  PartnerHealth,
  ReadModelStore,
  ReferralListItem,
  TimelineEvent,
} from './read-model-types.ts';
import type { DeliveryPriority, DeliveryStatus, FeedbackKind, ReferralStatus, ReferralUrgency } from './routing-types.ts';

/** HKDF label of the source-reference HMAC key. Changing it makes stored references unsearchable. */
export const SOURCE_REFERENCE_HMAC_LABEL = 'hub.referrals.source-reference.hmac.v1';

/** Most referrals one search returns. */
export const MAX_SEARCH_LIMIT = 1000;
/** Most rows of each kind (decisions, attempts, actions, ledger rows…) in one timeline; the newest are kept. */
export const TIMELINE_SOURCE_LIMIT = 1000;
/** Most partners one partnerHealth call reports on. */
export const MAX_HEALTH_PARTNERS = 500;
/** Most deadlines listed by overview() (the counts cover them all). */
export const OVERVIEW_DEADLINE_LIMIT = 500;
/** A deadline this close (or already past, not yet marked missed) and not delivered is at risk. */
export const DEADLINE_AT_RISK_MS = 2 * 60 * 60_000;

const BUCKET_MS = 5 * 60_000;
const BUCKETS = 12;
const DAY_MS = 24 * 60 * 60_000;
const BREAKER_STATES: readonly BreakerStateName[] = ['closed', 'open', 'half-open'];
const SEARCH_STATUSES: readonly (ReferralStatus | DeliveryStatus)[] = ['routed', 'held', 'closed', 'pending', 'delivered', 'dead'];

/** The HMAC of a source reference under the active key, as stored with the referral. Exact value, no normalisation. */
export function sourceReferenceDigest(hmac: IdentifierHmac, sourceReference: string): { digest: Buffer; keyId: string } {
  return { digest: hmac.digest(sourceReference), keyId: hmac.activeKeyId };
}

const LONDON_PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function londonParts(at: Date): { year: number; month: number; day: number; hour: number; minute: number } {
  const parts: Record<string, number> = {};
  for (const part of LONDON_PARTS.formatToParts(at)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts.year as number, month: parts.month as number, day: parts.day as number, hour: parts.hour as number, minute: parts.minute as number };
}

/** Local midnight (Europe/London) of the day `at` falls on, as an instant (GMT or BST as it was then). */
export function londonDayStart(at: Date): Date {
  const { year, month, day } = londonParts(at);
  const utcMidnight = Date.UTC(year, month - 1, day);
  // UK clocks change at 01:00 UTC, never at midnight: local midnight is 00:00 GMT or 23:00 UTC the day before (BST).
  for (const offsetHours of [0, 1]) {
    const candidate = new Date(utcMidnight - offsetHours * 3_600_000);
    const p = londonParts(candidate);
    if (p.year === year && p.month === month && p.day === day && p.hour === 0 && p.minute === 0) return candidate;
  }
  throw new Error('no local midnight found for Europe/London');
}

/** Local midnight (Europe/London) of the day after `at`'s (23, 24 or 25 hours after londonDayStart). */
export function londonNextDayStart(at: Date): Date {
  return londonDayStart(new Date(londonDayStart(at).getTime() + 36 * 3_600_000));
}

/** Builds `$n` placeholders as parameters are added. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return `$${this.values.length}${cast ? `::${cast}` : ''}`;
  }
}

type N = number | string | null | undefined;
const num = (value: N): number => (value === null || value === undefined ? 0 : Number(value));

// Equal times: the order things happen in one transaction (decisions before the hold they make,
// a delivery before its attempts, the ledger row last as the record of what was done).
const KIND_ORDER: Record<TimelineEvent['kind'], number> = {
  received: 0,
  decision: 1,
  held: 2,
  'hold-resolved': 3,
  'delivery-created': 4,
  attempt: 5,
  delivered: 6,
  'dead-lettered': 7,
  'delivery-action': 8,
  'deadline-missed': 9,
  feedback: 10,
  ledger: 11,
};

export function createReadModelStore(deps: { db: Db; sourceReferenceHmac: IdentifierHmac; assertOpen(): void }): ReadModelStore {
  const { db, sourceReferenceHmac, assertOpen } = deps;

  return {
    async searchReferrals(query) {
      assertOpen();
      if (query === null || typeof query !== 'object') throw new TypeError('query is required');
      const limit = requireNonNegativeInteger(query.limit, 'limit');
      const offset = requireNonNegativeInteger(query.offset, 'offset');
      if (limit < 1 || limit > MAX_SEARCH_LIMIT) throw new TypeError(`limit must be from 1 to ${MAX_SEARCH_LIMIT}`);
      const from = optionalDate(query.from, 'from');
      const to = optionalDate(query.to, 'to');
      const partnerId = optionalText(query.partnerId, 'partnerId');
      const sourceReference = optionalText(query.sourceReference, 'sourceReference');
      const status = query.status === undefined || query.status === null ? null : requireOneOf(query.status, SEARCH_STATUSES, 'status');
      const referralId = query.referralId === undefined || query.referralId === null ? null : requireText(query.referralId, 'referralId');
      if (referralId !== null && !isUuid(referralId)) return { total: 0, items: [] };

      const p = new Params();
      const where: string[] = [];
      if (referralId !== null) where.push(`r.id = ${p.add(referralId.toLowerCase(), 'uuid')}`);
      if (sourceReference !== null) {
        // Every key in the ring: references stored before a master-key rotation stay findable.
        const digests = sourceReferenceHmac.keyIds().map((keyId) => p.add(sourceReferenceHmac.digest(sourceReference, keyId), 'bytea'));
        where.push(`r.source_reference_hmac IN (${digests.join(', ')})`);
      }
      if (partnerId !== null) {
        const n = p.add(partnerId, 'text');
        where.push(`(r.source_partner_id = ${n} OR r.id IN (SELECT d.referral_id FROM deliveries d WHERE d.recipient_partner_id = ${n}))`);
      }
      if (from !== null) where.push(`r.received_at >= ${p.add(from, 'timestamptz')}`);
      if (to !== null) where.push(`r.received_at < ${p.add(to, 'timestamptz')}`);
      if (status === 'routed' || status === 'held') where.push(`r.status = ${p.add(status, 'text')}`);
      else if (status === 'closed') where.push(`(r.status = 'closed' OR r.id IN (SELECT d.referral_id FROM deliveries d WHERE d.status = 'closed'))`);
      else if (status !== null) where.push(`r.id IN (SELECT d.referral_id FROM deliveries d WHERE d.status = ${p.add(status, 'text')})`);
      const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';

      const pageParams = new Params();
      pageParams.values.push(...p.values);
      const limitParam = pageParams.add(limit, 'integer');
      const offsetParam = pageParams.add(offset, 'integer');
      const [counted, page] = await Promise.all([
        db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM referrals r ${whereSql}`, p.values),
        db.query<{ id: string; source_partner_id: string; source_type: string; urgency: ReferralUrgency; status: ReferralStatus; received_at: Date }>(
          `SELECT r.id::text AS id, r.source_partner_id, r.source_type, r.urgency, r.status, r.received_at
             FROM referrals r ${whereSql}
            ORDER BY r.received_at DESC, r.id DESC
            LIMIT ${limitParam} OFFSET ${offsetParam}`,
          pageParams.values,
        ),
      ]);
      const total = counted.rows[0]?.n ?? 0;
      if (page.rows.length === 0) return { total, items: [] };

      const deliveries = await db.query<{ id: string; referral_id: string; recipient_partner_id: string; status: DeliveryStatus }>(
        `SELECT id::text AS id, referral_id::text AS referral_id, recipient_partner_id, status
           FROM deliveries WHERE referral_id = ANY($1::uuid[])
          ORDER BY created_at, recipient_partner_id`,
        [page.rows.map((row) => row.id)],
      );
      const byReferral = new Map<string, ReferralListItem['deliveries']>();
      for (const row of deliveries.rows) {
        const list = byReferral.get(row.referral_id) ?? [];
        list.push({ deliveryId: row.id, recipientPartnerId: row.recipient_partner_id, status: row.status });
        byReferral.set(row.referral_id, list);
      }
      return {
        total,
        items: page.rows.map((row) => ({
          referralId: row.id,
          sourcePartnerId: row.source_partner_id,
          sourceType: row.source_type,
          urgency: row.urgency,
          status: row.status,
          receivedAt: row.received_at,
          deliveries: byReferral.get(row.id) ?? [],
        })),
      };
    },

    async referralTimeline(referralId) {
      assertOpen();
      if (!isUuid(referralId)) return null;
      const id = referralId.toLowerCase();
      const [referral, decisions, hold, deliveries, attempts, actions, ledger] = await Promise.all([
        db.query<{ message_id: string; source_partner_id: string; source_type: string; received_at: Date; message_received_at: Date | null }>(
          `SELECT r.message_id::text AS message_id, r.source_partner_id, r.source_type, r.received_at, m.received_at AS message_received_at
             FROM referrals r LEFT JOIN inbound_messages m ON m.message_id = r.message_id
            WHERE r.id = $1::uuid`,
          [id],
        ),
        db.query<{
          decision: 'share' | 'not-share' | 'hold';
          recipient_partner_id: string | null;
          rule_id: string | null;
          operator_id: string | null;
          reason: string;
          purpose: string | null;
          decided_at: Date;
        }>(
          `SELECT * FROM (
             SELECT id, decision, recipient_partner_id, rule_id, operator_id, reason, purpose, decided_at
               FROM sharing_decisions WHERE referral_id = $1::uuid
              ORDER BY decided_at DESC, id DESC LIMIT $2) AS newest
            ORDER BY decided_at, id`,
          [id, TIMELINE_SOURCE_LIMIT],
        ),
        db.query<{ reasons: string[]; held_at: Date; resolved_at: Date | null; resolved_by: string | null; resolution: 'shared' | 'closed' | null; resolution_reason: string | null }>(
          'SELECT reasons, held_at, resolved_at, resolved_by, resolution, resolution_reason FROM review_holds WHERE referral_id = $1::uuid',
          [id],
        ),
        db.query<{
          id: string;
          recipient_partner_id: string;
          channel: string;
          priority: DeliveryPriority;
          status: DeliveryStatus;
          deadline_at: Date | null;
          deadline_missed_at: Date | null;
          created_at: Date;
          delivered_at: Date | null;
          last_error_code: string | null;
          feedback_status: FeedbackKind | null;
          feedback_at: Date | null;
        }>(
          // A delivery is made in the transaction of the decision it carries out: its creation is
          // shown at the decision's time (created_at is the database's clock, a moment earlier).
          `SELECT d.id::text AS id, d.recipient_partner_id, d.channel, d.priority, d.status, d.deadline_at, d.deadline_missed_at,
                  coalesce(sd.decided_at, d.created_at) AS created_at, d.delivered_at, d.last_error_code, d.feedback_status, d.feedback_at
             FROM deliveries d LEFT JOIN sharing_decisions sd ON sd.id = d.decision_id
            WHERE d.referral_id = $1::uuid
            ORDER BY d.created_at, d.id LIMIT $2`,
          [id, TIMELINE_SOURCE_LIMIT],
        ),
        db.query<{
          delivery_id: string;
          recipient_partner_id: string;
          attempt: number;
          at: Date;
          outcome: string;
          http_status: number | null;
          error_code: string | null;
          duration_ms: number;
        }>(
          `SELECT * FROM (
             SELECT a.id, a.delivery_id::text AS delivery_id, d.recipient_partner_id, a.attempt, a.at, a.outcome, a.http_status, a.error_code, a.duration_ms
               FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
              WHERE d.referral_id = $1::uuid
              ORDER BY a.id DESC LIMIT $2) AS newest
            ORDER BY id`,
          [id, TIMELINE_SOURCE_LIMIT],
        ),
        db.query<{ delivery_id: string; recipient_partner_id: string; action: string; operator_id: string | null; reason: string; at: Date }>(
          `SELECT * FROM (
             SELECT a.id, a.delivery_id::text AS delivery_id, d.recipient_partner_id, a.action, a.operator_id, a.reason, a.at
               FROM delivery_actions a JOIN deliveries d ON d.id = a.delivery_id
              WHERE d.referral_id = $1::uuid
              ORDER BY a.id DESC LIMIT $2) AS newest
            ORDER BY id`,
          [id, TIMELINE_SOURCE_LIMIT],
        ),
        db.query<{ id: string; seq: string; at: Date; outcome: 'disclosed' | 'not-disclosed'; recipient_partner_id: string | null; fields: string[] }>(
          `SELECT * FROM (
             SELECT id::text AS id, seq, at, outcome, recipient_partner_id, fields
               FROM ledger WHERE referral_id = $1::uuid
              ORDER BY seq DESC LIMIT $2) AS newest
            ORDER BY seq`,
          [id, TIMELINE_SOURCE_LIMIT],
        ),
      ]);
      const r = referral.rows[0];
      if (!r) return null;

      const events: TimelineEvent[] = [
        { kind: 'received', at: r.message_received_at ?? r.received_at, messageId: r.message_id, sourcePartnerId: r.source_partner_id, sourceType: r.source_type },
      ];
      for (const d of decisions.rows) {
        events.push({
          kind: 'decision',
          at: d.decided_at,
          decision: d.decision,
          recipientPartnerId: d.recipient_partner_id,
          ruleId: d.rule_id,
          operatorId: d.operator_id,
          reason: d.reason,
          purpose: d.purpose,
        });
      }
      const h = hold.rows[0];
      if (h) {
        events.push({ kind: 'held', at: h.held_at, reasons: h.reasons });
        if (h.resolved_at && h.resolution) {
          events.push({ kind: 'hold-resolved', at: h.resolved_at, resolution: h.resolution, operatorId: h.resolved_by, reason: h.resolution_reason });
        }
      }
      const lastAttemptAt = new Map<string, Date>();
      for (const a of attempts.rows) {
        lastAttemptAt.set(a.delivery_id, a.at);
      }
      for (const d of deliveries.rows) {
        const who = { deliveryId: d.id, recipientPartnerId: d.recipient_partner_id };
        events.push({ kind: 'delivery-created', at: d.created_at, ...who, channel: d.channel, priority: d.priority, deadlineAt: d.deadline_at });
        if (d.delivered_at) events.push({ kind: 'delivered', at: d.delivered_at, ...who });
        if (d.status === 'dead') events.push({ kind: 'dead-lettered', at: lastAttemptAt.get(d.id) ?? null, ...who, errorCode: d.last_error_code });
        if (d.deadline_missed_at) events.push({ kind: 'deadline-missed', at: d.deadline_missed_at, ...who });
        if (d.feedback_status && d.feedback_at) events.push({ kind: 'feedback', at: d.feedback_at, ...who, feedback: d.feedback_status });
      }
      for (const a of attempts.rows) {
        events.push({
          kind: 'attempt',
          at: a.at,
          deliveryId: a.delivery_id,
          recipientPartnerId: a.recipient_partner_id,
          attempt: a.attempt,
          outcome: a.outcome,
          httpStatus: a.http_status,
          errorCode: a.error_code,
          durationMs: a.duration_ms,
        });
      }
      for (const a of actions.rows) {
        events.push({ kind: 'delivery-action', at: a.at, deliveryId: a.delivery_id, recipientPartnerId: a.recipient_partner_id, action: a.action, operatorId: a.operator_id, reason: a.reason });
      }
      for (const l of ledger.rows) {
        events.push({ kind: 'ledger', at: l.at, ledgerId: l.id, seq: Number(l.seq), outcome: l.outcome, recipientPartnerId: l.recipient_partner_id, fields: l.fields });
      }
      // Oldest first; a dead letter without any attempt (no time) last. Array.prototype.sort is
      // stable, so equal (time, kind) keep the order of their queries (id / seq / attempt order).
      const time = (e: TimelineEvent): number => (e.at === null ? Number.POSITIVE_INFINITY : e.at.getTime());
      return events.sort((a, b) => time(a) - time(b) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
    },

    async partnerHealth(partnerIds, now) {
      assertOpen();
      if (!Array.isArray(partnerIds)) throw new TypeError('partnerIds must be an array');
      if (partnerIds.length > MAX_HEALTH_PARTNERS) throw new TypeError(`at most ${MAX_HEALTH_PARTNERS} partners at once`);
      const ids = [...new Set(partnerIds.map((id, i) => requireText(id, `partnerIds[${i}]`)))];
      const at = requireDate(now, 'now');
      if (ids.length === 0) return [];
      const since = new Date(at.getTime() - DAY_MS);
      const dayStart = londonDayStart(at);

      const [breakers, endpoints, counts, delivered, attempts] = await Promise.all([
        db.query<{ partner_id: string; state: BreakerStateName; changed_at: Date }>(
          'SELECT partner_id, state, changed_at FROM partner_breakers WHERE partner_id = ANY($1::text[])',
          [ids],
        ),
        db.query<{ partner_id: string; disabled_at: Date; disabled_reason_code: string | null }>(
          'SELECT partner_id, disabled_at, disabled_reason_code FROM partner_endpoints WHERE partner_id = ANY($1::text[]) AND disabled_at IS NOT NULL',
          [ids],
        ),
        db.query<{ recipient_partner_id: string; pending: N; dead: N }>(
          `SELECT recipient_partner_id,
                  count(*) FILTER (WHERE status = 'pending')::integer AS pending,
                  count(*) FILTER (WHERE status = 'dead')::integer AS dead
             FROM deliveries
            WHERE recipient_partner_id = ANY($1::text[]) AND status IN ('pending', 'dead')
            GROUP BY recipient_partner_id`,
          [ids],
        ),
        db.query<{ partner_id: string; last_success_at: Date | null; delivered_today: N }>(
          `SELECT p.partner_id,
                  (SELECT max(d.delivered_at) FROM deliveries d
                    WHERE d.recipient_partner_id = p.partner_id AND d.delivered_at IS NOT NULL AND d.delivered_at <= $2::timestamptz) AS last_success_at,
                  (SELECT count(*)::integer FROM deliveries d
                    WHERE d.recipient_partner_id = p.partner_id AND d.delivered_at IS NOT NULL
                      AND d.delivered_at >= $3::timestamptz AND d.delivered_at <= $2::timestamptz) AS delivered_today
             FROM unnest($1::text[]) AS p (partner_id)`,
          [ids, at, dayStart],
        ),
        db.query<{ recipient_partner_id: string; attempts: N; failures: N }>(
          `SELECT d.recipient_partner_id, count(*)::integer AS attempts, count(*) FILTER (WHERE a.outcome <> 'delivered')::integer AS failures
             FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
            WHERE a.at > $2::timestamptz AND a.at <= $3::timestamptz AND d.recipient_partner_id = ANY($1::text[])
            GROUP BY d.recipient_partner_id`,
          [ids, since, at],
        ),
      ]);
      const breakerOf = new Map(breakers.rows.map((row) => [row.partner_id, row]));
      const endpointOf = new Map(endpoints.rows.map((row) => [row.partner_id, row]));
      const countsOf = new Map(counts.rows.map((row) => [row.recipient_partner_id, row]));
      const deliveredOf = new Map(delivered.rows.map((row) => [row.partner_id, row]));
      const attemptsOf = new Map(attempts.rows.map((row) => [row.recipient_partner_id, row]));
      return ids.map((partnerId): PartnerHealth => {
        const breaker = breakerOf.get(partnerId);
        const endpoint = endpointOf.get(partnerId);
        const tried = num(attemptsOf.get(partnerId)?.attempts);
        const failed = num(attemptsOf.get(partnerId)?.failures);
        return {
          partnerId,
          breakerState: breaker?.state ?? 'closed',
          breakerChangedAt: breaker?.changed_at ?? null,
          lastSuccessAt: deliveredOf.get(partnerId)?.last_success_at ?? null,
          attempts24h: tried,
          failures24h: failed,
          errorRate24h: tried === 0 ? 0 : failed / tried,
          deliveredToday: num(deliveredOf.get(partnerId)?.delivered_today),
          pendingDeliveries: num(countsOf.get(partnerId)?.pending),
          deadLetters: num(countsOf.get(partnerId)?.dead),
          endpoint: endpoint ? { disabledAt: endpoint.disabled_at, reasonCode: endpoint.disabled_reason_code } : null,
        };
      });
    },

    async recordBreakerState(partnerId, state, at) {
      assertOpen();
      await db.query(
        `INSERT INTO partner_breakers (partner_id, state, changed_at) VALUES ($1, $2, $3::timestamptz)
         ON CONFLICT (partner_id) DO UPDATE SET state = EXCLUDED.state, changed_at = EXCLUDED.changed_at
          WHERE partner_breakers.changed_at <= EXCLUDED.changed_at`,
        [requireText(partnerId, 'partnerId'), requireOneOf(state, BREAKER_STATES, 'state'), requireDate(at, 'at')],
      );
    },

    async overview(now) {
      assertOpen();
      const at = requireDate(now, 'now');
      const start = new Date(at.getTime() - BUCKETS * BUCKET_MS);
      const dayStart = londonDayStart(at);
      const dayEnd = londonNextDayStart(at);
      const atRiskBefore = new Date(at.getTime() + DEADLINE_AT_RISK_MS);
      const bucketOf = (column: string): string => `floor(extract(epoch FROM (${column} - $1::timestamptz)) * 1000 / ${BUCKET_MS})::integer`;
      const met = 'delivered_at IS NOT NULL AND delivered_at <= deadline_at';

      const [received, delivered, failed, holds, dead, deadlineCounts, deadlines] = await Promise.all([
        db.query<{ b: number; n: number }>(
          `SELECT ${bucketOf('received_at')} AS b, count(*)::integer AS n FROM inbound_messages
            WHERE received_at >= $1::timestamptz AND received_at < $2::timestamptz GROUP BY 1`,
          [start, at],
        ),
        db.query<{ b: number; n: number }>(
          `SELECT ${bucketOf('delivered_at')} AS b, count(*)::integer AS n FROM deliveries
            WHERE delivered_at IS NOT NULL AND delivered_at >= $1::timestamptz AND delivered_at < $2::timestamptz GROUP BY 1`,
          [start, at],
        ),
        db.query<{ b: number; n: number }>(
          `SELECT ${bucketOf('at')} AS b, count(*)::integer AS n FROM delivery_attempts
            WHERE at >= $1::timestamptz AND at < $2::timestamptz AND outcome <> 'delivered' GROUP BY 1`,
          [start, at],
        ),
        db.query<{ n: number }>('SELECT count(*)::integer AS n FROM review_holds WHERE resolved_at IS NULL'),
        db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM deliveries WHERE status = 'dead'`),
        db.query<{ due: N; met: N; missed: N; at_risk: N }>(
          `SELECT count(*)::integer AS due,
                  count(*) FILTER (WHERE ${met})::integer AS met,
                  count(*) FILTER (WHERE NOT coalesce(${met}, false)
                                     AND (deadline_missed_at IS NOT NULL OR delivered_at > deadline_at))::integer AS missed,
                  count(*) FILTER (WHERE delivered_at IS NULL AND deadline_missed_at IS NULL AND deadline_at < $3::timestamptz)::integer AS at_risk
             FROM deliveries
            WHERE deadline_at IS NOT NULL AND deadline_at >= $1::timestamptz AND deadline_at < $2::timestamptz`,
          [dayStart, dayEnd, atRiskBefore],
        ),
        db.query<{
          id: string;
          referral_id: string;
          recipient_partner_id: string;
          deadline_at: Date;
          status: DeliveryStatus;
          delivered_at: Date | null;
          deadline_missed_at: Date | null;
        }>(
          `SELECT id::text AS id, referral_id::text AS referral_id, recipient_partner_id, deadline_at, status, delivered_at, deadline_missed_at
             FROM deliveries
            WHERE deadline_at IS NOT NULL AND deadline_at >= $1::timestamptz AND deadline_at < $2::timestamptz
            ORDER BY deadline_at, id
            LIMIT $3`,
          [dayStart, dayEnd, OVERVIEW_DEADLINE_LIMIT],
        ),
      ]);

      const throughput: Overview['throughput'] = Array.from({ length: BUCKETS }, (_, i) => ({
        bucketStart: new Date(start.getTime() + i * BUCKET_MS),
        received: 0,
        delivered: 0,
        failedAttempts: 0,
      }));
      const fill = (rows: { b: number; n: number }[], key: 'received' | 'delivered' | 'failedAttempts'): void => {
        for (const row of rows) {
          const bucket = throughput[row.b];
          if (bucket) bucket[key] = row.n;
        }
      };
      fill(received.rows, 'received');
      fill(delivered.rows, 'delivered');
      fill(failed.rows, 'failedAttempts');
      const c = deadlineCounts.rows[0];
      return {
        throughput,
        openHolds: holds.rows[0]?.n ?? 0,
        deadLetters: dead.rows[0]?.n ?? 0,
        deadlinesToday: { due: num(c?.due), met: num(c?.met), missed: num(c?.missed), atRisk: num(c?.at_risk) },
        deadlines: deadlines.rows.map((row) => ({
          deliveryId: row.id,
          referralId: row.referral_id,
          recipientPartnerId: row.recipient_partner_id,
          deadlineAt: row.deadline_at,
          status: row.status,
          deliveredAt: row.delivered_at,
          missedAt: row.deadline_missed_at,
        })),
      };
    },
  };
}
