import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildFeedbackReport,
  feedbackReportJson,
  feedbackTable,
  feedbackTableCsv,
  FEEDBACK_MEAN_MINIMUM,
  FEEDBACK_MEAN_NOTE,
  FEEDBACK_QUESTIONS,
  FEEDBACK_TABLE_IDS,
  FEEDBACK_UNKNOWN_AREA,
  type FeedbackAnswerRow,
  type FeedbackQuestionTable,
  type FeedbackReportJson,
} from './feedback.ts';
import { SUPPRESSION_NOTE, suppressCount, type SuppressedTable } from './suppress.ts';

const MONTHS = ['2026-01', '2026-02'];

function answers(n: number, row: FeedbackAnswerRow): FeedbackAnswerRow[] {
  return Array.from({ length: n }, () => ({ ...row, ratings: { ...row.ratings } }));
}

/** label → [cells…, row total], plus 'Total' → [column totals…, grand total]. */
function shownByLabel(table: SuppressedTable): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  table.rows.forEach((label, r) => (out[label] = [...(table.cells[r] as string[]), table.rowTotals[r] as string]));
  out.Total = [...table.columnTotals, table.grandTotal];
  return out;
}

const socialCare = [
  ...answers(20, { month: '2026-01', serviceType: 'social-care', postcodeDistrict: 'M14', ratings: { overall: 5 } }),
  ...answers(10, { month: '2026-01', serviceType: 'social-care', postcodeDistrict: 'M14', ratings: { overall: 4, helpful: 5 } }),
];

describe('buildFeedbackReport (hand-computed)', () => {
  it('counts answers per month and shows a mean where thirty people answered and nothing is hidden', () => {
    const report = buildFeedbackReport({ from: '2026-01-01', to: '2026-03-01', months: MONTHS, rows: socialCare });
    expect(report.tables.map((t) => t.id)).toEqual(FEEDBACK_TABLE_IDS);
    expect(shownByLabel(feedbackTable(report, 'service-type-answers').table)).toEqual({ 'social-care': ['30', '0', '30'], Total: ['30', '0', '30'] });
    // Districts with no value show as "unknown" (a row always there).
    expect(shownByLabel(feedbackTable(report, 'area-answers').table)).toEqual({ M14: ['30', '0', '30'], [FEEDBACK_UNKNOWN_AREA]: ['0', '0', '0'], Total: ['30', '0', '30'] });

    const overall = feedbackTable(report, 'service-type-overall') as FeedbackQuestionTable;
    expect(overall.rowMonths).toEqual(['2026-01']);
    expect(overall.rowKeys).toEqual(['social-care']);
    expect(overall.table.cells).toEqual([['0', '0', '0', '10', '20']]);
    expect(overall.table.rowTotals).toEqual(['30']);
    // (10 × 4 + 20 × 5) / 30 = 4.67.
    expect(overall.means).toEqual(['4.7']);
    expect(overall.totalMean).toBe('4.7');

    // Ten people answered "helpful": 10 is above the limit, so it and its mean are shown.
    const helpful = feedbackTable(report, 'service-type-helpful') as FeedbackQuestionTable;
    expect(helpful.table.cells).toEqual([['0', '0', '0', '0', '10']]);
    expect(helpful.means).toEqual(['5.0']);
    // Nobody answered "listened": a row of zeros and no mean.
    const listened = feedbackTable(report, 'service-type-listened') as FeedbackQuestionTable;
    expect(listened.table.rowTotals).toEqual(['0']);
    expect(listened.means).toEqual(['']);
  });

  it('hides a small number, the figures that would give it away, and every mean next to a hidden figure', () => {
    const rows = [...socialCare, ...answers(3, { month: '2026-02', serviceType: 'counselling', postcodeDistrict: null, ratings: { overall: 2, listened: 3 } })];
    const report = buildFeedbackReport({ from: '2026-01-01', to: '2026-03-01', months: MONTHS, rows });
    // True: counselling 0 3 | 3; social-care 30 0 | 30; totals 30 3 | 33.
    expect(shownByLabel(feedbackTable(report, 'service-type-answers').table)).toEqual({
      counselling: ['0', '*', '*'],
      'social-care': ['*', '0', '*'],
      Total: ['*', '*', '35'],
    });
    // True: Jan social-care 0 0 0 10 20 | 30; Feb counselling 0 3 0 0 0 | 3; totals 0 3 0 10 20 | 33.
    // The totals row hides the 10 (column 4's total); column 4 then hides social-care's 10; the
    // totals column hides social-care's 30. The 20s stay: their row and column already hide two.
    const overall = feedbackTable(report, 'service-type-overall') as FeedbackQuestionTable;
    expect(overall.rowMonths).toEqual(['2026-01', '2026-02']);
    expect(overall.rowKeys).toEqual(['social-care', 'counselling']);
    expect(shownByLabel(overall.table)).toEqual({
      '2026-01 social-care': ['0', '0', '0', '*', '20', '*'],
      '2026-02 counselling': ['0', '*', '0', '0', '0', '*'],
      Total: ['0', '*', '0', '*', '20', '35'],
    });
    expect(overall.means).toEqual(['*', '*']);
    expect(overall.totalMean).toBe('*');
    // The same answers by area: the unknown district is a row like any other.
    const byArea = feedbackTable(report, 'area-overall') as FeedbackQuestionTable;
    expect(byArea.rowKeys).toEqual(['M14', FEEDBACK_UNKNOWN_AREA]);
    expect(byArea.table.cells).toEqual(overall.table.cells);
  });

  it('writes CSV and JSON with shown values only, never a true small count', () => {
    const rows = [...socialCare, ...answers(3, { month: '2026-02', serviceType: 'counselling', postcodeDistrict: null, ratings: { overall: 2 } })];
    const report = buildFeedbackReport({ from: '2026-01-01', to: '2026-03-01', months: MONTHS, rows });
    expect(feedbackTableCsv(report, 'service-type-overall')).toBe(
      [
        'Month,Service type,1,2,3,4,5,Total,Mean',
        '2026-01,social-care,0,0,0,*,20,*,*',
        '2026-02,counselling,0,*,0,0,0,*,*',
        'Total,,0,*,0,*,20,35,*',
        `"${SUPPRESSION_NOTE}",,,,,,,,`,
        `"${FEEDBACK_MEAN_NOTE}",,,,,,,,`,
        '',
      ].join('\r\n'),
    );
    expect(feedbackTableCsv(report, 'area-answers').split('\r\n')[0]).toBe('Postcode district,2026-01,2026-02,Total');
    const json = JSON.parse(feedbackReportJson(report)) as FeedbackReportJson;
    expect(json.months).toEqual(MONTHS);
    expect(json.questions.map((q) => q.id)).toEqual(['overall', 'listened', 'helpful', 'easy-to-reach']);
    const overall = json.tables.find((t) => t.id === 'service-type-overall');
    expect(overall).toMatchObject({ kind: 'question', question: 'overall', columns: ['1', '2', '3', '4', '5'] });
    expect(overall?.rows[1]).toEqual({ month: '2026-02', key: 'counselling', values: ['0', '*', '0', '0', '0'], total: '*', mean: '*' });
    const text = feedbackReportJson(report);
    for (const hidden of ['primary', 'secondary']) expect(text).not.toContain(hidden);
    const figures = json.tables.flatMap((t) => [...t.rows.flatMap((r) => [...r.values, r.total]), ...t.totals.values, t.totals.total]);
    expect(figures).not.toContain('3');
    expect(figures).not.toContain('33');
    expect(() => feedbackTableCsv(report, 'service-type-nope')).toThrow(RangeError);
  });

  it('ignores unknown questions and ratings outside 1–5, and refuses anything that is not a code', () => {
    const report = buildFeedbackReport({
      from: '2026-01-01',
      to: '2026-03-01',
      months: MONTHS,
      rows: answers(10, { month: '2026-01', serviceType: 'social-care', postcodeDistrict: 'M14', ratings: { overall: 9, 'Ann Smith': 5, helpful: 2.5, listened: 3 } }),
    });
    expect((feedbackTable(report, 'service-type-overall') as FeedbackQuestionTable).table.rowTotals).toEqual(['0']);
    expect((feedbackTable(report, 'service-type-listened') as FeedbackQuestionTable).means).toEqual(['3.0']);
    expect(feedbackReportJson(report)).not.toContain('Ann Smith');
    const row = { month: '2026-01', serviceType: 'social-care', postcodeDistrict: 'M14', ratings: { overall: 5 } };
    expect(() => buildFeedbackReport({ from: '', to: '', months: MONTHS, rows: [{ ...row, serviceType: 'Mrs Smith’s team' }] })).toThrow(/service type is not a code/);
    expect(() => buildFeedbackReport({ from: '', to: '', months: MONTHS, rows: [{ ...row, postcodeDistrict: 'M14 5RX' }] })).toThrow(/not a postcode district/);
    expect(() => buildFeedbackReport({ from: '', to: '', months: MONTHS, rows: [{ ...row, month: '2026-03' }] })).toThrow(/outside the report/);
    expect(() => buildFeedbackReport({ from: '', to: '', months: ['2026-1'], rows: [] })).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------

const SERVICE_TYPES = ['social-care', 'counselling', 'health-visiting', 'voluntary-community'];
const DISTRICTS = ['M1', 'M14', 'M9', 'SK4', null];
const QUESTION_IDS = FEEDBACK_QUESTIONS.map((q) => q.id);
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** Answers as the store might hand them over, with identifiers and free text riding along that must never come out. */
const answerRows = fc.integer({ min: 1, max: 3 }).chain((monthCount) => {
  const months = Array.from({ length: monthCount }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`);
  const ratings = fc.dictionary(fc.constantFrom(...QUESTION_IDS, 'Free text question'), fc.integer({ min: 1, max: 5 }), { maxKeys: 5 });
  const group = fc.record({
    month: fc.constantFrom(...months),
    serviceType: fc.constantFrom(...SERVICE_TYPES),
    postcodeDistrict: fc.constantFrom(...DISTRICTS),
    ratings,
    // Clusters of identical answers make counts above 7 as well as small ones.
    copies: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 3 }), weight: 3 }, { arbitrary: fc.integer({ min: 8, max: 25 }), weight: 1 }),
    feedbackId: fc.uuid(),
    comment: fc.constantFrom('Ann Smith was kind', 'call me on 07700 900123'),
  });
  return fc.array(group, { maxLength: 12 }).map((groups) => ({
    months,
    rows: groups.flatMap((g) =>
      Array.from({ length: g.copies }, () => ({ month: g.month, serviceType: g.serviceType, postcodeDistrict: g.postcodeDistrict, ratings: g.ratings, feedbackId: g.feedbackId, comment: g.comment }) as FeedbackAnswerRow),
    ),
    secrets: groups.flatMap((g) => [g.feedbackId, g.comment]),
  }));
});

/** Every row and column of a table with its totals, as [true values, shown values]. */
function linesOf(table: SuppressedTable, truth: number[][]): { truth: number[]; shown: string[] }[] {
  const rows = truth.map((row) => [...row, row.reduce((a, b) => a + b, 0)]);
  rows.push(Array.from({ length: table.columns.length + 1 }, (_, c) => rows.reduce((sum, row) => sum + (row[c] as number), 0)));
  const shown = [...table.cells.map((row, r) => [...row, table.rowTotals[r] as string]), [...table.columnTotals, table.grandTotal]];
  const lines: { truth: number[]; shown: string[] }[] = rows.map((row, r) => ({ truth: row, shown: shown[r] as string[] }));
  for (let c = 0; c <= table.columns.length; c++) lines.push({ truth: rows.map((row) => row[c] as number), shown: shown.map((row) => row[c] as string) });
  return lines;
}

function keyOf(row: FeedbackAnswerRow, dimension: string): string {
  return dimension === 'service-type' ? row.serviceType : (row.postcodeDistrict ?? FEEDBACK_UNKNOWN_AREA);
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => strings(v, out));
  return out;
}

describe('buildFeedbackReport (properties)', () => {
  it('publishes no 1–7, no hidden figure recoverable from its row or column, and no mean beside a hidden figure', () => {
    fc.assert(
      fc.property(answerRows, ({ months, rows }) => {
        const report = buildFeedbackReport({ from: '2026-01-01', to: '2027-01-01', months, rows });
        for (const t of report.tables) {
          let truth: number[][];
          if (t.kind === 'answers') {
            truth = t.rowKeys.map((key) => months.map((m) => rows.filter((r) => r.month === m && keyOf(r, t.dimension) === key).length));
          } else {
            truth = t.rowKeys.map((key, i) => [1, 2, 3, 4, 5].map((rating) => rows.filter((r) => r.month === t.rowMonths[i] && keyOf(r, t.dimension) === key && r.ratings[t.question] === rating).length));
          }
          for (const line of linesOf(t.table, truth)) {
            const hidden = line.shown.filter((s) => s === '*').length;
            expect(hidden === 0 || hidden >= 2, `${t.id}: a line with exactly one hidden figure`).toBe(true);
            line.truth.forEach((n, i) => {
              if (n >= 1 && n <= 7) expect(line.shown[i], `${t.id}: a small number shown`).toBe('*');
              else if (line.shown[i] !== '*') expect(line.shown[i], `${t.id}: shown as suppressCount would`).toBe(suppressCount(n).shown);
            });
          }
          if (t.kind !== 'question') continue;
          const check = (counts: number[], shownLine: string[], mean: string): void => {
            const n = counts.reduce((a, b) => a + b, 0);
            if (n === 0) return expect(mean).toBe('');
            if (mean === '*') return;
            expect(shownLine, `${t.id}: a mean beside a hidden figure`).not.toContain('*');
            expect(n).toBeGreaterThanOrEqual(FEEDBACK_MEAN_MINIMUM);
            expect(mean).toBe((counts.reduce((s, c, i) => s + c * (i + 1), 0) / n).toFixed(1));
          };
          truth.forEach((counts, r) => check(counts, [...(t.table.cells[r] as string[]), t.table.rowTotals[r] as string], t.means[r] as string));
          const columnTruth = [0, 1, 2, 3, 4].map((c) => truth.reduce((s, row) => s + (row[c] as number), 0));
          check(columnTruth, [...t.table.columnTotals, t.table.grandTotal], t.totalMean);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('puts out nothing but codes, months, districts, numbers and its own fixed words: no id, no free text', () => {
    const fixed = new Set(strings(JSON.parse(feedbackReportJson(buildFeedbackReport({ from: '2026-01-01', to: '2027-01-01', months: [], rows: [] })))));
    fc.assert(
      fc.property(answerRows, ({ months, rows, secrets }) => {
        const report = buildFeedbackReport({ from: '2026-01-01', to: '2027-01-01', months, rows });
        const json = feedbackReportJson(report);
        const csv = FEEDBACK_TABLE_IDS.map((id) => feedbackTableCsv(report, id)).join('');
        for (const text of [json, csv]) {
          expect(text).not.toMatch(UUID);
          for (const secret of [...secrets, 'Free text question', '07700']) expect(text).not.toContain(secret);
        }
        for (const s of strings(JSON.parse(json))) {
          const allowed =
            fixed.has(s) ||
            months.includes(s) ||
            SERVICE_TYPES.includes(s) ||
            DISTRICTS.includes(s) ||
            s === FEEDBACK_UNKNOWN_AREA ||
            ['1', '2', '3', '4', '5'].includes(s) ||
            /^(\d+|\*|\d\.\d|)$/.test(s);
          expect(allowed, `unexpected text in the report: ${s}`).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
