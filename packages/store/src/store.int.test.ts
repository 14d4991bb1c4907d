import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DecryptionError } from './errors.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, columnsContaining, createBackend, inbound, resetTables, sha256Hex, testKeyring } from './test-backends.ts';
import type { AcceptResult, OutboxEntry } from './types.ts';

function outcomes(results: AcceptResult[]): Record<string, number> {
  const tally: Record<string, number> = {};
  for (const result of results) tally[result.outcome] = (tally[result.outcome] ?? 0) + 1;
  return tally;
}

describe.each(backendNames)('store on %s', (backendName) => {
  let backend: Backend;
  let main: OpenedStore;

  beforeAll(async () => {
    backend = createBackend(backendName);
    main = await backend.open();
    await main.store.migrate();
  });

  afterAll(async () => {
    await backend?.closeAll();
  });

  beforeEach(async () => {
    await resetTables(main.db);
  });

  describe('accept and read', () => {
    it('gives back the exact bytes, non-ASCII included, with the metadata', async () => {
      const { store } = main;
      const body = Buffer.concat([Buffer.from('{"name":"Zoë Ōkafor","note":"ünïcödé ✓ 👪 \\u0000"}', 'utf8'), randomBytes(64)]);
      const input = inbound({ body, receivedAt: new Date('2025-03-04T05:06:07.890Z') });
      const result = await store.acceptInbound(input);
      expect(result.outcome).toBe('accepted');
      const stored = await store.readInbound(result.messageId);
      expect(stored).not.toBeNull();
      expect(stored?.body.equals(body)).toBe(true);
      expect(stored).toMatchObject({
        messageId: result.messageId,
        partnerId: input.partnerId,
        webhookId: input.webhookId,
        type: input.type,
        schemaId: input.schemaId,
        bodySha256: input.bodySha256,
      });
      expect(stored?.receivedAt.toISOString()).toBe('2025-03-04T05:06:07.890Z');
      expect(await store.findInbound(input.partnerId, input.webhookId)).toEqual({
        messageId: result.messageId,
        bodySha256: input.bodySha256,
      });
      expect(await store.counts()).toEqual({ inbound: 1, outboxPending: 1 });
    });

    it('answers null for unknown messages and keys', async () => {
      const { store } = main;
      expect(await store.readInbound('0190a2f0-0000-7000-8000-000000000001')).toBeNull();
      expect(await store.readInbound('not-a-uuid')).toBeNull();
      expect(await store.findInbound('partner-a', 'never-sent')).toBeNull();
    });

    it('reports duplicates (same body) and conflicts (different body) with the first message id', async () => {
      const { store } = main;
      const first = inbound();
      const accepted = await store.acceptInbound(first);
      expect(accepted.outcome).toBe('accepted');
      expect(await store.acceptInbound({ ...first, receivedAt: new Date() })).toEqual({
        outcome: 'duplicate',
        messageId: accepted.messageId,
      });
      const otherBody = Buffer.from('{"different":true}');
      expect(await store.acceptInbound({ ...first, body: otherBody, bodySha256: sha256Hex(otherBody) })).toEqual({
        outcome: 'conflict',
        messageId: accepted.messageId,
      });
      // The key is per partner: another partner may use the same webhook-id.
      expect((await store.acceptInbound({ ...first, partnerId: 'partner-b' })).outcome).toBe('accepted');
      expect(await store.counts()).toEqual({ inbound: 2, outboxPending: 2 });
    });

    it('refuses a body whose sha does not match, without touching the batch', async () => {
      const { store } = main;
      const good = inbound();
      const bad = { ...inbound(), bodySha256: sha256Hex(Buffer.from('something else')) };
      const [goodResult, badResult] = await Promise.allSettled([store.acceptInbound(good), store.acceptInbound(bad)]);
      expect(goodResult).toMatchObject({ status: 'fulfilled', value: { outcome: 'accepted' } });
      expect(badResult).toMatchObject({ status: 'rejected', reason: new TypeError('bodySha256 does not match body') });
      expect(await store.counts()).toEqual({ inbound: 1, outboxPending: 1 });
    });
  });

  describe('encryption at rest', () => {
    it('detects a tampered ciphertext, tag or wrapped key', async () => {
      const { store, db } = main;
      for (const column of ['body_ciphertext', 'body_tag', 'dek_wrapped', 'dek_tag', 'body_iv']) {
        const { messageId } = await store.acceptInbound(inbound());
        // Flip the lowest bit of the first byte of the stored value.
        await db.query(
          `UPDATE inbound_messages SET ${column} = set_byte(${column}, 0, get_byte(${column}, 0) # 1) WHERE message_id = $1`,
          [messageId],
        );
        await expect(store.readInbound(messageId), column).rejects.toThrow(DecryptionError);
      }
    });

    it('binds each body to its message id: swapped envelopes do not decrypt', async () => {
      const { store, db } = main;
      const a = await store.acceptInbound(inbound());
      const b = await store.acceptInbound(inbound());
      await db.query(
        `UPDATE inbound_messages t
            SET key_id = s.key_id, dek_wrapped = s.dek_wrapped, dek_iv = s.dek_iv, dek_tag = s.dek_tag,
                body_iv = s.body_iv, body_tag = s.body_tag, body_ciphertext = s.body_ciphertext
           FROM inbound_messages s
          WHERE t.message_id = $1 AND s.message_id = $2`,
        [a.messageId, b.messageId],
      );
      await expect(store.readInbound(a.messageId)).rejects.toThrow(DecryptionError);
      expect((await store.readInbound(b.messageId))?.body).toBeInstanceOf(Buffer);
    });

    it('keeps no plaintext in any column of any table', async () => {
      const { store, db } = main;
      const canary = `CANARY-${randomBytes(8).toString('hex')}-Ünïcode`;
      const input = inbound({ text: `{"type":"vcs.referral.submitted","data":{"name":"${canary}","dob":"2015-01-01"}}` });
      const result = await store.acceptInbound(input);
      expect(result.outcome).toBe('accepted');
      await store.claimOutbox(10, 0);
      expect(await columnsContaining(db, backend.schema, canary)).toEqual([]);
      // The scan itself works: values that are stored in clear are found.
      expect(await columnsContaining(db, backend.schema, input.webhookId)).toEqual(['inbound_messages.webhook_id']);
      expect(await columnsContaining(db, backend.schema, input.bodySha256)).toEqual(['inbound_messages.body_sha256']);
    });

    it('reads messages wrapped by a retired master key after rotation', async () => {
      const k0 = randomBytes(32);
      const k1 = randomBytes(32);
      const body = Buffer.from('{"rotation":"ünïcode"}');
      let dataDir: string | undefined;
      try {
        const open = async (keyring: ReturnType<typeof testKeyring>): Promise<OpenedStore> => {
          if (backend.sharesDatabase) return backend.open({ keyring });
          // PGlite in memory cannot be opened twice: use a directory and reopen it.
          dataDir ??= await mkdtemp(join(tmpdir(), 'hub-store-'));
          return backend.open({ keyring, dataDir });
        };
        const before = await open(testKeyring('k0', { k0 }));
        await before.store.migrate();
        const old = await before.store.acceptInbound(inbound({ body }));
        if (!backend.sharesDatabase) {
          await before.store.close();
          expect(existsSync(join(dataDir as string, 'pglite'))).toBe(true);
        }
        const after = await open(testKeyring('k1', { k1, k0 }));
        expect((await after.store.readInbound(old.messageId))?.body.equals(body)).toBe(true);
        const fresh = await after.store.acceptInbound(inbound({ body }));
        const keyIds = await after.db.query<{ message_id: string; key_id: string }>(
          'SELECT message_id::text AS message_id, key_id FROM inbound_messages WHERE message_id = ANY($1::uuid[]) ORDER BY key_id',
          [[old.messageId, fresh.messageId]],
        );
        expect(keyIds.rows).toEqual([
          { message_id: old.messageId, key_id: 'k0' },
          { message_id: fresh.messageId, key_id: 'k1' },
        ]);
        const withoutK0 = await open(testKeyring('k1', { k1 }));
        if (backend.sharesDatabase) await expect(withoutK0.store.readInbound(old.messageId)).rejects.toThrow(/"k0" is not in the keyring/);
        await after.store.close();
        await withoutK0.store.close();
      } finally {
        if (dataDir) await rm(dataDir, { recursive: true, force: true });
      }
    });
  });

  describe('idempotency under concurrency', () => {
    it('50 concurrent accepts of one key: one accepted, the rest duplicates, one row, one outbox row', async () => {
      const { store, db } = main;
      const input = inbound();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.acceptInbound({ ...input })));
      expect(outcomes(results)).toEqual({ accepted: 1, duplicate: 49 });
      expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
      expect(await store.counts()).toEqual({ inbound: 1, outboxPending: 1 });
      const outbox = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM outbox');
      expect(outbox.rows[0]?.n).toBe(1);
    });

    it('same key, two bodies, concurrently: one accepted, duplicates of it, conflicts for the other body', async () => {
      const { store } = main;
      const a = inbound();
      const otherBody = Buffer.from('{"other":"body"}');
      const b = { ...a, body: otherBody, bodySha256: sha256Hex(otherBody) };
      const inputs = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b));
      const results = await Promise.all(inputs.map((input) => store.acceptInbound({ ...input })));
      const accepted = results.findIndex((r) => r.outcome === 'accepted');
      expect(accepted).toBeGreaterThanOrEqual(0);
      const winnerSha = (inputs[accepted] as typeof a).bodySha256;
      results.forEach((result, i) => {
        if (i === accepted) return;
        expect(result.outcome).toBe((inputs[i] as typeof a).bodySha256 === winnerSha ? 'duplicate' : 'conflict');
      });
      expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
      expect(await store.counts()).toEqual({ inbound: 1, outboxPending: 1 });
    });

    it('one key in 50 separate concurrent transactions (no batching) still gives one row', async () => {
      const unbatched = await backend.open({ maxBatchSize: 1 });
      await unbatched.store.migrate();
      const input = inbound();
      const results = await Promise.all(Array.from({ length: 50 }, () => unbatched.store.acceptInbound({ ...input })));
      expect(outcomes(results)).toEqual({ accepted: 1, duplicate: 49 });
      if (backend.sharesDatabase) expect(await main.store.counts()).toEqual({ inbound: 1, outboxPending: 1 });
      else expect(await unbatched.store.counts()).toEqual({ inbound: 1, outboxPending: 1 });
      await unbatched.store.close();
    });

    // Only PostgreSQL has separate connections that can race; PGlite is one in-process database.
    if (backendName === 'postgres') it('one key from two stores (processes) at once still gives one row', async () => {
      const other = await backend.open();
      const input = inbound();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? main.store : other.store).acceptInbound({ ...input })),
      );
      expect(outcomes(results)).toEqual({ accepted: 1, duplicate: 49 });
      expect(await main.store.counts()).toEqual({ inbound: 1, outboxPending: 1 });
      await other.store.close();
    });

    it('500 concurrent distinct accepts are all committed, each with its outbox row', async () => {
      const { store, db } = main;
      const inputs = Array.from({ length: 500 }, (_, i) => inbound({ partnerId: `partner-${i % 7}` }));
      const results = await Promise.all(inputs.map((input) => store.acceptInbound(input)));
      expect(outcomes(results)).toEqual({ accepted: 500 });
      expect(new Set(results.map((r) => r.messageId)).size).toBe(500);
      expect(await store.counts()).toEqual({ inbound: 500, outboxPending: 500 });
      const joined = await db.query<{ n: number }>(
        `SELECT count(*)::integer AS n FROM outbox o JOIN inbound_messages m USING (message_id) WHERE o.job_name = 'referral.route'`,
      );
      expect(joined.rows[0]?.n).toBe(500);
      const pick = results[123] as Extract<AcceptResult, { outcome: 'accepted' }>;
      expect((await store.readInbound(pick.messageId))?.body.equals((inputs[123] as (typeof inputs)[0]).body)).toBe(true);
    });

    it('a failed batch commits nothing and every caller in it gets the error', async () => {
      const { store, db } = main;
      await db.exec(`
        CREATE FUNCTION reject_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.webhook_id = 'poison' THEN RAISE EXCEPTION 'poisoned batch'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER reject_poison BEFORE INSERT ON inbound_messages FOR EACH ROW EXECUTE FUNCTION reject_poison();`);
      try {
        const inputs = [inbound(), inbound(), inbound({ webhookId: 'poison' }), inbound()];
        const settled = await Promise.allSettled(inputs.map((input) => store.acceptInbound(input)));
        expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
        expect(await store.counts()).toEqual({ inbound: 0, outboxPending: 0 });
      } finally {
        await db.exec('DROP TRIGGER reject_poison ON inbound_messages; DROP FUNCTION reject_poison();');
      }
      expect((await store.acceptInbound(inbound())).outcome).toBe('accepted');
    });
  });

  describe('outbox', () => {
    it('claims only rows at least minAgeMs old, leases them, and markQueued takes them out', async () => {
      const { store, db } = main;
      const accepted = await Promise.all([inbound(), inbound(), inbound()].map((input) => store.acceptInbound(input)));
      expect(await store.claimOutbox(10, 60_000)).toEqual([]);
      await db.query(`UPDATE outbox SET created_at = now() - interval '2 minutes' WHERE message_id = $1`, [accepted[0]?.messageId]);
      const old = await store.claimOutbox(10, 60_000);
      expect(old.map((e) => e.messageId)).toEqual([accepted[0]?.messageId]);

      const rest = await store.claimOutbox(10, 0);
      expect(rest.map((e) => e.messageId).sort()).toEqual([accepted[1]?.messageId, accepted[2]?.messageId].sort());
      for (const entry of [...old, ...rest]) {
        expect(entry.jobName).toBe('referral.route');
        expect(entry.createdAt).toBeInstanceOf(Date);
        expect(entry.outboxId).toMatch(/^[1-9][0-9]*$/);
      }
      expect(await store.claimOutbox(10, 0)).toEqual([]); // all leased

      await store.markQueued([...old, ...rest].map((e) => e.outboxId));
      expect(await store.counts()).toEqual({ inbound: 3, outboxPending: 0 });
      await db.exec(`UPDATE outbox SET leased_until = now() - interval '1 second'`);
      expect(await store.claimOutbox(10, 0)).toEqual([]); // queued rows never come back
      await store.markQueued([]);
      await store.markQueued(['999999']); // unknown ids are ignored
      await expect(store.markQueued(['1; DROP TABLE outbox'])).rejects.toThrow(TypeError);
    });

    it('gives a row to another claimer once its lease has expired', async () => {
      const { store, db } = main;
      await store.acceptInbound(inbound());
      const [first] = await store.claimOutbox(10, 0);
      expect(await store.claimOutbox(10, 0)).toEqual([]);
      await db.exec(`UPDATE outbox SET leased_until = now() - interval '1 millisecond'`);
      const [again] = await store.claimOutbox(10, 0);
      expect(again?.outboxId).toBe(first?.outboxId);
      const claims = await db.query<{ claims: number }>('SELECT claims FROM outbox');
      expect(claims.rows).toEqual([{ claims: 2 }]);
    });

    it('respects limit and returns rows oldest first', async () => {
      const { store } = main;
      for (let i = 0; i < 5; i += 1) await store.acceptInbound(inbound());
      const claimed = await store.claimOutbox(3, 0);
      expect(claimed).toHaveLength(3);
      const ids = claimed.map((e) => BigInt(e.outboxId));
      expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
      expect(await store.claimOutbox(10, 0)).toHaveLength(2);
    });

    it('never gives the same row to two concurrent claimers', async () => {
      const { store } = main;
      const others = backend.sharesDatabase ? await Promise.all([backend.open(), backend.open()]) : [];
      const claimers = [store, ...others.map((o) => o.store)];
      const inputs = Array.from({ length: 300 }, () => inbound());
      await Promise.all(inputs.map((input) => store.acceptInbound(input)));

      const claimedBy: OutboxEntry[][] = [];
      const sweep = async (claimer: (typeof claimers)[0]): Promise<void> => {
        const mine: OutboxEntry[] = [];
        claimedBy.push(mine);
        for (;;) {
          const batch = await claimer.claimOutbox(13, 0);
          if (batch.length === 0) return;
          mine.push(...batch);
        }
      };
      // Several sweepers per store so that claims really overlap on PostgreSQL's pool.
      await Promise.all(claimers.flatMap((claimer) => [sweep(claimer), sweep(claimer), sweep(claimer)]));
      const all = claimedBy.flat().map((e) => e.outboxId);
      expect(all).toHaveLength(300);
      expect(new Set(all).size).toBe(300);
      if (backend.sharesDatabase) expect(claimedBy.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
      await Promise.all(others.map((o) => o.store.close()));
    });
  });

  describe('migrations', () => {
    it('are recorded once and running them again changes nothing', async () => {
      const { store, db } = main;
      await store.migrate();
      await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
      const applied = await db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      expect(applied.rows[0]).toEqual({ version: 1, name: '0001_inbound_messages_and_outbox.sql' });
      expect(new Set(applied.rows.map((r) => r.version)).size).toBe(applied.rows.length);
      const tables = await db.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
        [backend.schema],
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual([
        'audit_events',
        'console_sessions',
        'deliveries',
        'delivery_actions',
        'delivery_attempts',
        'erasures',
        'evaluation_extracts',
        'family_acknowledgements',
        'family_feedback',
        'family_message_opt_outs',
        'feedback_invitations',
        'inbound_messages',
        'ledger',
        'legal_holds',
        'outbox',
        'partner_breakers',
        'partner_endpoints',
        'people',
        'person_name_dob_index',
        'person_name_dob_indexed',
        'person_rights',
        'person_rights_history',
        'rectifications',
        'referral_people',
        'referrals',
        'retention_runs',
        'review_holds',
        'schema_migrations',
        'sharing_decisions',
        'signpost_shares',
        'subject_access_requests',
      ]);
    });

    it('refuse to run when an applied migration file was edited', async () => {
      const { store, db } = main;
      await db.query(`UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1`);
      try {
        await expect(store.migrate()).rejects.toThrow(/0001_inbound_messages_and_outbox\.sql was changed/);
      } finally {
        await db.query(
          `UPDATE schema_migrations SET checksum = $1 WHERE version = 1`,
          [(await import('./migrate.ts').then((m) => m.loadMigrations()))[0]?.checksum],
        );
      }
      await store.migrate();
    });
  });
});
