// Feedback invitations (issue 6 item 4; migration 0011): the closure, the decision and its outbox job
// in one transaction, once per delivery; the token kept as a SHA-256 only; message opt-outs.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from './errors.ts';
import type { FeedbackInvitationInput } from './feedback-types.ts';
import { routingOutcome, type RoutedReferral } from './routing-test-fixtures.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, createBackend, resetTables } from './test-backends.ts';
import { uuidv7 } from './uuid.ts';

const CLOSED_AT = new Date('2026-03-01T09:00:00.000Z');
const DUE_AT = new Date('2026-03-15T09:00:00.000Z');

describe.each(backendNames)('feedback invitations on %s', (backendName) => {
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

  async function routed(): Promise<RoutedReferral & { deliveryId: string }> {
    const r = await routingOutcome(main.store, { shares: [{ recipient: 'school-1' }, { recipient: 'gp-1' }] });
    r.input.referral.postcodeDistrict = 'M14';
    await main.store.saveRoutingOutcome(r.input);
    return { ...r, deliveryId: r.deliveries.get('school-1') as string };
  }

  const scheduled = (deliveryId: string, invitationId = uuidv7()): FeedbackInvitationInput => ({ invitationId, deliveryId, decision: 'scheduled', reasonCode: 'SMS', channel: 'sms', dueAt: DUE_AT, serviceType: 'education' });
  const suppressed = (deliveryId: string, reasonCode: string): FeedbackInvitationInput => ({ invitationId: uuidv7(), deliveryId, decision: 'suppressed', reasonCode, serviceType: 'education' });

  const jobsFor = async (invitationId: string) =>
    (await main.db.query<{ job_name: string; queue_name: string; job_id: string; payload: unknown; message_id: string }>(
      `SELECT job_name, queue_name, job_id, payload, message_id::text AS message_id FROM outbox WHERE job_id = $1`,
      [`feedback-invite-${invitationId}`],
    )).rows;

  it('records the closure, the scheduled invitation and its outbox job together; the job carries the invitation id only', async () => {
    const r = await routed();
    const input = scheduled(r.deliveryId);
    const result = await main.store.recordClosure(r.deliveryId, { at: CLOSED_AT, invitation: input });
    expect(result.recorded).toBe(true);
    expect(result.outbox).toHaveLength(1);
    expect(result.outbox[0]).toMatchObject({ jobName: 'family.feedback-invite', queueName: 'family.feedback-invite', jobId: `feedback-invite-${input.invitationId}`, payload: { invitationId: input.invitationId } });
    expect(await jobsFor(input.invitationId)).toEqual([
      { job_name: 'family.feedback-invite', queue_name: 'family.feedback-invite', job_id: `feedback-invite-${input.invitationId}`, payload: { invitationId: input.invitationId }, message_id: r.messageId },
    ]);

    const delivery = (await main.db.query<{ feedback_status: string; feedback_at: Date }>('SELECT feedback_status, feedback_at FROM deliveries WHERE id = $1', [r.deliveryId])).rows[0];
    expect(delivery?.feedback_status).toBe('closed');
    expect(new Date(delivery!.feedback_at).toISOString()).toBe(CLOSED_AT.toISOString());

    const stored = await main.store.feedbackInvitation(input.invitationId);
    expect(stored).toEqual({
      invitationId: input.invitationId,
      referralId: r.referralId,
      deliveryId: r.deliveryId,
      serviceType: 'education',
      postcodeDistrict: 'M14',
      decision: 'scheduled',
      reasonCode: 'SMS',
      channel: 'sms',
      status: 'scheduled',
      outcomeCode: null,
      notificationId: null,
      attempts: 0,
      decidedAt: CLOSED_AT,
      dueAt: DUE_AT,
      finishedAt: null,
      personId: null,
      tokenExpiresAt: null,
      tokenUsedAt: null,
    });
    expect(await main.store.listFeedbackInvitations(r.referralId)).toEqual([stored]);
  });

  it('records a suppressed decision with its code and writes no job', async () => {
    const r = await routed();
    const input = suppressed(r.deliveryId, 'RESTRICTED');
    const result = await main.store.recordClosure(r.deliveryId, { at: CLOSED_AT, invitation: input });
    expect(result).toEqual({ recorded: true, outbox: [] });
    expect(await main.store.feedbackInvitation(input.invitationId)).toMatchObject({ decision: 'suppressed', status: 'suppressed', reasonCode: 'RESTRICTED', channel: null, dueAt: CLOSED_AT });
    expect(await jobsFor(input.invitationId)).toEqual([]);
  });

  it('is idempotent per delivery: a second closure updates the feedback but neither a second invitation nor a second job', async () => {
    const r = await routed();
    const first = scheduled(r.deliveryId);
    await main.store.recordClosure(r.deliveryId, { at: CLOSED_AT, invitation: first });
    const again = await main.store.recordClosure(r.deliveryId, { at: new Date(CLOSED_AT.getTime() + 60_000), invitation: scheduled(r.deliveryId) });
    expect(again).toEqual({ recorded: true, outbox: [] });
    const replay = await main.store.recordClosure(r.deliveryId, { at: CLOSED_AT, invitation: first });
    expect(replay).toEqual({ recorded: true, outbox: [] });
    expect((await main.store.listFeedbackInvitations(r.referralId)).map((i) => i.invitationId)).toEqual([first.invitationId]);
    expect((await main.db.query("SELECT 1 FROM outbox WHERE job_name = 'family.feedback-invite'")).rows).toHaveLength(1);
  });

  it('records nothing for an unknown delivery, and a closure without an invitation is just the feedback', async () => {
    const unknown = uuidv7();
    expect(await main.store.recordClosure(unknown, { at: CLOSED_AT, invitation: scheduled(unknown) })).toEqual({ recorded: false, outbox: [] });
    expect(await main.store.recordClosure('not-a-uuid', { at: CLOSED_AT })).toEqual({ recorded: false, outbox: [] });
    const r = await routed();
    expect(await main.store.recordClosure(r.deliveryId, { at: CLOSED_AT })).toEqual({ recorded: true, outbox: [] });
    expect(await main.store.listFeedbackInvitations(r.referralId)).toEqual([]);
    expect((await main.db.query('SELECT 1 FROM feedback_invitations')).rows).toHaveLength(0);
  });

  it('rejects a malformed decision before writing anything, naming the field', async () => {
    const r = await routed();
    const bad: [string, FeedbackInvitationInput, RegExp][] = [
      ['another delivery', { ...scheduled(r.deliveryId), deliveryId: r.deliveries.get('gp-1') as string }, /invitation\.deliveryId/],
      ['a lower-case code', { ...suppressed(r.deliveryId, 'x'), reasonCode: 'restricted' }, /invitation\.reasonCode/],
      ['a bad service type', { ...scheduled(r.deliveryId), serviceType: 'Education!' }, /invitation\.serviceType/],
      ['no due time', { ...scheduled(r.deliveryId), dueAt: new Date('nope') } as FeedbackInvitationInput, /invitation\.dueAt/],
      ['no channel', { ...scheduled(r.deliveryId), channel: 'post' } as unknown as FeedbackInvitationInput, /invitation\.channel/],
    ];
    for (const [, input, message] of bad) await expect(main.store.recordClosure(r.deliveryId, { at: CLOSED_AT, invitation: input })).rejects.toThrow(message);
    const delivery = (await main.db.query<{ feedback_status: string | null }>('SELECT feedback_status FROM deliveries WHERE id = $1', [r.deliveryId])).rows[0];
    expect(delivery?.feedback_status).toBeNull();
    expect((await main.db.query('SELECT 1 FROM feedback_invitations')).rows).toHaveLength(0);
  });

  it('keeps only the token digest; a retry replaces an unused token; finishing is once; a failure withdraws the token', async () => {
    const r = await routed();
    const input = scheduled(r.deliveryId);
    await main.store.recordClosure(r.deliveryId, { at: CLOSED_AT, invitation: input });
    const personId = r.personIds[1] as string;
    expect(await main.store.recordFeedbackInvitationAttempt(input.invitationId)).toBe(1);
    const token = randomBytes(32).toString('base64url');
    const digest = createHash('sha256').update(token, 'utf8').digest();
    const expiresAt = new Date('2026-04-12T09:00:00.000Z');
    await main.store.issueFeedbackToken(input.invitationId, { tokenSha256: digest, expiresAt, personId });
    const second = createHash('sha256').update(randomBytes(32).toString('base64url'), 'utf8').digest();
    await main.store.issueFeedbackToken(input.invitationId, { tokenSha256: second, expiresAt, personId });
    const row = (await main.db.query<{ token_sha256: Buffer }>('SELECT token_sha256 FROM feedback_invitations WHERE invitation_id = $1', [input.invitationId])).rows[0];
    expect(Buffer.from(row!.token_sha256).equals(second)).toBe(true);
    await expect(main.store.issueFeedbackToken(input.invitationId, { tokenSha256: Buffer.alloc(31), expiresAt, personId })).rejects.toThrow(/tokenSha256/);
    expect(await main.store.recordFeedbackInvitationAttempt(input.invitationId)).toBe(2);

    const notificationId = uuidv7();
    const at = new Date('2026-03-15T09:00:05.000Z');
    expect(await main.store.finishFeedbackInvitation(input.invitationId, { status: 'sent', outcomeCode: 'SENT', notificationId, at })).toBe(true);
    expect(await main.store.finishFeedbackInvitation(input.invitationId, { status: 'failed', outcomeCode: 'HTTP_400', at })).toBe(false);
    expect(await main.store.feedbackInvitation(input.invitationId)).toMatchObject({ status: 'sent', outcomeCode: 'SENT', notificationId, attempts: 2, finishedAt: at, personId, tokenExpiresAt: expiresAt, tokenUsedAt: null });
    // Finished: no further token.
    await expect(main.store.issueFeedbackToken(input.invitationId, { tokenSha256: digest, expiresAt, personId })).rejects.toThrow(NotFoundError);

    // A failed send's token reached nobody: withdrawn.
    const other = scheduled(r.deliveries.get('gp-1') as string);
    await main.store.recordClosure(other.deliveryId, { at: CLOSED_AT, invitation: other });
    await main.store.issueFeedbackToken(other.invitationId, { tokenSha256: digest, expiresAt, personId });
    expect(await main.store.finishFeedbackInvitation(other.invitationId, { status: 'failed', outcomeCode: 'HTTP_400', at })).toBe(true);
    expect(await main.store.feedbackInvitation(other.invitationId)).toMatchObject({ status: 'failed', outcomeCode: 'HTTP_400', tokenExpiresAt: null, notificationId: null });
    // The token itself appears nowhere.
    const all = JSON.stringify((await main.db.query('SELECT * FROM feedback_invitations')).rows);
    expect(all).not.toContain(token);
  });

  it('records opt-outs once (the first stays), lists them by person and refuses an unknown person', async () => {
    const r = await routed();
    const [child, parent] = r.personIds as [string, string];
    const first = new Date('2026-03-02T10:00:00.000Z');
    await main.store.recordMessageOptOut({ personId: parent, source: 'console', recordedBy: 'operator-1', at: first });
    await main.store.recordMessageOptOut({ personId: parent, source: 'feedback-response', at: new Date('2026-03-05T10:00:00.000Z') });
    expect(await main.store.messageOptOuts([child, parent, 'nonsense'])).toEqual([{ personId: parent, optedOutAt: first, source: 'console', recordedBy: 'operator-1' }]);
    expect(await main.store.messageOptOuts([])).toEqual([]);
    await expect(main.store.recordMessageOptOut({ personId: uuidv7(), source: 'console', at: first })).rejects.toThrow(NotFoundError);
    await expect(main.store.recordMessageOptOut({ personId: parent, source: 'letter' as 'console', at: first })).rejects.toThrow(/source/);
  });
});
