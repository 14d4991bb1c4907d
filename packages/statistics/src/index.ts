// @hub/statistics: anonymised statistics, performance against targets and the evaluation extract. Pure functions; no I/O of its own.

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
export {
  addDays,
  defaultPeriod,
  isCalendarDate,
  londonDate,
  londonMidnight,
  monthBuckets,
  parsePeriod,
  LONDON,
  MAX_PERIOD_MONTHS,
} from './periods.ts';
export type { Period, PeriodProblem } from './periods.ts';
export { easterSunday, englandAndWalesBankHolidays, isWorkingDay, nextWorkingDayAfter, oneWorkingDayDeadline } from './working-days.ts';
export {
  buildStatisticsReport,
  monthLabel,
  reportJson,
  reportTable,
  reportTableCsv,
  sourceTypeLabel,
  NO_NEED_LABEL,
  STATISTICS_TABLE_IDS,
  UNKNOWN_AREA_LABEL,
} from './report.ts';
export type { KeyedCount, StatisticsInput, StatisticsReport, StatisticsReportJson, StatisticsTable, StatisticsTableId } from './report.ts';
export {
  buildPerformanceReport,
  median,
  performanceCsv,
  ALL_RECIPIENTS_LABEL,
  ALL_SOURCES_LABEL,
  ENCOMPASS_NOTE,
  NO_VALUE,
  PERFORMANCE_NOTE,
  PERFORMANCE_SECTIONS,
} from './performance.ts';
export type { DeliveryTimingInput, EncompassRow, PerformanceReport, PerformanceRow, PerformanceSection } from './performance.ts';
export {
  buildEvaluationRows,
  createEvaluationExtract,
  evaluationManifest,
  extractFileName,
  sexCode,
  EXTRACT_ART6,
  EXTRACT_COLUMNS,
  EXTRACT_EXCLUDED_ROLES,
  EXTRACT_FIELD_POINTERS,
  EXTRACT_PURPOSE,
  FAMILY_OUTCOMES,
} from './evaluation-extract.ts';
export type { EvaluationExtract, EvaluationExtractStore, EvaluationManifest, EvaluationRows, ExtractColumn, ExtractSource, RightsFlags } from './evaluation-extract.ts';
export {
  buildFeedbackReport,
  feedbackReportJson,
  feedbackTable,
  feedbackTableCsv,
  FEEDBACK_DIMENSIONS,
  FEEDBACK_MEAN_MINIMUM,
  FEEDBACK_MEAN_NOTE,
  FEEDBACK_QUESTIONS,
  FEEDBACK_RATINGS,
  FEEDBACK_TABLE_IDS,
  FEEDBACK_UNKNOWN_AREA,
  NO_ANSWERS,
} from './feedback.ts';
export type {
  FeedbackAnswerRow,
  FeedbackAnswersTable,
  FeedbackAnswersTableJson,
  FeedbackDimension,
  FeedbackQuestionId,
  FeedbackQuestionTable,
  FeedbackQuestionTableJson,
  FeedbackReport,
  FeedbackReportJson,
  FeedbackTable,
} from './feedback.ts';
