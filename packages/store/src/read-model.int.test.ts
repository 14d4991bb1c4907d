import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TimelineEvent } from './read-model-types.ts';
import { londonDayStart, londonNextDayStart } from './read-model-store.ts';
import type { RoutedReferral, ShareSpec } from './routing-test-fixtures.ts';
import { routingOutcome, share } from './routing-test-fixtures.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, columnsContaining, createBackend, inbound, resetTables, testKeyring } from './test-backends.ts';
import { uuidv7 } from './uuid.ts';

const iso = (s: string): Date => new Date(s);

describe('London days', () => {
  it('starts the day at local midnight in GMT and in BST', () => {
    expect(londonDayStart(iso('2025-01-15T00:30:00Z')).toISOString()).toBe('2025-01-15T00:00:00.000Z');
    expect(londonDayStart(iso('2025-01-14T23:59:59.999Z')).toISOString()).toBe('2025-01-14T00:00:00.000Z');
    // BST: 23:00 UTC is midnight in London.
    expect(londonDayStart(iso('2025-07-01T09:00:00Z')).toISOString()).toBe('2025-06-30T23:00:00.000Z');
    expect(londonDayStart(iso('2025-06-30T23:00:00Z')).toISOString()).toBe('2025-06-30T23:00:00.000Z');
    expect(londonDayStart(iso('2025-06-30T22:59:59.999Z')).toISOString()).toBe('2025-06-29T23:00:00.000Z');
    expect(londonNextDayStart(iso('2025-07-01T09:00:00Z')).toISOString()).toBe('2025-07-01T23:00:00.000Z');
  });

  it('has a 23-hour day in March and a 25-hour day in October', () => {
    expect(londonDayStart(iso('2025-03-30T12:00:00Z')).toISOString()).toBe('2025-03-30T00:00:00.000Z');
    expect(londonNextDayStart(iso('2025-03-30T12:00:00Z')).toISOString()).toBe('2025-03-30T23:00:00.000Z');
    expect(londonDayStart(iso('2025-10-26T12:00:00Z')).toISOString()).toBe('2025-10-25T23:00:00.000Z');
    expect(londonNextDayStart(iso('2025-10-26T12:00:00Z')).toISOString()).toBe('2025-10-27T00:00:00.000Z');
    expect(londonNextDayStart(iso('2025-10-25T23:00:00Z')).toISOString()).toBe('2025-10-27T00:00:00.000Z');
  });
});

describe.each(backendNames)('console read models on %s', (backendName) => {
  let backend: Backend;
  let main: OpenedStore;
  const k1 = testKeyring().keys.k1 as Buffer;
  const keyring = testKeyring('k1', { k1 });

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
    await main.db.exec('TRUNCATE partner_breakers');
  });

  async function saved(opts: {
    receivedAt?: string;
    sourcePartnerId?: string;
    sourceReference?: string;
    shares?: ShareSpec[];
    notShares?: string[];
    hold?: string[];
  }): Promise<RoutedReferral> {
    const routed = await routingOutcome(main.store, {
      ...(opts.shares ? { shares: opts.shares } : {}),
      ...(opts.notShares ? { notShares: opts.notShares } : {}),
      ...(opts.hold ? { hold: opts.hold } : {}),
    });
    const referral = routed.input.referral;
    if (opts.receivedAt) referral.receivedAt = iso(opts.receivedAt);
    if (opts.sourcePartnerId) referral.sourcePartnerId = opts.sourcePartnerId;
    if (opts.sourceReference) referral.sourceReference = opts.sourceReference;
    expect((await main.store.saveRoutingOutcome(routed.input)).created).toBe(true);
    return routed;
  }

  const delivery = (routed: RoutedReferral, recipient: string): string => routed.deliveries.get(recipient) as string;

  async function setAttemptTime(deliveryId: string, attempt: number, at: string): Promise<void> {
    const result = await main.db.query('UPDATE delivery_attempts SET at = $3::timestamptz WHERE delivery_id = $1::uuid AND attempt = $2', [deliveryId, attempt, iso(at)]);
    expect(result.rowCount).toBe(1);
  }

  describe('searchReferrals', () => {
    const REFERENCE = 'GMP/25/000123';
    let r: RoutedReferral[];

    beforeEach(async () => {
      const { store } = main;
      r = [];
      // r[0]: two pending deliveries, a source reference.
      r.push(await saved({ receivedAt: '2025-03-01T10:00:00Z', sourceReference: REFERENCE, shares: [{ recipient: 'school-1' }, { recipient: 'gp-1' }] }));
      // r[1]: held.
      r.push(await saved({ receivedAt: '2025-03-02T10:00:00Z', sourcePartnerId: 'partner-b', hold: ['no-rule'] }));
      // r[2]: a dead letter.
      r.push(await saved({ receivedAt: '2025-03-03T10:00:00Z', shares: [{ recipient: 'school-1' }] }));
      expect(await store.deadLetter(delivery(r[2] as RoutedReferral, 'school-1'), { code: 'http-400' })).toBe(true);
      // r[3]: delivered.
      r.push(await saved({ receivedAt: '2025-03-04T10:00:00Z', sourcePartnerId: 'partner-c', sourceReference: 'OTHER-1', shares: [{ recipient: 'gp-1' }] }));
      await store.completeDelivery(delivery(r[3] as RoutedReferral, 'gp-1'), { at: iso('2025-03-04T10:05:00Z'), channel: 'webhook' });
      // r[4]: held, then closed on review.
      r.push(await saved({ receivedAt: '2025-03-05T10:00:00Z', hold: ['no-consent'] }));
      expect((await store.resolveHold((r[4] as RoutedReferral).referralId, { operatorId: 'op-1', reason: 'not needed', close: true })).resolved).toBe(true);
      // r[5]: a dead letter an operator closed.
      r.push(await saved({ receivedAt: '2025-03-06T10:00:00Z', sourcePartnerId: 'partner-b', shares: [{ recipient: 'school-2' }] }));
      const closedId = delivery(r[5] as RoutedReferral, 'school-2');
      expect(await store.deadLetter(closedId, { code: 'http-404' })).toBe(true);
      expect(await store.closeDeadLetter(closedId, { operatorId: 'op-1', reason: 'recipient left' })).toBe(true);
    });

    async function ids(query: Partial<Parameters<OpenedStore['store']['searchReferrals']>[0]>): Promise<{ total: number; ids: number[] }> {
      const result = await main.store.searchReferrals({ limit: 100, offset: 0, ...query });
      return { total: result.total, ids: result.items.map((item) => r.findIndex((x) => x.referralId === item.referralId)) };
    }

    it('lists newest first with each referral’s deliveries, and pages with a total', async () => {
      const all = await main.store.searchReferrals({ limit: 100, offset: 0 });
      expect(all.total).toBe(6);
      expect(all.items.map((item) => item.referralId)).toEqual([...r].reverse().map((x) => x.referralId));
      const first = all.items.find((item) => item.referralId === r[0]?.referralId);
      expect(first).toEqual({
        referralId: r[0]?.referralId,
        sourcePartnerId: 'partner-a',
        sourceType: 'vcs.referral.submitted',
        urgency: 'routine',
        status: 'routed',
        receivedAt: iso('2025-03-01T10:00:00Z'),
        deliveries: expect.arrayContaining([
          { deliveryId: delivery(r[0] as RoutedReferral, 'school-1'), recipientPartnerId: 'school-1', status: 'pending' },
          { deliveryId: delivery(r[0] as RoutedReferral, 'gp-1'), recipientPartnerId: 'gp-1', status: 'pending' },
        ]),
      });
      expect(first?.deliveries).toHaveLength(2);
      expect(all.items.find((item) => item.referralId === r[1]?.referralId)?.deliveries).toEqual([]);

      expect(await ids({ limit: 2, offset: 0 })).toEqual({ total: 6, ids: [5, 4] });
      expect(await ids({ limit: 2, offset: 2 })).toEqual({ total: 6, ids: [3, 2] });
      expect(await ids({ limit: 2, offset: 4 })).toEqual({ total: 6, ids: [1, 0] });
      expect(await ids({ limit: 2, offset: 6 })).toEqual({ total: 6, ids: [] });
      await expect(main.store.searchReferrals({ limit: 0, offset: 0 })).rejects.toThrow(TypeError);
      await expect(main.store.searchReferrals({ limit: 1001, offset: 0 })).rejects.toThrow(TypeError);
      await expect(main.store.searchReferrals({ limit: 10, offset: -1 })).rejects.toThrow(TypeError);
      await expect(main.store.searchReferrals({ limit: 10, offset: 0, status: 'lost' as never })).rejects.toThrow(TypeError);
    });

    it('filters by referral id, partner, time range and status', async () => {
      expect(await ids({ referralId: r[2]?.referralId as string })).toEqual({ total: 1, ids: [2] });
      expect(await ids({ referralId: (r[2]?.referralId as string).toUpperCase() })).toEqual({ total: 1, ids: [2] });
      expect(await ids({ referralId: uuidv7() })).toEqual({ total: 0, ids: [] });
      expect(await ids({ referralId: 'not-a-uuid' })).toEqual({ total: 0, ids: [] });

      // The source partner or any recipient.
      expect(await ids({ partnerId: 'partner-a' })).toEqual({ total: 3, ids: [4, 2, 0] });
      expect(await ids({ partnerId: 'partner-b' })).toEqual({ total: 2, ids: [5, 1] });
      expect(await ids({ partnerId: 'school-1' })).toEqual({ total: 2, ids: [2, 0] });
      expect(await ids({ partnerId: 'gp-1' })).toEqual({ total: 2, ids: [3, 0] });
      expect(await ids({ partnerId: 'nobody' })).toEqual({ total: 0, ids: [] });

      // from inclusive, to exclusive.
      expect(await ids({ from: iso('2025-03-02T10:00:00Z'), to: iso('2025-03-04T10:00:00Z') })).toEqual({ total: 2, ids: [2, 1] });
      expect(await ids({ from: iso('2025-03-05T10:00:00.001Z') })).toEqual({ total: 1, ids: [5] });
      expect(await ids({ to: iso('2025-03-01T10:00:00.001Z') })).toEqual({ total: 1, ids: [0] });

      expect(await ids({ status: 'routed' })).toEqual({ total: 4, ids: [5, 3, 2, 0] });
      expect(await ids({ status: 'held' })).toEqual({ total: 1, ids: [1] });
      // Closed on review, or a closed dead letter.
      expect(await ids({ status: 'closed' })).toEqual({ total: 2, ids: [5, 4] });
      expect(await ids({ status: 'pending' })).toEqual({ total: 1, ids: [0] });
      expect(await ids({ status: 'delivered' })).toEqual({ total: 1, ids: [3] });
      expect(await ids({ status: 'dead' })).toEqual({ total: 1, ids: [2] });
    });

    it('combines filters with AND', async () => {
      expect(await ids({ partnerId: 'school-1', status: 'dead' })).toEqual({ total: 1, ids: [2] });
      expect(await ids({ partnerId: 'school-1', status: 'pending' })).toEqual({ total: 1, ids: [0] });
      expect(await ids({ partnerId: 'partner-a', from: iso('2025-03-02T00:00:00Z') })).toEqual({ total: 2, ids: [4, 2] });
      expect(await ids({ partnerId: 'partner-a', from: iso('2025-03-02T00:00:00Z'), limit: 1, offset: 1 })).toEqual({ total: 2, ids: [2] });
      expect(await ids({ partnerId: 'gp-1', status: 'delivered', to: iso('2025-03-04T00:00:00Z') })).toEqual({ total: 0, ids: [] });
      expect(await ids({ referralId: r[0]?.referralId as string, sourceReference: REFERENCE, partnerId: 'gp-1', status: 'pending' })).toEqual({ total: 1, ids: [0] });
      expect(await ids({ referralId: r[0]?.referralId as string, status: 'held' })).toEqual({ total: 0, ids: [] });
    });

    it('finds the source reference by exact match, and stores it only as an HMAC', async () => {
      expect(await ids({ sourceReference: REFERENCE })).toEqual({ total: 1, ids: [0] });
      expect(await ids({ sourceReference: 'OTHER-1' })).toEqual({ total: 1, ids: [3] });
      expect(await ids({ sourceReference: 'gmp/25/000123' })).toEqual({ total: 0, ids: [] });
      expect(await ids({ sourceReference: 'GMP/25/00012' })).toEqual({ total: 0, ids: [] });
      expect(await ids({ sourceReference: REFERENCE, partnerId: 'partner-b' })).toEqual({ total: 0, ids: [] });

      expect(await columnsContaining(main.db, backend.schema, REFERENCE)).toEqual([]);
      const stored = await main.db.query<{ hmac: unknown; key_id: string | null }>(
        'SELECT source_reference_hmac AS hmac, source_reference_key_id AS key_id FROM referrals WHERE id = $1::uuid',
        [r[0]?.referralId],
      );
      expect(stored.rows[0]?.key_id).toBe('k1');
      expect(Buffer.from(stored.rows[0]?.hmac as Uint8Array)).toHaveLength(32);
      const none = await main.db.query<{ n: number }>('SELECT count(*)::integer AS n FROM referrals WHERE source_reference_hmac IS NULL');
      expect(none.rows[0]?.n).toBe(4);
    });

    // A second store on the same database needs a server: PGlite's embedded database is one store's.
    if (backendName === 'postgres') it('finds references stored under an older master key after a rotation', async () => {
      const rotated = await backend.open({ keyring: testKeyring('k2', { k2: Buffer.alloc(32, 7), k1 }) });
      const found = await rotated.store.searchReferrals({ sourceReference: REFERENCE, limit: 10, offset: 0 });
      expect(found.items.map((item) => item.referralId)).toEqual([r[0]?.referralId]);
      const other = await backend.open({ keyring: testKeyring('k3', { k3: Buffer.alloc(32, 9) }) });
      expect((await other.store.searchReferrals({ sourceReference: REFERENCE, limit: 10, offset: 0 })).total).toBe(0);
    });
  });

  describe('referralTimeline', () => {
    const pause = (): Promise<void> => sleep(3);

    function assertSorted(events: TimelineEvent[]): void {
      const times = events.map((e) => (e.at === null ? Number.POSITIVE_INFINITY : e.at.getTime()));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }

    it('merges decisions, deliveries, attempts, actions, feedback, deadlines and ledger rows in time order', async () => {
      const { store } = main;
      const routed = await saved({ shares: [{ recipient: 'school-1' }, { recipient: 'gp-1', deadlineAt: iso('2025-01-01T08:30:00Z') }], notShares: ['housing-1'] });
      const school = delivery(routed, 'school-1');
      const gp = delivery(routed, 'gp-1');
      await pause();
      await store.recordAttempt(school, { outcome: 'retryable', httpStatus: 503, errorCode: 'http-503', durationMs: 12 });
      await pause();
      await store.recordAttempt(gp, { outcome: 'permanent', httpStatus: 400, errorCode: 'http-400', durationMs: 7 });
      expect(await store.deadLetter(gp, { code: 'http-400' })).toBe(true);
      await pause();
      await store.recordAttempt(school, { outcome: 'delivered', httpStatus: 200, durationMs: 8 });
      const deliveredAt = new Date();
      await store.completeDelivery(school, { at: deliveredAt, channel: 'webhook' });
      await pause();
      expect(await store.replayDeliveries([gp], { operatorId: 'op-1', reason: 'endpoint fixed' })).toHaveLength(1);
      await pause();
      const feedbackAt = new Date();
      expect(await store.recordFeedback(school, { kind: 'acknowledged', at: feedbackAt })).toBe(true);
      await pause();
      await store.recordAttempt(gp, { outcome: 'retryable', httpStatus: 500, errorCode: 'http-500', durationMs: 30 });
      expect(await store.deadLetter(gp, { code: 'exhausted' })).toBe(true);
      await pause();
      const missedAt = new Date();
      expect(await store.markDeadlineMissed(gp, missedAt)).toBe(true);

      const events = (await store.referralTimeline(routed.referralId)) as TimelineEvent[];
      assertSorted(events);
      expect(events.map((e) => e.kind)).toEqual([
        'received',
        'decision',
        'decision',
        'decision',
        'delivery-created',
        'delivery-created',
        'ledger',
        'attempt',
        'attempt',
        'attempt',
        'delivered',
        'ledger',
        'delivery-action',
        'feedback',
        'attempt',
        'dead-lettered',
        'deadline-missed',
      ]);
      // Decisions, deliveries and the not-share ledger row were written in one transaction.
      expect(new Set(events.slice(1, 7).map((e) => e.at?.getTime())).size).toBe(1);

      expect(events[0]).toMatchObject({ kind: 'received', messageId: routed.messageId, sourcePartnerId: 'partner-a', sourceType: 'vcs.referral.submitted' });
      expect(events.filter((e) => e.kind === 'decision')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ decision: 'share', recipientPartnerId: 'school-1', ruleId: 'rule-school-1', operatorId: null, reason: 'rule matched', purpose: 'early-help-referral' }),
          expect.objectContaining({ decision: 'share', recipientPartnerId: 'gp-1', ruleId: 'rule-gp-1' }),
          expect.objectContaining({ decision: 'not-share', recipientPartnerId: 'housing-1', ruleId: 'rule-deny-housing-1', reason: 'agreement does not cover this need' }),
        ]),
      );
      expect(events.filter((e) => e.kind === 'delivery-created')).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ deliveryId: school, recipientPartnerId: 'school-1', channel: 'webhook', priority: 'routine', deadlineAt: null }),
          expect.objectContaining({ deliveryId: gp, recipientPartnerId: 'gp-1', deadlineAt: iso('2025-01-01T08:30:00Z') }),
        ]),
      );
      const ledger = events.filter((e) => e.kind === 'ledger');
      expect(ledger).toEqual([
        expect.objectContaining({ outcome: 'not-disclosed', recipientPartnerId: 'housing-1', fields: [] }),
        expect.objectContaining({ outcome: 'disclosed', recipientPartnerId: 'school-1', fields: ['/people/0/givenName', '/needs'], at: deliveredAt }),
      ]);
      expect((ledger[1] as { seq: number }).seq).toBe((ledger[0] as { seq: number }).seq + 1);

      const rest = events.slice(7);
      expect(rest[0]).toMatchObject({ kind: 'attempt', deliveryId: school, recipientPartnerId: 'school-1', attempt: 1, outcome: 'retryable', httpStatus: 503, errorCode: 'http-503', durationMs: 12 });
      expect(rest[1]).toMatchObject({ kind: 'attempt', deliveryId: gp, recipientPartnerId: 'gp-1', attempt: 1, outcome: 'permanent', httpStatus: 400 });
      expect(rest[2]).toMatchObject({ kind: 'attempt', deliveryId: school, attempt: 2, outcome: 'delivered', httpStatus: 200, errorCode: null });
      expect(rest[3]).toEqual({ kind: 'delivered', at: deliveredAt, deliveryId: school, recipientPartnerId: 'school-1' });
      expect(rest[5]).toMatchObject({ kind: 'delivery-action', deliveryId: gp, recipientPartnerId: 'gp-1', action: 'replay', operatorId: 'op-1', reason: 'endpoint fixed' });
      expect(rest[6]).toEqual({ kind: 'feedback', at: feedbackAt, deliveryId: school, recipientPartnerId: 'school-1', feedback: 'acknowledged' });
      // After a replay the attempt count starts again.
      expect(rest[7]).toMatchObject({ kind: 'attempt', deliveryId: gp, attempt: 1, outcome: 'retryable', httpStatus: 500 });
      expect(rest[8]).toEqual({ kind: 'dead-lettered', at: rest[7]?.at, deliveryId: gp, recipientPartnerId: 'gp-1', errorCode: 'exhausted' });
      expect(rest[9]).toEqual({ kind: 'deadline-missed', at: missedAt, deliveryId: gp, recipientPartnerId: 'gp-1' });
    });

    it('shows a hold, the operator’s resolution and decisions, and a dead letter closed without attempts', async () => {
      const { store } = main;
      const routed = await saved({ hold: ['no-rule', 'no-consent'] });
      await pause();
      const pair = share(routed.referralId, routed.personIds, { recipient: 'school-9', operatorId: 'op-7' });
      const resolved = await store.resolveHold(routed.referralId, { operatorId: 'op-7', reason: 'checked with the school', decisions: [pair.decision], deliveries: [pair.delivery] });
      expect(resolved.resolved).toBe(true);
      await pause();
      expect(await store.deadLetter(pair.delivery.deliveryId, { code: 'endpoint-disabled' })).toBe(true);

      const events = (await store.referralTimeline(routed.referralId)) as TimelineEvent[];
      assertSorted(events);
      // (The router also records a `hold` decision; this fixture does not.)
      expect(events.map((e) => e.kind)).toEqual(['received', 'held', 'decision', 'hold-resolved', 'delivery-created', 'dead-lettered']);
      expect(events[1]).toMatchObject({ kind: 'held', reasons: ['no-rule', 'no-consent'] });
      expect(events[2]).toMatchObject({ decision: 'share', recipientPartnerId: 'school-9', operatorId: 'op-7', ruleId: null });
      expect(events[3]).toMatchObject({ kind: 'hold-resolved', resolution: 'shared', operatorId: 'op-7', reason: 'checked with the school' });
      expect(events[3]?.at).toEqual(events[2]?.at);
      expect(events[4]?.at).toEqual(events[2]?.at);
      expect(events[5]).toEqual({ kind: 'dead-lettered', at: null, deliveryId: pair.delivery.deliveryId, recipientPartnerId: 'school-9', errorCode: 'endpoint-disabled' });
    });

    it('is null for an unknown or malformed id', async () => {
      expect(await main.store.referralTimeline(uuidv7())).toBeNull();
      expect(await main.store.referralTimeline('nope')).toBeNull();
    });
  });

  describe('partnerHealth and breaker state', () => {
    it('keeps the breaker state with the latest changed_at', async () => {
      const { store } = main;
      await store.recordBreakerState('school-1', 'open', iso('2025-07-01T08:00:00Z'));
      await store.recordBreakerState('school-1', 'half-open', iso('2025-07-01T07:59:59.999Z'));
      let [health] = await store.partnerHealth(['school-1'], iso('2025-07-01T09:00:00Z'));
      expect(health).toMatchObject({ breakerState: 'open', breakerChangedAt: iso('2025-07-01T08:00:00Z') });
      await store.recordBreakerState('school-1', 'half-open', iso('2025-07-01T08:00:30Z'));
      await store.recordBreakerState('school-1', 'closed', iso('2025-07-01T08:00:31Z'));
      await store.recordBreakerState('gp-1', 'open', iso('2025-07-01T08:00:00Z'));
      [health] = await store.partnerHealth(['school-1'], iso('2025-07-01T09:00:00Z'));
      expect(health).toMatchObject({ breakerState: 'closed', breakerChangedAt: iso('2025-07-01T08:00:31Z') });
      await expect(store.recordBreakerState('school-1', 'ajar' as never, new Date())).rejects.toThrow(TypeError);
    });

    it('counts attempts, failures, deliveries today (London, BST), pending and dead letters, per partner', async () => {
      const { store } = main;
      // now = 10:00 BST on 1 July; local midnight was 2025-06-30T23:00Z.
      const now = iso('2025-07-01T09:00:00Z');
      const routed = await saved({
        shares: [{ recipient: 'school-1' }, { recipient: 'gp-1' }],
      });
      const more = await saved({ shares: [{ recipient: 'school-1' }, { recipient: 'gp-1' }] });
      const third = await saved({ shares: [{ recipient: 'school-1' }, { recipient: 'gp-1' }] });
      const fourth = await saved({ shares: [{ recipient: 'school-1' }] });
      const fifth = await saved({ shares: [{ recipient: 'school-1' }] });

      // school-1: delivered at 23:59:59.999 local the day before, at local midnight, at 09:00 local,
      // and after `now`; one dead letter.
      await store.completeDelivery(delivery(routed, 'school-1'), { at: iso('2025-06-30T22:59:59.999Z'), channel: 'webhook' });
      await store.completeDelivery(delivery(more, 'school-1'), { at: iso('2025-06-30T23:00:00.000Z'), channel: 'webhook' });
      await store.completeDelivery(delivery(third, 'school-1'), { at: iso('2025-07-01T08:00:00Z'), channel: 'webhook' });
      await store.completeDelivery(delivery(fourth, 'school-1'), { at: iso('2025-07-01T09:30:00Z'), channel: 'webhook' });
      const dead = delivery(fifth, 'school-1');
      // Attempts: 3 failures and 1 success in the last 24 hours, one older, one after `now`.
      for (const outcome of ['retryable', 'retryable', 'permanent', 'retryable', 'retryable', 'delivered']) {
        await store.recordAttempt(dead, { outcome, durationMs: 5 });
      }
      await setAttemptTime(dead, 1, '2025-06-30T09:00:00Z'); // exactly 24 h before: outside
      await setAttemptTime(dead, 2, '2025-06-30T09:00:00.001Z');
      await setAttemptTime(dead, 3, '2025-07-01T08:59:00Z');
      await setAttemptTime(dead, 4, '2025-07-01T09:00:00Z'); // at `now`: inside
      await setAttemptTime(dead, 5, '2025-07-01T09:00:00.001Z'); // after `now`: outside
      await setAttemptTime(dead, 6, '2025-07-01T06:00:00Z');
      expect(await store.deadLetter(dead, { code: 'http-400' })).toBe(true);
      await store.disableEndpoint('school-1', 'http-410');
      await store.recordBreakerState('school-1', 'open', iso('2025-07-01T08:30:00Z'));

      // gp-1: two pending, one delivered a minute ago.
      await store.completeDelivery(delivery(third, 'gp-1'), { at: iso('2025-07-01T08:59:00Z'), channel: 'fhir' });
      await store.recordAttempt(delivery(third, 'gp-1'), { outcome: 'delivered', durationMs: 5 });
      await setAttemptTime(delivery(third, 'gp-1'), 1, '2025-07-01T08:59:00Z');

      const health = await store.partnerHealth(['school-1', 'gp-1', 'nobody', 'school-1'], now);
      expect(health).toEqual([
        {
          partnerId: 'school-1',
          breakerState: 'open',
          breakerChangedAt: iso('2025-07-01T08:30:00Z'),
          lastSuccessAt: iso('2025-07-01T08:00:00Z'),
          attempts24h: 4,
          failures24h: 3,
          errorRate24h: 0.75,
          deliveredToday: 2,
          pendingDeliveries: 0,
          deadLetters: 1,
          endpoint: { disabledAt: expect.any(Date), reasonCode: 'http-410' },
        },
        {
          partnerId: 'gp-1',
          breakerState: 'closed',
          breakerChangedAt: null,
          lastSuccessAt: iso('2025-07-01T08:59:00Z'),
          attempts24h: 1,
          failures24h: 0,
          errorRate24h: 0,
          deliveredToday: 1,
          pendingDeliveries: 2,
          deadLetters: 0,
          endpoint: null,
        },
        {
          partnerId: 'nobody',
          breakerState: 'closed',
          breakerChangedAt: null,
          lastSuccessAt: null,
          attempts24h: 0,
          failures24h: 0,
          errorRate24h: 0,
          deliveredToday: 0,
          pendingDeliveries: 0,
          deadLetters: 0,
          endpoint: null,
        },
      ]);

      // One millisecond before local midnight, the midnight delivery is tomorrow's and yesterday's counts.
      const [before] = await store.partnerHealth(['school-1'], iso('2025-06-30T22:59:59.999Z'));
      expect(before).toMatchObject({ deliveredToday: 1, lastSuccessAt: iso('2025-06-30T22:59:59.999Z') });
      const [atMidnight] = await store.partnerHealth(['school-1'], iso('2025-06-30T23:00:00Z'));
      expect(atMidnight).toMatchObject({ deliveredToday: 1, lastSuccessAt: iso('2025-06-30T23:00:00Z') });
      expect(await store.partnerHealth([], now)).toEqual([]);
      await expect(store.partnerHealth('school-1' as never, now)).rejects.toThrow(TypeError);
    });

    it('uses GMT midnight in winter', async () => {
      const { store } = main;
      const routed = await saved({ shares: [{ recipient: 'a-1' }, { recipient: 'b-1' }, { recipient: 'c-1' }] });
      await store.completeDelivery(delivery(routed, 'a-1'), { at: iso('2025-01-14T23:30:00Z'), channel: 'webhook' });
      await store.completeDelivery(delivery(routed, 'b-1'), { at: iso('2025-01-15T00:00:00Z'), channel: 'webhook' });
      await store.completeDelivery(delivery(routed, 'c-1'), { at: iso('2025-01-15T00:10:00Z'), channel: 'webhook' });
      const health = await store.partnerHealth(['a-1', 'b-1', 'c-1'], iso('2025-01-15T00:30:00Z'));
      expect(health.map((h) => h.deliveredToday)).toEqual([0, 1, 1]);
    });
  });

  describe('overview', () => {
    it('counts throughput per five minutes, open holds, dead letters and today’s deadlines', async () => {
      const { store } = main;
      const now = iso('2025-07-01T12:00:00Z'); // 13:00 BST; the London day is [06-30T23:00Z, 07-01T23:00Z)
      for (const at of ['2025-07-01T10:59:59.999Z', '2025-07-01T11:00:00Z', '2025-07-01T11:04:59.999Z', '2025-07-01T11:05:00Z', '2025-07-01T11:59:59.999Z', '2025-07-01T12:00:00Z']) {
        expect((await store.acceptInbound(inbound({ receivedAt: iso(at) }))).outcome).toBe('accepted');
      }
      const spec = (recipient: string, deadline?: string): ShareSpec => ({ recipient, ...(deadline ? { deadlineAt: iso(deadline) } : {}) });
      const routed = await saved({
        shares: [
          spec('met', '2025-07-01T07:30:00Z'),
          spec('late', '2025-07-01T07:30:00Z'),
          spec('missed', '2025-07-01T07:30:00Z'),
          spec('past', '2025-07-01T10:00:00Z'),
          spec('soon', '2025-07-01T13:30:00Z'),
          spec('later', '2025-07-01T15:00:00Z'),
          spec('yesterday', '2025-06-30T22:59:00Z'),
          spec('tomorrow', '2025-07-01T23:00:00Z'),
          spec('midnight', '2025-06-30T23:00:00Z'),
          spec('plain'),
          spec('plain-2'),
          spec('plain-3'),
        ],
      });
      const d = (recipient: string): string => delivery(routed, recipient);
      await store.completeDelivery(d('met'), { at: iso('2025-07-01T07:00:00Z'), channel: 'webhook' });
      await store.completeDelivery(d('late'), { at: iso('2025-07-01T08:00:00Z'), channel: 'webhook' });
      await store.completeDelivery(d('midnight'), { at: iso('2025-06-30T22:00:00Z'), channel: 'webhook' });
      expect(await store.markDeadlineMissed(d('missed'), iso('2025-07-01T07:31:00Z'))).toBe(true);
      // Delivered in the last hour: two in bucket 6, one at `now` (outside).
      await store.completeDelivery(d('plain'), { at: iso('2025-07-01T11:30:00Z'), channel: 'webhook' });
      await store.completeDelivery(d('plain-2'), { at: iso('2025-07-01T11:34:59Z'), channel: 'webhook' });
      await store.completeDelivery(d('plain-3'), { at: iso('2025-07-01T12:00:00Z'), channel: 'webhook' });
      // Attempts: two failures in bucket 2, a success (not a failure), one failure before the hour.
      for (const outcome of ['retryable', 'permanent', 'delivered', 'retryable']) await store.recordAttempt(d('yesterday'), { outcome, durationMs: 1 });
      await setAttemptTime(d('yesterday'), 1, '2025-07-01T11:10:00Z');
      await setAttemptTime(d('yesterday'), 2, '2025-07-01T11:14:59.999Z');
      await setAttemptTime(d('yesterday'), 3, '2025-07-01T11:12:00Z');
      await setAttemptTime(d('yesterday'), 4, '2025-07-01T10:00:00Z');
      expect(await store.deadLetter(d('yesterday'), { code: 'http-400' })).toBe(true);
      expect(await store.deadLetter(d('tomorrow'), { code: 'http-400' })).toBe(true);

      const held1 = await saved({ hold: ['no-rule'] });
      await saved({ hold: ['no-rule'] });
      await store.resolveHold(held1.referralId, { operatorId: 'op-1', reason: 'nothing to share', close: true });

      const overview = await store.overview(now);
      expect(overview.throughput).toHaveLength(12);
      expect(overview.throughput.map((b) => b.bucketStart.toISOString())).toEqual(
        Array.from({ length: 12 }, (_, i) => new Date(Date.parse('2025-07-01T11:00:00Z') + i * 300_000).toISOString()),
      );
      expect(overview.throughput.map((b) => b.received)).toEqual([2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
      expect(overview.throughput.map((b) => b.delivered)).toEqual([0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0]);
      expect(overview.throughput.map((b) => b.failedAttempts)).toEqual([0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(overview.openHolds).toBe(1);
      expect(overview.deadLetters).toBe(2);
      // met: met, midnight; missed: late (delivered after), missed (marked); at risk: past (unmarked), soon (< 2 h).
      expect(overview.deadlinesToday).toEqual({ due: 7, met: 2, missed: 2, atRisk: 2 });
      const sameTime = ['met', 'late', 'missed'].map(d).sort();
      expect(overview.deadlines.map((x) => x.deliveryId)).toEqual([d('midnight'), ...sameTime, d('past'), d('soon'), d('later')]);
      expect(overview.deadlines.find((x) => x.deliveryId === d('missed'))).toEqual({
        deliveryId: d('missed'),
        referralId: routed.referralId,
        recipientPartnerId: 'missed',
        deadlineAt: iso('2025-07-01T07:30:00Z'),
        status: 'pending',
        deliveredAt: null,
        missedAt: iso('2025-07-01T07:31:00Z'),
      });
      expect(overview.deadlines.find((x) => x.deliveryId === d('met'))).toMatchObject({ status: 'delivered', deliveredAt: iso('2025-07-01T07:00:00Z'), missedAt: null });

      // Three hours later "soon" is past but not marked missed (still at risk) and "later" is under 2 hours away.
      expect((await store.overview(iso('2025-07-01T15:00:00Z'))).deadlinesToday).toEqual({ due: 7, met: 2, missed: 2, atRisk: 3 });
      // On the next London day only "tomorrow" is due: past, dead (not delivered) and not marked missed.
      expect((await store.overview(iso('2025-07-02T00:30:00Z'))).deadlinesToday).toEqual({ due: 1, met: 0, missed: 0, atRisk: 1 });
    });
  });
});
