// Anonymised feedback statistics (issue 6): families' ratings of a service, by the service's type
// and by the family's area (postcode district), per month — through the same small-number
// suppression as every other statistic (suppress.ts: 1–7 shown as `*`, others rounded to 5,
// secondary suppression). The answers come in without ids, people or text (FeedbackStatisticsRow);
// only codes, months, districts and numbers come out.
//
// Per dimension (service type, area) there is one table of answers (rows: service types or
// districts; columns: months) and, per question, one table of the distribution of ratings (rows:
// a month and a service type or district; columns: the ratings 1–5). A mean rating is shown for a
// row only when at least FEEDBACK_MEAN_MINIMUM people answered and no figure of the row is hidden:
// a mean is never computed from, or published next to, a suppressed cell.

import { csvRecord } from './csv.ts';
import { SMALL_NUMBER_LIMIT, SUPPRESSED, SUPPRESSION_NOTE, suppressTable, toCsv, TOTAL_LABEL, type SuppressedTable } from './suppress.ts';

/** The questions a family is asked (schemas/inbound family.feedback.submitted), each rated 1 (worst) to 5 (best). */
export const FEEDBACK_QUESTIONS = [
  { id: 'overall', label: 'Overall, how good was the support' },
  { id: 'listened', label: 'Felt listened to' },
  { id: 'helpful', label: 'The support helped' },
  { id: 'easy-to-reach', label: 'The service was easy to reach' },
] as const;
export type FeedbackQuestionId = (typeof FEEDBACK_QUESTIONS)[number]['id'];

export const FEEDBACK_RATINGS = [1, 2, 3, 4, 5] as const;

export const FEEDBACK_DIMENSIONS = ['service-type', 'area'] as const;
export type FeedbackDimension = (typeof FEEDBACK_DIMENSIONS)[number];

/** `service-type-answers`, `service-type-overall`, …, `area-easy-to-reach`. */
export const FEEDBACK_TABLE_IDS: readonly string[] = FEEDBACK_DIMENSIONS.flatMap((d) => [`${d}-answers`, ...FEEDBACK_QUESTIONS.map((q) => `${d}-${q.id}`)]);

/** Fewest answers behind a published mean (one more than the largest count shown as `*`). */
export const FEEDBACK_MEAN_MINIMUM = SMALL_NUMBER_LIMIT + 1;
/** The area of answers with no postcode district recorded. */
export const FEEDBACK_UNKNOWN_AREA = 'unknown';
/** What a mean cell shows when nobody answered. */
export const NO_ANSWERS = '';

export const FEEDBACK_MEAN_NOTE =
  `A mean rating (1 = worst, 5 = best) is shown only where at least ${FEEDBACK_MEAN_MINIMUM} people answered and none of the figures in its row is hidden; otherwise it is shown as ${SUPPRESSED}. ` +
  'It is worked out from the true answers and rounded to one decimal place.';

const SERVICE_TYPE = /^[a-z][a-z0-9-]{0,63}$/;
const DISTRICT = /^[A-Z]{1,2}[0-9][0-9A-Z]?$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** One answer as the store reports it (@hub/store FeedbackStatisticsRow): no id, no person, no text. */
export interface FeedbackAnswerRow {
  month: string;
  serviceType: string;
  postcodeDistrict: string | null;
  ratings: Readonly<Record<string, number>>;
}

export interface FeedbackAnswersTable {
  kind: 'answers';
  id: string;
  dimension: FeedbackDimension;
  title: string;
  counts: string;
  /** Service type codes or districts (`unknown` for none), one per row of `table`. */
  rowKeys: string[];
  /** Rows: rowKeys; columns: the months. */
  table: SuppressedTable;
}

export interface FeedbackQuestionTable {
  kind: 'question';
  id: string;
  dimension: FeedbackDimension;
  question: FeedbackQuestionId;
  title: string;
  counts: string;
  /** The month (`YYYY-MM`) and the service type or district of each row of `table`. */
  rowMonths: string[];
  rowKeys: string[];
  /** Rows: (month, key); columns: the ratings `1`…`5`; row totals: the people who answered the question. */
  table: SuppressedTable;
  /** Per row: the mean rating, `*` when it may not be shown, `''` when nobody answered. */
  means: string[];
  totalMean: string;
}

export type FeedbackTable = FeedbackAnswersTable | FeedbackQuestionTable;

export interface FeedbackReport {
  /** London calendar dates of the period asked for (answers are counted by the month they arrived in). */
  from: string;
  to: string;
  months: string[];
  tables: FeedbackTable[];
}

const DIMENSION_TEXT: Readonly<Record<FeedbackDimension, { header: string; by: string }>> = {
  'service-type': { header: 'Service type', by: 'by the type of service that supported the family' },
  area: { header: 'Postcode district', by: 'by the family’s postcode district' },
};

const districtOrder = new Intl.Collator('en-GB', { numeric: true });

function keyOf(row: FeedbackAnswerRow, dimension: FeedbackDimension): string {
  return dimension === 'service-type' ? row.serviceType : (row.postcodeDistrict ?? FEEDBACK_UNKNOWN_AREA);
}

function checkRow(row: FeedbackAnswerRow, monthIndex: ReadonlyMap<string, number>, i: number): void {
  // A free-text value must never reach a published table: anything that is not a code is refused.
  if (typeof row.serviceType !== 'string' || !SERVICE_TYPE.test(row.serviceType)) throw new RangeError(`answer ${i + 1}: the service type is not a code`);
  if (row.postcodeDistrict !== null && (typeof row.postcodeDistrict !== 'string' || !DISTRICT.test(row.postcodeDistrict))) {
    throw new RangeError(`answer ${i + 1}: the area is not a postcode district`);
  }
  if (!monthIndex.has(row.month)) throw new RangeError(`answer ${i + 1}: the month is outside the report`);
}

/** The rating of one question in one answer, or undefined when it was not answered (or is not a rating 1–5). */
function ratingOf(row: FeedbackAnswerRow, question: string): number | undefined {
  const value = Object.prototype.hasOwnProperty.call(row.ratings, question) ? row.ratings[question] : undefined;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5 ? value : undefined;
}

function answersTable(dimension: FeedbackDimension, keys: readonly string[], months: readonly string[], rows: readonly FeedbackAnswerRow[]): FeedbackAnswersTable {
  const keyIndex = new Map(keys.map((k, i) => [k, i]));
  const monthIndex = new Map(months.map((m, i) => [m, i]));
  const cells = keys.map(() => new Array<number>(months.length).fill(0));
  for (const row of rows) (cells[keyIndex.get(keyOf(row, dimension)) as number] as number[])[monthIndex.get(row.month) as number]! += 1;
  const text = DIMENSION_TEXT[dimension];
  return {
    kind: 'answers',
    id: `${dimension}-answers`,
    dimension,
    title: dimension === 'service-type' ? 'Answers by service type' : 'Answers by area',
    counts: `feedback answers received, ${text.by}, by the month they arrived in`,
    rowKeys: [...keys],
    table: suppressTable({ rowHeader: text.header, rows: [...keys], columns: [...months], cells }),
  };
}

function meanOf(counts: readonly number[]): number | undefined {
  const n = counts.reduce((a, b) => a + b, 0);
  if (n === 0) return undefined;
  return counts.reduce((sum, c, i) => sum + c * (i + 1), 0) / n;
}

/** The published mean of a line of rating counts: shown only with enough answers and nothing hidden in the line. */
function shownMean(counts: readonly number[], shownCells: readonly string[], shownTotal: string): string {
  const n = counts.reduce((a, b) => a + b, 0);
  if (n === 0) return NO_ANSWERS;
  if (n < FEEDBACK_MEAN_MINIMUM || shownTotal === SUPPRESSED || shownCells.includes(SUPPRESSED)) return SUPPRESSED;
  return (meanOf(counts) as number).toFixed(1);
}

function questionTable(
  dimension: FeedbackDimension,
  question: (typeof FEEDBACK_QUESTIONS)[number],
  keys: readonly string[],
  months: readonly string[],
  rows: readonly FeedbackAnswerRow[],
): FeedbackQuestionTable {
  // A row for every (month, key) with at least one answer (to any question), months in order.
  const lines: { month: string; key: string; counts: number[] }[] = [];
  const lineIndex = new Map<string, number>();
  const present = new Set(rows.map((r) => `${r.month}|${keyOf(r, dimension)}`));
  for (const month of months) {
    for (const key of keys) {
      if (!present.has(`${month}|${key}`)) continue;
      lineIndex.set(`${month}|${key}`, lines.length);
      lines.push({ month, key, counts: [0, 0, 0, 0, 0] });
    }
  }
  for (const row of rows) {
    const rating = ratingOf(row, question.id);
    if (rating === undefined) continue;
    (lines[lineIndex.get(`${row.month}|${keyOf(row, dimension)}`) as number] as (typeof lines)[number]).counts[rating - 1]! += 1;
  }
  const text = DIMENSION_TEXT[dimension];
  const table = suppressTable({
    rowHeader: text.header,
    rows: lines.map((l) => `${l.month} ${l.key}`),
    columns: FEEDBACK_RATINGS.map(String),
    cells: lines.map((l) => l.counts),
  });
  const columnCounts = FEEDBACK_RATINGS.map((_, i) => lines.reduce((sum, l) => sum + (l.counts[i] as number), 0));
  return {
    kind: 'question',
    id: `${dimension}-${question.id}`,
    dimension,
    question: question.id,
    title: `${question.label}: ratings ${text.by}`,
    counts: `people who rated “${question.label}” from 1 (worst) to 5 (best), ${text.by}, by the month they answered`,
    rowMonths: lines.map((l) => l.month),
    rowKeys: lines.map((l) => l.key),
    table,
    means: lines.map((l, r) => shownMean(l.counts, table.cells[r] as string[], table.rowTotals[r] as string)),
    totalMean: shownMean(columnCounts, table.columnTotals, table.grandTotal),
  };
}

/**
 * Builds the suppressed feedback tables from the answers of the period. `months` are the report's
 * months (`YYYY-MM`, as monthBuckets labels them); an answer in another month, or with a service
 * type or area that is not a code, is refused (RangeError). Question ids other than the four
 * known ones, and ratings that are not 1–5, are ignored.
 */
export function buildFeedbackReport(input: { from: string; to: string; months: readonly string[]; rows: readonly FeedbackAnswerRow[] }): FeedbackReport {
  const { months, rows } = input;
  months.forEach((m, i) => {
    if (!MONTH.test(m)) throw new RangeError(`month ${i + 1} is not YYYY-MM`);
  });
  const monthIndex = new Map(months.map((m, i) => [m, i]));
  if (monthIndex.size !== months.length) throw new RangeError('duplicate month');
  rows.forEach((row, i) => checkRow(row, monthIndex, i));

  const serviceTypes = [...new Set(rows.map((r) => r.serviceType))].sort();
  const districts = [...new Set(rows.flatMap((r) => (r.postcodeDistrict === null ? [] : [r.postcodeDistrict])))].sort((a, b) => districtOrder.compare(a, b));
  const keys: Record<FeedbackDimension, string[]> = { 'service-type': serviceTypes, area: [...districts, FEEDBACK_UNKNOWN_AREA] };

  return {
    from: input.from,
    to: input.to,
    months: [...months],
    tables: FEEDBACK_DIMENSIONS.flatMap((dimension): FeedbackTable[] => [
      answersTable(dimension, keys[dimension], months, rows),
      ...FEEDBACK_QUESTIONS.map((q) => questionTable(dimension, q, keys[dimension], months, rows)),
    ]),
  };
}

export function feedbackTable(report: FeedbackReport, id: string): FeedbackTable {
  const found = report.tables.find((t) => t.id === id);
  if (!found) throw new RangeError(`no feedback table ${id}`);
  return found;
}

/** One table as CSV (RFC 4180, CRLF): shown values only, then the notes. */
export function feedbackTableCsv(report: FeedbackReport, id: string): string {
  const t = feedbackTable(report, id);
  if (t.kind === 'answers') return toCsv(t.table);
  const header = ['Month', t.table.rowHeader, ...t.table.columns, TOTAL_LABEL, 'Mean'];
  const pad = (text: string): string[] => [text, ...new Array<string>(header.length - 1).fill('')];
  return [
    csvRecord(header),
    ...t.rowMonths.map((month, r) => csvRecord([month, t.rowKeys[r] as string, ...(t.table.cells[r] as string[]), t.table.rowTotals[r] as string, t.means[r] as string])),
    csvRecord([TOTAL_LABEL, '', ...t.table.columnTotals, t.table.grandTotal, t.totalMean]),
    csvRecord(pad(SUPPRESSION_NOTE)),
    csvRecord(pad(FEEDBACK_MEAN_NOTE)),
  ].join('');
}

export interface FeedbackAnswersTableJson {
  id: string;
  kind: 'answers';
  dimension: FeedbackDimension;
  title: string;
  counts: string;
  rowHeader: string;
  columns: string[];
  rows: { key: string; values: string[]; total: string }[];
  totals: { values: string[]; total: string };
}

export interface FeedbackQuestionTableJson {
  id: string;
  kind: 'question';
  dimension: FeedbackDimension;
  question: FeedbackQuestionId;
  title: string;
  counts: string;
  rowHeader: string;
  columns: string[];
  rows: { month: string; key: string; values: string[]; total: string; mean: string }[];
  totals: { values: string[]; total: string; mean: string };
}

export interface FeedbackReportJson {
  from: string;
  to: string;
  months: string[];
  note: string;
  meanNote: string;
  questions: { id: FeedbackQuestionId; label: string }[];
  tables: (FeedbackAnswersTableJson | FeedbackQuestionTableJson)[];
}

/** The whole report as JSON: shown values only (no true count, no primary/secondary detail). */
export function feedbackReportJson(report: FeedbackReport): string {
  const body: FeedbackReportJson = {
    from: report.from,
    to: report.to,
    months: [...report.months],
    note: SUPPRESSION_NOTE,
    meanNote: FEEDBACK_MEAN_NOTE,
    questions: FEEDBACK_QUESTIONS.map((q) => ({ id: q.id, label: q.label })),
    tables: report.tables.map((t): FeedbackAnswersTableJson | FeedbackQuestionTableJson => {
      const common = { id: t.id, dimension: t.dimension, title: t.title, counts: t.counts, rowHeader: t.table.rowHeader, columns: [...t.table.columns] };
      if (t.kind === 'answers') {
        return {
          ...common,
          kind: 'answers',
          rows: t.rowKeys.map((key, r) => ({ key, values: [...(t.table.cells[r] as string[])], total: t.table.rowTotals[r] as string })),
          totals: { values: [...t.table.columnTotals], total: t.table.grandTotal },
        };
      }
      return {
        ...common,
        kind: 'question',
        question: t.question,
        rows: t.rowKeys.map((key, r) => ({ month: t.rowMonths[r] as string, key, values: [...(t.table.cells[r] as string[])], total: t.table.rowTotals[r] as string, mean: t.means[r] as string })),
        totals: { values: [...t.table.columnTotals], total: t.table.grandTotal, mean: t.totalMean },
      };
    }),
  };
  return JSON.stringify(body, null, 2);
}
