import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErasedError } from '@hub/store';
import { planRetention, runRetention, type RetentionProgress } from './planner.ts';
import { carryOutRetentionRun } from './runs.ts';
import type { RoutedForTest, TestStore } from './test-fixtures.ts';
import { openTestStore, routeReferral, TEST_CONFIG } from './test-fixtures.ts';

const AS_OF = '2031-06-15';
const at = (date: string): Date => new Date(`${date}T10:00:00Z`);
const ids = (items: { id: string }[]): string[] => items.map((i) => i.id).sort();

describe('retention planner and run (real PostgreSQL)', () => {
  let t: TestStore;
  const r: Record<string, RoutedForTest> = {};
  let unrouted: { due: string; notDue: string };
  let holds: { referral: string; person: string };

  beforeAll(async () => {
    t = await openTestStore();
    const { store } = t;
    const route = async (name: string, spec: Parameters<typeof routeReferral>[1]): Promise<void> => {
      r[name] = await routeReferral(store, spec);
    };
    // Youngest child's 25th birthday before, on and after the as-of date.
    await route('dueChild', { receivedAt: at('2010-01-01'), people: [{ role: 'child', dateOfBirth: '2005-03-01' }, { role: 'parent' }], share: true });
    await route('dueOnTheDay', { receivedAt: at('2010-01-01'), people: [{ role: 'child', dateOfBirth: '2006-06-15' }] });
    await route('dayBefore', { receivedAt: at('2010-01-01'), people: [{ role: 'young-person', dateOfBirth: '2006-06-16' }] });
    // The YOUNGEST child decides, not the oldest.
    await route('youngerSibling', { receivedAt: at('2010-01-01'), people: [{ role: 'child', dateOfBirth: '2000-01-01' }, { role: 'child', dateOfBirth: '2008-01-01' }] });
    // No child's date of birth: 25 years from receipt.
    await route('adultDue', { receivedAt: at('2006-06-15'), people: [{ role: 'adult' }], sourceType: 'dwp.jobcentre.referred' });
    await route('adultNotDue', { receivedAt: at('2006-06-16'), people: [{ role: 'adult' }], sourceType: 'dwp.jobcentre.referred' });
    // A rule by message type: six years from receipt, whatever the children's ages.
    await route('youthJustice', { receivedAt: at('2020-01-01'), people: [{ role: 'young-person', dateOfBirth: '2012-01-01' }], sourceType: 'justice.youth-justice.notified' });
    // One family record: a parent (same NHS number) links an old referral to a recent one.
    await route('linkedOld', { receivedAt: at('2006-01-01'), people: [{ role: 'child', dateOfBirth: '2004-01-01' }, { role: 'parent', nhsNumber: '9434765919' }] });
    await route('linkedNew', { receivedAt: at('2012-01-01'), people: [{ role: 'child', dateOfBirth: '2011-01-01' }, { role: 'parent', nhsNumber: '9434765919' }] });
    await route('linkedDueA', { receivedAt: at('2006-01-01'), people: [{ role: 'child', dateOfBirth: '2003-01-01' }, { role: 'carer', nhsNumber: '4010232137' }] });
    await route('linkedDueB', { receivedAt: at('2007-01-01'), people: [{ role: 'child', dateOfBirth: '2004-01-01' }, { role: 'carer', nhsNumber: '4010232137' }] });
    // Due but under legal holds (on the referral; on a person in it).
    await route('heldReferral', { receivedAt: at('2008-01-01'), people: [{ role: 'child', dateOfBirth: '2001-01-01' }] });
    await route('heldPerson', { receivedAt: at('2008-01-01'), people: [{ role: 'child', dateOfBirth: '2001-01-01' }, { role: 'parent' }] });
    // Due by its dates but unreadable (tampered): never erased on a guess.
    await route('unreadable', { receivedAt: at('2005-01-01'), people: [{ role: 'child', dateOfBirth: '2000-01-01' }] });
    await t.sql('UPDATE referrals SET canonical_tag = $2 WHERE id = $1::uuid', [r.unreadable?.referralId, randomBytes(16)]);

    const dpo = { actor: 'dpo.one', role: 'dpo' };
    holds = {
      referral: (await store.placeLegalHold({ scope: 'referral', targetId: r.heldReferral?.referralId as string, reason: 'Litigation LM-1', by: dpo })).id,
      person: (await store.placeLegalHold({ scope: 'person', targetId: r.heldPerson?.personIds[1] as string, reason: 'Court order CO-2', by: dpo })).id,
    };
    // Inbound messages that never became referrals (e.g. recipients' feedback).
    const accept = async (receivedAt: Date): Promise<string> => {
      const body = Buffer.from(JSON.stringify({ type: 'referral.acknowledged', data: { deliveryId: 'x', n: randomBytes(4).toString('hex') } }));
      const { createHash } = await import('node:crypto');
      const accepted = await store.acceptInbound({ partnerId: 'school-1', webhookId: `ack-${randomBytes(6).toString('hex')}`, type: 'referral.acknowledged', schemaId: 's', receivedAt, body, bodySha256: createHash('sha256').update(body).digest('hex') });
      return accepted.messageId;
    };
    unrouted = { due: await accept(at('2025-06-15')), notDue: await accept(at('2025-06-16')) };
  });

  afterAll(async () => {
    await t?.close();
  });

  const expectedDue = (): string[] =>
    [r.dueChild, r.dueOnTheDay, r.adultDue, r.youthJustice, r.linkedDueA, r.linkedDueB, r.heldReferral, r.heldPerson].map((x) => x?.referralId as string).concat(unrouted.due).sort();

  it('lists what would go and why, as of a date, changing nothing', async () => {
    const progress: RetentionProgress[] = [];
    const plan = await planRetention({ store: t.store, config: TEST_CONFIG }, { asOf: AS_OF, pageSize: 3, onProgress: (p) => progress.push(p) });
    expect(ids(plan.items)).toEqual(expectedDue());
    const byId = new Map(plan.items.map((i) => [i.id, i]));
    expect(byId.get(r.dueChild?.referralId as string)).toMatchObject({ class: 'referral', rule: 'family-records', reasonCode: 'youngest-child-birthday', reason: "the youngest child's 25th birthday has passed", heldBy: [] });
    expect(byId.get(r.adultDue?.referralId as string)).toMatchObject({ rule: 'family-records', reasonCode: 'no-child-date-of-birth' });
    expect(byId.get(r.youthJustice?.referralId as string)).toMatchObject({ rule: 'youth-justice', reasonCode: 'since-received' });
    expect(byId.get(r.linkedDueA?.referralId as string)?.reason).toMatch(/family record of 2 linked referrals/);
    expect(byId.get(unrouted.due)).toMatchObject({ class: 'inbound-message', rule: 'unrouted-messages' });
    expect(byId.get(r.heldReferral?.referralId as string)?.heldBy).toEqual([holds.referral]);
    expect(byId.get(r.heldPerson?.referralId as string)?.heldBy).toEqual([holds.person]);
    expect(plan.unreadable).toEqual([r.unreadable?.referralId]);
    expect(plan.counts).toMatchObject({ due: 9, held: 2, toErase: 7, byRule: { 'family-records': { class: 'referral', due: 7, held: 2 }, 'youth-justice': { due: 1, held: 0 }, 'unrouted-messages': { due: 1 } } });
    expect(plan.counts.scanned.referral).toBe(Object.keys(r).length);
    // Progress over pages of 3, ending complete.
    expect(progress.length).toBeGreaterThan(4);
    expect(progress.at(-1)).toEqual({ phase: 'planning', done: progress.at(-1)?.total, total: expect.any(Number) });
    expect(progress.every((p, i) => i === 0 || p.done >= (progress[i - 1] as RetentionProgress).done)).toBe(true);
    // Nothing changed.
    expect((await t.store.readReferral(r.dueChild?.referralId as string))?.canonical.length).toBeGreaterThan(0);
    expect(await t.store.listErasures({ limit: 10, offset: 0 })).toMatchObject({ total: 0 });
  });

  it('reports ledger and audit rows past their periods without deleting them', async () => {
    const later = await planRetention({ store: t.store, config: TEST_CONFIG }, { asOf: '2060-01-01' });
    const audit = later.reportOnly.find((x) => x.class === 'audit');
    expect(audit).toMatchObject({ rule: 'audit-trail' });
    expect(audit?.count).toBeGreaterThanOrEqual(2); // the two legal holds placed
    expect(later.reportOnly.find((x) => x.class === 'ledger')).toMatchObject({ rule: 'disclosure-ledger', count: 0 });
  });

  it('refuses to erase ahead of time', async () => {
    await expect(runRetention({ store: t.store, config: TEST_CONFIG }, '2031-06-16', { runId: '0190a6f0-0000-7000-8000-000000000001', today: AS_OF })).rejects.toBeInstanceOf(RangeError);
  });

  it('erases exactly what the dry run listed, skips the held ones in both, and leaves the evidence', async () => {
    const deps = { store: t.store, config: TEST_CONFIG };
    const dryRun = await planRetention(deps, { asOf: AS_OF });
    const run = await t.store.createRetentionRun({ mode: 'erase', trigger: 'cli', requestedBy: 'dpo.one', asOf: AS_OF });
    const progress: RetentionProgress[] = [];
    const carried = await carryOutRetentionRun(deps, run, { actor: { name: 'dpo.one', role: 'cli' }, today: AS_OF, onProgress: (p) => progress.push(p) });
    const result = carried.result!;

    expect(ids(result.erased)).toEqual(ids(dryRun.items.filter((i) => i.heldBy.length === 0)));
    expect(ids(result.held)).toEqual(ids(dryRun.items.filter((i) => i.heldBy.length > 0)));
    expect(ids(result.held)).toEqual([r.heldReferral?.referralId, r.heldPerson?.referralId].sort());
    expect(result.skipped).toEqual([]);
    expect(progress.some((p) => p.phase === 'erasing')).toBe(true);
    expect(progress.at(-1)).toEqual({ phase: 'erasing', done: 7, total: 7 });

    // Erased: unreadable by key destruction. Kept: the rest, readable.
    await expect(t.store.readReferral(r.dueChild?.referralId as string)).rejects.toBeInstanceOf(ErasedError);
    await expect(t.store.getDelivery(r.dueChild?.deliveryIds[0] as string)).rejects.toBeInstanceOf(ErasedError);
    await expect(t.store.readInbound(unrouted.due)).rejects.toBeInstanceOf(ErasedError);
    for (const kept of [r.dayBefore, r.youngerSibling, r.adultNotDue, r.linkedOld, r.linkedNew, r.heldReferral, r.heldPerson]) {
      expect((await t.store.readReferral(kept?.referralId as string))?.canonical.length).toBeGreaterThan(0);
    }
    expect((await t.store.readInbound(unrouted.notDue))?.body.length).toBeGreaterThan(0);

    // Evidence: a tombstone, an audit row and (referrals) an `erased` ledger row per record, naming the rule and run.
    const tombstones = await t.store.listErasures({ limit: 100, offset: 0, runId: run.id });
    expect(tombstones.items.map((x) => x.recordId).sort()).toEqual(ids(result.erased));
    expect(tombstones.items.find((x) => x.recordId === r.youthJustice?.referralId)).toMatchObject({ ruleId: 'youth-justice', operatorId: null, reasonCode: 'retention-period-ended' });
    const audit = await t.store.listAudit({ action: 'erasure', limit: 100, offset: 0 });
    expect(audit.items.map((a) => a.targetId).sort()).toEqual(ids(result.erased));
    expect(audit.items.find((a) => a.targetId === r.dueChild?.referralId)).toMatchObject({ actor: 'dpo.one', role: 'cli', details: { rule: 'family-records', runId: run.id, reasonCode: 'retention-period-ended' } });
    const ledger = await t.store.queryLedger({ referralId: r.dueChild?.referralId as string, limit: 10 });
    expect(ledger.find((e) => e.outcome === 'erased')).toMatchObject({ decidedByRule: 'family-records', purpose: 'retention-period-ended' });
    expect(await t.store.verifyLedger()).toMatchObject({ ok: true });

    // The run's record and summary: counts, ids, rule.
    expect(carried.run).toMatchObject({ status: 'done', mode: 'erase', asOf: AS_OF, report: { counts: { due: 9, held: 2, erased: 7, skipped: 0, unreadable: 1 } } });
    const summary = await t.store.listAudit({ action: 'retention.run', limit: 10, offset: 0 });
    expect(summary.items[0]).toMatchObject({ targetId: run.id, outcome: 'ok', details: { asOf: AS_OF, due: 9, held: 2, erased: 7, byRule: 'family-records:5 erased/2 held,unrouted-messages:1 erased/0 held,youth-justice:1 erased/0 held' } });
    expect(String(summary.items[0]?.details.heldIds).split(',').sort()).toEqual(ids(result.held));
    // The report names no date that could be a birthday.
    expect(JSON.stringify(carried.run.report).replaceAll(AS_OF, '')).not.toMatch(/\d{4}-\d\d-\d\d/);

    // Run again: only the held remain due, and nothing more is erased.
    const again = await planRetention(deps, { asOf: AS_OF });
    expect(ids(again.items)).toEqual(ids(result.held));
    const second = await runRetention(deps, again, { runId: run.id, today: AS_OF });
    expect(second.counts).toMatchObject({ erased: 0, held: 2 });
  });
});
