// Retention of families' feedback answers (issue 6): two years from submission (TEST_RULES), then
// the answer's data key is destroyed, the person unlinked and erased_at set; the ratings stay for
// statistics. Rows are written by SQL (the answer writer is the gateway's). Real PostgreSQL.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRetention, runRetention } from './planner.ts';
import { carryOutRetentionRun } from './runs.ts';
import type { TestStore } from './test-fixtures.ts';
import { openTestStore, TEST_CONFIG } from './test-fixtures.ts';

const AS_OF = '2031-06-15';
const sorted = (values: (string | undefined)[]): string[] => values.map((v) => v as string).sort();

interface FeedbackRow {
  feedback_id: string;
  person_id: string | null;
  ratings: Record<string, number>;
  service_type: string;
  postcode_district: string | null;
  month: string;
  key_id: string | null;
  dek_wrapped: Buffer | null;
  dek_iv: Buffer | null;
  dek_tag: Buffer | null;
  comment_ciphertext: Buffer | null;
  erased_at: Date | null;
}

describe('family feedback retention (real PostgreSQL)', () => {
  let t: TestStore;
  const f: Record<string, string> = {};
  let people: { held: string; plain: string };
  let holdId: string;

  /** An answer as the gateway stores one: with a sealed comment (random bytes stand in) or without. */
  async function answer(name: string, submittedAt: string, opts: { personId?: string; comment?: boolean } = {}): Promise<void> {
    const id = randomUUID();
    const at = new Date(submittedAt);
    const month = `${submittedAt.slice(0, 7)}-01`;
    const sealed = opts.comment === false ? [null, null, null, null, null, null, null] : ['k1', randomBytes(40), randomBytes(12), randomBytes(16), randomBytes(12), randomBytes(16), randomBytes(64)];
    await t.sql(
      `INSERT INTO family_feedback (feedback_id, person_id, service_type, postcode_district, month, submitted_at, ratings,
                                    key_id, dek_wrapped, dek_iv, dek_tag, comment_iv, comment_tag, comment_ciphertext)
       VALUES ($1, $2, 'school', 'M12', $3::date, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12)`,
      [id, opts.personId ?? null, month, at, JSON.stringify({ overall: 4, listened: 5 }), ...sealed],
    );
    f[name] = id;
  }

  beforeAll(async () => {
    t = await openTestStore();
    const ids = await t.store.linkPeople([{ personRef: 'a' }, { personRef: 'b' }]);
    people = { held: ids.get('a') as string, plain: ids.get('b') as string };
    // Two years from submission, London days: 15 June 2029 is due on 15 June 2031, the 16th is not.
    await answer('due', '2029-06-15T10:00:00Z', { personId: people.plain });
    await answer('dueNoComment', '2028-01-10T10:00:00Z', { personId: people.plain, comment: false });
    await answer('dueNoPerson', '2029-01-01T10:00:00Z');
    // 23:30 UTC on 15 June 2029 is 00:30 on the 16th in London: not due yet.
    await answer('dayAfterInLondon', '2029-06-15T23:30:00Z', { personId: people.plain });
    await answer('recent', '2031-01-01T10:00:00Z', { personId: people.plain });
    await answer('held', '2028-06-01T10:00:00Z', { personId: people.held });
    holdId = (await t.store.placeLegalHold({ scope: 'person', targetId: people.held, reason: 'Complaint CX-9', by: { actor: 'dpo.one', role: 'dpo' } })).id;
  });

  afterAll(async () => {
    await t?.close();
  });

  it('lists the answers past two years from submission, held ones marked, changing nothing', async () => {
    const plan = await planRetention({ store: t.store, config: TEST_CONFIG }, { asOf: AS_OF, pageSize: 2 });
    const feedback = plan.items.filter((i) => i.class === 'family-feedback');
    expect(sorted(feedback.map((i) => i.id))).toEqual(sorted([f.due, f.dueNoComment, f.dueNoPerson, f.held]));
    expect(feedback.find((i) => i.id === f.due)).toMatchObject({ rule: 'family-feedback', reasonCode: 'since-submitted', reason: '2 years have passed since the family submitted it', heldBy: [] });
    expect(feedback.find((i) => i.id === f.held)?.heldBy).toEqual([holdId]);
    expect(plan.counts.byRule['family-feedback']).toEqual({ class: 'family-feedback', due: 4, held: 1 });
    expect(plan.counts.scanned['family-feedback']).toBe(6);
    const rows = await t.sql<{ n: number }>('SELECT count(*)::int AS n FROM family_feedback WHERE erased_at IS NULL AND person_id IS NOT NULL');
    expect(rows[0]?.n).toBe(5);
  });

  it('erases exactly what the dry run listed: key destroyed, person unlinked, ratings kept, with evidence', async () => {
    const deps = { store: t.store, config: TEST_CONFIG };
    const dryRun = await planRetention(deps, { asOf: AS_OF });
    const before = new Map((await t.sql<FeedbackRow>('SELECT * FROM family_feedback')).map((r) => [r.feedback_id, r]));
    const run = await t.store.createRetentionRun({ mode: 'erase', trigger: 'cli', requestedBy: 'dpo.one', asOf: AS_OF });
    const carried = await carryOutRetentionRun(deps, run, { actor: { name: 'dpo.one', role: 'cli' }, today: AS_OF });
    const result = carried.result!;
    const listed = dryRun.items.filter((i) => i.class === 'family-feedback');
    expect(sorted(result.erased.map((i) => i.id))).toEqual(sorted(listed.filter((i) => i.heldBy.length === 0).map((i) => i.id)));
    expect(result.held.map((i) => i.id)).toEqual([f.held]);
    expect(result.counts.byRule['family-feedback']).toEqual({ erased: 3, held: 1, skipped: 0 });

    const after = new Map((await t.sql<FeedbackRow>('SELECT * FROM family_feedback')).map((r) => [r.feedback_id, r]));
    for (const name of ['due', 'dueNoComment', 'dueNoPerson']) {
      const row = after.get(f[name] as string) as FeedbackRow;
      const was = before.get(f[name] as string) as FeedbackRow;
      expect(row.erased_at, name).not.toBeNull();
      expect(row.person_id, name).toBeNull();
      // The ratings and what statistics count by stay.
      expect({ ratings: row.ratings, service: row.service_type, district: row.postcode_district }, name).toEqual({ ratings: was.ratings, service: was.service_type, district: was.postcode_district });
    }
    const erased = after.get(f.due as string) as FeedbackRow;
    expect(erased.dek_wrapped?.length).toBe(0);
    expect(erased.dek_iv?.length).toBe(0);
    expect(erased.dek_tag?.length).toBe(0);
    // No comment, no key: nothing to destroy, and the row stays consistent.
    expect(after.get(f.dueNoComment as string)?.dek_wrapped).toBeNull();
    // Kept: untouched.
    for (const name of ['dayAfterInLondon', 'recent', 'held']) expect(after.get(f[name] as string), name).toEqual(before.get(f[name] as string));

    // Evidence: an audit row per answer (ids and counts only), the rule's counts in the run summary.
    const audit = (await t.store.listAudit({ action: 'erasure', limit: 100, offset: 0 })).items.filter((a) => a.targetType === 'family-feedback');
    expect(sorted(audit.map((a) => a.targetId ?? undefined))).toEqual(sorted([f.due, f.dueNoComment, f.dueNoPerson]));
    expect(audit.find((a) => a.targetId === f.due)).toMatchObject({ actor: 'dpo.one', role: 'cli', details: { rule: 'family-feedback', runId: run.id, reasonCode: 'retention-period-ended', keysDestroyed: 1, personUnlinked: true } });
    expect(audit.find((a) => a.targetId === f.dueNoComment)?.details).toMatchObject({ keysDestroyed: 0, personUnlinked: true });
    expect(JSON.stringify(audit)).not.toContain(people.plain);
    const summary = await t.store.listAudit({ action: 'retention.run', limit: 10, offset: 0 });
    expect(String(summary.items[0]?.details.byRule)).toContain('family-feedback:3 erased/1 held');
    expect(carried.report.byRule.find((r) => r.rule === 'family-feedback')).toMatchObject({ class: 'family-feedback', due: 4, held: 1, erased: 3, skipped: 0 });

    // Again: only the held answer is due, and nothing more goes.
    const again = await planRetention(deps, { asOf: AS_OF });
    expect(again.items.filter((i) => i.class === 'family-feedback').map((i) => i.id)).toEqual([f.held]);
    expect((await runRetention(deps, again, { runId: run.id, today: AS_OF })).counts.byRule['family-feedback']).toEqual({ erased: 0, held: 1, skipped: 0 });
  });

  it('eraseFamilyFeedback answers each id: held, already erased, not found; an operator may erase', async () => {
    await t.sql('INSERT INTO family_feedback (feedback_id, person_id, service_type, month, submitted_at, ratings) VALUES ($1, $2, $3, $4::date, $5, $6::jsonb)', [
      randomUUID(),
      people.plain,
      'school',
      '2031-06-01',
      new Date('2031-06-10T10:00:00Z'),
      '{"overall":2}',
    ]);
    const [fresh] = await t.sql<{ feedback_id: string }>('SELECT feedback_id::text AS feedback_id FROM family_feedback WHERE month = $1::date', ['2031-06-01']);
    const missing = randomUUID();
    const results = await t.store.eraseFamilyFeedback([f.held as string, f.due as string, missing, fresh?.feedback_id as string], { operatorId: 'dpo.one', role: 'dpo', reasonCode: 'art17-request', reason: 'Asked for it to be erased' });
    expect(results.map((r) => [r.id, r.recordClass, r.outcome])).toEqual([
      [f.held, 'family-feedback', 'held'],
      [f.due, 'family-feedback', 'already-erased'],
      [missing, 'family-feedback', 'not-found'],
      [fresh?.feedback_id, 'family-feedback', 'erased'],
    ]);
    expect(results[0]?.holdIds).toEqual([holdId]);
    const audit = (await t.store.listAudit({ action: 'erasure', limit: 100, offset: 0 })).items.find((a) => a.targetId === fresh?.feedback_id);
    expect(audit).toMatchObject({ actor: 'dpo.one', role: 'dpo', reason: 'Asked for it to be erased', details: { reasonCode: 'art17-request', keysDestroyed: 0 } });
    await expect(t.store.eraseFamilyFeedback(['not-a-uuid'], { operatorId: 'x', role: 'dpo', reasonCode: 'art17-request' })).rejects.toThrow(/feedbackIds\[0\] must be a UUID/);
  });
});
