export { createLogger, redactionPaths, PERSONAL_FIELD_NAMES } from './logger.ts';
export type { Logger, LoggerSettings } from './logger.ts';
export { startHealthServer, stopOnSignals } from './service-process.ts';
export type { HealthServer } from './service-process.ts';
