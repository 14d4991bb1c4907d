import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DecryptionError, NotFoundError } from './errors.ts';
import { routingOutcome, share } from './routing-test-fixtures.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, columnsContaining, createBackend, inbound, resetTables, testKeyring } from './test-backends.ts';
import { uuidv7 } from './uuid.ts';

async function count(opened: OpenedStore, sql: string, params: unknown[] = []): Promise<number> {
  const result = await opened.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${sql}`, params);
  return result.rows[0]?.n ?? 0;
}

describe.each(backendNames)('routing and delivery on %s', (backendName) => {
  let backend: Backend;
  let main: OpenedStore;
  // Every store of this file is the same hub: one keyring (people are linked under its keys).
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

  describe('saveRoutingOutcome', () => {
    it('stores the referral encrypted, its people, decisions and deliveries, and reads them back', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { shares: [{ recipient: 'school-1' }, { recipient: 'gp-1', priority: 'urgent' }], urgency: 'high' });
      const saved = await store.saveRoutingOutcome(routed.input);
      expect(saved.created).toBe(true);
      expect(saved.outbox).toHaveLength(2);

      expect(await store.findReferralByMessage(routed.messageId)).toEqual({ referralId: routed.referralId, status: 'routed' });
      const referral = await store.readReferral(routed.referralId);
      expect(referral?.canonical.equals(routed.input.referral.canonical)).toBe(true);
      expect(referral).toMatchObject({ messageId: routed.messageId, sourcePartnerId: 'partner-a', urgency: 'high', status: 'routed' });
      expect(referral?.receivedAt.toISOString()).toBe('2025-03-04T05:06:07.890Z');
      expect(referral?.routedAt).toBeInstanceOf(Date);
      expect(referral?.people).toEqual(routed.input.referral.people);

      const schoolDelivery = routed.input.deliveries[0];
      const delivery = await store.getDelivery(routed.deliveries.get('school-1') as string);
      expect(delivery?.payload.equals(schoolDelivery?.payload as Buffer)).toBe(true);
      expect(delivery).toMatchObject({
        referralId: routed.referralId,
        recipientPartnerId: 'school-1',
        status: 'pending',
        attempts: 0,
        urgency: 'high',
        channel: 'webhook',
        priority: 'routine',
        fields: ['/people/0/givenName', '/needs'],
        subjects: routed.personIds,
        lawfulBasis: { art6: 'public-task', art9: 'substantial-public-interest', sch1Paragraph: '18' },
        payloadSha256: createHash('sha256')
          .update(schoolDelivery?.payload as Buffer)
          .digest('hex'),
        ruleId: 'rule-school-1',
        operatorId: null,
      });
      expect(await store.deliveryRecipient(routed.deliveries.get('gp-1') as string)).toBe('gp-1');
      expect(await store.deliveryRecipient(uuidv7())).toBeNull();
      expect(await store.getDelivery('not-a-uuid')).toBeNull();
      expect(await store.readReferral(uuidv7())).toBeNull();
      expect(await store.findReferralByMessage(uuidv7())).toBeNull();
      expect(await count(main, 'sharing_decisions WHERE referral_id = $1', [routed.referralId])).toBe(2);
      expect(await count(main, 'referral_people WHERE referral_id = $1', [routed.referralId])).toBe(2);
    });

    it('is idempotent on the message id: a second call is a no-op, concurrent calls create one referral', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { shares: [{ recipient: 'school-1' }], notShares: ['police-1'] });
      const first = await store.saveRoutingOutcome(routed.input);
      expect(first.created).toBe(true);
      const tables = ['referrals', 'sharing_decisions', 'deliveries', 'outbox', 'referral_people'];
      const before = await Promise.all(tables.map((t) => count(main, t)));
      const ledgerBefore = await count(main, 'ledger');
      expect(await store.saveRoutingOutcome(routed.input)).toEqual({ created: false, outbox: [] });
      // Even with other ids (a router that derived them again differently) nothing is added.
      const again = await routingOutcome(store, { shares: [{ recipient: 'school-1' }] });
      expect(await store.saveRoutingOutcome({ ...again.input, referral: { ...again.input.referral, messageId: routed.messageId } })).toEqual({
        created: false,
        outbox: [],
      });
      expect(await Promise.all(tables.map((t) => count(main, t)))).toEqual(before.map((n, i) => (tables[i] === 'outbox' ? n + 1 : n)));
      expect(await count(main, 'ledger')).toBe(ledgerBefore);

      const racing = await routingOutcome(store, { shares: [{ recipient: 'school-1' }], notShares: ['police-1'] });
      const others = backend.sharesDatabase ? await Promise.all([backend.open({ keyring }), backend.open({ keyring })]) : [];
      const stores = [store, ...others.map((o) => o.store)];
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (stores[i % stores.length] as typeof store).saveRoutingOutcome(racing.input)));
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(await count(main, 'deliveries WHERE referral_id = $1', [racing.referralId])).toBe(1);
      expect(await count(main, 'ledger WHERE referral_id = $1', [racing.referralId])).toBe(1);
      await Promise.all(others.map((o) => o.store.close()));
    });

    it('records a not-disclosed ledger row for each not-share decision, with the rule and subjects', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { shares: [{ recipient: 'school-1' }], notShares: ['police-1', 'housing-1'] });
      await store.saveRoutingOutcome(routed.input);
      const entries = await store.queryLedger({ referralId: routed.referralId, limit: 10 });
      expect(entries.map((e) => [e.recipientPartnerId, e.outcome, e.decidedByRule]).sort()).toEqual([
        ['housing-1', 'not-disclosed', 'rule-deny-housing-1'],
        ['police-1', 'not-disclosed', 'rule-deny-police-1'],
      ]);
      for (const entry of entries) {
        expect(entry).toMatchObject({ subjects: routed.personIds, fields: [], payloadSha256: null, deliveryId: null, channel: null, purpose: 'early-help-referral' });
      }
      expect((await store.verifyLedger()).ok).toBe(true);
    });

    it('holds a referral for review without deliveries and lists it', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { hold: ['no-rule-covers', 'no-consent'] });
      await store.saveRoutingOutcome({
        ...routed.input,
        decisions: [{ decisionId: uuidv7(), decision: 'hold', reason: 'no rule covers this referral' }],
      });
      expect(await store.findReferralByMessage(routed.messageId)).toEqual({ referralId: routed.referralId, status: 'held' });
      const holds = await store.listHolds();
      expect(holds).toHaveLength(1);
      expect(holds[0]).toMatchObject({ referralId: routed.referralId, reasons: ['no-rule-covers', 'no-consent'], sourcePartnerId: 'partner-a' });
      expect((await store.readReferral(routed.referralId))?.routedAt).toBeNull();
    });

    it('refuses inconsistent input before writing anything', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { shares: [{ recipient: 'school-1' }] });
      const [delivery] = routed.input.deliveries;
      const bad = [
        { ...routed.input, deliveries: [{ ...delivery, decisionId: uuidv7() }] },
        { ...routed.input, deliveries: [{ ...delivery, recipientPartnerId: 'someone-else' }] },
        { ...routed.input, referral: { ...routed.input.referral, urgency: 'whenever' } },
        { ...routed.input, deliveries: [{ ...delivery, subjects: ['Jane Doe'] }] },
        { ...routed.input, hold: { reasons: [] } },
      ];
      for (const input of bad) {
        await expect(store.saveRoutingOutcome(input as typeof routed.input)).rejects.toThrow(TypeError);
      }
      expect(await store.findReferralByMessage(routed.messageId)).toBeNull();
    });
  });

  describe('outbox', () => {
    it('writes one deliver row per delivery with ids only, claimed with queue, job id and priority', async () => {
      const { store, db } = main;
      const routed = await routingOutcome(store, {
        shares: [{ recipient: 'school-1', priority: 'urgent' }, { recipient: 'gp-1', priority: 'high' }, { recipient: 'hv-1' }],
      });
      const saved = await store.saveRoutingOutcome(routed.input);
      const expected = (recipient: string, priority: number) => {
        const deliveryId = routed.deliveries.get(recipient) as string;
        return { queueName: `deliver.${recipient}`, jobName: 'deliver', jobId: `delivery-${deliveryId}`, payload: { deliveryId }, priority };
      };
      const wanted = [expected('school-1', 1), expected('gp-1', 2), expected('hv-1', 5)];
      expect(saved.outbox.map(({ queueName, jobName, jobId, payload, priority }) => ({ queueName, jobName, jobId, payload, priority }))).toEqual(wanted);
      for (const entry of saved.outbox) expect(entry).not.toHaveProperty('messageId');

      const raw = await db.query<{ payload: unknown }>(`SELECT payload FROM outbox WHERE job_name = 'deliver'`);
      for (const row of raw.rows) {
        const payload = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
        expect(Object.keys(payload as object)).toEqual(['deliveryId']);
      }

      // The intake row of the message is there too; a filter takes only the deliveries.
      const onlyDeliveries = await store.claimOutbox(10, 0, { jobNames: ['deliver'] });
      expect(onlyDeliveries.map(({ queueName, jobName, jobId, payload, priority }) => ({ queueName, jobName, jobId, payload, priority })).sort((a, b) => (a.priority ?? 0) - (b.priority ?? 0))).toEqual(wanted);
      const rest = await store.claimOutbox(10, 0);
      expect(rest).toHaveLength(1);
      expect(rest[0]).toMatchObject({ jobName: 'referral.route', queueName: 'referral.route', messageId: routed.messageId, jobId: `route-${routed.messageId}`, payload: { messageId: routed.messageId } });
      expect(rest[0]).not.toHaveProperty('priority');
    });

    it('claims urgent rows first when there are more rows than the limit', async () => {
      const { store, db } = main;
      const routine = await routingOutcome(store, { shares: [{ recipient: 'a-1' }, { recipient: 'a-2' }] });
      await store.saveRoutingOutcome(routine.input);
      const urgent = await routingOutcome(store, { shares: [{ recipient: 'mash-1', priority: 'urgent' }] });
      await store.saveRoutingOutcome(urgent.input);
      await db.exec(`UPDATE outbox SET queued_at = now() WHERE job_name = 'referral.route'`);
      const [first] = await store.claimOutbox(1, 0);
      expect(first).toMatchObject({ queueName: 'deliver.mash-1', priority: 1 });
    });

    it('keeps intake unchanged: a route row per accepted message, with its job spec', async () => {
      const { store } = main;
      const accepted = await store.acceptInbound(inbound());
      const [entry] = await store.claimOutbox(10, 0);
      expect(entry).toEqual({
        outboxId: accepted.outcome === 'accepted' ? accepted.outboxId : '',
        messageId: accepted.messageId,
        jobName: 'referral.route',
        queueName: 'referral.route',
        jobId: `route-${accepted.messageId}`,
        payload: { messageId: accepted.messageId },
        createdAt: expect.any(Date),
      });
    });
  });

  describe('completeDelivery', () => {
    it('marks delivered and writes one disclosed ledger row, however often it is called', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { shares: [{ recipient: 'school-1' }] });
      await store.saveRoutingOutcome(routed.input);
      const deliveryId = routed.deliveries.get('school-1') as string;
      const at = new Date('2025-06-01T08:00:00.123Z');
      const first = await store.completeDelivery(deliveryId, { at, channel: 'webhook' });
      expect(first).toEqual({ ledgerEntryId: expect.any(String) });
      expect(await store.completeDelivery(deliveryId, { at: new Date(), channel: 'webhook' })).toEqual({ already: true });

      const delivery = await store.getDelivery(deliveryId);
      expect(delivery).toMatchObject({ status: 'delivered' });
      expect(delivery?.deliveredAt?.toISOString()).toBe(at.toISOString());
      const entries = await store.queryLedger({ referralId: routed.referralId, limit: 10 });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        id: (first as { ledgerEntryId: string }).ledgerEntryId,
        deliveryId,
        referralId: routed.referralId,
        subjects: routed.personIds,
        recipientPartnerId: 'school-1',
        purpose: 'early-help-referral',
        art6: 'public-task',
        art9: 'substantial-public-interest',
        sch1Paragraph: '18',
        art10: null,
        fields: ['/people/0/givenName', '/needs'],
        payloadSha256: delivery?.payloadSha256,
        channel: 'webhook',
        outcome: 'disclosed',
        decidedByRule: 'rule-school-1',
        decidedByOperator: null,
      });
      expect(entries[0]?.at.toISOString()).toBe(at.toISOString());
      await expect(store.completeDelivery(uuidv7(), { at, channel: 'webhook' })).rejects.toThrow(NotFoundError);
    });

    it('batches concurrent completions into one chain-valid transaction; an unknown id fails alone', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { shares: ['school-1', 'school-2', 'gp-1', 'gp-2', 'vcs-1'].map((recipient) => ({ recipient })) });
      await store.saveRoutingOutcome(routed.input);
      const ids = [...routed.deliveries.values()];
      const unknown = uuidv7();
      const results = await Promise.allSettled([...ids, unknown, ids[0] as string].map((id) => store.completeDelivery(id, { at: new Date(), channel: 'webhook' })));
      const values = results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason));
      expect(values.slice(0, ids.length).every((v) => typeof v === 'object' && v !== null && 'ledgerEntryId' in v)).toBe(true);
      expect(values[ids.length]).toBeInstanceOf(NotFoundError);
      expect(values[ids.length + 1]).toEqual({ already: true });
      expect(await count(main, 'ledger WHERE referral_id = $1', [routed.referralId])).toBe(ids.length);
      expect((await store.verifyLedger()).ok).toBe(true);
    });

    it('from several connections at once still gives one ledger row', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { shares: [{ recipient: 'school-1' }, { recipient: 'gp-1' }] });
      await store.saveRoutingOutcome(routed.input);
      const others = backend.sharesDatabase ? await Promise.all([backend.open({ keyring }), backend.open({ keyring })]) : [];
      const stores = [store, ...others.map((o) => o.store)];
      for (const deliveryId of routed.deliveries.values()) {
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) => (stores[i % stores.length] as typeof store).completeDelivery(deliveryId, { at: new Date(), channel: 'webhook' })),
        );
        expect(results.filter((r) => 'ledgerEntryId' in r)).toHaveLength(1);
        expect(results.filter((r) => 'already' in r)).toHaveLength(7);
        expect(await count(main, 'ledger WHERE delivery_id = $1', [deliveryId])).toBe(1);
      }
      expect((await store.verifyLedger()).ok).toBe(true);
      await Promise.all(others.map((o) => o.store.close()));
    });
  });

  describe('dead letters', () => {
    it('records attempts, dead-letters, lists with history, replays with fresh job ids and closes', async () => {
      const { store, db } = main;
      const routed = await routingOutcome(store, { shares: [{ recipient: 'school-1', priority: 'high' }, { recipient: 'gp-1' }] });
      await store.saveRoutingOutcome(routed.input);
      const school = routed.deliveries.get('school-1') as string;
      const gp = routed.deliveries.get('gp-1') as string;

      const next = new Date(Date.now() + 5_000);
      expect(await store.recordAttempt(school, { outcome: 'retryable', httpStatus: 503, errorCode: 'HTTP_500', durationMs: 120, nextAttemptAt: next })).toEqual({ attempts: 1 });
      expect(await store.recordAttempt(school, { outcome: 'permanent', httpStatus: 400, errorCode: 'HTTP_400', durationMs: 80.4 })).toEqual({ attempts: 2 });
      await expect(store.recordAttempt(uuidv7(), { outcome: 'retryable', durationMs: 1 })).rejects.toThrow(NotFoundError);
      expect((await store.getDelivery(school))?.lastErrorCode).toBe('HTTP_400');

      expect(await store.deadLetter(school, { code: 'HTTP_400' })).toBe(true);
      expect(await store.deadLetter(school, { code: 'HTTP_400' })).toBe(false);
      expect(await store.deadLetter(gp, { code: 'RETRIES_EXHAUSTED' })).toBe(true);

      const listed = await store.listDeadLetters({ limit: 10, offset: 0 });
      expect(listed.total).toBe(2);
      const schoolLetter = listed.items.find((item) => item.deliveryId === school);
      expect(schoolLetter).toMatchObject({ status: 'dead', lastErrorCode: 'HTTP_400', attempts: 2, recipientPartnerId: 'school-1' });
      expect(schoolLetter?.attemptHistory.map((a) => [a.attempt, a.outcome, a.httpStatus, a.errorCode, a.durationMs])).toEqual([
        [1, 'retryable', 503, 'HTTP_500', 120],
        [2, 'permanent', 400, 'HTTP_400', 80],
      ]);
      expect(schoolLetter).not.toHaveProperty('payload');
      expect(await store.listDeadLetters({ limit: 10, offset: 0, partnerId: 'gp-1' })).toMatchObject({ total: 1, items: [{ deliveryId: gp }] });
      expect((await store.listDeadLetters({ limit: 1, offset: 1 })).items).toHaveLength(1);

      const replayed = await store.replayDeliveries([school, school, uuidv7()], { operatorId: 'op-1', reason: 'partner fixed their endpoint' });
      expect(replayed.map(({ queueName, jobId, payload, priority }) => ({ queueName, jobId, payload, priority }))).toEqual([
        { queueName: 'deliver.school-1', jobId: `delivery-${school}-replay-1`, payload: { deliveryId: school }, priority: 2 },
      ]);
      expect(await store.getDelivery(school)).toMatchObject({ status: 'pending', attempts: 0, lastErrorCode: null });
      expect(await store.replayDeliveries([school], { operatorId: 'op-1', reason: 'again' })).toEqual([]); // not dead any more
      await store.deadLetter(school, { code: 'HTTP_400' });
      const second = await store.replayDeliveries([school], { operatorId: 'op-2', reason: 'second try' });
      expect(second.map((e) => e.jobId)).toEqual([`delivery-${school}-replay-2`]);
      const claimed = await store.claimOutbox(20, 0, { jobNames: ['deliver'] });
      expect(claimed.map((e) => e.jobId)).toEqual(expect.arrayContaining([`delivery-${school}-replay-1`, `delivery-${school}-replay-2`]));

      expect(await store.closeDeadLetter(gp, { operatorId: 'op-1', reason: 'recipient has the referral by phone' })).toBe(true);
      expect(await store.closeDeadLetter(gp, { operatorId: 'op-1', reason: 'again' })).toBe(false);
      expect(await store.closeDeadLetter(school, { operatorId: 'op-1', reason: 'not dead' })).toBe(false);
      expect((await store.getDelivery(gp))?.status).toBe('closed');
      expect((await store.listDeadLetters({ limit: 10, offset: 0 })).total).toBe(0);
      const closedEntry = await store.queryLedger({ referralId: routed.referralId, recipientPartnerId: 'gp-1', limit: 10 });
      expect(closedEntry).toMatchObject([{ outcome: 'not-disclosed', deliveryId: gp, decidedByOperator: 'op-1', fields: [] }]);

      const actions = await db.query<{ delivery_id: string; action: string; operator_id: string }>(
        'SELECT delivery_id::text AS delivery_id, action, operator_id FROM delivery_actions ORDER BY id',
      );
      expect(actions.rows).toEqual([
        { delivery_id: school, action: 'replay', operator_id: 'op-1' },
        { delivery_id: school, action: 'replay', operator_id: 'op-2' },
        { delivery_id: gp, action: 'close', operator_id: 'op-1' },
      ]);
    });

    it('disables and enables a partner endpoint, with an action row each', async () => {
      const { store, db } = main;
      expect(await store.endpointDisabled('school-1')).toBe(false);
      await store.disableEndpoint('school-1', 'HTTP_410');
      await store.disableEndpoint('school-1', 'HTTP_410'); // a second worker seeing 410
      expect(await store.endpointDisabled('school-1')).toBe(true);
      expect(await store.endpointDisabled('gp-1')).toBe(false);
      await store.enableEndpoint('school-1', 'op-1');
      expect(await store.endpointDisabled('school-1')).toBe(false);
      const actions = await db.query<{ partner_id: string; action: string; operator_id: string | null; reason: string }>(
        'SELECT partner_id, action, operator_id, reason FROM delivery_actions ORDER BY id',
      );
      expect(actions.rows).toEqual([
        { partner_id: 'school-1', action: 'disable-endpoint', operator_id: null, reason: 'HTTP_410' },
        { partner_id: 'school-1', action: 'enable-endpoint', operator_id: 'op-1', reason: 'enabled by an operator' },
      ]);
    });
  });

  describe('review holds', () => {
    it('an operator shares a held referral: decisions with their id, deliveries and outbox rows, once', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { hold: ['no-rule-covers'] });
      await store.saveRoutingOutcome(routed.input);
      const chosen = share(routed.referralId, routed.personIds, { recipient: 'school-1', operatorId: 'op-7', priority: 'urgent' });
      const refused = { decisionId: uuidv7(), recipientPartnerId: 'police-1', decision: 'not-share' as const, reason: 'not necessary for this purpose' };
      const resolved = await store.resolveHold(routed.referralId, {
        operatorId: 'op-7',
        reason: 'school needs to know',
        decisions: [chosen.decision, refused],
        deliveries: [chosen.delivery],
      });
      expect(resolved.resolved).toBe(true);
      expect(resolved.outbox.map((e) => [e.queueName, e.jobId, e.priority])).toEqual([['deliver.school-1', `delivery-${chosen.delivery.deliveryId}`, 1]]);
      expect(await store.findReferralByMessage(routed.messageId)).toEqual({ referralId: routed.referralId, status: 'routed' });
      expect(await store.listHolds()).toEqual([]);
      expect(await store.getDelivery(chosen.delivery.deliveryId)).toMatchObject({ operatorId: 'op-7', ruleId: null, status: 'pending' });
      expect((await store.getDelivery(chosen.delivery.deliveryId))?.payload.equals(chosen.delivery.payload)).toBe(true);
      const decisions = await main.db.query<{ operator_id: string; decision: string }>(
        'SELECT operator_id, decision FROM sharing_decisions WHERE referral_id = $1 ORDER BY decision',
        [routed.referralId],
      );
      expect(decisions.rows).toEqual([
        { operator_id: 'op-7', decision: 'not-share' },
        { operator_id: 'op-7', decision: 'share' },
      ]);
      expect(await store.queryLedger({ referralId: routed.referralId, limit: 10 })).toMatchObject([
        { outcome: 'not-disclosed', recipientPartnerId: 'police-1', decidedByOperator: 'op-7', decidedByRule: null },
      ]);
      expect(await store.resolveHold(routed.referralId, { operatorId: 'op-8', reason: 'again', close: true })).toEqual({ resolved: false, outbox: [] });
      await expect(
        store.resolveHold(routed.referralId, { operatorId: 'op-8', reason: 'x', decisions: [{ ...chosen.decision, operatorId: 'op-7' }], deliveries: [] }),
      ).rejects.toThrow(/another operator/);
    });

    it('an operator closes a held referral: a not-share decision and a not-disclosed ledger row', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { hold: ['no-consent'] });
      await store.saveRoutingOutcome(routed.input);
      expect(await store.resolveHold(routed.referralId, { operatorId: 'op-3', reason: 'duplicate of an open case', close: true })).toEqual({ resolved: true, outbox: [] });
      expect(await store.findReferralByMessage(routed.messageId)).toEqual({ referralId: routed.referralId, status: 'closed' });
      expect(await store.queryLedger({ referralId: routed.referralId, limit: 10 })).toMatchObject([
        { outcome: 'not-disclosed', recipientPartnerId: null, decidedByOperator: 'op-3', subjects: routed.personIds },
      ]);
      expect(await store.resolveHold(uuidv7(), { operatorId: 'op-3', reason: 'x', close: true })).toEqual({ resolved: false, outbox: [] });
    });
  });

  describe('feedback and deadlines', () => {
    it('keeps the latest feedback and ignores unknown deliveries', async () => {
      const { store } = main;
      const routed = await routingOutcome(store, { shares: [{ recipient: 'school-1' }] });
      await store.saveRoutingOutcome(routed.input);
      const deliveryId = routed.deliveries.get('school-1') as string;
      expect(await store.recordFeedback(deliveryId, { kind: 'accepted', at: new Date('2025-06-02T10:00:00Z') })).toBe(true);
      expect(await store.recordFeedback(deliveryId, { kind: 'acknowledged', at: new Date('2025-06-01T10:00:00Z') })).toBe(true);
      const delivery = await store.getDelivery(deliveryId);
      expect(delivery?.feedbackStatus).toBe('accepted');
      expect(delivery?.feedbackAt?.toISOString()).toBe('2025-06-02T10:00:00.000Z');
      expect(await store.recordFeedback(uuidv7(), { kind: 'accepted', at: new Date() })).toBe(false);
      expect(await store.recordFeedback('nonsense', { kind: 'accepted', at: new Date() })).toBe(false);
    });

    it('finds deadlines missed (not delivered, or delivered late) once', async () => {
      const { store } = main;
      const deadline = new Date('2025-06-02T08:30:00Z');
      const routed = await routingOutcome(store, {
        shares: [
          { recipient: 'school-late', deadlineAt: deadline, priority: 'urgent' },
          { recipient: 'school-ontime', deadlineAt: deadline, priority: 'urgent' },
          { recipient: 'school-never', deadlineAt: deadline, priority: 'urgent' },
          { recipient: 'school-future', deadlineAt: new Date('2099-01-01T08:30:00Z'), priority: 'urgent' },
          { recipient: 'gp-nodeadline' },
        ],
      });
      await store.saveRoutingOutcome(routed.input);
      await store.completeDelivery(routed.deliveries.get('school-ontime') as string, { at: new Date('2025-06-02T08:00:00Z'), channel: 'webhook' });
      await store.completeDelivery(routed.deliveries.get('school-late') as string, { at: new Date('2025-06-02T09:00:00Z'), channel: 'webhook' });
      const now = new Date('2025-06-02T12:00:00Z');
      const due = await store.dueDeadlines(now);
      expect(due.map((d) => d.recipientPartnerId).sort()).toEqual(['school-late', 'school-never']);
      expect(due[0]?.deadlineAt.toISOString()).toBe(deadline.toISOString());
      for (const d of due) expect(await store.markDeadlineMissed(d.deliveryId, now)).toBe(true);
      expect(await store.markDeadlineMissed(due[0]?.deliveryId as string, now)).toBe(false);
      expect(await store.dueDeadlines(now)).toEqual([]);
      expect((await store.getDelivery(routed.deliveries.get('school-never') as string))?.deadlineMissedAt?.toISOString()).toBe(now.toISOString());
    });
  });

  describe('people', () => {
    it('links by exact NHS number only: same number same id, different or none a new id', async () => {
      const { store } = main;
      const first = await store.linkPeople([
        { personRef: 'p1', nhsNumber: '9434765919' },
        { personRef: 'p2', nhsNumber: '943 476 5870' },
        { personRef: 'p3' },
        { personRef: 'p4', nhsNumber: '943-476-5919' },
      ]);
      expect(first.get('p4')).toBe(first.get('p1'));
      expect(first.get('p2')).not.toBe(first.get('p1'));
      expect(new Set(first.values()).size).toBe(3);
      const second = await store.linkPeople([{ personRef: 'x', nhsNumber: '9434765919' }, { personRef: 'y' }, { personRef: 'z', nhsNumber: '9434765870' }]);
      expect(second.get('x')).toBe(first.get('p1'));
      expect(second.get('z')).toBe(first.get('p2'));
      expect(second.get('y')).not.toBe(first.get('p3'));
      expect(await store.linkPeople([])).toEqual(new Map());
      await expect(store.linkPeople([{ personRef: 'p1', nhsNumber: '12345' }])).rejects.toThrow(/person p1 must be 10 digits/);
      await expect(store.linkPeople([{ personRef: 'p1' }, { personRef: 'p1' }])).rejects.toThrow(TypeError);
    });

    it('concurrent links of one number give one person', async () => {
      const others = backend.sharesDatabase ? await Promise.all([backend.open({ keyring }), backend.open({ keyring })]) : [];
      const stores = [main.store, ...others.map((o) => o.store)];
      const nhsNumber = '4010232137';
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => (stores[i % stores.length] as typeof main.store).linkPeople([{ personRef: 'c', nhsNumber }])));
      expect(new Set(results.map((r) => r.get('c'))).size).toBe(1);
      expect(await count(main, 'people WHERE nhs_number_hmac IS NOT NULL')).toBe(1);
      await Promise.all(others.map((o) => o.store.close()));
    });

    it('stores no NHS number in clear and keeps links across a master-key rotation', async () => {
      const nhsNumber = '9876543210';
      const k0 = randomBytes(32);
      const before = backend.sharesDatabase ? await backend.open({ keyring: testKeyring('k0', { k0 }) }) : main;
      const ids = await before.store.linkPeople([{ personRef: 'p1', nhsNumber }]);
      expect(await columnsContaining(main.db, backend.schema, nhsNumber)).toEqual([]);
      const hex = Buffer.from(nhsNumber).toString('hex');
      expect(await columnsContaining(main.db, backend.schema, hex)).toEqual([]);
      if (!backend.sharesDatabase) return; // PGlite in memory cannot be reopened with another keyring
      const after = await backend.open({ keyring: testKeyring('k1', { k1: randomBytes(32), k0 }) });
      expect((await after.store.linkPeople([{ personRef: 'q', nhsNumber }])).get('q')).toBe(ids.get('p1'));
      const fresh = await after.store.linkPeople([{ personRef: 'r', nhsNumber: '1234567881' }]);
      const keyIds = await main.db.query<{ id: string; hmac_key_id: string }>('SELECT id::text AS id, hmac_key_id FROM people ORDER BY hmac_key_id');
      expect(keyIds.rows).toEqual([
        { id: ids.get('p1'), hmac_key_id: 'k0' },
        { id: fresh.get('r'), hmac_key_id: 'k1' },
      ]);
      await before.store.close();
      await after.store.close();
    });
  });

  describe('encryption at rest', () => {
    it('keeps no plaintext personal value in any column of any table', async () => {
      const { store, db } = main;
      const canary = `CANARY-${randomBytes(8).toString('hex')}-Zoë`;
      const nhsNumber = '9434765919';
      const routed = await routingOutcome(store, {
        canonical: Buffer.from(JSON.stringify({ people: [{ givenName: canary, nhsNumber }] })),
        shares: [
          { recipient: 'school-1', payload: Buffer.from(JSON.stringify({ child: { givenName: canary, nhsNumber } })) },
          { recipient: 'gp-1', payload: Buffer.from(JSON.stringify({ patient: { name: canary, nhsNumber } })) },
        ],
        notShares: ['police-1'],
        nhsNumber,
      });
      await store.saveRoutingOutcome(routed.input);
      const school = routed.deliveries.get('school-1') as string;
      const gp = routed.deliveries.get('gp-1') as string;
      await store.recordAttempt(gp, { outcome: 'permanent', httpStatus: 400, errorCode: 'HTTP_400', durationMs: 5 });
      await store.deadLetter(gp, { code: 'HTTP_400' });
      await store.replayDeliveries([gp], { operatorId: 'op-1', reason: 'endpoint fixed' });
      await store.completeDelivery(school, { at: new Date(), channel: 'webhook' });
      await store.claimOutbox(50, 0);
      expect((await store.getDelivery(school))?.payload.toString()).toContain(canary);

      expect(await columnsContaining(db, backend.schema, canary)).toEqual([]);
      expect(await columnsContaining(db, backend.schema, nhsNumber)).toEqual([]);
      // The scan itself works on the new tables.
      expect(await columnsContaining(db, backend.schema, 'rule-school-1')).toEqual(expect.arrayContaining(['deliveries.rule_id', 'ledger.decided_by_rule', 'sharing_decisions.rule_id']));
    });

    it('detects tampered payloads and payloads moved to another delivery', async () => {
      const { store, db } = main;
      const routed = await routingOutcome(store, { shares: [{ recipient: 'school-1' }, { recipient: 'gp-1' }] });
      await store.saveRoutingOutcome(routed.input);
      const school = routed.deliveries.get('school-1') as string;
      const gp = routed.deliveries.get('gp-1') as string;
      await db.query(
        `UPDATE deliveries t SET payload_iv = s.payload_iv, payload_tag = s.payload_tag, payload_ciphertext = s.payload_ciphertext
           FROM deliveries s WHERE t.id = $1 AND s.id = $2`,
        [school, gp],
      );
      await expect(store.getDelivery(school)).rejects.toThrow(DecryptionError);
      await db.query(`UPDATE deliveries SET payload_tag = set_byte(payload_tag, 0, get_byte(payload_tag, 0) # 1) WHERE id = $1`, [gp]);
      await expect(store.getDelivery(gp)).rejects.toThrow(DecryptionError);
      await db.query(`UPDATE referrals SET dek_wrapped = set_byte(dek_wrapped, 0, get_byte(dek_wrapped, 0) # 1) WHERE id = $1`, [routed.referralId]);
      await expect(store.readReferral(routed.referralId)).rejects.toThrow(DecryptionError);
    });
  });
});
