import { createHash, randomBytes } from 'node:crypto';
import type { LedgerEntryInput } from '@hub/ledger';
import { appendLedgerEntries, ledgerFields, ledgerHash, queryLedger, verifyLedger } from '@hub/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from './db.ts';
import { toBuffer } from './db.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, createBackend } from './test-backends.ts';
import { uuidv7 } from './uuid.ts';

const BASE_TIME = Date.parse('2025-06-01T08:00:00.000Z');

function ledgerEntry(i: number, overrides: Partial<LedgerEntryInput> = {}): LedgerEntryInput {
  return {
    id: uuidv7(),
    at: new Date(BASE_TIME + i * 1000),
    referralId: uuidv7(),
    deliveryId: uuidv7(),
    subjects: [uuidv7(), uuidv7()],
    recipientPartnerId: `partner-${i % 3}`,
    purpose: 'early-help-referral',
    art6: 'public-task',
    art9: i % 2 === 0 ? 'substantial-public-interest' : null,
    sch1Paragraph: i % 2 === 0 ? '18' : null,
    art10: null,
    fields: ['/people/0/givenName', `/needs/${i}`],
    payloadSha256: createHash('sha256').update(String(i)).digest('hex'),
    channel: 'webhook',
    outcome: 'disclosed',
    decidedByRule: `rule-${i}`,
    decidedByOperator: null,
    ...overrides,
  };
}

async function append(db: Db, entries: LedgerEntryInput[]): Promise<void> {
  await db.transaction((tx) => appendLedgerEntries(tx, entries));
}

/** Runs SQL against the ledger with the append-only trigger switched off, as a table owner could. */
async function bypassingTrigger(db: Db, sql: string, params: unknown[] = []): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.exec('ALTER TABLE ledger DISABLE TRIGGER ledger_append_only');
    await tx.query(sql, params);
    await tx.exec('ALTER TABLE ledger ENABLE TRIGGER ledger_append_only');
  });
}

async function rowAt(db: Db, seq: number): Promise<{ id: string; hash: Buffer }> {
  const result = await db.query<{ id: string; hash: unknown }>('SELECT id::text AS id, hash FROM ledger WHERE seq = $1', [seq]);
  const row = result.rows[0];
  if (!row) throw new Error(`no ledger row ${seq}`);
  return { id: row.id, hash: toBuffer(row.hash) };
}

describe.each(backendNames)('disclosure ledger on %s', (backendName) => {
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

  /**
   * An empty ledger for each test (tampering must not leak into the next one): emptied the way
   * only a table owner can, with the append-only triggers off. On PostgreSQL a wider pool can be
   * asked for (another store on the same schema).
   */
  async function fresh(poolSize?: number): Promise<OpenedStore> {
    await main.db.exec(`ALTER TABLE ledger DISABLE TRIGGER ledger_no_truncate;
      TRUNCATE ledger;
      ALTER TABLE ledger ENABLE TRIGGER ledger_no_truncate;`);
    return poolSize && backend.sharesDatabase ? backend.open({ poolSize }) : main;
  }

  async function freshWithRows(n: number): Promise<OpenedStore> {
    const opened = await fresh();
    await append(opened.db, Array.from({ length: n }, (_, i) => ledgerEntry(i + 1)));
    return opened;
  }

  it('chains rows from the genesis hash and verifies them page by page with progress', async () => {
    const { db, store } = await fresh();
    expect(await verifyLedger(db)).toEqual({ ok: true, checked: 0 });
    expect(await store.ledgerHead()).toBeNull();
    await append(db, [ledgerEntry(1)]);
    await append(db, [ledgerEntry(2), ledgerEntry(3), ledgerEntry(4, { outcome: 'not-disclosed', deliveryId: null, payloadSha256: null, channel: null, fields: [] })]);
    await append(db, Array.from({ length: 21 }, (_, i) => ledgerEntry(5 + i)));

    const rows = await db.query<{ seq: string; prev_hash: unknown; hash: unknown }>('SELECT seq::text AS seq, prev_hash, hash FROM ledger ORDER BY ledger.seq');
    expect(rows.rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(toBuffer(rows.rows[0]?.prev_hash).equals(Buffer.alloc(32))).toBe(true);
    rows.rows.slice(1).forEach((row, i) => expect(toBuffer(row.prev_hash).equals(toBuffer(rows.rows[i]?.hash))).toBe(true));

    const progress: number[] = [];
    expect(await store.verifyLedger({ pageSize: 7, onProgress: (p) => progress.push(p.checked) })).toEqual({ ok: true, checked: 25 });
    expect(progress).toEqual([7, 14, 21, 25]);
    expect(await store.ledgerHead()).toEqual({ seq: 25, hash: toBuffer(rows.rows[24]?.hash).toString('hex') });
  });

  it('stores exactly what it hashed (recomputing every row from the table gives the same hashes)', async () => {
    const { db } = await freshWithRows(5);
    const entries = await queryLedger(db, { limit: 10 });
    let prev: Buffer = Buffer.alloc(32);
    for (const entry of entries) {
      const { prevHash, hash, at, seq, ...rest } = entry;
      expect(prevHash).toBe(prev.toString('hex'));
      const recomputed = ledgerHash(prev, ledgerFields(seq, { ...rest, at }));
      expect(recomputed.toString('hex')).toBe(hash);
      prev = recomputed;
    }
  });

  it('refuses UPDATE, DELETE and TRUNCATE: the table is append-only', async () => {
    const { db } = await freshWithRows(3);
    await expect(db.query(`UPDATE ledger SET purpose = 'other' WHERE seq = 2`)).rejects.toThrow(/append-only \(UPDATE refused\)/);
    await expect(db.query('DELETE FROM ledger WHERE seq = 3')).rejects.toThrow(/append-only \(DELETE refused\)/);
    await expect(db.exec('TRUNCATE ledger')).rejects.toThrow(/append-only \(TRUNCATE refused\)/);
    expect(await verifyLedger(db)).toEqual({ ok: true, checked: 3 });
  });

  it('detects an edited row at its own seq (hash-mismatch)', async () => {
    const { db } = await freshWithRows(20);
    const { id } = await rowAt(db, 12);
    await bypassingTrigger(db, `UPDATE ledger SET recipient_partner_id = 'someone-else' WHERE seq = 12`);
    expect(await verifyLedger(db, { pageSize: 5 })).toEqual({ ok: false, checked: 11, firstBroken: { seq: 12, id, reason: 'hash-mismatch' } });
  });

  it('detects edits to arrays and a one-microsecond change of time', async () => {
    const { db } = await freshWithRows(6);
    await bypassingTrigger(db, `UPDATE ledger SET fields = array_append(fields, '/people/0/nhsNumber') WHERE seq = 6`);
    expect((await verifyLedger(db)).firstBroken).toMatchObject({ seq: 6, reason: 'hash-mismatch' });
    const other = await freshWithRows(6);
    await bypassingTrigger(other.db, `UPDATE ledger SET subjects = subjects[1:1] WHERE seq = 3`);
    expect((await verifyLedger(other.db)).firstBroken).toMatchObject({ seq: 3, reason: 'hash-mismatch' });
    const third = await freshWithRows(6);
    await bypassingTrigger(third.db, `UPDATE ledger SET at = at + interval '1 microsecond' WHERE seq = 4`);
    expect((await verifyLedger(third.db)).firstBroken).toMatchObject({ seq: 4, reason: 'hash-mismatch' });
  });

  it('detects a row rewritten with a recomputed hash at the next row (prev-link-mismatch)', async () => {
    const { db } = await freshWithRows(10);
    const [row] = await queryLedger(db, { limit: 1, after: 4 });
    if (!row) throw new Error('no row 5');
    const { prevHash, hash: _hash, at, seq, ...rest } = row;
    const forged = ledgerHash(Buffer.from(prevHash, 'hex'), ledgerFields(seq, { ...rest, at, recipientPartnerId: 'someone-else' }));
    await bypassingTrigger(db, `UPDATE ledger SET recipient_partner_id = 'someone-else', hash = $1 WHERE seq = 5`, [forged]);
    const next = await rowAt(db, 6);
    expect(await verifyLedger(db)).toEqual({ ok: false, checked: 5, firstBroken: { seq: 6, id: next.id, reason: 'prev-link-mismatch' } });
  });

  it('detects a deleted row (gap), the first row included', async () => {
    const { db } = await freshWithRows(10);
    const next = await rowAt(db, 8);
    await bypassingTrigger(db, 'DELETE FROM ledger WHERE seq = 7');
    expect(await verifyLedger(db)).toEqual({ ok: false, checked: 6, firstBroken: { seq: 8, id: next.id, reason: 'gap' } });

    const other = await freshWithRows(3);
    const second = await rowAt(other.db, 2);
    await bypassingTrigger(other.db, 'DELETE FROM ledger WHERE seq = 1');
    expect(await verifyLedger(other.db)).toEqual({ ok: false, checked: 0, firstBroken: { seq: 2, id: second.id, reason: 'gap' } });
  });

  it('detects a deleted row whose successors were renumbered (prev-link-mismatch)', async () => {
    const { db } = await freshWithRows(6);
    const moved = await rowAt(db, 5);
    await bypassingTrigger(db, 'DELETE FROM ledger WHERE seq = 4');
    await bypassingTrigger(db, 'UPDATE ledger SET seq = 4 WHERE seq = 5');
    await bypassingTrigger(db, 'UPDATE ledger SET seq = 5 WHERE seq = 6');
    expect(await verifyLedger(db)).toEqual({ ok: false, checked: 3, firstBroken: { seq: 4, id: moved.id, reason: 'prev-link-mismatch' } });
  });

  it('cannot see a cut-off tail by itself, but the head kept elsewhere shows it', async () => {
    const { db, store } = await freshWithRows(5);
    const head = await store.ledgerHead();
    await bypassingTrigger(db, 'DELETE FROM ledger WHERE seq = 5');
    expect(await verifyLedger(db)).toEqual({ ok: true, checked: 4 });
    expect(await store.ledgerHead()).not.toEqual(head);
  });

  if (backendName === 'postgres') {
    it('detects tampering done with session_replication_role = replica (no trigger fires)', async () => {
      const { db } = await freshWithRows(4);
      const { id } = await rowAt(db, 2);
      await db.transaction(async (tx) => {
        await tx.exec('SET LOCAL session_replication_role = replica');
        await tx.query(`UPDATE ledger SET outcome = 'not-disclosed' WHERE seq = 2`);
      });
      expect(await verifyLedger(db)).toEqual({ ok: false, checked: 1, firstBroken: { seq: 2, id, reason: 'hash-mismatch' } });
    });
  }

  it('a rolled-back append leaves no trace and no gap', async () => {
    const { db } = await freshWithRows(2);
    await expect(
      db.transaction(async (tx) => {
        await appendLedgerEntries(tx, [ledgerEntry(3)]);
        throw new Error('the delivery update failed');
      }),
    ).rejects.toThrow('the delivery update failed');
    await append(db, [ledgerEntry(4)]);
    expect(await verifyLedger(db)).toEqual({ ok: true, checked: 3 });
  });

  it('200 appends from 10 concurrent tasks (some rolling back) keep one valid chain', async () => {
    const { db } = await fresh(10);
    let committed = 0;
    const task = async (t: number): Promise<void> => {
      for (let i = 0; i < 20; i += 1) {
        const rollBack = (t + i) % 7 === 0;
        try {
          await db.transaction(async (tx) => {
            await appendLedgerEntries(tx, [ledgerEntry(t * 100 + i)]);
            if (rollBack) throw new Error('rolled back on purpose');
          });
          committed += 1;
        } catch (err) {
          if (!rollBack) throw err;
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, (_, t) => task(t)));
    expect(committed).toBeGreaterThan(150);
    expect(await verifyLedger(db, { pageSize: 64 })).toEqual({ ok: true, checked: committed });
    const seqs = await db.query<{ n: number; max: string }>('SELECT count(*)::integer AS n, max(seq)::text AS max FROM ledger');
    expect(seqs.rows[0]).toEqual({ n: committed, max: String(committed) });
  });

  it('answers queries by person, referral, recipient and time, with keyset paging', async () => {
    const { db, store } = await fresh();
    const person = uuidv7();
    const referral = uuidv7();
    await append(db, [
      ledgerEntry(1, { subjects: [person], referralId: referral }),
      ledgerEntry(2),
      ledgerEntry(3, { subjects: [uuidv7(), person] }),
      ledgerEntry(4, { referralId: referral, outcome: 'not-disclosed', deliveryId: null, payloadSha256: null, channel: null, fields: [], recipientPartnerId: null }),
      ledgerEntry(5, { subjects: [person] }),
    ]);
    const seqsOf = (entries: { seq: number }[]): number[] => entries.map((e) => e.seq);
    expect(seqsOf(await store.queryLedger({ personId: person, limit: 10 }))).toEqual([1, 3, 5]);
    expect(seqsOf(await store.queryLedger({ personId: person, limit: 2 }))).toEqual([1, 3]);
    expect(seqsOf(await store.queryLedger({ personId: person, limit: 2, after: 3 }))).toEqual([5]);
    expect(seqsOf(await store.queryLedger({ referralId: referral, limit: 10 }))).toEqual([1, 4]);
    expect(seqsOf(await store.queryLedger({ recipientPartnerId: 'partner-2', limit: 10 }))).toEqual([2, 5]);
    expect(seqsOf(await store.queryLedger({ from: new Date(BASE_TIME + 2000), to: new Date(BASE_TIME + 4000), limit: 10 }))).toEqual([2, 3]);
    const [first] = await store.queryLedger({ limit: 1 });
    expect(first).toMatchObject({ seq: 1, outcome: 'disclosed', subjects: [person], recipientPartnerId: 'partner-1', art9: null });
    expect(first?.at.toISOString()).toBe(new Date(BASE_TIME + 1000).toISOString());
    await expect(store.queryLedger({ limit: 0 })).rejects.toThrow(TypeError);
    await expect(store.queryLedger({ personId: 'Jane Doe', limit: 1 })).rejects.toThrow(TypeError);
  });

  it('refuses entries that would not be a record of a disclosure', async () => {
    const { db } = await fresh();
    await expect(append(db, [ledgerEntry(1, { channel: null })])).rejects.toThrow(/disclosed ledger entry needs/);
    await expect(append(db, [ledgerEntry(1, { subjects: ['Jane Doe'] })])).rejects.toThrow(/subjects\[0\] must be a UUID/);
    await expect(append(db, [ledgerEntry(1, { payloadSha256: randomBytes(4).toString('hex') })])).rejects.toThrow(/payloadSha256/);
    expect(await verifyLedger(db)).toEqual({ ok: true, checked: 0 });
  });
});
