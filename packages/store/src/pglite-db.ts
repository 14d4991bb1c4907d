import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import type { Db, Queryable, QueryResult } from './db.ts';
import { assertSchemaName, quoteIdent } from './db.ts';

export interface PgliteDbOptions {
  /** A directory (the database lives in `<dataDir>/pglite`) or `'memory://'`. */
  dataDir: string;
  schema: string;
}

export const IN_MEMORY = 'memory://';

type Runner = Pick<PGlite, 'query' | 'exec'> | Transaction;

function asQueryable(runner: Runner): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await runner.query<Row>(sql, params ? [...params] : undefined);
      return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await runner.exec(sql);
    },
  };
}

/**
 * Embedded PostgreSQL (WASM) in this process: one session, so statements and transactions are
 * serialised by PGlite itself and the schema's search_path is set once.
 */
export async function createPgliteDb(options: PgliteDbOptions): Promise<Db> {
  assertSchemaName(options.schema);
  let location = IN_MEMORY;
  if (options.dataDir !== IN_MEMORY) {
    location = join(options.dataDir, 'pglite');
    await mkdir(location, { recursive: true });
  }
  const pglite = await PGlite.create(location);
  try {
    const schema = quoteIdent(options.schema);
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
  } catch (err) {
    await pglite.close();
    throw err;
  }
  return {
    kind: 'pglite',
    ...asQueryable(pglite),
    transaction: (fn) => pglite.transaction((tx) => fn(asQueryable(tx))),
    close: () => pglite.close(),
  };
}
