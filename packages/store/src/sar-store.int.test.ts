// Subject access in the store, on PostgreSQL and PGlite: the name + date of birth blind index
// (never merging people), NHS number search, the backfill, the export snapshot checked against
// the ledger, and the register of requests with the database's own check of the due dates.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDataKey, loadMasterKeys, sealWithDataKey } from './crypto.ts';
import { feedbackCommentContext, feedbackKeyContext } from './feedback-answers-store.ts';
import { nameDobKey, normaliseNamePart } from './name-dob-index.ts';
import { routingOutcome } from './routing-test-fixtures.ts';
import { SubjectAccessRequestError } from './sar-types.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, columnsContaining, createBackend, resetTables, testKeyring } from './test-backends.ts';
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
  // Known keys, so that the test can seal a feedback comment as the answer side does.
  const keyring = testKeyring();
  const masterKeys = loadMasterKeys(keyring);

  beforeAll(async () => {
    backend = createBackend(backendName);
    main = await backend.open({ keyring });
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

  it('reads the person’s feedback (comments decrypted, or erased), messages about their referrals, their opt-out and signpost shares', async () => {
    const first = await routed(jane, mum, { nhsNumber: '9434765919', shares: ['family-support'] });
    const other = await routed({ givenName: 'Ola', familyName: 'Nowak', dateOfBirth: '2014-01-01' }, { givenName: 'Ewa', familyName: 'Nowak', dateOfBirth: '1984-01-01' }, { shares: ['family-support'] });
    const personId = first.personIds[0] as string;
    const mumId = first.personIds[1] as string;

    async function feedback(owner: string, submittedAt: string, comment?: string, damage?: 'erase' | 'tamper'): Promise<string> {
      const id = uuidv7();
      let sealed: unknown[] = [null, null, null, null, null, null, null];
      if (comment !== undefined) {
        const { dataKey, wrapped } = createDataKey(masterKeys, feedbackKeyContext(id));
        const value = sealWithDataKey(dataKey, feedbackCommentContext(id), Buffer.from(comment, 'utf8'));
        dataKey.fill(0);
        sealed = [wrapped.keyId, damage === 'erase' ? Buffer.alloc(0) : wrapped.wrappedKey, wrapped.wrapIv, wrapped.wrapTag, value.iv, damage === 'tamper' ? Buffer.alloc(16) : value.tag, value.ciphertext];
      }
      await main.db.query(
        `INSERT INTO family_feedback (feedback_id, person_id, service_type, postcode_district, month, submitted_at, ratings, key_id, dek_wrapped, dek_iv, dek_tag, comment_iv, comment_tag, comment_ciphertext, erased_at)
         VALUES ($1::uuid, $2::uuid, 'social-care', 'M14', date_trunc('month', $3::timestamptz)::date, $3::timestamptz, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [id, owner, submittedAt, JSON.stringify({ overall: 4, listened: 5 }), ...sealed, damage === 'erase' ? new Date() : null],
      );
      return id;
    }
    const kept = await feedback(personId, '2026-03-01T10:00:00Z', 'The worker listened. Thank you!');
    const erased = await feedback(personId, '2026-03-02T10:00:00Z', 'erased-comment-text', 'erase');
    const plain = await feedback(personId, '2026-03-03T10:00:00Z');
    const tampered = await feedback(personId, '2026-03-04T10:00:00Z', 'tampered-comment-text', 'tamper');
    await feedback(mumId, '2026-03-05T10:00:00Z', 'mum-comment-not-janes');

    // An invitation about Jane's referral, sent to her mother, with a token (only its hash is kept).
    const tokenSha256 = randomBytes(32);
    const invitationId = uuidv7();
    await main.db.query(
      `INSERT INTO feedback_invitations (invitation_id, referral_id, delivery_id, service_type, postcode_district, decision, reason_code, channel, status, outcome_code,
                                         attempts, decided_at, due_at, finished_at, person_id, token_sha256, token_expires_at)
       VALUES ($1::uuid, $2::uuid, $3::uuid, 'social-care', 'M14', 'scheduled', 'EMAIL', 'email', 'sent', 'delivered', 1, '2026-02-01T10:00:00Z', '2026-02-15T10:00:00Z', '2026-02-15T10:00:05Z', $4::uuid, $5, '2026-03-15T10:00:00Z')`,
      [invitationId, first.referralId, first.deliveries.get('family-support'), mumId, tokenSha256],
    );
    await main.db.query(
      `INSERT INTO feedback_invitations (invitation_id, referral_id, delivery_id, service_type, decision, reason_code, status, decided_at, due_at)
       VALUES ($1::uuid, $2::uuid, $3::uuid, 'social-care', 'suppressed', 'CONTACT_UNSAFE', 'suppressed', now(), now())`,
      [uuidv7(), other.referralId, other.deliveries.get('family-support')],
    );
    for (const r of [first, other]) {
      await main.db.query(
        `INSERT INTO family_acknowledgements (acknowledgement_id, referral_id, decision, reason_code, status, decided_at) VALUES ($1::uuid, $2::uuid, 'suppressed', 'CONTACT_UNSAFE', 'suppressed', '2026-01-05T10:00:00Z')`,
        [uuidv7(), r.referralId],
      );
      await main.db.query(
        `INSERT INTO signpost_shares (id, referral_id, service_id, service_name, service_url, operator_id, shared_at) VALUES ($1::uuid, $2::uuid, 'svc-1', 'Young Carers Group', 'https://directory.example/svc-1', 'operator.one', '2026-01-06T10:00:00Z')`,
        [uuidv7(), r.referralId],
      );
    }
    await main.db.query(`INSERT INTO family_message_opt_outs (person_id, opted_out_at, source) VALUES ($1::uuid, '2026-03-01T10:00:00Z', 'feedback-response')`, [personId]);
    await main.db.query(`INSERT INTO family_message_opt_outs (person_id, opted_out_at, source, recorded_by) VALUES ($1::uuid, '2026-03-01T10:00:00Z', 'console', 'operator.one')`, [mumId]);

    const records = await main.store.subjectAccessRecords(personId);
    expect(records?.feedback).toEqual([
      { feedbackId: kept, submittedAt: new Date('2026-03-01T10:00:00Z'), serviceType: 'social-care', ratings: { overall: 4, listened: 5 }, comment: 'The worker listened. Thank you!', commentErased: false, commentUnreadable: false },
      { feedbackId: erased, submittedAt: new Date('2026-03-02T10:00:00Z'), serviceType: 'social-care', ratings: { overall: 4, listened: 5 }, comment: null, commentErased: true, commentUnreadable: false },
      { feedbackId: plain, submittedAt: new Date('2026-03-03T10:00:00Z'), serviceType: 'social-care', ratings: { overall: 4, listened: 5 }, comment: null, commentErased: false, commentUnreadable: false },
      { feedbackId: tampered, submittedAt: new Date('2026-03-04T10:00:00Z'), serviceType: 'social-care', ratings: { overall: 4, listened: 5 }, comment: null, commentErased: false, commentUnreadable: true },
    ]);
    expect(records?.feedbackInvitations).toEqual([
      {
        invitationId,
        referralId: first.referralId,
        deliveryId: first.deliveries.get('family-support'),
        serviceType: 'social-care',
        postcodeDistrict: 'M14',
        decision: 'scheduled',
        reasonCode: 'EMAIL',
        channel: 'email',
        status: 'sent',
        outcomeCode: 'delivered',
        notificationId: null,
        attempts: 1,
        decidedAt: new Date('2026-02-01T10:00:00Z'),
        dueAt: new Date('2026-02-15T10:00:00Z'),
        finishedAt: new Date('2026-02-15T10:00:05Z'),
        personId: mumId,
        tokenExpiresAt: new Date('2026-03-15T10:00:00Z'),
        tokenUsedAt: null,
      },
    ]);
    expect(records?.acknowledgements).toEqual([expect.objectContaining({ referralId: first.referralId, decision: 'suppressed', reasonCode: 'CONTACT_UNSAFE', status: 'suppressed', channel: null })]);
    expect(records?.messageOptOut).toEqual({ personId, optedOutAt: new Date('2026-03-01T10:00:00Z'), source: 'feedback-response', recordedBy: null });
    expect(records?.signpostShares).toEqual([
      { shareId: expect.any(String), referralId: first.referralId, serviceId: 'svc-1', serviceName: 'Young Carers Group', serviceUrl: 'https://directory.example/svc-1', operatorId: 'operator.one', sharedAt: new Date('2026-01-06T10:00:00Z') },
    ]);

    const text = JSON.stringify(records);
    for (const canary of ['mum-comment-not-janes', 'erased-comment-text', 'tampered-comment-text', tokenSha256.toString('hex'), tokenSha256.toString('base64'), other.referralId]) expect(text, canary).not.toContain(canary);
    // The mother's own snapshot has her invitation and her opt-out, not Jane's feedback.
    const mums = await main.store.subjectAccessRecords(mumId);
    expect(mums?.feedback.map((f) => f.comment)).toEqual(['mum-comment-not-janes']);
    expect(mums?.messageOptOut).toMatchObject({ source: 'console', recordedBy: 'operator.one' });
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
