// Subject access in the store, on PostgreSQL and PGlite: the name + date of birth blind index
// (never merging people), NHS number search, the backfill, the export snapshot checked against
// the ledger, and the register of requests with the database's own check of the due dates.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nameDobKey, normaliseNamePart } from './name-dob-index.ts';
import { routingOutcome } from './routing-test-fixtures.ts';
import { SubjectAccessRequestError } from './sar-types.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, columnsContaining, createBackend, resetTables } from './test-backends.ts';
import { uuidv7 } from './uuid.ts';

interface Person {
  givenName: string;
  familyName: string;
  dateOfBirth?: string;
}

function canonicalOf(child: Person, parent: Person): Buffer {
  return Buffer.from(
    JSON.stringify({
      referralId: 'ignored',
      family: { contactSafe: true },
      people: [
        { personRef: 'p1', role: 'child', ...child },
        { personRef: 'p2', role: 'parent', ...parent },
      ],
    }),
  );
}

describe('the name + date of birth key', () => {
  it('ignores case, accents, spacing and punctuation, and needs all three parts', () => {
    expect(normaliseNamePart("  Zoë  O'Neil-Smith ")).toBe('zoe o neil smith');
    expect(nameDobKey('ZOE', 'o neil smith', '2015-03-02')).toBe(nameDobKey('Zoë', "O'Neil-Smith", '2015-03-02'));
    expect(nameDobKey('Zoe', 'Smith', '2015-03-03')).not.toBe(nameDobKey('Zoe', 'Smith', '2015-03-02'));
    expect(nameDobKey('Zoe', 'Smith', '2015-02-30')).toBeNull();
    expect(nameDobKey('Zoe', '--', '2015-03-02')).toBeNull();
    expect(nameDobKey('Zoe', 'Smith', undefined)).toBeNull();
  });
});

describe.each(backendNames)('subject access store on %s', (backendName) => {
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

  async function routed(child: Person, parent: Person, opts: { nhsNumber?: string; shares?: string[]; notShares?: string[] } = {}) {
    const r = await routingOutcome(main.store, {
      canonical: canonicalOf(child, parent),
      ...(opts.nhsNumber ? { nhsNumber: opts.nhsNumber } : {}),
      shares: (opts.shares ?? []).map((recipient) => ({ recipient })),
      notShares: opts.notShares ?? [],
    });
    await main.store.saveRoutingOutcome(r.input);
    return r;
  }

  const jane = { givenName: 'Jane', familyName: 'Smith', dateOfBirth: '2015-03-02' };
  const mum = { givenName: 'Alice', familyName: 'Smith', dateOfBirth: '1985-07-01' };

  it('finds two different people with the same name and date of birth as two candidates, never one', async () => {
    const first = await routed(jane, mum);
    const second = await routed({ ...jane, givenName: 'JANE', familyName: ' smith ' }, { givenName: 'Bea', familyName: 'Jones', dateOfBirth: '1990-01-01' });
    const found = await main.store.findPeopleByNameAndDob({ givenName: 'jane', familyName: 'SMITH', dateOfBirth: '2015-03-02' });
    expect(found.map((c) => c.personId).sort()).toEqual([first.personIds[0], second.personIds[0]].sort());
    expect(new Set(found.map((c) => c.personId)).size).toBe(2);
    for (const c of found) {
      expect(c.referrals).toBe(1);
      expect(c.linkedByNhsNumber).toBe(false);
      expect(c.roles).toEqual(['child']);
      expect(c.sources).toEqual(['partner-a']);
    }
    expect(await main.store.findPeopleByNameAndDob({ givenName: 'Jane', familyName: 'Smith', dateOfBirth: '2015-03-03' })).toEqual([]);
    expect(await main.store.findPeopleByNameAndDob({ givenName: 'Alice', familyName: 'Smith', dateOfBirth: '1985-07-01' })).toHaveLength(1);
    await expect(main.store.findPeopleByNameAndDob({ givenName: '', familyName: 'Smith', dateOfBirth: '2015-03-02' })).rejects.toThrow(/^givenName/);
    await expect(main.store.findPeopleByNameAndDob({ givenName: 'Jane', familyName: 'Smith', dateOfBirth: '2015-13-02' })).rejects.toThrow(/^dateOfBirth/);
  });

  it('finds one person linked by NHS number across referrals, with every referral counted', async () => {
    const first = await routed(jane, mum, { nhsNumber: '9434765919' });
    const second = await routed({ ...jane, givenName: 'Janey' }, mum, { nhsNumber: '943 476 5919' });
    expect(second.personIds[0]).toBe(first.personIds[0]);
    const byNumber = await main.store.findPeopleByNhsNumber('9434765919');
    expect(byNumber).toHaveLength(1);
    expect(byNumber[0]).toMatchObject({ personId: first.personIds[0], referrals: 2, linkedByNhsNumber: true });
    expect(byNumber[0]?.recentReferralIds.sort()).toEqual([first.referralId, second.referralId].sort());
    // The name + date of birth index finds the same one person under the name in the first referral.
    expect((await main.store.findPeopleByNameAndDob(jane)).map((c) => c.personId)).toEqual([first.personIds[0]]);
    expect(await main.store.findPeopleByNhsNumber('4010232137')).toEqual([]);
    await expect(main.store.findPeopleByNhsNumber('12345')).rejects.toThrow('nhsNumber must be 10 digits');
  });

  it('keeps no name or date of birth in plaintext anywhere', async () => {
    await routed({ givenName: 'Quintessa', familyName: 'Vandergraaf', dateOfBirth: '2013-11-29' }, mum);
    for (const needle of ['Quintessa', 'quintessa', 'Vandergraaf', 'vandergraaf', '2013-11-29']) {
      expect(await columnsContaining(main.db, backend.schema, needle), needle).toEqual([]);
    }
  });

  it('forgets the digests of a referral whose data key is destroyed (erasure)', async () => {
    const r = await routed(jane, mum);
    expect(await main.store.findPeopleByNameAndDob(jane)).toHaveLength(1);
    await main.db.query("UPDATE referrals SET dek_wrapped = ''::bytea, dek_iv = ''::bytea, dek_tag = ''::bytea WHERE id = $1::uuid", [r.referralId]).catch(async (err: unknown) => {
      // Migration 0007 ties erased_at to an empty key.
      if ((err as { code?: string }).code !== '23514') throw err;
      await main.db.query("UPDATE referrals SET dek_wrapped = ''::bytea, dek_iv = ''::bytea, dek_tag = ''::bytea, erased_at = now() WHERE id = $1::uuid", [r.referralId]);
    });
    expect(await main.store.findPeopleByNameAndDob(jane)).toEqual([]);
    const left = await main.db.query('SELECT 1 FROM person_name_dob_index WHERE referral_id = $1::uuid', [r.referralId]);
    expect(left.rows).toHaveLength(0);
    // The backfill has nothing to decrypt there, and says so without calling it unreadable.
    await main.db.query('DELETE FROM person_name_dob_indexed');
    expect(await main.store.backfillNameDobIndex()).toEqual({ referrals: 1, people: 0, unreadable: 0 });
    // Its facts and disclosures are still there for an export.
    const records = await main.store.subjectAccessRecords(r.personIds[0] as string);
    expect(records?.referrals.map((x) => [x.referralId, x.canonical])).toEqual([[r.referralId, null]]);
  });

  it('backfills referrals routed before the index existed, once', async () => {
    const r = await routed(jane, mum);
    await main.db.query('DELETE FROM person_name_dob_index');
    await main.db.query('DELETE FROM person_name_dob_indexed');
    expect(await main.store.findPeopleByNameAndDob(jane)).toEqual([]);
    expect(await main.store.backfillNameDobIndex({ batchSize: 1 })).toEqual({ referrals: 1, people: 2, unreadable: 0 });
    expect((await main.store.findPeopleByNameAndDob(jane)).map((c) => c.personId)).toEqual([r.personIds[0]]);
    expect(await main.store.backfillNameDobIndex()).toEqual({ referrals: 0, people: 0, unreadable: 0 });
  });

  it('reads everything linked to a person in one snapshot, and every ledger row naming them', async () => {
    const first = await routed(jane, mum, { nhsNumber: '9434765919', shares: ['school-a', 'gp-b'], notShares: ['police-c'] });
    const second = await routed(jane, mum, { nhsNumber: '9434765919', shares: ['family-support'] });
    const personId = first.personIds[0] as string;
    for (const r of [first, second]) for (const deliveryId of r.deliveries.values()) await main.store.completeDelivery(deliveryId, { at: new Date(), channel: 'webhook' });

    const records = await main.store.subjectAccessRecords(personId);
    expect(records).not.toBeNull();
    expect(records?.linkedByNhsNumber).toBe(true);
    expect(records?.referrals.map((r) => r.referralId).sort()).toEqual([first.referralId, second.referralId].sort());
    const direct = await main.db.query<{ id: string }>('SELECT id::text AS id FROM ledger WHERE $1::uuid = ANY(subjects) ORDER BY seq', [personId]);
    expect(direct.rows).toHaveLength(4);
    expect(records?.ledger.map((e) => e.id)).toEqual(direct.rows.map((r) => r.id));
    expect(records?.ledgerCount).toBe(4);
    const referral = records?.referrals.find((r) => r.referralId === first.referralId);
    expect(referral?.personRefs).toEqual(['p1']);
    expect(referral?.people.map((p) => p.role)).toEqual(['child', 'parent']);
    expect(referral?.decisions.map((d) => d.decision).sort()).toEqual(['not-share', 'share', 'share']);
    expect(referral?.deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered']);
    expect(referral?.inbound?.messageId).toBe(first.messageId);
    expect(JSON.parse(referral?.canonical?.toString('utf8') ?? '{}').people[0].givenName).toBe('Jane');

    // A referral whose data key no longer opens keeps its facts, not its content.
    await main.db.query('UPDATE referrals SET dek_tag = $2 WHERE id = $1::uuid', [second.referralId, Buffer.alloc(16)]);
    const after = await main.store.subjectAccessRecords(personId);
    expect(after?.referrals.find((r) => r.referralId === second.referralId)?.canonical).toBeNull();
    expect(after?.ledgerCount).toBe(4);
    expect(await main.store.subjectAccessRecords('00000000-0000-4000-8000-000000000000')).toBeNull();
  });

  it('reads the person’s flags, corrections, erasures, legal holds, requests and extracts in the same snapshot, and no one else’s', async () => {
    const { store } = main;
    const first = await routed(jane, mum, { nhsNumber: '9434765919', shares: ['school-a'] });
    const second = await routed(jane, mum, { nhsNumber: '9434765919', shares: ['family-support'] });
    const personId = first.personIds[0] as string;
    const mumId = first.personIds[1] as string;
    await store.completeDelivery(first.deliveries.get('school-a') as string, { at: new Date(), channel: 'webhook' });

    await store.setRestriction(personId, { restricted: true, reason: 'Asked on the phone to stop sharing', actor: 'operator.one' });
    await store.setRestriction(mumId, { restricted: true, reason: 'mum-reason-not-janes', actor: 'operator.one' });

    const rectify = async (referralId: string, personRef: string, reason: string, deliveries: { recipient: string; deliveryId: string }[] = []): Promise<string> => {
      const current = (await store.readReferral(referralId))?.canonical as Buffer;
      const canonical = JSON.parse(current.toString('utf8')) as { people: { personRef: string; preferredName?: string }[] };
      for (const p of canonical.people) if (p.personRef === personRef) p.preferredName = 'Jay';
      const rectificationId = uuidv7();
      await store.saveRectification({
        rectificationId,
        referralId,
        personRef,
        pointer: '/preferredName',
        reasonCategory: 'data-subject-request',
        reason,
        actor: 'dpo.one',
        at: new Date(),
        oldValue: null,
        newValue: 'Jay',
        basedOnCanonicalSha256: createHash('sha256').update(current).digest('hex'),
        canonical: Buffer.from(JSON.stringify(canonical)),
        deliveries: deliveries.map((d) => ({ deliveryId: uuidv7(), recipientPartnerId: d.recipient, rectifiesDeliveryId: d.deliveryId, fields: ['/people/0/preferredName'], payload: Buffer.from('{}') })),
      });
      return rectificationId;
    };
    const kept = await rectify(first.referralId, 'p1', 'She prefers Jay', [{ recipient: 'school-a', deliveryId: first.deliveries.get('school-a') as string }]);
    const lost = await rectify(second.referralId, 'p1', 'Lost with the referral');
    await rectify(first.referralId, 'p2', 'mum-correction-not-janes');

    const dpo = { actor: 'dpo.one', role: 'dpo' };
    const hold = await store.placeLegalHold({ scope: 'referral', targetId: second.referralId, reason: 'Matter LM-1', by: dpo });
    await store.releaseLegalHold(hold.id, { reason: 'Matter closed', by: dpo });
    await store.placeLegalHold({ scope: 'person', targetId: mumId, reason: 'mum-hold-not-janes', by: dpo });

    const request = await store.createSubjectAccessRequest({ receivedOn: '2026-01-05', dueOn: '2026-02-05', createdBy: 'dpo.one' });
    await store.matchSubjectAccessRequest(request.id, personId);
    await store.createSubjectAccessRequest({ receivedOn: '2026-01-06', dueOn: '2026-02-06', createdBy: 'dpo.one' });

    const extract = (subjects: string[]) => ({
      extractId: uuidv7(),
      periodFrom: '2026-04-01',
      periodTo: '2026-07-01',
      createdAt: new Date(),
      createdBy: 'dpo.one',
      recipientPartnerId: 'ons-national-evaluation',
      purpose: 'national-evaluation',
      art6: 'public-task',
      fileName: 'evaluation-extract.csv',
      csvSha256: 'ab'.repeat(32),
      fields: ['/family_id'],
      subjects,
      families: 1,
      people: subjects.length,
      peopleExcluded: 0,
      referrals: 1,
    });
    const included = extract([personId, mumId]);
    const { ledgerEntryId } = await store.recordEvaluationExtract(included);
    await store.recordEvaluationExtract(extract([mumId]));

    const [erased] = await store.eraseReferrals([second.referralId], { operatorId: 'dpo.one', role: 'dpo', reasonCode: 'art17-request' });
    expect(erased?.outcome).toBe('erased');

    const records = await store.subjectAccessRecords(personId);
    expect(records?.rights.state).toMatchObject({ personId, restricted: { by: 'operator.one' }, objected: null, override: null });
    expect(records?.rights.history.map((h) => [h.action, h.actor, h.reason])).toEqual([['restrict', 'operator.one', 'Asked on the phone to stop sharing']]);

    expect(records?.rectifications.map((r) => r.rectificationId)).toEqual([kept, lost]);
    expect(records?.rectifications[0]).toMatchObject({
      referralId: first.referralId,
      personRef: 'p1',
      pointer: '/preferredName',
      reasonCategory: 'data-subject-request',
      actor: 'dpo.one',
      detail: { reason: 'She prefers Jay', oldValue: null, newValue: 'Jay' },
      recipients: [{ recipientPartnerId: 'school-a', status: 'pending', rectifiesDeliveryId: first.deliveries.get('school-a') }],
    });
    expect(records?.rectifications[1]).toMatchObject({ referralId: second.referralId, detail: 'erased' });

    const erasedReferral = records?.referrals.find((r) => r.referralId === second.referralId);
    expect(erasedReferral?.canonical).toBeNull();
    expect(erasedReferral?.erasedAt).toBeInstanceOf(Date);
    expect(records?.referrals.find((r) => r.referralId === first.referralId)?.erasedAt).toBeNull();
    expect(records?.erasures).toHaveLength(1);
    expect(records?.erasures[0]).toMatchObject({ id: erased?.tombstoneId, recordClass: 'referral', recordId: second.referralId, operatorId: 'dpo.one', ruleId: null, reasonCode: 'art17-request' });

    expect(records?.legalHolds).toHaveLength(1);
    expect(records?.legalHolds[0]).toMatchObject({ id: hold.id, scope: 'referral', targetId: second.referralId, reason: 'Matter LM-1', releasedBy: 'dpo.one', releaseReason: 'Matter closed' });
    expect(records?.requests.map((r) => r.id)).toEqual([request.id]);
    expect(records?.evaluationExtracts).toEqual([expect.objectContaining({ extractId: included.extractId, ledgerEntryId, periodFrom: '2026-04-01', periodTo: '2026-07-01', recipientPartnerId: 'ons-national-evaluation' })]);
    expect(records?.ledger.some((e) => e.id === ledgerEntryId)).toBe(true);

    const text = JSON.stringify(records);
    for (const canary of ['mum-reason-not-janes', 'mum-correction-not-janes', 'mum-hold-not-janes']) expect(text, canary).not.toContain(canary);
  });

  it('records requests with due dates the database checks: month ends, leap years, 31 January', async () => {
    const cases: [string, string][] = [
      ['2025-01-31', '2025-02-28'],
      ['2024-01-31', '2024-02-29'],
      ['2024-01-30', '2024-02-29'],
      ['2025-03-31', '2025-04-30'],
      ['2025-12-31', '2026-01-31'],
      ['2024-02-29', '2024-03-29'],
      ['2025-06-15', '2025-07-15'],
    ];
    for (const [receivedOn, dueOn] of cases) {
      const created = await main.store.createSubjectAccessRequest({ receivedOn, dueOn, createdBy: 'dpo' });
      expect(created).toMatchObject({ receivedOn, dueOn, effectiveDueOn: dueOn, status: 'open', personId: null, extendedDueOn: null });
    }
    const wrong = main.store.createSubjectAccessRequest({ receivedOn: '2025-01-31', dueOn: '2025-03-03', createdBy: 'dpo' });
    await expect(wrong).rejects.toBeInstanceOf(SubjectAccessRequestError);
    await expect(wrong).rejects.toMatchObject({ field: 'dueOn' });
    await expect(main.store.createSubjectAccessRequest({ receivedOn: '2025-02-30', dueOn: '2025-03-30', createdBy: 'dpo' })).rejects.toMatchObject({ field: 'receivedOn' });
  });

  it('extends by up to two months with a reason and a told-on date within the first month, then completes', async () => {
    const r = await main.store.createSubjectAccessRequest({ receivedOn: '2025-01-31', dueOn: '2025-02-28', createdBy: 'dpo' });
    const extend = (input: Partial<Parameters<typeof main.store.extendSubjectAccessRequest>[1]>) =>
      main.store.extendSubjectAccessRequest(r.id, { months: 1, extendedDueOn: '2025-03-31', reason: 'complex', toldOn: '2025-02-10', ...input });
    await expect(extend({ toldOn: '2025-03-01' })).rejects.toMatchObject({ field: 'toldOn' });
    await expect(extend({ toldOn: '2025-01-30' })).rejects.toMatchObject({ field: 'toldOn' });
    await expect(extend({ extendedDueOn: '2025-03-28' })).rejects.toMatchObject({ field: 'extendedDueOn' });
    await expect(extend({ reason: 'busy' as 'complex' })).rejects.toMatchObject({ field: 'reason' });
    await expect(extend({ months: 3 as 1 })).rejects.toMatchObject({ field: 'months' });
    const once = await extend({ toldOn: '2025-02-28', note: 'records from three sources' });
    expect(once).toMatchObject({ extendedDueOn: '2025-03-31', effectiveDueOn: '2025-03-31', extensionMonths: 1, extensionReason: 'complex', requesterToldOn: '2025-02-28', extensionNote: 'records from three sources' });
    await expect(extend({})).rejects.toMatchObject({ field: 'months' });
    // Received 31 January, three months in all: 30 April (from receipt, not 28 April from the first due date).
    const twice = await extend({ months: 2, extendedDueOn: '2025-04-30', reason: 'numerous' });
    expect(twice).toMatchObject({ extendedDueOn: '2025-04-30', extensionMonths: 2, extensionReason: 'numerous' });

    expect(await main.store.countOverdueSubjectAccessRequests('2025-04-30')).toBe(0);
    expect(await main.store.countOverdueSubjectAccessRequests('2025-05-01')).toBe(1);

    const personId = (await routed(jane, mum)).personIds[0] as string;
    await expect(main.store.matchSubjectAccessRequest(r.id, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ field: 'personId' });
    expect((await main.store.matchSubjectAccessRequest(r.id, personId)).personId).toBe(personId);

    const done = await main.store.completeSubjectAccessRequest(r.id, { by: 'dpo', at: new Date('2025-04-20T10:00:00Z') });
    expect(done).toMatchObject({ status: 'completed', completedBy: 'dpo' });
    expect(await main.store.countOverdueSubjectAccessRequests('2025-05-01')).toBe(0);
    await expect(main.store.completeSubjectAccessRequest(r.id, { by: 'dpo', at: new Date() })).rejects.toMatchObject({ field: 'status' });
    await expect(extend({ months: 2, extendedDueOn: '2025-04-30' })).rejects.toMatchObject({ field: 'status' });
  });

  it('lists open requests first by due date, counting only open overdue ones', async () => {
    const late = await main.store.createSubjectAccessRequest({ receivedOn: '2025-01-10', dueOn: '2025-02-10', createdBy: 'dpo' });
    const soon = await main.store.createSubjectAccessRequest({ receivedOn: '2025-03-01', dueOn: '2025-04-01', createdBy: 'dpo' });
    const done = await main.store.createSubjectAccessRequest({ receivedOn: '2025-01-01', dueOn: '2025-02-01', createdBy: 'dpo' });
    await main.store.completeSubjectAccessRequest(done.id, { by: 'dpo', at: new Date('2025-01-20T00:00:00Z') });
    const all = await main.store.listSubjectAccessRequests({ limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.items.map((r) => r.id)).toEqual([late.id, soon.id, done.id]);
    expect((await main.store.listSubjectAccessRequests({ status: 'open', limit: 10, offset: 0 })).total).toBe(2);
    expect(await main.store.countOverdueSubjectAccessRequests('2025-03-15')).toBe(1);
    expect(await main.store.countOverdueSubjectAccessRequests('2025-04-02')).toBe(2);
    expect(await main.store.getSubjectAccessRequest('not-an-id')).toBeNull();
  });
});
