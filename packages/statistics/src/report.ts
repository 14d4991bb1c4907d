// The anonymised statistics report (DESIGN §8, DOMAIN §8): four tables of counts by month —
// referrals by source type, need mentions by need, referrals by area (postcode district) and
// deliveries by outcome — each through suppressTable, so every published figure is `0`, `*` or a
// multiple of 5, and no hidden figure can be worked out from its row or column totals. The true
// counts go in and never come out: a report holds shown strings only.

import { REFERRAL_SOURCE_TYPES, SUPPORTING_FAMILIES_OUTCOMES, NEED_CODES } from '@hub/domain';
import { SUPPRESSION_NOTE, suppressTable, toCsv, toJson, type SuppressedTable, type SuppressedTableJson } from './suppress.ts';

export const STATISTICS_TABLE_IDS = ['source-type', 'need', 'area', 'outcome'] as const;
export type StatisticsTableId = (typeof STATISTICS_TABLE_IDS)[number];

/** One true count, as the store reports it (`bucket` indexes the report's months). */
export interface KeyedCount {
  key: string;
  bucket: number;
  count: number;
}

/** The store's true counts (StatisticsStore.statisticsCounts). */
export interface StatisticsInput {
  sourceType: readonly KeyedCount[];
  need: readonly KeyedCount[];
  area: readonly KeyedCount[];
  outcome: readonly KeyedCount[];
  dimensionsMissing: number;
}

export interface StatisticsTable {
  id: StatisticsTableId;
  title: string;
  /** What one counted unit is, for the page and the JSON. */
  counts: string;
  /** The key (source type, need code, district, outcome; `''` = none/unknown) of each row of `table`. */
  rowKeys: string[];
  table: SuppressedTable;
}

export interface StatisticsReport {
  /** London calendar dates: referrals received in [from, to). */
  from: string;
  to: string;
  /** Column labels, `YYYY-MM`. */
  months: string[];
  tables: StatisticsTable[];
  /** Some referrals of the period have no recorded needs or area yet (run `hub stats backfill`). Not a count: that could be small. */
  dimensionsIncomplete: boolean;
}

const SOURCE_TYPE_LABELS: Readonly<Record<string, string>> = {
  'family.self-referral.submitted': 'Family (self-referral)',
  'police.domestic-abuse.notified': 'Police: domestic abuse (Operation Encompass)',
  'police.vulnerability.referred': 'Police: vulnerability',
  'education.early-help.requested': 'Education provider',
  'health.gp.referred': 'GP practice',
  'health.health-visitor.concern-raised': 'Health visitor',
  'housing.tenancy-risk.notified': 'Housing provider',
  'dwp.jobcentre.referred': 'Job Centre',
  'victim-support.referral.submitted': 'Victim Support',
  'justice.youth-justice.notified': 'Youth justice or probation',
  'social-care.step-down.requested': 'Social care (step-down)',
  'vcs.referral.submitted': 'Voluntary or community sector',
};

/** A readable name for a message (source) type; the type itself when unknown. */
export function sourceTypeLabel(type: string): string {
  return SOURCE_TYPE_LABELS[type] ?? type;
}

const NEED_LABELS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(SUPPORTING_FAMILIES_OUTCOMES.map((o) => [o.code, o.display])),
  employment: 'Employment (within financial stability)',
};

export const NO_NEED_LABEL = 'No need recorded';
export const UNKNOWN_AREA_LABEL = 'Unknown or no fixed abode';

const OUTCOMES: readonly { key: string; label: string }[] = [
  { key: 'accepted', label: 'Accepted' },
  { key: 'declined', label: 'Declined' },
  { key: 'closed', label: 'Closed' },
  { key: 'none', label: 'No outcome yet' },
];

const districtOrder = new Intl.Collator('en-GB', { numeric: true });

interface RowSpec {
  key: string;
  label: string;
}

function tableOf(rowHeader: string, rows: readonly RowSpec[], months: readonly string[], counts: readonly KeyedCount[]): { rowKeys: string[]; table: SuppressedTable } {
  const index = new Map(rows.map((row, i) => [row.key, i]));
  const cells = rows.map(() => new Array<number>(months.length).fill(0));
  for (const c of counts) {
    const r = index.get(c.key);
    if (r === undefined) throw new RangeError('a count has a key with no row');
    if (!Number.isInteger(c.bucket) || c.bucket < 0 || c.bucket >= months.length) throw new RangeError('a count has a bucket outside the months');
    (cells[r] as number[])[c.bucket] = ((cells[r] as number[])[c.bucket] as number) + c.count;
  }
  return { rowKeys: rows.map((r) => r.key), table: suppressTable({ rowHeader, rows: rows.map((r) => r.label), columns: [...months], cells }) };
}

/** Known keys in their fixed order, then any others present (sorted), with `extra` rows last. */
function rowsFor(known: readonly RowSpec[], counts: readonly KeyedCount[], label: (key: string) => string, extra: readonly RowSpec[] = []): RowSpec[] {
  const taken = new Set([...known, ...extra].map((r) => r.key));
  const others = [...new Set(counts.map((c) => c.key).filter((k) => !taken.has(k)))].sort((a, b) => districtOrder.compare(a, b));
  return [...known, ...others.map((key) => ({ key, label: label(key) })), ...extra];
}

/**
 * Builds the four suppressed tables from true counts. Every source type and need of the hub's
 * catalogue gets a row (a true 0 is shown as 0); areas get a row each where there is a count.
 */
export function buildStatisticsReport(input: { from: string; to: string; months: readonly string[]; counts: StatisticsInput }): StatisticsReport {
  const { months, counts } = input;
  const sourceRows = rowsFor(
    REFERRAL_SOURCE_TYPES.map((type) => ({ key: type, label: sourceTypeLabel(type) })),
    counts.sourceType,
    sourceTypeLabel,
  );
  const needRows = rowsFor(
    NEED_CODES.map((code) => ({ key: code, label: NEED_LABELS[code] ?? code })),
    counts.need,
    (key) => `Other need (${key})`,
    [{ key: '', label: NO_NEED_LABEL }],
  );
  const areaRows = rowsFor([], counts.area, (key) => key, [{ key: '', label: UNKNOWN_AREA_LABEL }]);
  const outcomeRows = rowsFor(OUTCOMES, counts.outcome, (key) => `Other outcome (${key})`);
  return {
    from: input.from,
    to: input.to,
    months: [...months],
    tables: [
      { id: 'source-type', title: 'Referrals by source', counts: 'referrals received', ...tableOf('Source type', sourceRows, months, counts.sourceType) },
      {
        id: 'need',
        title: 'Needs identified',
        counts: 'needs identified on referrals received (a referral with several needs counts once under each, so the totals count needs, not referrals)',
        ...tableOf('Need (Supporting Families outcome)', needRows, months, counts.need),
      },
      { id: 'area', title: 'Referrals by area', counts: 'referrals received, by the family’s postcode district', ...tableOf('Postcode district', areaRows, months, counts.area) },
      {
        id: 'outcome',
        title: 'Outcomes',
        counts: 'referrals sent to a recipient (one per recipient), by the recipient’s latest outcome, by the month the referral was received',
        ...tableOf('Outcome', outcomeRows, months, counts.outcome),
      },
    ],
    dimensionsIncomplete: counts.dimensionsMissing > 0,
  };
}

export function reportTable(report: StatisticsReport, id: StatisticsTableId): StatisticsTable {
  const found = report.tables.find((t) => t.id === id);
  if (!found) throw new RangeError(`no statistics table ${id}`);
  return found;
}

/** One table as CSV (suppress.ts `toCsv`): shown values only, with the suppression note. */
export function reportTableCsv(report: StatisticsReport, id: StatisticsTableId): string {
  return toCsv(reportTable(report, id).table);
}

export interface StatisticsReportJson {
  from: string;
  to: string;
  months: string[];
  note: string;
  dimensionsIncomplete: boolean;
  tables: ({ id: StatisticsTableId; title: string; counts: string } & SuppressedTableJson)[];
}

/** The whole report as JSON: each table as `toJson` writes it (no primary/secondary detail). */
export function reportJson(report: StatisticsReport): string {
  const body: StatisticsReportJson = {
    from: report.from,
    to: report.to,
    months: [...report.months],
    note: SUPPRESSION_NOTE,
    dimensionsIncomplete: report.dimensionsIncomplete,
    tables: report.tables.map((t) => ({ id: t.id, title: t.title, counts: t.counts, ...(JSON.parse(toJson(t.table)) as SuppressedTableJson) })),
  };
  return JSON.stringify(body, null, 2);
}

/** A `YYYY-MM` label as "Mar 2026" for pages. */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}
