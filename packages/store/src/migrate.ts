import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.ts';
import { assertSchemaName, quoteIdent } from './db.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

const MIGRATION_FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

// pg_advisory_xact_lock(classid, objid): a fixed class for "hub store migrations" and the
// schema's hash, so stores in different schemas (tests) do not wait for each other.
const MIGRATION_LOCK_CLASS = 0x48554201;

// DDL can wait on locks held by running traffic; give it far longer than an ordinary query.
const MIGRATION_QUERY_TIMEOUT_MS = 10 * 60_000;

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = MIGRATION_FILE.exec(file);
    if (!match) throw new Error(`migration file ${file} must be named NNNN_lower_snake_case.sql`);
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version)) throw new Error(`two migration files have version ${match[1]}`);
    const sql = await readFile(`${dir}/${file}`, 'utf8');
    migrations.push({ version, name: file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return migrations;
}

/**
 * Applies the migrations not yet recorded in `schema_migrations`, in order, in one transaction
 * under an advisory lock: concurrent callers (several processes starting together) queue, and
 * each then finds nothing left to do. A migration edited after it was applied is refused.
 * Returns the names applied by this call.
 */
export async function runMigrations(db: Db, schema: string, migrations: Migration[]): Promise<string[]> {
  assertSchemaName(schema);
  return db.transaction(
    async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::integer, hashtext($2))', [MIGRATION_LOCK_CLASS, schema]);
      // Checked first: CREATE SCHEMA IF NOT EXISTS still demands CREATE on the database.
      const exists = await tx.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rows.length === 0) await tx.exec(`CREATE SCHEMA ${quoteIdent(schema)}`);
      await tx.exec(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
      await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer     PRIMARY KEY,
        name       text        NOT NULL,
        checksum   text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const applied = await tx.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations');
      const appliedByVersion = new Map(applied.rows.map((row) => [row.version, row.checksum]));
      const done: string[] = [];
      for (const migration of migrations) {
        const checksum = appliedByVersion.get(migration.version);
        if (checksum !== undefined) {
          if (checksum !== migration.checksum) {
            throw new Error(`migration ${migration.name} was changed after it was applied; add a new migration instead`);
          }
          continue;
        }
        await tx.exec(migration.sql);
        await tx.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        done.push(migration.name);
      }
      return done;
    },
    { queryTimeoutMs: MIGRATION_QUERY_TIMEOUT_MS },
  );
}
