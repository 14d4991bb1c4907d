// Small-number suppression for anonymised statistics (DOMAIN.md §8, the NHS Digital
// HES/ECDS method adopted as the hub default): counts of 1–7 are shown as `*`, other counts
// are rounded to the nearest 5, and 0 stays 0. Tables also get secondary suppression so a
// hidden cell cannot be worked out as a total minus the other figures in its row or column.

import { csvRecord } from './csv.ts';

/** Largest count shown as `*`. */
export const SMALL_NUMBER_LIMIT = 7;
/** Counts above the limit are rounded to a multiple of this. */
export const ROUNDING_BASE = 5;
export const SUPPRESSED = '*';
export const TOTAL_LABEL = 'Total';

export const SUPPRESSION_NOTE =
  `Note: ${SUPPRESSED} means a count from 1 to ${SMALL_NUMBER_LIMIT}, or a count hidden so that a small number cannot be worked out from the totals. ` +
  `Other counts are rounded to the nearest ${ROUNDING_BASE}; 0 is a true zero. ` +
  'Totals are calculated from unrounded counts and then rounded, so they may not equal the sum of the figures shown.';

export interface SuppressedCount {
  shown: string;
  suppressed: boolean;
}

function assertCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('a count must be a non-negative integer');
}

/**
 * One count as published: 0 → `0`; 1–7 → `*`; otherwise the nearest multiple of 5 (8 → 10,
 * 12 → 10, 13 → 15). An integer is never exactly halfway between multiples of 5 (its
 * remainder is 0–4), so no tie-breaking rule is needed.
 */
export function suppressCount(n: number): SuppressedCount {
  assertCount(n);
  if (n === 0) return { shown: '0', suppressed: false };
  if (n <= SMALL_NUMBER_LIMIT) return { shown: SUPPRESSED, suppressed: true };
  return { shown: String(Math.round(n / ROUNDING_BASE) * ROUNDING_BASE), suppressed: false };
}

export interface CountTable {
  /** Heading for the row-label column in CSV output (e.g. `Source type`). */
  rowHeader?: string;
  rows: readonly string[];
  columns: readonly string[];
  /** True counts, `cells[row][column]`. */
  cells: readonly (readonly number[])[];
}

/** A position in the published table, including the totals row and column. */
export interface CellRef {
  row: number | 'total';
  column: number | 'total';
}

export interface SuppressedTable {
  rowHeader: string;
  rows: string[];
  columns: string[];
  /** Shown values, `cells[row][column]`. */
  cells: string[][];
  rowTotals: string[];
  columnTotals: string[];
  grandTotal: string;
  /** Entries hidden because their true count is 1–7. Internal: do not publish. */
  primary: CellRef[];
  /** Entries hidden to protect a primary one. Internal: do not publish. */
  secondary: CellRef[];
}

type Reason = 'primary' | 'secondary' | null;

interface Line {
  /** Interior entries as [row, column] in the extended grid. */
  entries: [number, number][];
  total: [number, number];
}

function assertLabels(kind: string, labels: readonly string[]): void {
  const seen = new Set<string>();
  for (const label of labels) {
    if (seen.has(label)) throw new RangeError(`duplicate ${kind} label ${JSON.stringify(label)}`);
    seen.add(label);
  }
}

/**
 * Publishes a table of counts with row totals, column totals and a grand total.
 *
 * Totals are summed from the true counts and then rounded/suppressed like any cell. Then,
 * treating every row and every column (the totals row and totals column included) as a line
 * of entries plus its total, while some line has exactly one hidden entry, one more entry in
 * it is hidden: the smallest non-zero visible cell, else its total, else a visible zero. At
 * the end every line has no hidden entries or at least two, so no hidden entry equals its
 * line's total minus the other figures shown. (Rounding to 5 also blurs such differences;
 * secondary suppression is applied regardless.)
 */
export function suppressTable(table: CountTable): SuppressedTable {
  const rowCount = table.rows.length;
  const columnCount = table.columns.length;
  assertLabels('row', table.rows);
  assertLabels('column', table.columns);
  if (table.cells.length !== rowCount) throw new RangeError(`expected ${rowCount} rows of cells, got ${table.cells.length}`);

  // Extended grid: rows 0..R-1 and columns 0..C-1 are cells; row R / column C hold the totals.
  const values: number[][] = Array.from({ length: rowCount + 1 }, () => new Array<number>(columnCount + 1).fill(0));
  table.cells.forEach((row, r) => {
    if (row.length !== columnCount) throw new RangeError(`row ${r + 1} has ${row.length} cells, expected ${columnCount}`);
    row.forEach((n, c) => {
      assertCount(n);
      values[r]![c] = n;
      values[r]![columnCount]! += n;
      values[rowCount]![c]! += n;
      values[rowCount]![columnCount]! += n;
    });
  });

  const reason: Reason[][] = values.map((row) => row.map((n) => (suppressCount(n).suppressed ? 'primary' : null)));

  const lines: Line[] = [];
  for (let r = 0; r <= rowCount; r++) {
    lines.push({ entries: Array.from({ length: columnCount }, (_, c) => [r, c]), total: [r, columnCount] });
  }
  for (let c = 0; c <= columnCount; c++) {
    lines.push({ entries: Array.from({ length: rowCount }, (_, r) => [r, c]), total: [rowCount, c] });
  }

  const hidden = ([r, c]: [number, number]): boolean => reason[r]![c] !== null;
  const valueAt = ([r, c]: [number, number]): number => values[r]![c]!;

  const protectingEntry = (line: Line): [number, number] | undefined => {
    const visible = line.entries.filter((entry) => !hidden(entry));
    const nonZero = visible.filter((entry) => valueAt(entry) > 0);
    if (nonZero.length > 0) return nonZero.reduce((best, entry) => (valueAt(entry) < valueAt(best) ? entry : best));
    if (!hidden(line.total)) return line.total;
    return visible[0];
  };

  // Each pass hides at least one more entry or stops, so this ends within (R+1)(C+1) passes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const line of lines) {
      const hiddenCount = line.entries.filter(hidden).length + (hidden(line.total) ? 1 : 0);
      if (hiddenCount !== 1) continue;
      const entry = protectingEntry(line);
      if (!entry) continue; // Only a line with no cells, whose total is 0 and so never hidden.
      reason[entry[0]]![entry[1]] = 'secondary';
      changed = true;
    }
  }

  const shownAt = (r: number, c: number): string => (reason[r]![c] !== null ? SUPPRESSED : suppressCount(values[r]![c]!).shown);
  const ref = (r: number, c: number): CellRef => ({ row: r === rowCount ? 'total' : r, column: c === columnCount ? 'total' : c });
  const primary: CellRef[] = [];
  const secondary: CellRef[] = [];
  reason.forEach((row, r) =>
    row.forEach((why, c) => {
      if (why === 'primary') primary.push(ref(r, c));
      else if (why === 'secondary') secondary.push(ref(r, c));
    }),
  );

  return {
    rowHeader: table.rowHeader ?? '',
    rows: [...table.rows],
    columns: [...table.columns],
    cells: Array.from({ length: rowCount }, (_, r) => Array.from({ length: columnCount }, (_, c) => shownAt(r, c))),
    rowTotals: Array.from({ length: rowCount }, (_, r) => shownAt(r, columnCount)),
    columnTotals: Array.from({ length: columnCount }, (_, c) => shownAt(rowCount, c)),
    grandTotal: shownAt(rowCount, columnCount),
    primary,
    secondary,
  };
}

/**
 * CSV (RFC 4180, CRLF): a header row, one row per label, a totals row, then the note
 * explaining `*` and rounding, padded to the table's width. Which entries were primary or
 * secondary is deliberately not published: it would narrow what a hidden entry can be.
 */
export function toCsv(table: SuppressedTable): string {
  const width = table.columns.length + 2;
  const note = [SUPPRESSION_NOTE, ...new Array<string>(width - 1).fill('')];
  return [
    csvRecord([table.rowHeader, ...table.columns, TOTAL_LABEL]),
    ...table.rows.map((label, r) => csvRecord([label, ...table.cells[r]!, table.rowTotals[r]!])),
    csvRecord([TOTAL_LABEL, ...table.columnTotals, table.grandTotal]),
    csvRecord(note),
  ].join('');
}

export interface SuppressedTableJson {
  rowHeader: string;
  columns: string[];
  rows: { label: string; values: string[]; total: string }[];
  totals: { values: string[]; total: string };
  note: string;
}

/** JSON text with the same shown strings as the CSV (and, likewise, no primary/secondary detail). */
export function toJson(table: SuppressedTable): string {
  const body: SuppressedTableJson = {
    rowHeader: table.rowHeader,
    columns: [...table.columns],
    rows: table.rows.map((label, r) => ({ label, values: [...table.cells[r]!], total: table.rowTotals[r]! })),
    totals: { values: [...table.columnTotals], total: table.grandTotal },
    note: SUPPRESSION_NOTE,
  };
  return JSON.stringify(body, null, 2);
}
