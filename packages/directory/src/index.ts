// @hub/directory: the local service directory, imported from an Open Referral UK feed.

export { importDirectory, DIRECTORY_PROBLEM_MESSAGES, MAX_SERVICES, MAX_PROBLEMS_PER_RECORD } from './import-directory.ts';
export type { DirectoryService, DirectoryLocation, DirectoryProblem, DirectoryImport, DirectoryProblemCode } from './import-directory.ts';
export { ORUK_SERVICE_SCHEMA, ORUK_SERVICE_SCHEMA_ID } from './oruk-service-schema.ts';
export type { OrukService } from './oruk-service-schema.ts';
export { HUB_NEED_VOCABULARY, HUB_NEED_TERM_PREFIX, hubNeedTerm, readTaxonomyTerm } from './taxonomy.ts';
export type { TaxonomyTermReading } from './taxonomy.ts';
export {
  createDirectoryRefresher,
  createMemorySnapshotStore,
  createFileSnapshotStore,
  REFRESH_FAILURE_MESSAGES,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_MAX_BYTES,
} from './refresh.ts';
export type { DirectorySnapshot, SnapshotStore, RefreshOutcome, RefreshFailureCode, DirectoryRefresher, DirectoryRefresherOptions } from './refresh.ts';
export { suggestServices, needText, MAX_SUGGESTIONS } from './signpost.ts';
export type { SignpostQuery, Suggestion, DistanceBand, EligibilityFit } from './signpost.ts';
export { openDirectorySource, startDirectoryRefresh, refreshLogFields } from './running.ts';
export type { DirectorySource, LoadedDirectory, RefreshLogger, ScheduledDirectoryRefresh } from './running.ts';
