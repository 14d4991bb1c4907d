// Small value helpers: the canonical schema is closed and has no nulls, so absent values must be
// absent keys, not `undefined` members.

/** The object without its undefined members, or `undefined` when nothing is left. */
export function nonEmpty<T extends object>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? undefined : (Object.fromEntries(entries) as T);
}

/** A deep copy with every undefined object member removed (arrays keep their length). */
export function withoutUndefinedMembers<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => withoutUndefinedMembers(item)) as T;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, withoutUndefinedMembers(v)] as const);
    return Object.fromEntries(entries) as T;
  }
  return value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
