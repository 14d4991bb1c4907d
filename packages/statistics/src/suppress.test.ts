import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { suppressCount, suppressTable, SUPPRESSION_NOTE, toCsv, toJson, type CountTable, type SuppressedTable } from './suppress.ts';

describe('suppressCount', () => {
  it('keeps 0, hides 1–7 and rounds the rest to the nearest 5', () => {
    const shown = Array.from({ length: 24 }, (_, n) => suppressCount(n).shown);
    expect(shown).toEqual(['0', '*', '*', '*', '*', '*', '*', '*', '10', '10', '10', '10', '10', '15', '15', '15', '15', '15', '20', '20', '20', '20', '20', '25']);
    expect(suppressCount(0)).toEqual({ shown: '0', suppressed: false });
    expect(suppressCount(7)).toEqual({ shown: '*', suppressed: true });
    expect(suppressCount(8)).toEqual({ shown: '10', suppressed: false });
    expect(suppressCount(1002)).toEqual({ shown: '1000', suppressed: false });
    expect(suppressCount(1003)).toEqual({ shown: '1005', suppressed: false });
  });

  it('refuses anything that is not a count', () => {
    for (const bad of [-1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) expect(() => suppressCount(bad)).toThrow(RangeError);
  });
});

/** The published grid with totals: rows 0..R-1 then the totals row; last column is the row total. */
function shownGrid(table: SuppressedTable): string[][] {
  return [...table.cells.map((row, r) => [...row, table.rowTotals[r]!]), [...table.columnTotals, table.grandTotal]];
}

describe('suppressTable (hand-computed)', () => {
  it('rounds but hides nothing when there are no small numbers', () => {
    const table = suppressTable({ rows: ['A', 'B'], columns: ['x', 'y'], cells: [[10, 20], [12, 0]] });
    // True: A 10 20 | 30; B 12 0 | 12; totals 22 20 | 42.
    expect(shownGrid(table)).toEqual([
      ['10', '20', '30'],
      ['10', '0', '10'],
      ['20', '20', '40'],
    ]);
    expect(table.primary).toEqual([]);
    expect(table.secondary).toEqual([]);
  });

  it('protects a single small cell with three more, choosing the smallest non-zero cells', () => {
    const table = suppressTable({
      rowHeader: 'Source type',
      rows: ['A', 'B'],
      columns: ['Police', 'Health, GP', 'School "A"'],
      cells: [
        [3, 10, 20],
        [9, 15, 30],
      ],
    });
    // True: A 3 10 20 | 33; B 9 15 30 | 54; totals 12 25 50 | 87.
    // Row A hides 10 (smallest visible), column x hides 9, column y then hides 15.
    expect(shownGrid(table)).toEqual([
      ['*', '*', '20', '35'],
      ['*', '*', '30', '55'],
      ['10', '25', '50', '85'],
    ]);
    expect(table.primary).toEqual([{ row: 0, column: 0 }]);
    expect(table.secondary).toEqual([
      { row: 0, column: 1 },
      { row: 1, column: 0 },
      { row: 1, column: 1 },
    ]);
    expect(toCsv(table)).toBe(
      [
        'Source type,Police,"Health, GP","School ""A""",Total',
        'A,*,*,20,35',
        'B,*,*,30,55',
        'Total,10,25,50,85',
        `"${SUPPRESSION_NOTE}",,,,`,
        '',
      ].join('\r\n'),
    );
    expect(JSON.parse(toJson(table))).toEqual({
      rowHeader: 'Source type',
      columns: ['Police', 'Health, GP', 'School "A"'],
      rows: [
        { label: 'A', values: ['*', '*', '20'], total: '35' },
        { label: 'B', values: ['*', '*', '30'], total: '55' },
      ],
      totals: { values: ['10', '25', '50'], total: '85' },
      note: SUPPRESSION_NOTE,
    });
  });

  it('hides a small row total and protects it in the totals column', () => {
    const table = suppressTable({ rows: ['A', 'B', 'C'], columns: ['x', 'y'], cells: [[2, 0], [0, 0], [20, 30]] });
    // True: A 2 0 | 2; B 0 0 | 0; C 20 30 | 50; totals 22 30 | 52.
    // Column x hides C,x (20); the totals column hides C's total (50).
    expect(shownGrid(table)).toEqual([
      ['*', '0', '*'],
      ['0', '0', '0'],
      ['*', '30', '*'],
      ['20', '30', '50'],
    ]);
    expect(table.primary).toEqual([
      { row: 0, column: 0 },
      { row: 0, column: 'total' },
    ]);
    expect(table.secondary).toEqual([
      { row: 2, column: 0 },
      { row: 2, column: 'total' },
    ]);
  });

  it('hides a total when every other cell in the line is zero', () => {
    const table = suppressTable({ rows: ['A', 'B'], columns: ['x', 'y'], cells: [[5, 9], [0, 0]] });
    // True: A 5 9 | 14; B 0 0 | 0; totals 5 9 | 14. Row A hides 9; column y has only zeros
    // left, so its total (9) is hidden.
    expect(shownGrid(table)).toEqual([
      ['*', '*', '15'],
      ['0', '0', '0'],
      ['*', '*', '15'],
    ]);
    expect(table.primary).toEqual([
      { row: 0, column: 0 },
      { row: 'total', column: 0 },
    ]);
    expect(table.secondary).toEqual([
      { row: 0, column: 1 },
      { row: 'total', column: 1 },
    ]);
  });

  it('handles an empty table', () => {
    const table = suppressTable({ rows: [], columns: [], cells: [] });
    expect(table.grandTotal).toBe('0');
    expect(toCsv(table)).toBe(`,Total\r\nTotal,0\r\n"${SUPPRESSION_NOTE}",\r\n`);
  });

  it('refuses malformed tables', () => {
    expect(() => suppressTable({ rows: ['A'], columns: ['x'], cells: [] })).toThrow(RangeError);
    expect(() => suppressTable({ rows: ['A'], columns: ['x', 'y'], cells: [[1]] })).toThrow(RangeError);
    expect(() => suppressTable({ rows: ['A', 'A'], columns: ['x'], cells: [[1], [2]] })).toThrow(/duplicate row/);
    expect(() => suppressTable({ rows: ['A'], columns: ['x'], cells: [[-1]] })).toThrow(RangeError);
  });
});

const count = fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 7 }), weight: 4 }, { arbitrary: fc.integer({ min: 8, max: 40 }), weight: 3 });
const countTable: fc.Arbitrary<CountTable> = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
  .chain(([rows, columns]) =>
    fc.array(fc.array(count, { minLength: columns, maxLength: columns }), { minLength: rows, maxLength: rows }).map((cells) => ({
      rows: Array.from({ length: rows }, (_, r) => `r${r}`),
      columns: Array.from({ length: columns }, (_, c) => `c${c}`),
      cells,
    })),
  );

/** Every row and column of the extended grid as [entries..., total], with true values alongside. */
function linesOf<T>(grid: T[][]): T[][] {
  const lines: T[][] = grid.map((row) => [...row]);
  for (let c = 0; c < grid[0]!.length; c++) lines.push(grid.map((row) => row[c]!));
  return lines;
}

describe('suppressTable (properties)', () => {
  it('leaves no row or column with exactly one hidden entry, and no hidden entry recoverable from its line', () => {
    fc.assert(
      fc.property(countTable, (input) => {
        const table = suppressTable(input);
        const shown = shownGrid(table);
        for (const line of linesOf(shown)) {
          const hidden = line.filter((entry) => entry === '*').length;
          expect(hidden === 0 || hidden >= 2).toBe(true);
        }

        // The attacker: for a hidden entry, total − (other cells), or (sum of cells) for a hidden
        // total, using only what is shown. Possible only if every other term in the line is shown.
        for (const line of linesOf(shown)) {
          line.forEach((entry, i) => {
            if (entry !== '*') return;
            const others = line.filter((_, j) => j !== i);
            const recoverable = others.every((other) => other !== '*');
            expect(recoverable).toBe(false);
          });
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('hides every 1–7, shows every other entry as suppressCount would, and reports why each is hidden', () => {
    fc.assert(
      fc.property(countTable, (input) => {
        const table = suppressTable(input);
        const truth = [...input.cells.map((row) => [...row, row.reduce((a, b) => a + b, 0)])];
        truth.push(truth[0]!.map((_, c) => truth.reduce((sum, row) => sum + row[c]!, 0)));
        const shown = shownGrid(table);
        const key = (row: number | 'total', column: number | 'total'): string =>
          `${row === 'total' ? input.rows.length : row},${column === 'total' ? input.columns.length : column}`;
        const primary = new Set(table.primary.map((ref) => key(ref.row, ref.column)));
        const secondary = new Set(table.secondary.map((ref) => key(ref.row, ref.column)));
        truth.forEach((row, r) =>
          row.forEach((n, c) => {
            const here = `${r},${c}`;
            expect(primary.has(here)).toBe(n >= 1 && n <= 7);
            expect(primary.has(here) && secondary.has(here)).toBe(false);
            expect(shown[r]![c]).toBe(primary.has(here) || secondary.has(here) ? '*' : suppressCount(n).shown);
          }),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
