import { describe, expect, it } from 'vitest';
import type { LedgerEntryInput } from './entry.ts';
import { canonicalLedgerJson, GENESIS_HASH, ledgerFields, ledgerHash, ledgerTimestamp } from './entry.ts';

const entry: LedgerEntryInput = {
  id: '0190A2F0-0000-7000-8000-000000000001',
  at: new Date('2025-06-01T08:30:00.123Z'),
  referralId: '0190a2f0-0000-7000-8000-000000000002',
  deliveryId: '0190a2f0-0000-7000-8000-000000000003',
  subjects: ['0190a2f0-0000-7000-8000-000000000004'],
  recipientPartnerId: 'school-100001',
  purpose: 'operation-encompass',
  art6: 'public-task',
  sch1Paragraph: '18',
  fields: ['/people/0/givenName', '/incident/date'],
  payloadSha256: 'AB'.repeat(32),
  channel: 'webhook',
  outcome: 'disclosed',
  decidedByRule: 'encompass-school',
};

describe('ledger entry hashing', () => {
  it('puts every field, nulls explicit, in one fixed order, ids and hashes lower-cased', () => {
    expect(canonicalLedgerJson(ledgerFields(7, entry))).toBe(
      '["hub.ledger.v1",7,"0190a2f0-0000-7000-8000-000000000001","2025-06-01T08:30:00.123000Z",' +
        '"0190a2f0-0000-7000-8000-000000000002","0190a2f0-0000-7000-8000-000000000003",' +
        '["0190a2f0-0000-7000-8000-000000000004"],"school-100001","operation-encompass","public-task",null,"18",null,' +
        `["/people/0/givenName","/incident/date"],"${'ab'.repeat(32)}","webhook","disclosed","encompass-school",null]`,
    );
  });

  it('is SHA-256(prev_hash || canonical JSON), stable across releases', () => {
    const fields = ledgerFields(1, entry);
    // Computed independently (Python hashlib over 32 zero bytes + the JSON above). A change to this
    // value means every existing chain would fail verification.
    expect(ledgerHash(GENESIS_HASH, fields).toString('hex')).toBe('2114ff9df11d45f5c533cfa64ab7654c2a8a59389ea33aa4afcc35e5d41db7b2');
    expect(ledgerHash(Buffer.alloc(32, 1), fields).equals(ledgerHash(GENESIS_HASH, fields))).toBe(false);
    expect(ledgerHash(GENESIS_HASH, ledgerFields(2, entry)).equals(ledgerHash(GENESIS_HASH, fields))).toBe(false);
  });

  it('writes times with microseconds, as PostgreSQL returns them', () => {
    expect(ledgerTimestamp(new Date('2025-01-02T03:04:05.006Z'))).toBe('2025-01-02T03:04:05.006000Z');
  });

  it('refuses entries that are not ids and codes, or disclosures without what was sent', () => {
    expect(() => ledgerFields(1, { ...entry, subjects: ['Jane Doe'] })).toThrow(/subjects\[0\] must be a UUID/);
    expect(() => ledgerFields(1, { ...entry, payloadSha256: null })).toThrow(/disclosed ledger entry needs/);
    expect(() => ledgerFields(1, { ...entry, at: new Date('nope') })).toThrow(/valid Date/);
    expect(() => ledgerFields(1, { ...entry, purpose: '' })).toThrow(/purpose/);
    expect(() =>
      ledgerFields(1, { ...entry, outcome: 'not-disclosed', deliveryId: null, payloadSha256: null, channel: null, recipientPartnerId: null, fields: [] }),
    ).not.toThrow();
  });
});
