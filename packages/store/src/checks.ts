// Input checks shared by the routing/delivery API. Messages name the field, never the value.
import { UUID } from './uuid.ts';

const MAX_TEXT = 256;

export function requireText(value: unknown, field: string, max = MAX_TEXT): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || value.includes('\u0000')) {
    throw new TypeError(`${field} must be a non-empty string of at most ${max} characters without NUL`);
  }
  return value;
}

export function optionalText(value: unknown, field: string, max = MAX_TEXT): string | null {
  return value === undefined || value === null ? null : requireText(value, field, max);
}

export function requireUuid(value: unknown, field: string): string {
  if (typeof value !== 'string' || !UUID.test(value)) throw new TypeError(`${field} must be a UUID`);
  return value.toLowerCase();
}

/** For lookups: an id that cannot exist is simply not found. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function requireDate(value: unknown, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`${field} must be a valid Date`);
  return value;
}

export function optionalDate(value: unknown, field: string): Date | null {
  return value === undefined || value === null ? null : requireDate(value, field);
}

export function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TypeError(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function requireTextArray(value: unknown, field: string, max = 1024): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${field} must be an array of strings`);
  return value.map((item, i) => requireText(item, `${field}[${i}]`, max));
}

export function requireUuidArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new TypeError(`${field} must be an array of UUIDs`);
  return value.map((item, i) => requireUuid(item, `${field}[${i}]`));
}

export function requireBuffer(value: unknown, field: string): Buffer {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${field} must be a Buffer`);
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

export function requireNonNegativeInteger(value: unknown, field: string): number {
  if (!Number.isInteger(value) || (value as number) < 0) throw new TypeError(`${field} must be a non-negative integer`);
  return value as number;
}

/** `($1::uuid, $2, …), (…)` for a multi-row VALUES list; casts by column position (undefined = none). */
export function valuesPlaceholders(rowCount: number, casts: readonly (string | undefined)[], offset = 0): string {
  const rows: string[] = [];
  for (let r = 0; r < rowCount; r += 1) {
    const cells = casts.map((cast, c) => `$${offset + r * casts.length + c + 1}${cast ? `::${cast}` : ''}`);
    rows.push(`(${cells.join(', ')})`);
  }
  return rows.join(', ');
}
