/**
 * The one thing the ledger needs from a database: run a statement with `$n` parameters. The store's
 * `Db` and its transaction handles satisfy this structurally, so the ledger does not import the
 * store (the store imports the ledger to write rows inside its own transactions).
 */
export interface LedgerQueryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number }>;
}

/** bytea arrives as Buffer from pg and as Uint8Array from PGlite. */
export function asBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError('expected a bytea value');
}
