// Statistics, performance and evaluation-extract storage (issue 5, parts 5–7) on both databases.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RoutedReferral, ShareSpec } from './routing-test-fixtures.ts';
import { routingOutcome } from './routing-test-fixtures.ts';
import type { EvaluationExtractRecord } from './statistics-types.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, columnsContaining, createBackend, resetTables } from './test-backends.ts';
import { uuidv7 } from './uuid.ts';

const iso = (s: string): Date => new Date(s);

describe.each(backendNames)('statistics store on %s', (backendName) => {
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

  async function saved(opts: {
    receivedAt: string;
    sourceType?: string;
    needs?: string[];
    postcodeDistrict?: string;
    shares?: ShareSpec[];
    canonical?: object;
  }): Promise<RoutedReferral> {
    const routed = await routingOutcome(main.store, { ...(opts.shares ? { shares: opts.shares } : {}), ...(opts.canonical ? { canonical: Buffer.from(JSON.stringify(opts.canonical)) } : {}) });
    const referral = routed.input.referral;
    referral.receivedAt = iso(opts.receivedAt);
    if (opts.sourceType) referral.sourceType = opts.sourceType;
    if (opts.needs) referral.needs = opts.needs;
    if (opts.postcodeDistrict) referral.postcodeDistrict = opts.postcodeDistrict;
    expect((await main.store.saveRoutingOutcome(routed.input)).created).toBe(true);
    return routed;
  }

  const deliveryOf = (routed: RoutedReferral, recipient: string): string => routed.deliveries.get(recipient) as string;

  describe('statisticsCounts', () => {
    // January and February 2026 (GMT): buckets start at London midnight on the 1st.
    const from = iso('2026-01-01T00:00:00Z');
    const feb = iso('2026-02-01T00:00:00Z');
    const to = iso('2026-03-01T00:00:00Z');

    it('counts referrals by source type, need, district and outcome per month, from the clear-text dimensions only', async () => {
      const a = await saved({ receivedAt: '2026-01-05T10:00:00Z', sourceType: 'health.gp.referred', needs: ['health', 'housing'], postcodeDistrict: 'M14', shares: [{ recipient: 'gp-1' }, { recipient: 'school-1' }] });
      const b = await saved({ receivedAt: '2026-01-31T23:59:59Z', sourceType: 'health.gp.referred', needs: ['health'], postcodeDistrict: 'M14', shares: [{ recipient: 'gp-1' }] });
      await saved({ receivedAt: '2026-02-01T00:00:00Z', sourceType: 'vcs.referral.submitted', needs: [], shares: [] });
      const d = await saved({ receivedAt: '2026-02-20T12:00:00Z', sourceType: 'vcs.referral.submitted', shares: [{ recipient: 'gp-1' }] });
      // Outside the period on either side.
      await saved({ receivedAt: '2025-12-31T23:59:59Z', needs: ['crime'], postcodeDistrict: 'SK4' });
      await saved({ receivedAt: '2026-03-01T00:00:00Z', needs: ['crime'], postcodeDistrict: 'SK4' });

      const { store } = main;
      expect(await store.recordFeedback(deliveryOf(a, 'gp-1'), { kind: 'accepted', at: iso('2026-01-06T10:00:00Z') })).toBe(true);
      expect(await store.recordFeedback(deliveryOf(a, 'school-1'), { kind: 'acknowledged', at: iso('2026-01-06T10:00:00Z') })).toBe(true);
      expect(await store.recordFeedback(deliveryOf(b, 'gp-1'), { kind: 'declined', at: iso('2026-02-02T10:00:00Z') })).toBe(true);
      expect(await store.recordFeedback(deliveryOf(d, 'gp-1'), { kind: 'closed', at: iso('2026-02-21T10:00:00Z') })).toBe(true);

      const counts = await store.statisticsCounts({ from, to, buckets: [from, feb] });
      const sorted = <T extends { key: string; bucket: number }>(list: T[]): T[] => [...list].sort((x, y) => x.key.localeCompare(y.key) || x.bucket - y.bucket);
      expect(sorted(counts.sourceType)).toEqual([
        { key: 'health.gp.referred', bucket: 0, count: 2 },
        { key: 'vcs.referral.submitted', bucket: 1, count: 2 },
      ]);
      // d was saved without dimensions (needs NULL): "none recorded", and counted as missing.
      expect(sorted(counts.need)).toEqual([
        { key: '', bucket: 1, count: 2 },
        { key: 'health', bucket: 0, count: 2 },
        { key: 'housing', bucket: 0, count: 1 },
      ]);
      expect(sorted(counts.area)).toEqual([
        { key: '', bucket: 1, count: 2 },
        { key: 'M14', bucket: 0, count: 2 },
      ]);
      // By the month the referral was received (b's decline came in February).
      expect(sorted(counts.outcome)).toEqual([
        { key: 'accepted', bucket: 0, count: 1 },
        { key: 'closed', bucket: 1, count: 1 },
        { key: 'declined', bucket: 0, count: 1 },
        { key: 'none', bucket: 0, count: 1 },
      ]);
      expect(counts.dimensionsMissing).toBe(1);
    });

    it('refuses malformed periods and buckets, naming the field', async () => {
      await expect(main.store.statisticsCounts({ from: to, to: from, buckets: [to] })).rejects.toThrow(/from must be before to/);
      await expect(main.store.statisticsCounts({ from, to, buckets: [feb] })).rejects.toThrow(/buckets\[0\] must equal from/);
      await expect(main.store.statisticsCounts({ from, to, buckets: [from, from] })).rejects.toThrow(/buckets\[1\] must be after/);
      await expect(main.store.statisticsCounts({ from, to, buckets: [from, to] })).rejects.toThrow(/buckets\[1\] must be before to/);
    });
  });

  describe('statistics dimensions at routing time', () => {
    it('stores need codes and the district, and never a whole postcode', async () => {
      const routed = await saved({ receivedAt: '2026-01-05T10:00:00Z', needs: ['housing', 'health', 'housing'], postcodeDistrict: 'SW1A' });
      const row = await main.db.query<{ needs: string[]; postcode_district: string }>('SELECT needs, postcode_district FROM referrals WHERE id = $1::uuid', [routed.referralId]);
      expect(row.rows[0]).toEqual({ needs: ['health', 'housing'], postcode_district: 'SW1A' });

      const bad = await routingOutcome(main.store);
      bad.input.referral.postcodeDistrict = 'M14 5RX';
      await expect(main.store.saveRoutingOutcome(bad.input)).rejects.toThrow(/referral\.postcodeDistrict must be a postcode district/);
      bad.input.referral.postcodeDistrict = undefined;
      bad.input.referral.needs = ['Housing need: eviction'];
      await expect(main.store.saveRoutingOutcome(bad.input)).rejects.toThrow(/referral\.needs\[0\] must be a need code/);
      expect(await main.store.findReferralByMessage(bad.messageId)).toBeNull();
      // The column refuses a postcode even from SQL.
      await expect(main.db.query("UPDATE referrals SET postcode_district = 'M14 5RX' WHERE id = $1::uuid", [routed.referralId])).rejects.toThrow();
      expect(await columnsContaining(main.db, backend.schema, 'M14 5RX')).toEqual([]);
    });

    it('backfills referrals routed without them from the decrypted canonical, skipping unreadable ones', async () => {
      const a = await saved({ receivedAt: '2026-01-05T10:00:00Z', canonical: { needs: ['crime'], district: 'M9' } });
      const b = await saved({ receivedAt: '2026-01-06T10:00:00Z', canonical: { needs: [], district: 'M9 4AB' } });
      const c = await saved({ receivedAt: '2026-01-07T10:00:00Z', canonical: { needs: ['health'] } });
      const already = await saved({ receivedAt: '2026-01-08T10:00:00Z', needs: ['education'], postcodeDistrict: 'M1' });
      // c's wrapped data key is damaged: nothing can decrypt it.
      await main.db.query('UPDATE referrals SET dek_wrapped = $2::bytea WHERE id = $1::uuid', [c.referralId, randomBytes(32)]);

      const seen: string[] = [];
      const progress: { done: number; unreadable: number }[] = [];
      const result = await main.store.backfillReferralDimensions(
        (canonical) => {
          const parsed = JSON.parse(canonical.toString('utf8')) as { needs: string[]; district?: string };
          seen.push(JSON.stringify(parsed.needs));
          return { needs: parsed.needs, postcodeDistrict: parsed.district ?? null };
        },
        { batchSize: 2, onProgress: (p) => progress.push(p) },
      );
      expect(result).toEqual({ updated: 2, unreadable: 1 });
      expect(progress.at(-1)).toEqual({ done: 2, unreadable: 1 });
      const rows = await main.db.query<{ id: string; needs: string[] | null; postcode_district: string | null }>('SELECT id::text AS id, needs, postcode_district FROM referrals ORDER BY id');
      const byId = new Map(rows.rows.map((r) => [r.id, { needs: r.needs, district: r.postcode_district }]));
      expect(byId.get(a.referralId)).toEqual({ needs: ['crime'], district: 'M9' });
      // Not an outward code: stored as unknown.
      expect(byId.get(b.referralId)).toEqual({ needs: [], district: null });
      expect(byId.get(c.referralId)).toEqual({ needs: null, district: null });
      expect(byId.get(already.referralId)).toEqual({ needs: ['education'], district: 'M1' });
      expect(seen).toHaveLength(2);
      // Nothing left but the unreadable one.
      expect(await main.store.backfillReferralDimensions(() => ({ needs: [] }))).toEqual({ updated: 0, unreadable: 1 });
    });
  });

  describe('feedbackStatistics', () => {
    async function answer(month: string, serviceType: string, district: string | null, ratings: Record<string, number>, comment = false): Promise<string> {
      const id = uuidv7();
      const sealed = comment ? [Buffer.from('k1'), randomBytes(40), randomBytes(12), randomBytes(16), randomBytes(12), randomBytes(16), randomBytes(30)] : [null, null, null, null, null, null, null];
      await main.db.query(
        `INSERT INTO family_feedback (feedback_id, service_type, postcode_district, month, submitted_at, ratings, key_id, dek_wrapped, dek_iv, dek_tag, comment_iv, comment_tag, comment_ciphertext)
         VALUES ($1::uuid, $2, $3, $4::date, $5::timestamptz, $6::jsonb, $7, $8, $9, $10, $11, $12, $13)`,
        [id, serviceType, district, `${month}-01`, `${month}-15T10:00:00Z`, JSON.stringify(ratings), sealed[0] === null ? null : 'k1', ...sealed.slice(1)],
      );
      return id;
    }

    it('gives month, service type, district and ratings of the answers in the months asked for, and no id', async () => {
      const ids = [
        await answer('2025-12', 'social-care', 'M14', { overall: 1 }),
        await answer('2026-01', 'social-care', 'M14', { overall: 5, listened: 4 }, true),
        await answer('2026-01', 'counselling', null, { helpful: 3 }),
        await answer('2026-02', 'social-care', 'SK4', { 'easy-to-reach': 2 }),
        await answer('2026-03', 'social-care', 'M14', { overall: 2 }),
        // "Do not ask me again" with no ratings: not an answer to any question, so not counted.
        await answer('2026-01', 'social-care', 'M14', {}),
      ];
      const rows = await main.store.feedbackStatistics({ from: '2026-01', to: '2026-02' });
      expect(rows).toEqual([
        { month: '2026-01', serviceType: 'counselling', postcodeDistrict: null, ratings: { helpful: 3 } },
        { month: '2026-01', serviceType: 'social-care', postcodeDistrict: 'M14', ratings: { overall: 5, listened: 4 } },
        { month: '2026-02', serviceType: 'social-care', postcodeDistrict: 'SK4', ratings: { 'easy-to-reach': 2 } },
      ]);
      const text = JSON.stringify(rows);
      for (const id of ids) expect(text).not.toContain(id);
      expect(await main.store.feedbackStatistics({ from: '2026-03', to: '2026-03' })).toHaveLength(1);
      expect(await main.store.feedbackStatistics({ from: '2024-01', to: '2024-12' })).toEqual([]);
    });

    it('refuses malformed months, naming the field', async () => {
      await expect(main.store.feedbackStatistics({ from: '2026-1', to: '2026-02' })).rejects.toThrow(/^from must be a month YYYY-MM$/);
      await expect(main.store.feedbackStatistics({ from: '2026-01', to: '2026-13' })).rejects.toThrow(/^to must be a month YYYY-MM$/);
      await expect(main.store.feedbackStatistics({ from: '2026-03', to: '2026-02' })).rejects.toThrow(/from must not be after to/);
    });
  });

  describe('feedback times', () => {
    it('keeps the first acknowledgement and acceptance, even when feedback arrives out of order, and the latest status', async () => {
      const routed = await saved({ receivedAt: '2026-01-05T10:00:00Z', shares: [{ recipient: 'gp-1', deadlineAt: iso('2026-01-06T08:30:00Z') }] });
      const id = deliveryOf(routed, 'gp-1');
      const { store } = main;
      await store.completeDelivery(id, { at: iso('2026-01-05T10:00:05Z'), channel: 'webhook' });
      expect(await store.recordFeedback(id, { kind: 'accepted', at: iso('2026-01-07T09:00:00Z') })).toBe(true);
      // An earlier acknowledgement arriving late: first acknowledgement moves back, status stays.
      expect(await store.recordFeedback(id, { kind: 'acknowledged', at: iso('2026-01-05T15:00:00Z') })).toBe(true);
      expect(await store.recordFeedback(id, { kind: 'closed', at: iso('2026-03-01T09:00:00Z') })).toBe(true);
      // A second, later acceptance does not move the first.
      expect(await store.recordFeedback(id, { kind: 'accepted', at: iso('2026-02-01T09:00:00Z') })).toBe(true);
      expect(await store.recordFeedback(uuidv7(), { kind: 'accepted', at: iso('2026-02-01T09:00:00Z') })).toBe(false);

      const delivery = await store.getDelivery(id);
      expect(delivery).toMatchObject({ feedbackStatus: 'closed', feedbackAt: iso('2026-03-01T09:00:00Z') });
      expect(await store.deliveryTimings({ from: iso('2026-01-01T00:00:00Z'), to: iso('2026-02-01T00:00:00Z') })).toEqual([
        {
          recipientPartnerId: 'gp-1',
          sourceType: 'vcs.referral.submitted',
          status: 'delivered',
          receivedAt: iso('2026-01-05T10:00:00Z'),
          deliveredAt: iso('2026-01-05T10:00:05Z'),
          acknowledgedAt: iso('2026-01-05T15:00:00Z'),
          acceptedAt: iso('2026-01-07T09:00:00Z'),
          deadlineAt: iso('2026-01-06T08:30:00Z'),
        },
      ]);
      expect(await store.deliveryTimings({ from: iso('2026-02-01T00:00:00Z'), to: iso('2026-03-01T00:00:00Z') })).toEqual([]);
    });
  });

  describe('evaluation extracts', () => {
    it('pages the supported referrals of the period, decrypted, with people and outcomes', async () => {
      const { store } = main;
      const delivered = await saved({ receivedAt: '2026-04-02T10:00:00Z', canonical: { n: 1 }, shares: [{ recipient: 'gp-1' }, { recipient: 'school-1' }] });
      await store.completeDelivery(deliveryOf(delivered, 'gp-1'), { at: iso('2026-04-02T10:00:01Z'), channel: 'webhook' });
      await store.recordFeedback(deliveryOf(delivered, 'gp-1'), { kind: 'accepted', at: iso('2026-04-03T10:00:00Z') });
      const second = await saved({ receivedAt: '2026-04-03T10:00:00Z', canonical: { n: 2 }, shares: [{ recipient: 'gp-1' }] });
      await store.completeDelivery(deliveryOf(second, 'gp-1'), { at: iso('2026-04-03T10:00:01Z'), channel: 'webhook' });
      // Not supported: never delivered, or held.
      await saved({ receivedAt: '2026-04-04T10:00:00Z', shares: [{ recipient: 'gp-1' }] });
      // Outside the period.
      const outside = await saved({ receivedAt: '2026-07-01T00:00:00Z', shares: [{ recipient: 'gp-1' }] });
      await store.completeDelivery(deliveryOf(outside, 'gp-1'), { at: iso('2026-07-01T00:00:01Z'), channel: 'webhook' });

      const query = { from: iso('2026-04-01T00:00:00Z'), to: iso('2026-07-01T00:00:00Z') };
      const all = await store.extractSourcePage({ ...query, limit: 100 });
      expect(all.map((r) => r.referralId).sort()).toEqual([delivered.referralId, second.referralId].sort());
      const first = all.find((r) => r.referralId === delivered.referralId);
      expect(JSON.parse(first?.canonical?.toString('utf8') ?? 'null')).toEqual({ n: 1 });
      expect(first?.people).toEqual([
        { personRef: 'p1', hubPersonId: delivered.personIds[0], role: 'child' },
        { personRef: 'p2', hubPersonId: delivered.personIds[1], role: 'parent' },
      ]);
      expect(first?.deliveries).toEqual(
        expect.arrayContaining([
          { status: 'delivered', feedbackStatus: 'accepted', acceptedAt: iso('2026-04-03T10:00:00Z') },
          { status: 'pending', feedbackStatus: null, acceptedAt: null },
        ]),
      );
      // Keyset pages.
      const page1 = await store.extractSourcePage({ ...query, limit: 1 });
      const page2 = await store.extractSourcePage({ ...query, limit: 1, afterReferralId: page1[0]?.referralId as string });
      const page3 = await store.extractSourcePage({ ...query, limit: 1, afterReferralId: page2[0]?.referralId as string });
      expect([...page1, ...page2].map((r) => r.referralId).sort()).toEqual(all.map((r) => r.referralId).sort());
      expect(page3).toEqual([]);
      // Unreadable (damaged key): reported with no canonical.
      await main.db.query('UPDATE referrals SET dek_wrapped = $2::bytea WHERE id = $1::uuid', [second.referralId, randomBytes(32)]);
      const again = await store.extractSourcePage({ ...query, limit: 100 });
      expect(again.find((r) => r.referralId === second.referralId)?.canonical).toBeNull();
    });

    function record(overrides: Partial<EvaluationExtractRecord> = {}): EvaluationExtractRecord {
      return {
        extractId: uuidv7(),
        periodFrom: '2026-04-01',
        periodTo: '2026-07-01',
        createdAt: iso('2026-07-02T10:00:00.123Z'),
        createdBy: 'dpo',
        recipientPartnerId: 'ons-national-evaluation',
        purpose: 'national-evaluation',
        art6: 'public-task',
        fileName: 'evaluation-extract.csv',
        csvSha256: 'ab'.repeat(32),
        fields: ['/family_id', '/given_name'],
        subjects: [uuidv7(), uuidv7()],
        families: 1,
        people: 2,
        peopleExcluded: 1,
        referrals: 3,
        ...overrides,
      };
    }

    it('records an extract with ONE disclosed ledger row, and the ledger still verifies', async () => {
      const { store } = main;
      const before = (await store.ledgerHead())?.seq ?? 0;
      const input = record();
      const { ledgerEntryId } = await store.recordEvaluationExtract(input);
      const rows = await store.queryLedger({ recipientPartnerId: 'ons-national-evaluation', limit: 100 });
      const mine = rows.filter((r) => r.id === ledgerEntryId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        seq: before + 1,
        referralId: input.extractId,
        deliveryId: input.extractId,
        subjects: input.subjects,
        recipientPartnerId: 'ons-national-evaluation',
        purpose: 'national-evaluation',
        art6: 'public-task',
        art9: null,
        art10: null,
        fields: ['/family_id', '/given_name'],
        payloadSha256: 'ab'.repeat(32),
        channel: 'secure-file-transfer',
        outcome: 'disclosed',
        decidedByRule: null,
        decidedByOperator: 'dpo',
        at: input.createdAt,
      });
      expect((await store.verifyLedger()).ok).toBe(true);
      const listed = await store.listEvaluationExtracts(10);
      expect(listed.find((e) => e.extractId === input.extractId)).toEqual({
        extractId: input.extractId,
        periodFrom: '2026-04-01',
        periodTo: '2026-07-01',
        createdAt: input.createdAt,
        createdBy: 'dpo',
        recipientPartnerId: 'ons-national-evaluation',
        purpose: 'national-evaluation',
        art6: 'public-task',
        fileName: 'evaluation-extract.csv',
        csvSha256: 'ab'.repeat(32),
        families: 1,
        people: 2,
        peopleExcluded: 1,
        referrals: 3,
        ledgerEntryId,
      });
    });

    it('refuses a malformed record, naming the field, and writes nothing', async () => {
      const { store } = main;
      const head = await store.ledgerHead();
      const count = async (): Promise<number> => (await main.db.query<{ n: number }>('SELECT count(*)::integer AS n FROM evaluation_extracts')).rows[0]?.n ?? 0;
      const n = await count();
      await expect(store.recordEvaluationExtract(record({ csvSha256: 'nope' }))).rejects.toThrow(/csvSha256/);
      await expect(store.recordEvaluationExtract(record({ periodFrom: '2026-07-01', periodTo: '2026-04-01' }))).rejects.toThrow(/periodFrom must be before periodTo/);
      await expect(store.recordEvaluationExtract(record({ subjects: ['Ann Smith'] }))).rejects.toThrow(/subjects\[0\] must be a UUID/);
      await expect(store.recordEvaluationExtract(record({ fields: [] }))).rejects.toThrow(/fields/);
      // The same extract id twice: the second transaction fails and leaves no ledger row.
      const once = record();
      await store.recordEvaluationExtract(once);
      const afterFirst = await store.ledgerHead();
      await expect(store.recordEvaluationExtract({ ...once, createdAt: iso('2026-07-03T10:00:00Z') })).rejects.toThrow();
      expect(await store.ledgerHead()).toEqual(afterFirst);
      expect(await count()).toBe(n + 1);
      expect(afterFirst?.seq).toBe((head?.seq ?? 0) + 1);
    });
  });
});
