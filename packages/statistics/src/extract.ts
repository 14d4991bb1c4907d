// Writes an extract as CSV bytes with a manifest (file name, SHA-256, row and column counts)
// so the recipient can check what arrived. Pure: the caller decides where the bytes go.

import { createHash } from 'node:crypto';
import { csvRecord } from './csv.ts';

export interface ExtractManifest {
  file: string;
  /** Hex SHA-256 of the CSV bytes. */
  sha256: string;
  /** Data rows, not counting the header. */
  rows: number;
  columns: string[];
  /** ISO 8601 instant. */
  createdAt: string;
}

export interface CsvExtract {
  csv: Buffer;
  manifest: ExtractManifest;
}

export interface WriteCsvOptions {
  /** File name for the manifest; defaults to `extract-<createdAt>.csv`. */
  file?: string;
  now?: Date;
}

export type ExtractShapeProblem = 'unexpected-key' | 'missing-key' | 'not-a-string';

/** A row does not match the extract's columns. Names the key and row number, never a value. */
export class ExtractShapeError extends Error {
  override readonly name = 'ExtractShapeError';
  readonly problem: ExtractShapeProblem;
  /** 1-based data row number. */
  readonly row: number;
  readonly key: string;

  constructor(problem: ExtractShapeProblem, row: number, key: string) {
    const what = { 'unexpected-key': 'has a key that is not an extract column', 'missing-key': 'is missing column', 'not-a-string': 'has a non-string value in column' }[problem];
    super(`extract row ${row} ${what} ${JSON.stringify(key)}`);
    this.problem = problem;
    this.row = row;
    this.key = key;
  }
}

/**
 * Serialises `rows` as RFC 4180 CSV (UTF-8, CRLF, header row in `columns` order). Every row
 * must have exactly the given columns, each a string: an extra key is refused rather than
 * dropped, so nothing outside the agreed column list can slip into an extract unnoticed.
 */
export function writeCsvWithManifest(rows: readonly Record<string, string>[], columns: readonly string[], options: WriteCsvOptions = {}): CsvExtract {
  if (columns.length === 0) throw new RangeError('an extract needs at least one column');
  const allowed = new Set(columns);
  if (allowed.size !== columns.length) {
    const duplicate = columns.find((column, i) => columns.indexOf(column) !== i) as string;
    throw new RangeError(`duplicate extract column ${JSON.stringify(duplicate)}`);
  }

  const records = [csvRecord(columns)];
  rows.forEach((row, index) => {
    const rowNumber = index + 1;
    for (const key of Object.keys(row)) {
      if (!allowed.has(key)) throw new ExtractShapeError('unexpected-key', rowNumber, key);
    }
    records.push(
      csvRecord(
        columns.map((column) => {
          if (!Object.hasOwn(row, column)) throw new ExtractShapeError('missing-key', rowNumber, column);
          const value: unknown = row[column];
          if (typeof value !== 'string') throw new ExtractShapeError('not-a-string', rowNumber, column);
          return value;
        }),
      ),
    );
  });

  const csv = Buffer.from(records.join(''), 'utf8');
  const createdAt = (options.now ?? new Date()).toISOString();
  return {
    csv,
    manifest: {
      file: options.file ?? `extract-${createdAt.replace(/[:.]/g, '-')}.csv`,
      sha256: createHash('sha256').update(csv).digest('hex'),
      rows: rows.length,
      columns: [...columns],
      createdAt,
    },
  };
}
