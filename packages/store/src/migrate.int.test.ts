import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrations } from './migrate.ts';
import { openStore } from './store.ts';
import { dropSchema, randomSchema, TEST_DATABASE_URL, testKeyring } from './test-backends.ts';
import type { OpenedStore } from './test-backends.ts';

describe('migrations on PostgreSQL from several processes at once', () => {
  const schema = randomSchema();
  const opened: OpenedStore[] = [];

  afterAll(async () => {
    await Promise.allSettled(opened.map((o) => o.store.close()));
    await dropSchema(schema);
  });

  it('create the schema, apply each migration exactly once, and all callers succeed', async () => {
    const keyring = testKeyring();
    for (let i = 0; i < 4; i += 1) {
      opened.push(await openStore({ databaseUrl: TEST_DATABASE_URL, schema, keyring, poolSize: 2 }));
    }
    await Promise.all(opened.map((o) => o.store.migrate()));
    await Promise.all(opened.map((o) => o.store.migrate()));

    const [first] = opened as [OpenedStore];
    const files = await loadMigrations();
    const applied = await first.db.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    expect(applied.rows).toEqual(files.map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));
    const tables = await first.db.query<{ table_schema: string }>(
      `SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name = 'inbound_messages' AND table_schema = $1`,
      [schema],
    );
    expect(tables.rows).toEqual([{ table_schema: schema }]);
    // Every store works on the migrated schema.
    expect(await Promise.all(opened.map((o) => o.store.counts()))).toEqual(opened.map(() => ({ inbound: 0, outboxPending: 0 })));
  });
});

describe('loadMigrations', () => {
  it('finds numbered files in order', async () => {
    const migrations = await loadMigrations();
    expect(migrations.length).toBeGreaterThanOrEqual(1);
    expect(migrations.map((m) => m.version)).toEqual([...migrations.map((m) => m.version)].sort((a, b) => a - b));
    expect(migrations[0]?.name).toMatch(/^0001_/);
  });
});
