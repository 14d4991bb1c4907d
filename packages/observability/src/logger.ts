import { pino, type Logger, type LoggerOptions } from 'pino';

/**
 * Property names that hold personal data anywhere in the hub's models. Any log object that
 * carries one of these (at the top level or one level down) is censored by Pino's redaction,
 * as a backstop: code never logs payloads in the first place.
 */
export const PERSONAL_FIELD_NAMES = [
  'givenName', 'familyName', 'name', 'names', 'fullName', 'preferredName',
  'dateOfBirth', 'dob', 'birthDate',
  'nhsNumber', 'upn', 'niNumber', 'nationalInsuranceNumber',
  'address', 'addressLines', 'postcode', 'postalCode',
  'phone', 'phoneNumber', 'mobile', 'email', 'telecom', 'contact', 'safeContact',
  'ethnicity', 'religion', 'sexualOrientation', 'genderIdentity',
  'voiceOfChild', 'circumstances', 'concern', 'notes', 'freeText', 'reason',
  'body', 'payload', 'data',
];

const HEADER_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["webhook-signature"]',
  'headers.authorization', 'headers.cookie', 'headers["webhook-signature"]',
  'res.headers["set-cookie"]',
];

/**
 * The most identifying names are also censored one level down. (Every wildcard path costs time
 * on every log call, and the hub logs on every request, so the rest are censored at the top.)
 */
const NESTED_FIELD_NAMES = ['givenName', 'familyName', 'dateOfBirth', 'nhsNumber', 'address', 'postcode', 'phone', 'email', 'body', 'payload'];

export function redactionPaths(): string[] {
  return [...HEADER_PATHS, ...PERSONAL_FIELD_NAMES, ...NESTED_FIELD_NAMES.map((f) => `*.${f}`)];
}

export interface LoggerSettings {
  service: string;
  version?: string;
  level?: string;
  /** Where to write (defaults to stdout); tests pass a stream to inspect every line. */
  destination?: NodeJS.WritableStream;
}

/** One logger per service, configured once in `main`; pass child loggers down. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service, version: settings.version ?? '0.1.0' },
    redact: { paths: redactionPaths(), censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination as pino.DestinationStream) : pino(options);
}

export type { Logger } from 'pino';
