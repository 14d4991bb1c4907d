/**
 * PostgreSQL could not be reached, dropped the connection, or did not answer in time.
 * Nothing in the failed call was committed unless the caller was told otherwise;
 * the gateway answers 503 + Retry-After.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';

  constructor(message = 'PostgreSQL is unavailable', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An encrypted value failed authentication (tampered, wrong context) or its key id is unknown. */
export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

/**
 * The record was erased: its data key was destroyed (see erasure-store.ts), so what is stored of it
 * can never be decrypted again. Not a fault: readers answer "erased" (e.g. 410), never retry. A
 * DecryptionError too, so code that already treats "cannot decrypt" as "content gone" keeps working.
 */
export class ErasedError extends DecryptionError {
  override name = 'ErasedError';

  constructor(message = 'the record was erased: its data key was destroyed') {
    super(message);
  }
}

/** A keyring is malformed. Messages name entries and key ids, never key material. */
export class KeyringError extends Error {
  override name = 'KeyringError';
}

const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
]);

// SQLSTATE: class 08 connection exception; 57P01-03 shutdown / cannot connect now;
// 53300 too many connections; 57014 statement cancelled (statement_timeout).
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300|57014)$/;

// node-postgres reports these as plain Errors without a code.
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /not queryable/i,
  /query read timeout/i,
  /connection timeout/i,
];

/** True when an error means "the database is not answering" rather than "the request was wrong". */
export function isUnavailableError(err: unknown, depth = 0): boolean {
  if (depth > 4 || err === null || typeof err !== 'object') return false;
  if (err instanceof StoreUnavailableError) return true;
  const { code, message, cause, errors } = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SOCKET_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
  if (cause !== undefined && isUnavailableError(cause, depth + 1)) return true;
  // Node's happy-eyeballs connect reports an AggregateError of per-address failures.
  return Array.isArray(errors) && errors.some((inner) => isUnavailableError(inner, depth + 1));
}

/** Turns driver errors that mean "database unavailable" into StoreUnavailableError; others pass through. */
export function toStoreError(err: unknown): unknown {
  if (err instanceof StoreUnavailableError) return err;
  if (isUnavailableError(err)) return new StoreUnavailableError('PostgreSQL is unavailable', { cause: err });
  return err;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * A loggable summary of an error. Server errors (with a SQLSTATE) are reduced to their code,
 * because PostgreSQL messages can quote input values ("invalid input syntax … "x"").
 */
export function describeError(err: unknown): { name?: string; code?: string; message?: string } {
  if (err === null || typeof err !== 'object') return { name: typeof err };
  const { name, code, message } = err as { name?: unknown; code?: unknown; message?: unknown };
  const isServerError = typeof code === 'string' && SQLSTATE.test(code);
  return {
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof message === 'string' && !isServerError ? { message } : {}),
  };
}

/** The call names a referral or delivery that does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}
