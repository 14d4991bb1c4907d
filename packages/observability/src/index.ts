export { createLogger, redactionPaths, PERSONAL_FIELD_NAMES } from './logger.ts';
export type { Logger, LoggerSettings } from './logger.ts';
