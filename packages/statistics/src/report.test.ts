import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_NEED_LABEL, UNKNOWN_AREA_LABEL, buildStatisticsReport, reportJson, reportTable, reportTableCsv, sourceTypeLabel, type KeyedCount, type StatisticsInput } from './report.ts';
import { SUPPRESSION_NOTE, suppressCount, type SuppressedTable } from './suppress.ts';

const MONTHS = ['2026-01', '2026-02'];
const DA = 'police.domestic-abuse.notified';
const GP = 'health.gp.referred';

/** Spreads `[jan, feb]` counts into KeyedCounts (zeros left out, as the store does). */
function keyed(rows: Record<string, number[]>): KeyedCount[] {
  return Object.entries(rows).flatMap(([key, values]) => values.flatMap((count, bucket) => (count > 0 ? [{ key, bucket, count }] : [])));
}

/** label → [cells…, row total], plus 'Total' → [column totals…, grand total]. */
function shownByLabel(table: SuppressedTable): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  table.rows.forEach((label, r) => (out[label] = [...(table.cells[r] as string[]), table.rowTotals[r] as string]));
  out.Total = [...table.columnTotals, table.grandTotal];
  return out;
}

const input: StatisticsInput = {
  sourceType: keyed({ [DA]: [12, 3], [GP]: [20, 9] }),
  need: keyed({ education: [8, 0], '': [0, 1] }),
  area: keyed({ M14: [10, 0], M9: [0, 20], M2: [15, 0] }),
  outcome: keyed({ accepted: [30, 0], none: [0, 2] }),
  dimensionsMissing: 0,
};

describe('buildStatisticsReport (hand-computed)', () => {
  const report = buildStatisticsReport({ from: '2026-01-01', to: '2026-03-01', months: MONTHS, counts: input });

  it('suppresses the source table: the 3 and the three cells that would give it away', () => {
    // True: DA 12 3 | 15; GP 20 9 | 29; totals 32 12 | 44. Row DA hides 12; column Jan then hides
    // GP's 20, column Feb GP's 9.
    const shown = shownByLabel(reportTable(report, 'source-type').table);
    expect(shown[sourceTypeLabel(DA)]).toEqual(['*', '*', '15']);
    expect(shown[sourceTypeLabel(GP)]).toEqual(['*', '*', '30']);
    expect(shown['Family (self-referral)']).toEqual(['0', '0', '0']);
    expect(shown.Total).toEqual(['30', '10', '45']);
    expect(Object.keys(shown)).toHaveLength(12 + 1);
  });

  it('hides the small "no need" count, its totals, and what would reveal them', () => {
    // True: education 8 0 | 8; none 0 1 | 1; totals 8 1 | 9. The totals row hides Jan's 8; column
    // Jan then hides education's 8; the totals column hides education's row total.
    const shown = shownByLabel(reportTable(report, 'need').table);
    expect(shown['Getting a good education']).toEqual(['*', '0', '*']);
    expect(shown[NO_NEED_LABEL]).toEqual(['0', '*', '*']);
    expect(shown['Secure housing']).toEqual(['0', '0', '0']);
    expect(shown.Total).toEqual(['*', '*', '10']);
    expect(reportTable(report, 'need').table.rows).toEqual([
      'Getting a good education',
      'Good early years development',
      'Improved mental and physical health',
      'Better managed substance use',
      'Improved family relationships',
      'Children safe from abuse and exploitation',
      'Families diverted from crime',
      'Safe from domestic abuse',
      'Secure housing',
      'Financial stability',
      'Employment (within financial stability)',
      NO_NEED_LABEL,
    ]);
  });

  it('orders districts naturally, with the unknown area last, and rounds to 5', () => {
    const table = reportTable(report, 'area').table;
    expect(table.rows).toEqual(['M2', 'M9', 'M14', UNKNOWN_AREA_LABEL]);
    expect(shownByLabel(table)).toEqual({
      M2: ['15', '0', '15'],
      M9: ['0', '20', '20'],
      M14: ['10', '0', '10'],
      [UNKNOWN_AREA_LABEL]: ['0', '0', '0'],
      Total: ['25', '20', '45'],
    });
  });

  it('counts outcomes with a row for every outcome', () => {
    // True: accepted 30 0 | 30; none 0 2 | 2; totals 30 2 | 32.
    expect(shownByLabel(reportTable(report, 'outcome').table)).toEqual({
      Accepted: ['*', '0', '*'],
      Declined: ['0', '0', '0'],
      Closed: ['0', '0', '0'],
      'No outcome yet': ['0', '*', '*'],
      Total: ['*', '*', '30'],
    });
  });

  it('writes CSV and JSON with the shown values only', () => {
    expect(reportTableCsv(report, 'outcome')).toBe(
      ['Outcome,2026-01,2026-02,Total', 'Accepted,*,0,*', 'Declined,0,0,0', 'Closed,0,0,0', 'No outcome yet,0,*,*', 'Total,*,*,30', `"${SUPPRESSION_NOTE}",,,`, ''].join('\r\n'),
    );
    const json = JSON.parse(reportJson(report)) as { from: string; to: string; months: string[]; tables: { id: string; rows: { label: string; values: string[]; total: string }[] }[] };
    expect(json.from).toBe('2026-01-01');
    expect(json.months).toEqual(MONTHS);
    expect(json.tables.map((t) => t.id)).toEqual(['source-type', 'need', 'area', 'outcome']);
    expect(json.tables[0]?.rows.find((r) => r.label === sourceTypeLabel(GP))).toEqual({ label: sourceTypeLabel(GP), values: ['*', '*'], total: '30' });
    // No true count and no primary/secondary detail is published.
    const text = reportJson(report);
    for (const hidden of ['"12"', '"29"', '"44"', 'primary', 'secondary']) expect(text).not.toContain(hidden);
    expect(json).not.toHaveProperty('dimensionsMissing');
  });

  it('says whether some referrals still lack needs and areas, without saying how many', () => {
    expect(report.dimensionsIncomplete).toBe(false);
    expect(buildStatisticsReport({ from: '2026-01-01', to: '2026-03-01', months: MONTHS, counts: { ...input, dimensionsMissing: 3 } }).dimensionsIncomplete).toBe(true);
  });

  it('refuses counts outside the months', () => {
    expect(() => buildStatisticsReport({ from: '2026-01-01', to: '2026-03-01', months: MONTHS, counts: { ...input, area: [{ key: 'M1', bucket: 2, count: 1 }] } })).toThrow(RangeError);
  });
});

const count = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 7 }), weight: 4 }, { arbitrary: fc.integer({ min: 8, max: 60 }), weight: 3 });
const keyedCounts = (keys: readonly string[], months: number): fc.Arbitrary<KeyedCount[]> =>
  fc.array(fc.tuple(fc.constantFrom(...keys), fc.integer({ min: 0, max: months - 1 }), count), { maxLength: 25 }).map((list) => {
    // The store reports each (key, bucket) once.
    const merged = new Map<string, KeyedCount>();
    for (const [key, bucket, n] of list) merged.set(`${key}|${bucket}`, { key, bucket, count: n });
    return [...merged.values()];
  });

const statisticsInput = fc.integer({ min: 1, max: 4 }).chain((months) =>
  fc
    .record({
      sourceType: keyedCounts([DA, GP, 'vcs.referral.submitted', 'family.self-referral.submitted'], months),
      need: keyedCounts(['education', 'health', 'housing', ''], months),
      area: keyedCounts(['M1', 'M14', 'M9', 'SK4', ''], months),
      outcome: keyedCounts(['accepted', 'declined', 'closed', 'none'], months),
    })
    .map((counts) => ({ months: Array.from({ length: months }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`), counts: { ...counts, dimensionsMissing: 0 } })),
);

/** Every row and column of a table with its totals, as [true values, shown values]. */
function linesOf(table: SuppressedTable, truth: number[][]): { truth: number[]; shown: string[] }[] {
  const rows = truth.map((row) => [...row, row.reduce((a, b) => a + b, 0)]);
  rows.push(rows[0]?.map((_, c) => rows.reduce((sum, row) => sum + (row[c] as number), 0)) ?? [0]);
  const shown = [...table.cells.map((row, r) => [...row, table.rowTotals[r] as string]), [...table.columnTotals, table.grandTotal]];
  const lines: { truth: number[]; shown: string[] }[] = rows.map((row, r) => ({ truth: row, shown: shown[r] as string[] }));
  for (let c = 0; c < (rows[0]?.length ?? 0); c++) lines.push({ truth: rows.map((row) => row[c] as number), shown: shown.map((row) => row[c] as string) });
  return lines;
}

describe('buildStatisticsReport (properties)', () => {
  it('publishes no 1–7 and no hidden figure recoverable from its row or column, in every table', () => {
    fc.assert(
      fc.property(statisticsInput, ({ months, counts }) => {
        const report = buildStatisticsReport({ from: '2026-01-01', to: '2027-01-01', months, counts });
        for (const { id, rowKeys, table } of report.tables) {
          const source = { 'source-type': counts.sourceType, need: counts.need, area: counts.area, outcome: counts.outcome }[id];
          const truth = rowKeys.map(() => new Array<number>(months.length).fill(0));
          for (const c of source) (truth[rowKeys.indexOf(c.key)] as number[])[c.bucket] = c.count;
          for (const line of linesOf(table, truth)) {
            const hidden = line.shown.filter((s) => s === '*').length;
            // A line with exactly one hidden figure gives it away: its total minus the others.
            expect(hidden === 0 || hidden >= 2, `${id}: a line with exactly one hidden figure`).toBe(true);
            line.truth.forEach((n, i) => {
              if (n >= 1 && n <= 7) expect(line.shown[i], `${id}: a small number shown`).toBe('*');
              else if (line.shown[i] !== '*') expect(line.shown[i], `${id}: shown as suppressCount would`).toBe(suppressCount(n).shown);
            });
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
