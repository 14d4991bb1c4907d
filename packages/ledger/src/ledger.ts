// SQL for the ledger table (created by @hub/store's migrations).
import type { LedgerEntry, LedgerEntryInput, LedgerFields } from './entry.ts';
import { GENESIS_HASH, ledgerFields, ledgerHash } from './entry.ts';
import type { LedgerQueryable } from './queryable.ts';
import { asBuffer } from './queryable.ts';

// pg_advisory_xact_lock(classid, objid): a fixed class for "hub ledger append" and the schema's
// hash, so ledgers in different schemas (tests) do not wait for each other.
const LEDGER_LOCK_CLASS = 0x48554202;

// Output names such as seq are text casts, and a bare name in ORDER BY means the output column:
// queries order by the table's column, l.seq.
const COLUMNS = `seq::text AS seq, id::text AS id,
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
  referral_id::text AS referral_id, delivery_id::text AS delivery_id, subjects::text[] AS subjects,
  recipient_partner_id, purpose, art6, art9, sch1_paragraph, art10, fields, payload_sha256, channel,
  outcome, decided_by_rule, decided_by_operator, prev_hash, hash`;

interface LedgerRow {
  seq: string;
  id: string;
  at: string;
  referral_id: string;
  delivery_id: string | null;
  subjects: string[];
  recipient_partner_id: string | null;
  purpose: string | null;
  art6: string | null;
  art9: string | null;
  sch1_paragraph: string | null;
  art10: string | null;
  fields: string[];
  payload_sha256: string | null;
  channel: string | null;
  outcome: LedgerFields['outcome'];
  decided_by_rule: string | null;
  decided_by_operator: string | null;
  prev_hash: unknown;
  hash: unknown;
}

function rowFields(row: LedgerRow): LedgerFields {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: row.at,
    referralId: row.referral_id,
    deliveryId: row.delivery_id,
    subjects: row.subjects,
    recipientPartnerId: row.recipient_partner_id,
    purpose: row.purpose,
    art6: row.art6,
    art9: row.art9,
    sch1Paragraph: row.sch1_paragraph,
    art10: row.art10,
    fields: row.fields,
    payloadSha256: row.payload_sha256,
    channel: row.channel,
    outcome: row.outcome,
    decidedByRule: row.decided_by_rule,
    decidedByOperator: row.decided_by_operator,
  };
}

function toEntry(fields: LedgerFields, prevHash: Buffer, hash: Buffer): LedgerEntry {
  return { ...fields, at: new Date(fields.at), prevHash: prevHash.toString('hex'), hash: hash.toString('hex') };
}

const INSERT_COLUMNS = [
  'seq',
  'id',
  'at',
  'referral_id',
  'delivery_id',
  'subjects',
  'recipient_partner_id',
  'purpose',
  'art6',
  'art9',
  'sch1_paragraph',
  'art10',
  'fields',
  'payload_sha256',
  'channel',
  'outcome',
  'decided_by_rule',
  'decided_by_operator',
  'prev_hash',
  'hash',
] as const;

const CASTS: Partial<Record<(typeof INSERT_COLUMNS)[number], string>> = {
  seq: 'bigint',
  id: 'uuid',
  at: 'timestamptz',
  referral_id: 'uuid',
  delivery_id: 'uuid',
  subjects: 'uuid[]',
  fields: 'text[]',
  prev_hash: 'bytea',
  hash: 'bytea',
};

/**
 * Appends entries to the hash chain inside the caller's transaction (`q` must be a transaction:
 * the lock is released at its end). A transaction-scoped advisory lock serialises writers, so
 * each reads the true last row — seq and hash — and chains onto it; concurrent transactions
 * queue on the lock and a rolled-back one leaves no trace. Call it last in the transaction: the
 * lock is held until commit, so every ledger writer commits one at a time.
 * Needs READ COMMITTED (PostgreSQL's default): the read after the lock must see the last commit.
 */
export async function appendLedgerEntries(q: LedgerQueryable, entries: readonly LedgerEntryInput[]): Promise<LedgerEntry[]> {
  if (entries.length === 0) return [];
  await q.query('SELECT pg_advisory_xact_lock($1::integer, hashtext(current_schema()))', [LEDGER_LOCK_CLASS]);
  const last = await q.query<{ seq: string; hash: unknown }>('SELECT l.seq::text AS seq, l.hash FROM ledger l ORDER BY l.seq DESC LIMIT 1');
  let seq = last.rows[0] ? Number(last.rows[0].seq) : 0;
  let prevHash = last.rows[0] ? asBuffer(last.rows[0].hash) : GENESIS_HASH;

  const written: LedgerEntry[] = [];
  const params: unknown[] = [];
  const values: string[] = [];
  for (const entry of entries) {
    seq += 1;
    const fields = ledgerFields(seq, entry);
    const hash = ledgerHash(prevHash, fields);
    const row = [
      String(seq),
      fields.id,
      entry.at,
      fields.referralId,
      fields.deliveryId,
      fields.subjects,
      fields.recipientPartnerId,
      fields.purpose,
      fields.art6,
      fields.art9,
      fields.sch1Paragraph,
      fields.art10,
      fields.fields,
      fields.payloadSha256,
      fields.channel,
      fields.outcome,
      fields.decidedByRule,
      fields.decidedByOperator,
      prevHash,
      hash,
    ];
    const base = params.length;
    values.push(`(${INSERT_COLUMNS.map((column, i) => `$${base + i + 1}${CASTS[column] ? `::${CASTS[column]}` : ''}`).join(', ')})`);
    params.push(...row);
    written.push(toEntry(fields, prevHash, hash));
    prevHash = hash;
  }
  await q.query(`INSERT INTO ledger (${INSERT_COLUMNS.join(', ')}) VALUES ${values.join(', ')}`, params);
  return written;
}

export interface LedgerBreak {
  seq: number;
  id: string;
  reason: 'hash-mismatch' | 'prev-link-mismatch' | 'gap';
}

export interface LedgerVerification {
  ok: boolean;
  /** Rows whose link and hash were checked and found good (before the first break, if any). */
  checked: number;
  firstBroken?: LedgerBreak;
}

export interface VerifyOptions {
  /** Called after each page with the rows checked so far and the last seq seen. */
  onProgress?(progress: { checked: number; lastSeq: number }): void;
  /** Rows per query. Default 1000. */
  pageSize?: number;
}

/**
 * Walks the whole chain in seq order, a page at a time (memory stays flat however long the
 * ledger is), and reports the first broken link:
 * - `gap`: the row's seq is not the previous seq + 1 (a row was deleted, or the first row is not 1);
 * - `prev-link-mismatch`: its prev_hash is not the previous row's hash (a row before it was
 *   rewritten with a recomputed hash, or removed and the rest renumbered);
 * - `hash-mismatch`: its hash is not SHA-256(prev_hash || its fields) (the row itself was edited).
 * Rows appended while it runs are checked too (appends only ever extend the end).
 * What it cannot see: rows cut off the end, or a whole tail rewritten consistently by someone who
 * can write the table — compare `ledgerHead` with a copy kept elsewhere for that.
 */
export async function verifyLedger(db: LedgerQueryable, options: VerifyOptions = {}): Promise<LedgerVerification> {
  const pageSize = options.pageSize ?? 1000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new TypeError('pageSize must be a positive integer');
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let afterSeq = '0';
  for (;;) {
    const page = await db.query<LedgerRow>(`SELECT ${COLUMNS} FROM ledger l WHERE l.seq > $1::bigint ORDER BY l.seq LIMIT $2`, [afterSeq, pageSize]);
    for (const row of page.rows) {
      const fields = rowFields(row);
      const broken = (reason: LedgerBreak['reason']): LedgerVerification => ({
        ok: false,
        checked,
        firstBroken: { seq: fields.seq, id: fields.id, reason },
      });
      if (fields.seq !== expectedSeq) return broken('gap');
      const storedPrev = asBuffer(row.prev_hash);
      if (!storedPrev.equals(prevHash)) return broken('prev-link-mismatch');
      const hash = asBuffer(row.hash);
      if (!ledgerHash(storedPrev, fields).equals(hash)) return broken('hash-mismatch');
      prevHash = hash;
      expectedSeq += 1;
      checked += 1;
    }
    const lastRow = page.rows[page.rows.length - 1];
    if (lastRow) afterSeq = lastRow.seq;
    options.onProgress?.({ checked, lastSeq: Number(afterSeq) });
    if (page.rows.length < pageSize) return { ok: true, checked };
  }
}

/** The last row's seq and hash (hex), to keep a copy outside the database; null when empty. */
export async function ledgerHead(db: LedgerQueryable): Promise<{ seq: number; hash: string } | null> {
  const result = await db.query<{ seq: string; hash: unknown }>('SELECT l.seq::text AS seq, l.hash FROM ledger l ORDER BY l.seq DESC LIMIT 1');
  const row = result.rows[0];
  return row ? { seq: Number(row.seq), hash: asBuffer(row.hash).toString('hex') } : null;
}

export interface LedgerQuery {
  /** A hub person id: rows whose subjects include it (Art 15 / Art 19: who received this person's data). */
  personId?: string;
  referralId?: string;
  recipientPartnerId?: string;
  /** at >= from */
  from?: Date;
  /** at < to */
  to?: Date;
  limit: number;
  /** Keyset paging: rows with seq > after (pass the last seq of the previous page). */
  after?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ledger rows matching every given filter, in seq order. */
export async function queryLedger(db: LedgerQueryable, query: LedgerQuery): Promise<LedgerEntry[]> {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 10_000) throw new TypeError('limit must be an integer from 1 to 10000');
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (condition: (n: string) => string, value: unknown): void => {
    params.push(value);
    where.push(condition(`$${params.length}`));
  };
  if (query.personId !== undefined) {
    if (!UUID.test(query.personId)) throw new TypeError('personId must be a UUID');
    add((n) => `l.subjects @> ARRAY[${n}::uuid]`, query.personId);
  }
  if (query.referralId !== undefined) {
    if (!UUID.test(query.referralId)) throw new TypeError('referralId must be a UUID');
    add((n) => `l.referral_id = ${n}::uuid`, query.referralId);
  }
  if (query.recipientPartnerId !== undefined) add((n) => `l.recipient_partner_id = ${n}`, query.recipientPartnerId);
  if (query.from !== undefined) add((n) => `l.at >= ${n}::timestamptz`, query.from);
  if (query.to !== undefined) add((n) => `l.at < ${n}::timestamptz`, query.to);
  if (query.after !== undefined) {
    if (!Number.isSafeInteger(query.after) || query.after < 0) throw new TypeError('after must be a non-negative integer');
    add((n) => `l.seq > ${n}::bigint`, String(query.after));
  }
  params.push(query.limit);
  const result = await db.query<LedgerRow>(
    `SELECT ${COLUMNS} FROM ledger l ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY l.seq LIMIT $${params.length}`,
    params,
  );
  return result.rows.map((row) => toEntry(rowFields(row), asBuffer(row.prev_hash), asBuffer(row.hash)));
}
