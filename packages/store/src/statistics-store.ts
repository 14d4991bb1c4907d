// Statistics, performance against targets and the national evaluation extract (issue 5, parts
// 5–7): true counts and times for @hub/statistics to suppress and summarise, the backfill of the
// statistics dimensions, the extract's decrypted source pages, and the extract's record with its
// one `disclosed` ledger row. Counting reads only ids, codes, districts and times; only the
// backfill and the extract decrypt, one referral at a time.
import { appendLedgerEntries } from '@hub/ledger';
import { requireDate, requireNonNegativeInteger, requireText, requireTextArray, requireUuid, requireUuidArray } from './checks.ts';
import type { MasterKeys } from './crypto.ts';
import { openWithDataKey, unwrapDataKey } from './crypto.ts';
import type { Db } from './db.ts';
import { toBuffer } from './db.ts';
import type { FeedbackStatisticsRow } from './feedback-types.ts';
import { canonicalContext, referralKeyContext } from './referrals.ts';
import type { DeliveryStatus, FeedbackKind, ReferralInput } from './routing-types.ts';
import type {
  DeliveryTiming,
  DimensionCount,
  EvaluationExtractRecord,
  ExtractSourceReferral,
  StatisticsStore,
  StoredEvaluationExtract,
} from './statistics-types.ts';
import { EXTRACT_CHANNEL } from './statistics-types.ts';
import { uuidv7 } from './uuid.ts';

/** A postcode district (outward code), e.g. `M14`, `SW1A`, `ZZ99`; never a whole postcode. Same as the column's CHECK. */
export const POSTCODE_DISTRICT_PATTERN = /^[A-Z]{1,2}[0-9][0-9A-Z]?$/;
const NEED_CODE = /^[a-z][a-z0-9-]{0,63}$/;
const MAX_NEEDS = 32;
const MAX_BUCKETS = 120;
const MAX_EXTRACT_PAGE = 1000;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const MAX_FEEDBACK_MONTHS = 120;

function checkNeeds(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.length > MAX_NEEDS) throw new TypeError(`${field} must be an array of at most ${MAX_NEEDS} need codes`);
  value.forEach((need, i) => {
    if (typeof need !== 'string' || !NEED_CODE.test(need)) throw new TypeError(`${field}[${i}] must be a need code (${NEED_CODE.source})`);
  });
  return [...new Set(value as string[])].sort();
}

/**
 * The statistics dimensions of a referral being routed, checked: null when the router gave none
 * (the backfill fills them later). A district that is not an outward code is refused — the full
 * postcode must never reach a clear-text column.
 */
export function checkReferralDimensions(r: Pick<ReferralInput, 'needs' | 'postcodeDistrict'>): { needs: string[]; postcodeDistrict: string | null } | null {
  if (r.needs === undefined && r.postcodeDistrict === undefined) return null;
  const needs = r.needs === undefined ? [] : checkNeeds(r.needs, 'referral.needs');
  const district = r.postcodeDistrict;
  if (district !== undefined && (typeof district !== 'string' || !POSTCODE_DISTRICT_PATTERN.test(district))) {
    throw new TypeError('referral.postcodeDistrict must be a postcode district (outward code such as M14), never a whole postcode');
  }
  return { needs, postcodeDistrict: district ?? null };
}

function checkPeriod(from: unknown, to: unknown): { from: Date; to: Date } {
  const start = requireDate(from, 'from');
  const end = requireDate(to, 'to');
  if (start.getTime() >= end.getTime()) throw new TypeError('from must be before to');
  return { from: start, to: end };
}

function checkBuckets(value: unknown, from: Date, to: Date): Date[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_BUCKETS) throw new TypeError(`buckets must be an array of 1 to ${MAX_BUCKETS} dates`);
  const buckets = value.map((b, i) => requireDate(b, `buckets[${i}]`));
  if ((buckets[0] as Date).getTime() !== from.getTime()) throw new TypeError('buckets[0] must equal from');
  buckets.forEach((b, i) => {
    if (i > 0 && b.getTime() <= (buckets[i - 1] as Date).getTime()) throw new TypeError(`buckets[${i}] must be after buckets[${i - 1}]`);
    if (b.getTime() >= to.getTime()) throw new TypeError(`buckets[${i}] must be before to`);
  });
  return buckets;
}

interface CountRow {
  key: string;
  bucket: number;
  n: number;
}

function counts(rows: CountRow[]): DimensionCount[] {
  return rows.map((row) => ({ key: row.key, bucket: Number(row.bucket) - 1, count: Number(row.n) }));
}

interface ExtractDbRow {
  id: string;
  received_at: Date;
  key_id: string;
  dek_wrapped: unknown;
  dek_iv: unknown;
  dek_tag: unknown;
  canonical_iv: unknown;
  canonical_tag: unknown;
  canonical_ciphertext: unknown;
}

/** Decrypts a referral's canonical bytes; null when that is impossible (key destroyed, tampering). */
function openCanonical(masterKeys: MasterKeys, row: ExtractDbRow): Buffer | null {
  let dataKey: Buffer | undefined;
  try {
    dataKey = unwrapDataKey(masterKeys, referralKeyContext(row.id), {
      keyId: row.key_id,
      wrappedKey: toBuffer(row.dek_wrapped),
      wrapIv: toBuffer(row.dek_iv),
      wrapTag: toBuffer(row.dek_tag),
    });
    return openWithDataKey(dataKey, canonicalContext(row.id), {
      iv: toBuffer(row.canonical_iv),
      tag: toBuffer(row.canonical_tag),
      ciphertext: toBuffer(row.canonical_ciphertext),
    });
  } catch {
    return null;
  } finally {
    dataKey?.fill(0);
  }
}

const SEALED_COLUMNS = 'r.id::text AS id, r.received_at, r.key_id, r.dek_wrapped, r.dek_iv, r.dek_tag, r.canonical_iv, r.canonical_tag, r.canonical_ciphertext';

function checkExtractRecord(record: EvaluationExtractRecord): EvaluationExtractRecord {
  if (record === null || typeof record !== 'object') throw new TypeError('record is required');
  for (const key of ['periodFrom', 'periodTo'] as const) {
    if (typeof record[key] !== 'string' || !CALENDAR_DATE.test(record[key])) throw new TypeError(`${key} must be a date YYYY-MM-DD`);
  }
  if (record.periodFrom >= record.periodTo) throw new TypeError('periodFrom must be before periodTo');
  const csvSha256 = typeof record.csvSha256 === 'string' ? record.csvSha256.toLowerCase() : '';
  if (!SHA256_HEX.test(csvSha256)) throw new TypeError('csvSha256 must be 64 hex characters');
  const fields = requireTextArray(record.fields, 'fields', 256);
  if (fields.length === 0) throw new TypeError('fields must name at least one column');
  return {
    extractId: requireUuid(record.extractId, 'extractId'),
    periodFrom: record.periodFrom,
    periodTo: record.periodTo,
    createdAt: requireDate(record.createdAt, 'createdAt'),
    createdBy: requireText(record.createdBy, 'createdBy'),
    recipientPartnerId: requireText(record.recipientPartnerId, 'recipientPartnerId'),
    purpose: requireText(record.purpose, 'purpose'),
    art6: requireText(record.art6, 'art6'),
    fileName: requireText(record.fileName, 'fileName'),
    csvSha256,
    fields,
    subjects: [...new Set(requireUuidArray(record.subjects, 'subjects'))],
    families: requireNonNegativeInteger(record.families, 'families'),
    people: requireNonNegativeInteger(record.people, 'people'),
    peopleExcluded: requireNonNegativeInteger(record.peopleExcluded, 'peopleExcluded'),
    referrals: requireNonNegativeInteger(record.referrals, 'referrals'),
  };
}

/** A row of `evaluation_extracts` as EVALUATION_EXTRACT_COLUMNS selects it (shared with the subject access snapshot). */
export interface EvaluationExtractDbRow {
  id: string;
  period_from: string;
  period_to: string;
  created_at: Date;
  created_by: string;
  recipient_partner_id: string;
  purpose: string;
  art6: string;
  file_name: string;
  csv_sha256: string;
  families: number;
  people: number;
  people_excluded: number;
  referrals: number;
  ledger_entry_id: string;
}

export const EVALUATION_EXTRACT_COLUMNS = `id::text AS id, to_char(period_from, 'YYYY-MM-DD') AS period_from, to_char(period_to, 'YYYY-MM-DD') AS period_to,
  created_at, created_by, recipient_partner_id, purpose, art6, file_name, csv_sha256, families, people, people_excluded, referrals,
  ledger_entry_id::text AS ledger_entry_id`;

export function toStoredEvaluationExtract(row: EvaluationExtractDbRow): StoredEvaluationExtract {
  return {
    extractId: row.id,
    periodFrom: row.period_from,
    periodTo: row.period_to,
    createdAt: row.created_at,
    createdBy: row.created_by,
    recipientPartnerId: row.recipient_partner_id,
    purpose: row.purpose,
    art6: row.art6,
    fileName: row.file_name,
    csvSha256: row.csv_sha256,
    families: row.families,
    people: row.people,
    peopleExcluded: row.people_excluded,
    referrals: row.referrals,
    ledgerEntryId: row.ledger_entry_id,
  };
}

export function createStatisticsStore(deps: { db: Db; masterKeys: MasterKeys; assertOpen(): void }): StatisticsStore {
  const { db, masterKeys, assertOpen } = deps;

  return {
    async statisticsCounts(query) {
      assertOpen();
      const { from, to } = checkPeriod(query?.from, query?.to);
      const buckets = checkBuckets(query.buckets, from, to);
      const params = [from, to, buckets];
      // width_bucket(x, thresholds) is the 1-based index of the last threshold <= x.
      const inPeriod = 'r.received_at >= $1::timestamptz AND r.received_at < $2::timestamptz';
      const bucket = 'width_bucket(r.received_at, $3::timestamptz[])';
      const [sourceType, need, area, outcome, missing] = await Promise.all([
        db.query<CountRow>(`SELECT r.source_type AS key, ${bucket} AS bucket, count(*)::integer AS n FROM referrals r WHERE ${inPeriod} GROUP BY 1, 2`, params),
        db.query<CountRow>(
          `SELECT n.need AS key, ${bucket} AS bucket, count(*)::integer AS n
             FROM referrals r
            CROSS JOIN LATERAL unnest(CASE WHEN coalesce(cardinality(r.needs), 0) = 0 THEN ARRAY['']::text[] ELSE r.needs END) AS n(need)
            WHERE ${inPeriod} GROUP BY 1, 2`,
          params,
        ),
        db.query<CountRow>(`SELECT coalesce(r.postcode_district, '') AS key, ${bucket} AS bucket, count(*)::integer AS n FROM referrals r WHERE ${inPeriod} GROUP BY 1, 2`, params),
        db.query<CountRow>(
          `SELECT CASE WHEN d.feedback_status IN ('accepted', 'declined', 'closed') THEN d.feedback_status ELSE 'none' END AS key,
                  ${bucket} AS bucket, count(*)::integer AS n
             FROM deliveries d JOIN referrals r ON r.id = d.referral_id
            WHERE ${inPeriod} GROUP BY 1, 2`,
          params,
        ),
        db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM referrals r WHERE ${inPeriod} AND r.needs IS NULL`, [from, to]),
      ]);
      return {
        sourceType: counts(sourceType.rows),
        need: counts(need.rows),
        area: counts(area.rows),
        outcome: counts(outcome.rows),
        dimensionsMissing: Number(missing.rows[0]?.n ?? 0),
      };
    },

    async deliveryTimings(query) {
      assertOpen();
      const { from, to } = checkPeriod(query?.from, query?.to);
      const result = await db.query<{
        recipient_partner_id: string;
        source_type: string;
        status: DeliveryStatus;
        received_at: Date;
        delivered_at: Date | null;
        acknowledged_at: Date | null;
        accepted_at: Date | null;
        deadline_at: Date | null;
      }>(
        `SELECT d.recipient_partner_id, r.source_type, d.status, r.received_at, d.delivered_at, d.acknowledged_at, d.accepted_at, d.deadline_at
           FROM deliveries d JOIN referrals r ON r.id = d.referral_id
          WHERE r.received_at >= $1::timestamptz AND r.received_at < $2::timestamptz
          ORDER BY r.received_at, d.id`,
        [from, to],
      );
      return result.rows.map(
        (row): DeliveryTiming => ({
          recipientPartnerId: row.recipient_partner_id,
          sourceType: row.source_type,
          status: row.status,
          receivedAt: row.received_at,
          deliveredAt: row.delivered_at,
          acknowledgedAt: row.acknowledged_at,
          acceptedAt: row.accepted_at,
          deadlineAt: row.deadline_at,
        }),
      );
    },

    async backfillReferralDimensions(derive, options = {}) {
      assertOpen();
      if (typeof derive !== 'function') throw new TypeError('derive must be a function');
      const batchSize = options.batchSize ?? 200;
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new TypeError('batchSize must be an integer from 1 to 10000');
      let updated = 0;
      let unreadable = 0;
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        assertOpen();
        const page = await db.query<ExtractDbRow>(`SELECT ${SEALED_COLUMNS} FROM referrals r WHERE r.needs IS NULL AND r.id > $1::uuid ORDER BY r.id LIMIT $2`, [after, batchSize]);
        if (page.rows.length === 0) break;
        for (const row of page.rows) {
          after = row.id;
          const canonical = openCanonical(masterKeys, row);
          if (!canonical) {
            unreadable += 1;
            continue;
          }
          const derived = derive(canonical);
          const needs = checkNeeds(derived?.needs, 'derived needs');
          const district = typeof derived.postcodeDistrict === 'string' && POSTCODE_DISTRICT_PATTERN.test(derived.postcodeDistrict) ? derived.postcodeDistrict : null;
          const result = await db.query('UPDATE referrals SET needs = $2::text[], postcode_district = $3 WHERE id = $1::uuid AND needs IS NULL', [row.id, needs, district]);
          updated += result.rowCount;
        }
        options.onProgress?.({ done: updated, unreadable });
      }
      return { updated, unreadable };
    },

    async extractSourcePage(query) {
      assertOpen();
      const { from, to } = checkPeriod(query?.from, query?.to);
      const limit = requireNonNegativeInteger(query.limit, 'limit');
      if (limit < 1 || limit > MAX_EXTRACT_PAGE) throw new TypeError(`limit must be from 1 to ${MAX_EXTRACT_PAGE}`);
      const after = query.afterReferralId === undefined ? '00000000-0000-0000-0000-000000000000' : requireUuid(query.afterReferralId, 'afterReferralId');
      const page = await db.query<ExtractDbRow>(
        `SELECT ${SEALED_COLUMNS}
           FROM referrals r
          WHERE r.received_at >= $1::timestamptz AND r.received_at < $2::timestamptz AND r.id > $3::uuid
            AND EXISTS (SELECT 1 FROM deliveries d WHERE d.referral_id = r.id AND d.delivered_at IS NOT NULL)
          ORDER BY r.id
          LIMIT $4`,
        [from, to, after, limit],
      );
      if (page.rows.length === 0) return [];
      const ids = page.rows.map((row) => row.id);
      const [people, deliveries] = await Promise.all([
        db.query<{ referral_id: string; person_ref: string; person_id: string; role: string }>(
          'SELECT referral_id::text AS referral_id, person_ref, person_id::text AS person_id, role FROM referral_people WHERE referral_id = ANY($1::uuid[]) ORDER BY referral_id, person_ref',
          [ids],
        ),
        db.query<{ referral_id: string; status: DeliveryStatus; feedback_status: FeedbackKind | null; accepted_at: Date | null }>(
          'SELECT referral_id::text AS referral_id, status, feedback_status, accepted_at FROM deliveries WHERE referral_id = ANY($1::uuid[]) ORDER BY referral_id, id',
          [ids],
        ),
      ]);
      return page.rows.map(
        (row): ExtractSourceReferral => ({
          referralId: row.id,
          receivedAt: row.received_at,
          canonical: openCanonical(masterKeys, row),
          people: people.rows.filter((p) => p.referral_id === row.id).map((p) => ({ personRef: p.person_ref, hubPersonId: p.person_id, role: p.role })),
          deliveries: deliveries.rows.filter((d) => d.referral_id === row.id).map((d) => ({ status: d.status, feedbackStatus: d.feedback_status, acceptedAt: d.accepted_at })),
        }),
      );
    },

    async recordEvaluationExtract(input) {
      assertOpen();
      const record = checkExtractRecord(input);
      const ledgerEntryId = uuidv7(record.createdAt.getTime());
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO evaluation_extracts (id, period_from, period_to, created_at, created_by, recipient_partner_id, purpose, art6, file_name,
                                            csv_sha256, families, people, people_excluded, referrals, ledger_entry_id)
           VALUES ($1::uuid, $2::date, $3::date, $4::timestamptz, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::uuid)`,
          [
            record.extractId,
            record.periodFrom,
            record.periodTo,
            record.createdAt,
            record.createdBy,
            record.recipientPartnerId,
            record.purpose,
            record.art6,
            record.fileName,
            record.csvSha256,
            record.families,
            record.people,
            record.peopleExcluded,
            record.referrals,
            ledgerEntryId,
          ],
        );
        // Last: the ledger lock is held until commit.
        await appendLedgerEntries(tx, [
          {
            id: ledgerEntryId,
            at: record.createdAt,
            // An extract covers many referrals: the ledger row is keyed by the extract's own id
            // (evaluation_extracts.id), as referral and delivery, and names every subject.
            referralId: record.extractId,
            deliveryId: record.extractId,
            subjects: record.subjects,
            recipientPartnerId: record.recipientPartnerId,
            purpose: record.purpose,
            art6: record.art6,
            fields: record.fields,
            payloadSha256: record.csvSha256,
            channel: EXTRACT_CHANNEL,
            outcome: 'disclosed',
            decidedByOperator: record.createdBy,
          },
        ]);
      });
      return { ledgerEntryId };
    },

    async feedbackStatistics(period) {
      assertOpen();
      for (const key of ['from', 'to'] as const) {
        if (typeof period?.[key] !== 'string' || !MONTH.test(period[key])) throw new TypeError(`${key} must be a month YYYY-MM`);
      }
      const { from, to } = period;
      if (from > to) throw new TypeError('from must not be after to');
      const [fy, fm] = from.split('-').map(Number) as [number, number];
      const [ty, tm] = to.split('-').map(Number) as [number, number];
      if ((ty - fy) * 12 + (tm - fm) + 1 > MAX_FEEDBACK_MONTHS) throw new TypeError(`the period can cover at most ${MAX_FEEDBACK_MONTHS} months`);
      // No id, person or comment column is selected: reporting never sees them. An answer that only
      // said "do not ask me again" has no ratings and is not an answer to any question.
      const result = await db.query<{ month: string; service_type: string; postcode_district: string | null; ratings: unknown }>(
        `SELECT to_char(month, 'YYYY-MM') AS month, service_type, postcode_district, ratings
           FROM family_feedback
          WHERE month >= $1::date AND month <= $2::date AND ratings <> '{}'::jsonb
          ORDER BY month, service_type, postcode_district NULLS LAST, ratings::text`,
        [`${from}-01`, `${to}-01`],
      );
      return result.rows.map((row): FeedbackStatisticsRow => {
        const raw = typeof row.ratings === 'string' ? (JSON.parse(row.ratings) as unknown) : row.ratings;
        const ratings: Record<string, number> = {};
        if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
          for (const [question, value] of Object.entries(raw)) if (typeof value === 'number' && Number.isInteger(value)) ratings[question] = value;
        }
        return { month: row.month, serviceType: row.service_type, postcodeDistrict: row.postcode_district, ratings };
      });
    },

    async listEvaluationExtracts(limit) {
      assertOpen();
      const n = requireNonNegativeInteger(limit, 'limit');
      if (n < 1 || n > 1000) throw new TypeError('limit must be from 1 to 1000');
      const result = await db.query<EvaluationExtractDbRow>(`SELECT ${EVALUATION_EXTRACT_COLUMNS} FROM evaluation_extracts ORDER BY created_at DESC, id DESC LIMIT $1`, [n]);
      return result.rows.map(toStoredEvaluationExtract);
    },
  };
}
