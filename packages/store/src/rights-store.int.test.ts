import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from './errors.ts';
import { RectificationConflictError } from './rights-types.ts';
import { routingOutcome } from './routing-test-fixtures.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, columnsContaining, createBackend, resetTables, testKeyring } from './test-backends.ts';
import { uuidv7 } from './uuid.ts';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.each(backendNames)('data subject rights on %s', (backendName) => {
  let backend: Backend;
  let main: OpenedStore;
  const keyring = testKeyring();

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

  async function person(): Promise<string> {
    const ids = await main.store.linkPeople([{ personRef: 'p1' }]);
    return ids.get('p1') as string;
  }

  describe('restriction, objection and the safeguarding override', () => {
    it('reports people with no row as absent, and flags as they are set and lifted', async () => {
      const { store } = main;
      const [a, b] = [await person(), await person()];
      expect((await store.personRights([a, b])).size).toBe(0);

      await store.setRestriction(a, { restricted: true, reason: 'Asked us to stop while she disputes accuracy', actor: 'dpo' });
      await store.setObjection(b, { objected: true, reason: 'Objects to sharing with the council', actor: 'dpo' });
      let rights = await store.personRights([a, b, 'not-a-uuid']);
      expect(rights.get(a)).toEqual({ restricted: true, objected: false });
      expect(rights.get(b)).toEqual({ restricted: false, objected: true });

      await store.setRestriction(a, { restricted: false, reason: 'Accuracy confirmed', actor: 'operator' });
      rights = await store.personRights([a]);
      // Once anything was set the row stays, with the flags as they now are.
      expect(rights.get(a)).toEqual({ restricted: false, objected: false });

      const state = await store.personRightsState(b);
      expect(state?.objected?.by).toBe('dpo');
      expect(state?.restricted).toBeNull();
    });

    it('keeps who first restricted when restricted again, and records every change in the history', async () => {
      const { store } = main;
      const a = await person();
      await store.setRestriction(a, { restricted: true, reason: 'first reason', actor: 'dpo' });
      await store.setRestriction(a, { restricted: true, reason: 'second reason', actor: 'operator' });
      expect((await store.personRightsState(a))?.restricted?.by).toBe('dpo');
      const history = await store.rightsHistory(a, { includeReasons: true });
      expect(history.map((h) => [h.action, h.actor, h.reason])).toEqual([
        ['restrict', 'operator', 'second reason'],
        ['restrict', 'dpo', 'first reason'],
      ]);
      expect((await store.rightsHistory(a))[0]?.reason).toBeUndefined();
    });

    it('refuses an unknown person, an empty reason and a past override end, changing nothing', async () => {
      const { store } = main;
      const a = await person();
      await expect(store.setRestriction(uuidv7(), { restricted: true, reason: 'x', actor: 'dpo' })).rejects.toThrow(NotFoundError);
      await expect(store.setObjection(a, { objected: true, reason: '  ', actor: 'dpo' })).rejects.toThrow(/reason/);
      await expect(store.setSafeguardingOverride(a, { reason: 'urgent', actor: 'dpo', until: new Date(Date.now() - 1000) })).rejects.toThrow(/until/);
      expect(await store.personRightsState(a)).toBeNull();
      expect(await store.rightsHistory(a)).toEqual([]);
    });

    it('reports an active override with its history row, and not once it has ended or expired', async () => {
      const { store, db } = main;
      const a = await person();
      await store.setRestriction(a, { restricted: true, reason: 'restrict', actor: 'dpo' });
      const set = await store.setSafeguardingOverride(a, { reason: 'Child at immediate risk: MASH must see referrals', actor: 'dpo' });
      const flags = (await store.personRights([a])).get(a);
      expect(flags?.safeguardingOverride).toMatchObject({ by: 'dpo', until: null, historyId: set.override?.historyId });
      const overrideEntry = (await store.rightsHistory(a, { includeReasons: true })).find((h) => h.id === set.override?.historyId);
      expect(overrideEntry).toMatchObject({ action: 'override', reason: 'Child at immediate risk: MASH must see referrals' });

      await db.query("UPDATE person_rights SET override_until = now() - interval '1 minute' WHERE person_id = $1::uuid", [a]);
      expect((await store.personRights([a])).get(a)?.safeguardingOverride).toBeUndefined();
      expect((await store.personRightsState(a))?.override?.active).toBe(false);

      await store.setSafeguardingOverride(a, { reason: 'again', actor: 'dpo', until: new Date(Date.now() + 3_600_000) });
      expect((await store.personRights([a])).get(a)?.safeguardingOverride?.until).toBeInstanceOf(Date);
      await store.endSafeguardingOverride(a, { reason: 'risk has passed', actor: 'dpo' });
      expect((await store.personRights([a])).get(a)).toEqual({ restricted: true, objected: false });
    });

    it('never stores a reason in plaintext, and the history cannot be rewritten', async () => {
      const { store, db } = main;
      const a = await person();
      const canary = `reason-canary-${uuidv7()}`;
      await store.setObjection(a, { objected: true, reason: canary, actor: 'dpo' });
      expect(await columnsContaining(db, backend.schema, canary)).toEqual([]);
      await expect(db.query("UPDATE person_rights_history SET actor = 'someone-else'")).rejects.toThrow(/append-only/);
    });

    it('flags the deliveries of a referral about a flagged person, and lists the referral subjects’ rights', async () => {
      const { store } = main;
      const routed = await routingOutcome(main.store, { shares: [{ recipient: 'school-1' }] });
      await store.saveRoutingOutcome(routed.input);
      const deliveryId = routed.deliveries.get('school-1') as string;
      expect((await store.getDelivery(deliveryId))?.subjectRightsFlagged).toBe(false);
      await store.setRestriction(routed.personIds[1] as string, { restricted: true, reason: 'restrict', actor: 'dpo' });
      expect((await store.getDelivery(deliveryId))?.subjectRightsFlagged).toBe(true);
      expect([...(await store.referralSubjectRights(routed.referralId)).keys()]).toEqual([routed.personIds[1]]);
      expect(await store.personReferrals(routed.personIds[1] as string)).toMatchObject([{ referralId: routed.referralId, personRef: 'p2', role: 'parent' }]);
    });
  });

  describe('rectification', () => {
    async function routedWithPayloads(): Promise<{ referralId: string; personIds: string[]; school: string; gp: string; canonical: Buffer }> {
      const canonical = Buffer.from(JSON.stringify({ people: [{ personRef: 'p1', givenName: 'Old' }, { personRef: 'p2', givenName: 'Parent' }] }));
      const routed = await routingOutcome(main.store, { shares: [{ recipient: 'school-1' }, { recipient: 'gp-1' }], canonical });
      await main.store.saveRoutingOutcome(routed.input);
      const school = routed.deliveries.get('school-1') as string;
      const gp = routed.deliveries.get('gp-1') as string;
      await main.store.completeDelivery(school, { at: new Date(), channel: 'webhook' });
      return { referralId: routed.referralId, personIds: routed.personIds, school, gp, canonical };
    }

    it('re-encrypts the corrected referral, records the rectification and queues one delivery per recipient, ledgered when delivered', async () => {
      const { store, db } = main;
      const r = await routedWithPayloads();
      const rectifiable = await store.rectifiableDeliveries(r.referralId);
      expect(rectifiable.map((d) => [d.recipientPartnerId, d.status])).toEqual([
        ['gp-1', 'pending'],
        ['school-1', 'delivered'],
      ]);
      expect(rectifiable[1]?.fields).toEqual(['/people/0/givenName', '/needs']);

      const rectificationId = uuidv7();
      const rectDelivery = uuidv7();
      const canary = `typed-reason-${uuidv7()}`;
      const corrected = Buffer.from(JSON.stringify({ people: [{ personRef: 'p1', givenName: 'New-canary-name' }, { personRef: 'p2', givenName: 'Parent' }] }));
      const payload = Buffer.from(JSON.stringify({ type: 'referral.rectified', value: 'New-canary-name' }));
      const saved = await store.saveRectification({
        rectificationId,
        referralId: r.referralId,
        personRef: 'p1',
        pointer: '/givenName',
        reasonCategory: 'data-subject-request',
        reason: canary,
        actor: 'dpo',
        at: new Date(),
        oldValue: 'Old',
        newValue: 'New-canary-name',
        basedOnCanonicalSha256: sha256(r.canonical),
        canonical: corrected,
        deliveries: [{ deliveryId: rectDelivery, recipientPartnerId: 'school-1', rectifiesDeliveryId: r.school, fields: ['/people/0/givenName'], payload }],
      });
      expect(saved.outbox).toHaveLength(1);
      expect(saved.outbox[0]).toMatchObject({ queueName: 'deliver.school-1', jobName: 'deliver', jobId: `delivery-${rectDelivery}`, payload: { deliveryId: rectDelivery } });
      expect((await store.readReferral(r.referralId))?.canonical.equals(corrected)).toBe(true);
      // Neither the typed reason nor the new value is stored in plaintext anywhere.
      expect(await columnsContaining(db, backend.schema, canary)).toEqual([]);
      expect(await columnsContaining(db, backend.schema, 'New-canary-name')).toEqual([]);

      const delivery = await store.getDelivery(rectDelivery);
      expect(delivery).toMatchObject({
        kind: 'rectification',
        rectificationId,
        rectifiesDeliveryId: r.school,
        rectifiedDeliveryStatus: 'delivered',
        purpose: 'rectification',
        operatorId: 'dpo',
        ruleId: null,
        subjects: [r.personIds[0]],
        lawfulBasis: { art6: 'public-task', art9: 'substantial-public-interest', sch1Paragraph: '18' },
        fields: ['/people/0/givenName'],
        status: 'pending',
      });
      expect(delivery?.payload.equals(payload)).toBe(true);

      const completed = await store.completeDelivery(rectDelivery, { at: new Date(), channel: 'webhook' });
      expect('ledgerEntryId' in completed).toBe(true);
      const ledger = await store.queryLedger({ referralId: r.referralId, limit: 10 });
      const row = ledger.find((e) => e.deliveryId === rectDelivery);
      expect(row).toMatchObject({ outcome: 'disclosed', purpose: 'rectification', recipientPartnerId: 'school-1', subjects: [r.personIds[0]], fields: ['/people/0/givenName'], decidedByOperator: 'dpo', payloadSha256: sha256(payload) });

      const [summary] = await store.listRectifications({ referralId: r.referralId });
      expect(summary).toMatchObject({ rectificationId, personRef: 'p1', personId: r.personIds[0], pointer: '/givenName', reasonCategory: 'data-subject-request', actor: 'dpo' });
      expect(summary?.recipients).toMatchObject([{ deliveryId: rectDelivery, recipientPartnerId: 'school-1', status: 'delivered', rectifiesDeliveryId: r.school }]);
      expect(await store.listRectifications({ personId: r.personIds[0] as string })).toHaveLength(1);
      expect(await store.listRectifications({ personId: r.personIds[1] as string })).toHaveLength(0);
      // The referral's own delivery to the school is still the only referral delivery there.
      expect((await store.rectifiableDeliveries(r.referralId)).map((d) => d.deliveryId).sort()).toEqual([r.gp, r.school].sort());
    });

    it('writes nothing when the referral changed since it was read, or a delivery is not the referral’s', async () => {
      const { store } = main;
      const r = await routedWithPayloads();
      const base = {
        rectificationId: uuidv7(),
        referralId: r.referralId,
        personRef: 'p1',
        pointer: '/givenName',
        reasonCategory: 'recording-error',
        reason: 'typo',
        actor: 'operator',
        at: new Date(),
        oldValue: 'Old',
        newValue: 'New',
        canonical: Buffer.from('{"people":[]}'),
        deliveries: [{ deliveryId: uuidv7(), recipientPartnerId: 'school-1', rectifiesDeliveryId: r.school, fields: ['/people/0/givenName'], payload: Buffer.from('{}') }],
      };
      await expect(store.saveRectification({ ...base, basedOnCanonicalSha256: sha256(Buffer.from('something else')) })).rejects.toThrow(RectificationConflictError);
      await expect(
        store.saveRectification({ ...base, basedOnCanonicalSha256: sha256(r.canonical), deliveries: [{ ...base.deliveries[0]!, recipientPartnerId: 'gp-1' }] }),
      ).rejects.toThrow(/not a referral delivery/);
      await expect(store.saveRectification({ ...base, basedOnCanonicalSha256: sha256(r.canonical), personRef: 'p9' })).rejects.toThrow(NotFoundError);
      expect((await store.readReferral(r.referralId))?.canonical.equals(r.canonical)).toBe(true);
      expect(await store.listRectifications({ referralId: r.referralId })).toEqual([]);
    });

    it('a rectification of a delivery not yet delivered reports that status, for the worker to wait on', async () => {
      const { store } = main;
      const r = await routedWithPayloads();
      const rectDelivery = uuidv7();
      await store.saveRectification({
        rectificationId: uuidv7(),
        referralId: r.referralId,
        personRef: 'p1',
        pointer: '/givenName',
        reasonCategory: 'source-correction',
        reason: 'the school sent a corrected name',
        actor: 'operator',
        at: new Date(),
        oldValue: 'Old',
        newValue: 'New',
        basedOnCanonicalSha256: sha256(r.canonical),
        canonical: Buffer.from('{"people":[]}'),
        deliveries: [{ deliveryId: rectDelivery, recipientPartnerId: 'gp-1', rectifiesDeliveryId: r.gp, fields: ['/people/0/givenName'], payload: Buffer.from('{}') }],
      });
      expect((await store.getDelivery(rectDelivery))?.rectifiedDeliveryStatus).toBe('pending');
    });
  });

  describe('recordBlockedShares', () => {
    it('records not-share decisions and not-disclosed ledger rows for a held referral, keeping the hold open', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { hold: ['no-rule'] });
      await store.saveRoutingOutcome(routed.input);
      const decisionId = uuidv7();
      const input = { operatorId: 'op-1', decisions: [{ decisionId, recipientPartnerId: 'school-1', reason: 'subject-restricted: …', purpose: 'early-help-support' }] };
      expect(await store.recordBlockedShares(routed.referralId, input)).toBe(true);
      // The same attempt again records nothing twice.
      expect(await store.recordBlockedShares(routed.referralId, input)).toBe(true);
      const ledger = await store.queryLedger({ referralId: routed.referralId, limit: 10 });
      expect(ledger).toMatchObject([{ outcome: 'not-disclosed', recipientPartnerId: 'school-1', decidedByOperator: 'op-1', purpose: 'early-help-support' }]);
      expect((await store.listHolds()).map((h) => h.referralId)).toContain(routed.referralId);

      const routedOk = await routingOutcome(store, { shares: [{ recipient: 'school-1' }] });
      await store.saveRoutingOutcome(routedOk.input);
      expect(await store.recordBlockedShares(routedOk.referralId, { ...input, decisions: [{ ...input.decisions[0]!, decisionId: uuidv7() }] })).toBe(false);
    });
  });
});
