// Shared by this package's integration tests: the two databases every storage test runs on.
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Keyring } from './crypto.ts';
import type { Db } from './db.ts';
import { quoteIdent } from './db.ts';
import { openStore } from './store.ts';
import type { InboundInput, Store, StoreOptions } from './types.ts';

export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function randomSchema(): string {
  return `store_test_${randomBytes(6).toString('hex')}`;
}

export function testKeyring(activeKeyId = 'k1', keys: Record<string, Buffer> = { k1: randomBytes(32) }): Keyring {
  return { activeKeyId, keys };
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await client.end();
  }
}

export interface OpenedStore {
  store: Store;
  db: Db;
}

/**
 * One database per test file: a random schema on the real PostgreSQL (dropped afterwards) or an
 * in-memory PGlite. `open()` on PostgreSQL gives further stores on the same schema (another
 * "process"); PGlite in memory cannot be shared, so `sharesDatabase` is false there.
 */
export interface Backend {
  readonly name: 'postgres' | 'pglite';
  readonly schema: string;
  readonly sharesDatabase: boolean;
  open(overrides?: Partial<StoreOptions>): Promise<OpenedStore>;
  closeAll(): Promise<void>;
}

function makeBackend(name: 'postgres' | 'pglite'): Backend {
  const schema = randomSchema();
  const opened: Store[] = [];
  return {
    name,
    schema,
    sharesDatabase: name === 'postgres',
    async open(overrides = {}) {
      const location = name === 'postgres' ? { databaseUrl: TEST_DATABASE_URL } : { dataDir: 'memory://' };
      const result = await openStore({ ...location, schema, keyring: testKeyring(), poolSize: 5, ...overrides });
      opened.push(result.store);
      return result;
    },
    async closeAll() {
      await Promise.allSettled(opened.splice(0).map((store) => store.close()));
      if (name === 'postgres') await dropSchema(schema);
    },
  };
}

export const backendNames = ['postgres', 'pglite'] as const;

export function createBackend(name: 'postgres' | 'pglite'): Backend {
  return makeBackend(name);
}

export function sha256Hex(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

let sequence = 0;

export function inbound(overrides: Partial<InboundInput> & { text?: string } = {}): InboundInput {
  sequence += 1;
  const { text, ...rest } = overrides;
  const body = rest.body ?? Buffer.from(text ?? `{"type":"vcs.referral.submitted","data":{"n":${sequence}}}`, 'utf8');
  return {
    partnerId: 'partner-a',
    webhookId: `msg_${sequence}_${randomBytes(4).toString('hex')}`,
    type: 'vcs.referral.submitted',
    schemaId: 'https://hub.example/schemas/inbound/vcs.referral.submitted/v1.json',
    receivedAt: new Date(),
    ...rest,
    body,
    bodySha256: rest.bodySha256 ?? sha256Hex(body),
  };
}

/** Columns (table.column) anywhere in the schema whose value contains `needle` as text or bytes. */
export async function columnsContaining(db: Db, schema: string, needle: string): Promise<string[]> {
  const columns = await db.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT c.table_name, c.column_name, c.data_type
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'`,
    [schema],
  );
  const hits: string[] = [];
  for (const { table_name: table, column_name: column, data_type: type } of columns.rows) {
    const target = `${quoteIdent(schema)}.${quoteIdent(table)}`;
    const sql =
      type === 'bytea'
        ? `SELECT count(*)::integer AS n FROM ${target} WHERE position($1::bytea IN ${quoteIdent(column)}) > 0`
        : `SELECT count(*)::integer AS n FROM ${target} WHERE strpos(${quoteIdent(column)}::text, $1::text) > 0`;
    const result = await db.query<{ n: number }>(sql, [type === 'bytea' ? Buffer.from(needle, 'utf8') : needle]);
    if ((result.rows[0]?.n ?? 0) > 0) hits.push(`${table}.${column}`);
  }
  return hits;
}

/** Empties intake and everything routed from it. The ledger is append-only and is not touched. */
export async function resetTables(db: Db): Promise<void> {
  await db.exec('TRUNCATE inbound_messages, outbox, people, partner_endpoints RESTART IDENTITY CASCADE');
}
