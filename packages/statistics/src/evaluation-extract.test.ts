import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildEvaluationRows,
  createEvaluationExtract,
  EXTRACT_COLUMNS,
  EXTRACT_FIELD_POINTERS,
  sexCode,
  type EvaluationExtractStore,
  type ExtractSource,
  type RightsFlags,
} from './evaluation-extract.ts';
import { parsePeriod, type Period } from './periods.ts';

const HUB = {
  ann: '0190a2f0-0000-7000-8000-00000000000a',
  parent: '0190a2f0-0000-7000-8000-00000000000b',
  perpetrator: '0190a2f0-0000-7000-8000-00000000000c',
  baby: '0190a2f0-0000-7000-8000-00000000000d',
  objector: '0190a2f0-0000-7000-8000-00000000000e',
  restricted: '0190a2f0-0000-7000-8000-00000000000f',
};

/** Values that must never reach the extract. */
const FORBIDDEN = ['9434765919', '+447700900123', 'ann@example.org', 'Struggling at school', 'WBRI', 'Catholic', '100001', 'SEN support', 'Jo Bloggs'];

function canonical(referral: object): Buffer {
  return Buffer.from(JSON.stringify(referral), 'utf8');
}

const r1: ExtractSource = {
  referralId: '0190a2f0-0000-7000-8000-000000000101',
  receivedAt: new Date('2026-04-10T09:00:00Z'),
  canonical: canonical({
    needs: ['education', 'health'],
    needSummary: 'Struggling at school',
    referrer: { name: 'Jo Bloggs' },
    family: { address: { lines: ['1 High Street', 'Flat 2', 'Rusholme'], town: 'Manchester', postcode: 'M14 5RX' }, contactSafe: true },
    people: [
      {
        personRef: 'p1',
        role: 'child',
        givenName: 'Ann',
        familyName: 'Smith',
        dateOfBirth: '2015-03-01',
        sex: { system: 'dfe-sex', code: 'F' },
        nhsNumber: '9434765919',
        ethnicity: { system: 'dfe-ethnicity', code: 'WBRI' },
        religion: 'Catholic',
        schoolUrn: '100001',
        contact: { phone: '+447700900123', email: 'ann@example.org' },
      },
      { personRef: 'p2', role: 'parent', givenName: 'Bea', familyName: 'Smith', dateOfBirth: '1990-01-02', sex: { system: 'nhs-stated-gender', code: '2' }, niNumber: 'QQ123456C' },
      { personRef: 'p3', role: 'alleged-perpetrator', givenName: 'Carl', familyName: 'Jones', dateOfBirth: '1988-05-05' },
    ],
  }),
  people: [
    { personRef: 'p1', hubPersonId: HUB.ann, role: 'child' },
    { personRef: 'p2', hubPersonId: HUB.parent, role: 'parent' },
    { personRef: 'p3', hubPersonId: HUB.perpetrator, role: 'alleged-perpetrator' },
  ],
  deliveries: [{ status: 'delivered', feedbackStatus: 'declined', acceptedAt: null }],
};

// The same parent, later, at a new address (the last known one), with a new baby.
const r2: ExtractSource = {
  referralId: '0190a2f0-0000-7000-8000-000000000102',
  receivedAt: new Date('2026-05-01T09:00:00Z'),
  canonical: canonical({
    needs: ['housing', 'education'],
    family: { contactSafe: true },
    people: [
      { personRef: 'p1', role: 'parent', givenName: 'Bea', familyName: 'Smith', address: { lines: ['9 New Road'], town: 'Salford', postcode: 'M5 4WT' } },
      { personRef: 'p2', role: 'child', givenName: 'Dot', familyName: 'Smith', dateOfBirth: '2026-01-20', sex: { system: 'fhir', code: 'other' } },
    ],
  }),
  people: [
    { personRef: 'p1', hubPersonId: HUB.parent, role: 'parent' },
    { personRef: 'p2', hubPersonId: HUB.baby, role: 'child' },
  ],
  deliveries: [
    { status: 'delivered', feedbackStatus: 'closed', acceptedAt: new Date('2026-05-02T09:00:00Z') },
    { status: 'dead', feedbackStatus: null, acceptedAt: null },
  ],
};

// A family whose every member objected or is restricted.
const r3: ExtractSource = {
  referralId: '0190a2f0-0000-7000-8000-000000000103',
  receivedAt: new Date('2026-05-02T09:00:00Z'),
  canonical: canonical({
    needs: [],
    family: { contactSafe: true },
    people: [
      { personRef: 'p1', role: 'adult', givenName: 'Eve', familyName: 'Objector' },
      { personRef: 'p2', role: 'child', givenName: 'Fay', familyName: 'Restricted' },
    ],
  }),
  people: [
    { personRef: 'p1', hubPersonId: HUB.objector, role: 'adult' },
    { personRef: 'p2', hubPersonId: HUB.restricted, role: 'child' },
  ],
  deliveries: [{ status: 'delivered', feedbackStatus: null, acceptedAt: null }],
};

// Erased: its key is gone.
const r4: ExtractSource = { referralId: '0190a2f0-0000-7000-8000-000000000104', receivedAt: new Date('2026-05-03T09:00:00Z'), canonical: null, people: [], deliveries: [] };

const rights = new Map<string, RightsFlags>([
  [HUB.objector, { restricted: false, objected: true }],
  [HUB.restricted, { restricted: true, objected: false }],
  [HUB.ann, { restricted: false, objected: false }],
]);

describe('buildEvaluationRows', () => {
  const built = buildEvaluationRows([r3, r2, r1, r4], rights, { familyId: () => 'F1' });

  it('writes one row per family member with the last known details, and family participation', () => {
    const family = { family_id: 'F1', family_first_referred_on: '2026-04-10', family_referral_count: '2', family_needs_count: '3', family_outcome: 'accepted' };
    expect(built.rows).toEqual([
      { ...family, given_name: 'Ann', family_name: 'Smith', date_of_birth: '2015-03-01', sex: 'F', ni_number: '', address_line_1: '1 High Street', address_line_2: 'Flat 2, Rusholme', town: 'Manchester', postcode: 'M14 5RX' },
      { ...family, given_name: 'Bea', family_name: 'Smith', date_of_birth: '1990-01-02', sex: 'F', ni_number: 'QQ123456C', address_line_1: '9 New Road', address_line_2: '', town: 'Salford', postcode: 'M5 4WT' },
      { ...family, given_name: 'Dot', family_name: 'Smith', date_of_birth: '2026-01-20', sex: 'U', ni_number: '', address_line_1: '', address_line_2: '', town: '', postcode: '' },
    ]);
    expect(built.subjects.sort()).toEqual([HUB.ann, HUB.parent, HUB.baby].sort());
    expect(built).toMatchObject({ families: 1, peopleExcluded: 2, referrals: 4, unreadable: 1 });
  });

  it('leaves out objectors, restricted people and alleged perpetrators', () => {
    const names = built.rows.map((r) => r.given_name);
    expect(names).not.toContain('Eve');
    expect(names).not.toContain('Fay');
    expect(names).not.toContain('Carl');
    expect(built.subjects).not.toContain(HUB.objector);
    expect(built.subjects).not.toContain(HUB.perpetrator);
  });

  it('has exactly the extract columns and none of the referral’s other data', () => {
    for (const row of built.rows) expect(Object.keys(row)).toEqual([...EXTRACT_COLUMNS]);
    const text = JSON.stringify(built.rows);
    for (const value of FORBIDDEN) expect(text).not.toContain(value);
  });

  it('gives each family its own random id', () => {
    const other: ExtractSource = { ...r3, referralId: '0190a2f0-0000-7000-8000-000000000105', people: [{ personRef: 'p1', hubPersonId: '0190a2f0-0000-7000-8000-000000000010', role: 'adult' }] };
    const twoFamilies = buildEvaluationRows([r1, other], new Map());
    const ids = [...new Set(twoFamilies.rows.map((r) => r.family_id))];
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^F[0-9a-f]{12}$/);
  });

  it('maps sex codes to M, F or U', () => {
    expect([sexCode({ system: 'dfe-sex', code: 'M' }), sexCode({ system: 'nhs-stated-gender', code: '1' }), sexCode({ system: 'nhs-stated-gender', code: 'X' }), sexCode(undefined)]).toEqual(['M', 'M', 'U', '']);
  });
});

function stubStore(pages: ExtractSource[][]): EvaluationExtractStore & { recorded: Parameters<EvaluationExtractStore['recordEvaluationExtract']>[0][]; asked: string[][] } {
  const recorded: Parameters<EvaluationExtractStore['recordEvaluationExtract']>[0][] = [];
  const asked: string[][] = [];
  let call = 0;
  return {
    recorded,
    asked,
    async extractSourcePage() {
      return pages[call++] ?? [];
    },
    async personRights(ids) {
      asked.push([...ids]);
      return rights;
    },
    async recordEvaluationExtract(record) {
      recorded.push(record);
      return { ledgerEntryId: '0190a2f0-0000-7000-8000-0000000000ff' };
    },
  };
}

describe('createEvaluationExtract', () => {
  const period = (parsePeriod('2026-04-01', '2026-07-01') as { period: Period }).period;
  const now = new Date('2026-07-02T10:00:00.000Z');

  it('records the extract once, with the CSV’s hash, its subjects and column pointers, and returns the file and manifest', async () => {
    const store = stubStore([[r1, r2, r3, r4]]);
    const extract = await createEvaluationExtract(store, { period, createdBy: 'dpo', recipientPartnerId: 'ons-national-evaluation', now, extractId: '0190a2f0-0000-7000-8000-0000000000ee' });
    const text = extract.csv.toString('utf8');
    expect(text.split('\r\n')[0]).toBe(EXTRACT_COLUMNS.join(','));
    expect(text.split('\r\n')).toHaveLength(1 + 3 + 1);
    const sha = createHash('sha256').update(extract.csv).digest('hex');
    expect(store.recorded).toHaveLength(1);
    expect(store.recorded[0]).toMatchObject({
      extractId: '0190a2f0-0000-7000-8000-0000000000ee',
      periodFrom: '2026-04-01',
      periodTo: '2026-07-01',
      createdAt: now,
      createdBy: 'dpo',
      recipientPartnerId: 'ons-national-evaluation',
      purpose: 'national-evaluation',
      art6: 'public-task',
      fileName: 'evaluation-extract-2026-04-01-to-2026-07-01-0190a2f0.csv',
      csvSha256: sha,
      fields: [...EXTRACT_FIELD_POINTERS],
      families: 1,
      people: 3,
      peopleExcluded: 2,
      referrals: 4,
    });
    expect(store.recorded[0]?.subjects.sort()).toEqual([HUB.ann, HUB.parent, HUB.baby].sort());
    expect(store.asked).toHaveLength(1);
    expect(extract.manifest).toEqual({
      file: 'evaluation-extract-2026-04-01-to-2026-07-01-0190a2f0.csv',
      sha256: sha,
      rows: 3,
      columns: [...EXTRACT_COLUMNS],
      createdAt: '2026-07-02T10:00:00.000Z',
      extractId: '0190a2f0-0000-7000-8000-0000000000ee',
      periodFrom: '2026-04-01',
      periodTo: '2026-07-01',
      recipient: 'ons-national-evaluation',
      purpose: 'national-evaluation',
      lawfulBasis: { art6: 'public-task' },
      families: 1,
      peopleExcluded: 2,
      ledgerEntryId: '0190a2f0-0000-7000-8000-0000000000ff',
    });
    expect(extract.unreadable).toBe(1);
  });

  it('gives no file when the extract cannot be recorded', async () => {
    const store = stubStore([[r1]]);
    store.recordEvaluationExtract = async () => {
      throw new Error('ledger unavailable');
    };
    await expect(createEvaluationExtract(store, { period, createdBy: 'dpo', recipientPartnerId: 'ons-national-evaluation', now })).rejects.toThrow('ledger unavailable');
  });

  it('writes just the header for a period with nobody in it, and still records it', async () => {
    const store = stubStore([]);
    const extract = await createEvaluationExtract(store, { period, createdBy: 'dpo', recipientPartnerId: 'ons-national-evaluation', now });
    expect(extract.csv.toString('utf8')).toBe(`${EXTRACT_COLUMNS.join(',')}\r\n`);
    expect(store.recorded[0]).toMatchObject({ people: 0, families: 0, subjects: [] });
  });
});
