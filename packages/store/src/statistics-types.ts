// Types of the statistics, performance and evaluation-extract part of the Store (see StatisticsStore).
import type { FeedbackStatisticsRow } from './feedback-types.ts';
import type { DeliveryStatus, FeedbackKind } from './routing-types.ts';

/** One count of referrals (or deliveries, or need mentions) for one key in one time bucket. */
export interface DimensionCount {
  /** Source type, need code, postcode district or outcome; `''` = none recorded / unknown. */
  key: string;
  /** Index into the query's `buckets`. */
  bucket: number;
  count: number;
}

export interface StatisticsCountsQuery {
  /** Referrals received in [from, to). */
  from: Date;
  to: Date;
  /**
   * Start instants of the time buckets, ascending, the first equal to `from` (e.g. each month's
   * London midnight). A referral falls in the last bucket that starts at or before its receipt.
   */
  buckets: Date[];
}

/** True counts, never published as they are: the caller suppresses them (@hub/statistics). */
export interface StatisticsCounts {
  /** Referrals by message (source) type. */
  sourceType: DimensionCount[];
  /** Need mentions: a referral with three needs counts once under each; `''` = no need recorded. */
  need: DimensionCount[];
  /** Referrals by the family's postcode district; `''` = unknown (no postcode, no fixed abode). */
  area: DimensionCount[];
  /** Deliveries by outcome: `accepted`, `declined`, `closed`, or `none` (no outcome yet). */
  outcome: DimensionCount[];
  /** Referrals in the period whose needs and district have not been recorded yet (run `hub stats backfill`). */
  dimensionsMissing: number;
}

/** The times of one delivery, for performance against targets. Ids and times only. */
export interface DeliveryTiming {
  recipientPartnerId: string;
  /** The referral's message (source) type. */
  sourceType: string;
  status: DeliveryStatus;
  /** When the hub received the referral. */
  receivedAt: Date;
  deliveredAt: Date | null;
  /** First feedback of any kind from the recipient. */
  acknowledgedAt: Date | null;
  /** First `referral.accepted`. */
  acceptedAt: Date | null;
  /** Operation Encompass (or any other) delivery deadline. */
  deadlineAt: Date | null;
}

export interface ReferralDimensions {
  needs: string[];
  postcodeDistrict?: string | null;
}

export interface BackfillOptions {
  /** Referrals decrypted per batch. Default 200. */
  batchSize?: number;
  onProgress?(progress: { done: number; unreadable: number }): void;
}

/** One referral for the national evaluation extract, decrypted. */
export interface ExtractSourceReferral {
  referralId: string;
  receivedAt: Date;
  /** The canonical referral's JSON bytes; null when it cannot be decrypted (key destroyed or tampered). */
  canonical: Buffer | null;
  people: { personRef: string; hubPersonId: string; role: string }[];
  deliveries: { status: DeliveryStatus; feedbackStatus: FeedbackKind | null; acceptedAt: Date | null }[];
}

export interface EvaluationExtractRecord {
  extractId: string;
  /** London calendar dates: referrals received in [periodFrom, periodTo). */
  periodFrom: string;
  periodTo: string;
  createdAt: Date;
  /** The operator (console user or CLI operator name) who made it. */
  createdBy: string;
  recipientPartnerId: string;
  purpose: string;
  art6: string;
  fileName: string;
  /** Hex SHA-256 of the CSV bytes. */
  csvSha256: string;
  /** Ledger `fields`: a pointer per CSV column. */
  fields: string[];
  /** Hub person ids of everyone in the file. */
  subjects: string[];
  families: number;
  people: number;
  peopleExcluded: number;
  referrals: number;
}

export interface StoredEvaluationExtract extends Omit<EvaluationExtractRecord, 'fields' | 'subjects'> {
  ledgerEntryId: string;
}

/** The ledger channel recorded for an evaluation extract. */
export const EXTRACT_CHANNEL = 'secure-file-transfer';

export interface StatisticsStore {
  /** True counts for anonymised statistics: referrals received in the period, by bucket. */
  statisticsCounts(query: StatisticsCountsQuery): Promise<StatisticsCounts>;
  /** Every delivery of the referrals received in [from, to), with its times. */
  deliveryTimings(query: { from: Date; to: Date }): Promise<DeliveryTiming[]>;
  /**
   * Fills needs/postcode_district of referrals routed before they were recorded, by decrypting
   * each canonical referral and passing it to `derive` (the store does not read the canonical
   * shape). Referrals that cannot be decrypted are left as they are and counted as unreadable; a
   * district that is not an outward code is stored as unknown.
   */
  backfillReferralDimensions(derive: (canonical: Buffer) => ReferralDimensions, options?: BackfillOptions): Promise<{ updated: number; unreadable: number }>;
  /**
   * A page (by referral id) of the referrals received in [from, to) that at least one recipient
   * received (a delivered delivery): the families supported. Decrypted.
   */
  extractSourcePage(query: { from: Date; to: Date; afterReferralId?: string; limit: number }): Promise<ExtractSourceReferral[]>;
  /**
   * Records an evaluation extract in one transaction: its evaluation_extracts row and ONE
   * `disclosed` ledger row to the recipient (referral_id and delivery_id = the extract id; subjects
   * = everyone in the file; fields = the column pointers; payload_sha256 = the CSV's SHA-256;
   * channel secure-file-transfer; decided by the operator).
   */
  recordEvaluationExtract(record: EvaluationExtractRecord): Promise<{ ledgerEntryId: string }>;
  /** Recorded extracts, newest first. */
  listEvaluationExtracts(limit: number): Promise<StoredEvaluationExtract[]>;
  /**
   * Families' feedback answers whose month (the London calendar month they arrived in) is from
   * `from` to `to`, both `YYYY-MM` and both included: month, service type, district and ratings
   * only — no id, no person, no text — for @hub/statistics to suppress (buildFeedbackReport).
   */
  feedbackStatistics(period: { from: string; to: string }): Promise<FeedbackStatisticsRow[]>;
}
