// @hub/statistics: anonymised statistics and extract files. Pure functions, no I/O.

export {
  suppressCount,
  suppressTable,
  toCsv,
  toJson,
  SMALL_NUMBER_LIMIT,
  ROUNDING_BASE,
  SUPPRESSED,
  TOTAL_LABEL,
  SUPPRESSION_NOTE,
} from './suppress.ts';
export type { SuppressedCount, CountTable, CellRef, SuppressedTable, SuppressedTableJson } from './suppress.ts';
export { writeCsvWithManifest, ExtractShapeError } from './extract.ts';
export type { ExtractManifest, CsvExtract, WriteCsvOptions, ExtractShapeProblem } from './extract.ts';
export { csvField, csvRecord, CSV_LINE_END } from './csv.ts';
