import { createHash } from 'node:crypto';

/** `erased`: the referral's data key was destroyed (erasure or retention; decided by a rule or an operator). */
export type LedgerOutcome = 'disclosed' | 'not-disclosed' | 'erased';

const OUTCOMES: readonly string[] = ['disclosed', 'not-disclosed', 'erased'] satisfies LedgerOutcome[];

/**
 * One disclosure, or one decision not to disclose (DESIGN §5). Ids, codes and JSON pointers only:
 * subjects are hub person ids, `fields` are pointers to what was disclosed, never values.
 */
export interface LedgerEntryInput {
  id: string;
  at: Date;
  referralId: string;
  deliveryId?: string | null;
  subjects: readonly string[];
  recipientPartnerId?: string | null;
  purpose?: string | null;
  art6?: string | null;
  art9?: string | null;
  sch1Paragraph?: string | null;
  art10?: string | null;
  fields: readonly string[];
  /** SHA-256 (hex) of the exact bytes sent. */
  payloadSha256?: string | null;
  channel?: string | null;
  outcome: LedgerOutcome;
  decidedByRule?: string | null;
  decidedByOperator?: string | null;
}

/** The hashed content of a row: every field, nulls explicit, in one fixed order. */
export interface LedgerFields {
  seq: number;
  id: string;
  /** UTC, microsecond precision: `YYYY-MM-DDTHH:MM:SS.ffffffZ` (what PostgreSQL stores). */
  at: string;
  referralId: string;
  deliveryId: string | null;
  subjects: string[];
  recipientPartnerId: string | null;
  purpose: string | null;
  art6: string | null;
  art9: string | null;
  sch1Paragraph: string | null;
  art10: string | null;
  fields: string[];
  payloadSha256: string | null;
  channel: string | null;
  outcome: LedgerOutcome;
  decidedByRule: string | null;
  decidedByOperator: string | null;
}

export interface LedgerEntry extends Omit<LedgerFields, 'at'> {
  at: Date;
  /** Hex of the previous row's hash (64 zeros for the first row). */
  prevHash: string;
  /** Hex SHA-256(prev_hash || canonical JSON of the fields). */
  hash: string;
}

export const GENESIS_HASH: Buffer = Buffer.alloc(32);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_TEXT = 512;

/** Microsecond ISO form of a millisecond Date, identical to what the ledger reads back. */
export function ledgerTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, -1)}000Z`;
}

function text(value: string | null | undefined, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT || value.includes('\u0000')) {
    throw new TypeError(`ledger entry ${name} must be a non-empty string of at most ${MAX_TEXT} characters`);
  }
  return value;
}

function uuid(value: string | null | undefined, name: string): string | null {
  if (value === undefined || value === null) return null;
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  if (!UUID.test(lower)) throw new TypeError(`ledger entry ${name} must be a UUID`);
  return lower;
}

/** Checks an entry and turns it into the exact field values that are stored and hashed. */
export function ledgerFields(seq: number, entry: LedgerEntryInput): LedgerFields {
  if (!(entry.at instanceof Date) || Number.isNaN(entry.at.getTime())) throw new TypeError('ledger entry at must be a valid Date');
  if (!OUTCOMES.includes(entry.outcome)) throw new TypeError(`ledger entry outcome must be one of ${OUTCOMES.join(', ')}`);
  if (!Array.isArray(entry.subjects) || !Array.isArray(entry.fields)) throw new TypeError('ledger entry subjects and fields must be arrays');
  const payloadSha256 = entry.payloadSha256 === undefined || entry.payloadSha256 === null ? null : String(entry.payloadSha256).toLowerCase();
  if (payloadSha256 !== null && !SHA256_HEX.test(payloadSha256)) throw new TypeError('ledger entry payloadSha256 must be 64 hex characters');
  const fields: LedgerFields = {
    seq,
    id: uuid(entry.id, 'id') ?? '',
    at: ledgerTimestamp(entry.at),
    referralId: uuid(entry.referralId, 'referralId') ?? '',
    deliveryId: uuid(entry.deliveryId, 'deliveryId'),
    subjects: entry.subjects.map((s, i) => uuid(s, `subjects[${i}]`) as string),
    recipientPartnerId: text(entry.recipientPartnerId, 'recipientPartnerId'),
    purpose: text(entry.purpose, 'purpose'),
    art6: text(entry.art6, 'art6'),
    art9: text(entry.art9, 'art9'),
    sch1Paragraph: text(entry.sch1Paragraph, 'sch1Paragraph'),
    art10: text(entry.art10, 'art10'),
    fields: entry.fields.map((f, i) => text(f, `fields[${i}]`) as string),
    payloadSha256,
    channel: text(entry.channel, 'channel'),
    outcome: entry.outcome,
    decidedByRule: text(entry.decidedByRule, 'decidedByRule'),
    decidedByOperator: text(entry.decidedByOperator, 'decidedByOperator'),
  };
  if (!fields.id || !fields.referralId) throw new TypeError('ledger entry id and referralId are required');
  if (
    fields.outcome === 'disclosed' &&
    [fields.deliveryId, fields.recipientPartnerId, fields.purpose, fields.art6, fields.payloadSha256, fields.channel].includes(null)
  ) {
    throw new TypeError('a disclosed ledger entry needs deliveryId, recipientPartnerId, purpose, art6, payloadSha256 and channel');
  }
  return fields;
}

/**
 * The canonical JSON of a row: a versioned array of the fields in one fixed order (never object
 * key order, which a refactor could change). Changing this breaks every existing chain.
 */
export function canonicalLedgerJson(f: LedgerFields): string {
  return JSON.stringify([
    'hub.ledger.v1',
    f.seq,
    f.id,
    f.at,
    f.referralId,
    f.deliveryId,
    f.subjects,
    f.recipientPartnerId,
    f.purpose,
    f.art6,
    f.art9,
    f.sch1Paragraph,
    f.art10,
    f.fields,
    f.payloadSha256,
    f.channel,
    f.outcome,
    f.decidedByRule,
    f.decidedByOperator,
  ]);
}

/** hash = SHA-256(prev_hash || canonical JSON of the row's fields). */
export function ledgerHash(prevHash: Buffer, fields: LedgerFields): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalLedgerJson(fields), 'utf8').digest();
}
