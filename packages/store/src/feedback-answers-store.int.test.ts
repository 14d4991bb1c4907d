// Families' feedback answers (issue 6 item 4; migration 0011): the token is used once, in the same
// transaction that stores the answer apart from the case with its comment sealed; an unusable token
// writes nothing.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadMasterKeys } from './crypto.ts';
import { ErasedError } from './errors.ts';
import { feedbackKeyContext, londonMonthStart, openFeedbackComment, type SealedFeedbackComment } from './feedback-answers-store.ts';
import { routingOutcome } from './routing-test-fixtures.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, columnsContaining, createBackend, resetTables, testKeyring } from './test-backends.ts';
import { uuidv7 } from './uuid.ts';

const COMMENT = 'Quillon Marchbanks was patient with us and rang back the same day.';

function newToken(): { token: string; sha: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, sha: createHash('sha256').update(token, 'utf8').digest() };
}

describe.each(backendNames)('feedback answers on %s', (backendName) => {
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

  /**
   * A routed referral closed by its recipient, with a sent invitation whose token hash, expiry and
   * person are written directly (the invitation side is another module's).
   */
  async function invitation(opts: { expiresAt?: Date; district?: string | null; usedAt?: Date } = {}): Promise<{ sha: Buffer; personId: string; invitationId: string }> {
    const r = await routingOutcome(main.store, { shares: [{ recipient: 'family-hub' }] });
    await main.store.saveRoutingOutcome(r.input);
    const deliveryId = r.deliveries.get('family-hub') as string;
    const { sha } = newToken();
    const invitationId = uuidv7();
    const personId = r.personIds[1] as string;
    const now = new Date();
    await main.db.query(
      `INSERT INTO feedback_invitations (invitation_id, referral_id, delivery_id, service_type, postcode_district, decision, reason_code, channel, status,
                                         decided_at, due_at, finished_at, person_id, token_sha256, token_expires_at, token_used_at)
       VALUES ($1, $2, $3, 'voluntary-community', $4, 'scheduled', 'SEND', 'email', 'sent', $5, $5, $5, $6, $7, $8, $9)`,
      [invitationId, r.referralId, deliveryId, opts.district === undefined ? 'M14' : opts.district, now, personId, sha, opts.expiresAt ?? new Date(now.getTime() + 30 * 86_400_000), opts.usedAt ?? null],
    );
    return { sha, personId, invitationId };
  }

  async function answers(): Promise<(SealedFeedbackComment & Record<string, unknown>)[]> {
    const res = await main.db.query<SealedFeedbackComment & Record<string, unknown>>(
      `SELECT feedback_id::text AS feedback_id, person_id::text AS person_id, service_type, postcode_district, to_char(month, 'YYYY-MM-DD') AS month,
              submitted_at, ratings, key_id, dek_wrapped, dek_iv, dek_tag, comment_iv, comment_tag, comment_ciphertext, erased_at
         FROM family_feedback ORDER BY submitted_at`,
    );
    return res.rows;
  }

  async function usedAt(invitationId: string): Promise<Date | null> {
    const res = await main.db.query<{ token_used_at: Date | null }>('SELECT token_used_at FROM feedback_invitations WHERE invitation_id = $1', [invitationId]);
    return res.rows[0]?.token_used_at ? new Date(res.rows[0].token_used_at) : null;
  }

  async function optOuts(): Promise<{ person_id: string; source: string; recorded_by: string | null; opted_out_at: Date }[]> {
    const res = await main.db.query<{ person_id: string; source: string; recorded_by: string | null; opted_out_at: Date }>(
      'SELECT person_id::text AS person_id, source, recorded_by, opted_out_at FROM family_message_opt_outs ORDER BY person_id',
    );
    return res.rows;
  }

  it('stores the answer apart from the case, with the comment sealed, and uses the token once', async () => {
    const { sha, personId, invitationId } = await invitation();
    const at = new Date('2026-12-12T18:05:00.000Z');
    expect(await main.store.feedbackTokenUsable(sha, at)).toBe(true);

    const result = await main.store.submitFeedback({ tokenSha256: sha, at, ratings: { overall: 4, listened: 5, 'easy-to-reach': 2 }, comment: COMMENT });
    expect(result.outcome).toBe('stored');
    const feedbackId = (result as { feedbackId: string }).feedbackId;

    const rows = await answers();
    expect(rows).toHaveLength(1);
    const row = rows[0] as SealedFeedbackComment & Record<string, unknown>;
    expect(row).toMatchObject({ feedback_id: feedbackId, person_id: personId, service_type: 'voluntary-community', postcode_district: 'M14', month: '2026-12-01', erased_at: null });
    expect(new Date(row.submitted_at as Date).toISOString()).toBe(at.toISOString());
    expect(row.ratings).toEqual({ overall: 4, listened: 5, 'easy-to-reach': 2 });
    // Apart from the case: no column of the answer names the referral, delivery or invitation.
    const columns = await main.db.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'family_feedback'`, [backend.schema]);
    expect(columns.rows.map((c) => c.column_name).filter((c) => /referral|delivery|invitation|token/.test(c))).toEqual([]);

    // The comment is not in any table in clear, and opens only with the hub's keys.
    expect(await columnsContaining(main.db, backend.schema, COMMENT)).toEqual([]);
    expect(await columnsContaining(main.db, backend.schema, 'Marchbanks')).toEqual([]);
    expect(row.key_id).toBe(keyring.activeKeyId);
    expect(Buffer.from(row.comment_ciphertext as Buffer).includes(Buffer.from('Marchbanks'))).toBe(false);
    expect(openFeedbackComment(loadMasterKeys(keyring), feedbackId, row)).toBe(COMMENT);
    expect(() => openFeedbackComment(loadMasterKeys(testKeyring()), feedbackId, row)).toThrow();
    expect(() => openFeedbackComment(loadMasterKeys(keyring), uuidv7(), row)).toThrow();
    expect(feedbackKeyContext(feedbackId)).toBe(`family_feedback/${feedbackId}`);

    // Single use: the token is spent at `at`, a second submission is rejected and writes nothing.
    expect((await usedAt(invitationId))?.toISOString()).toBe(at.toISOString());
    expect(await main.store.feedbackTokenUsable(sha, new Date(at.getTime() + 1000))).toBe(false);
    expect(await main.store.submitFeedback({ tokenSha256: sha, at: new Date(at.getTime() + 1000), ratings: { overall: 1 } })).toEqual({ outcome: 'rejected' });
    expect(await answers()).toHaveLength(1);
    expect(await optOuts()).toEqual([]);
  });

  it('an answer without a comment has no key; destroying a key erases the comment', async () => {
    const { sha } = await invitation({ district: null });
    const result = await main.store.submitFeedback({ tokenSha256: sha, at: new Date(), ratings: { helpful: 3 } });
    expect(result.outcome).toBe('stored');
    const [row] = await answers();
    expect(row).toMatchObject({ postcode_district: null, key_id: null, dek_wrapped: null, comment_ciphertext: null, ratings: { helpful: 3 } });
    expect(openFeedbackComment(loadMasterKeys(keyring), (result as { feedbackId: string }).feedbackId, row as SealedFeedbackComment)).toBeNull();

    const second = await invitation();
    const stored = await main.store.submitFeedback({ tokenSha256: second.sha, at: new Date(), ratings: { overall: 5 }, comment: COMMENT });
    const id = (stored as { feedbackId: string }).feedbackId;
    await main.db.query(`UPDATE family_feedback SET dek_wrapped = ''::bytea WHERE feedback_id = $1`, [id]);
    const erased = (await answers()).find((r) => r.feedback_id === id) as SealedFeedbackComment;
    expect(() => openFeedbackComment(loadMasterKeys(keyring), id, erased)).toThrow(ErasedError);
  });

  it('rejects an unknown, an expired and an already used token, writing nothing', async () => {
    const at = new Date();
    const expired = await invitation({ expiresAt: new Date(at.getTime() - 1000) });
    const used = await invitation({ usedAt: new Date(at.getTime() - 60_000) });
    const atExpiry = await invitation({ expiresAt: at });
    const unknown = newToken().sha;
    for (const sha of [expired.sha, used.sha, atExpiry.sha, unknown]) {
      expect(await main.store.feedbackTokenUsable(sha, at)).toBe(false);
      expect(await main.store.submitFeedback({ tokenSha256: sha, at, ratings: { overall: 3 }, comment: COMMENT, noMoreRequests: true })).toEqual({ outcome: 'rejected' });
    }
    expect(await answers()).toEqual([]);
    expect(await optOuts()).toEqual([]);
    expect(await usedAt(expired.invitationId)).toBeNull();
    expect(await usedAt(atExpiry.invitationId)).toBeNull();
    expect(await main.store.feedbackTokenUsable(Buffer.alloc(5), at)).toBe(false);
  });

  it('of two concurrent submissions with one token, exactly one is stored', async () => {
    const { sha } = await invitation();
    const stores = backend.sharesDatabase ? [main.store, (await backend.open({ keyring })).store] : [main.store, main.store];
    const at = new Date();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (stores[i % 2] as OpenedStore['store']).submitFeedback({ tokenSha256: sha, at, ratings: { overall: (i % 5) + 1 }, noMoreRequests: true })),
    );
    expect(results.filter((r) => r.outcome === 'stored')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'rejected')).toHaveLength(5);
    expect(await answers()).toHaveLength(1);
    expect(await optOuts()).toHaveLength(1);
  });

  it('"do not ask me again" records an opt-out for the person written to, once; the first record stays', async () => {
    const first = await invitation();
    const at = new Date('2026-03-29T00:30:00.000Z'); // 00:30 GMT on the day clocks go forward: still March in London.
    expect(await main.store.submitFeedback({ tokenSha256: first.sha, at, ratings: {}, noMoreRequests: true })).toMatchObject({ outcome: 'stored' });
    const rows = await optOuts();
    expect(rows).toEqual([{ person_id: first.personId, source: 'feedback-response', recorded_by: null, opted_out_at: expect.any(Date) }]);
    expect(new Date(rows[0]?.opted_out_at as Date).toISOString()).toBe(at.toISOString());
    expect((await answers())[0]).toMatchObject({ ratings: {}, month: '2026-03-01' });
    expect(await main.store.messageOptOuts([first.personId])).toEqual([expect.objectContaining({ personId: first.personId, source: 'feedback-response' })]);

    // The same person answering another invitation: the opt-out is not rewritten.
    const r = await routingOutcome(main.store, { shares: [{ recipient: 'family-hub' }] });
    await main.store.saveRoutingOutcome(r.input);
    const { sha } = newToken();
    await main.db.query(
      `INSERT INTO feedback_invitations (invitation_id, referral_id, delivery_id, service_type, decision, reason_code, channel, status, decided_at, due_at, person_id, token_sha256, token_expires_at)
       VALUES ($1, $2, $3, 'housing', 'scheduled', 'SEND', 'sms', 'sent', now(), now(), $4, $5, now() + interval '1 day')`,
      [uuidv7(), r.referralId, r.deliveries.get('family-hub'), first.personId, sha],
    );
    expect(await main.store.submitFeedback({ tokenSha256: sha, at: new Date(), ratings: { overall: 2 }, noMoreRequests: true })).toMatchObject({ outcome: 'stored' });
    expect(await optOuts()).toEqual(rows);
  });

  it('files an answer under the London month it arrived in', async () => {
    expect(londonMonthStart(new Date('2026-03-31T23:30:00.000Z'))).toBe('2026-04-01'); // 00:30 BST on 1 April
    expect(londonMonthStart(new Date('2026-10-31T23:30:00.000Z'))).toBe('2026-10-01'); // 23:30 GMT on 31 October
    expect(londonMonthStart(new Date('2026-12-31T23:59:59.999Z'))).toBe('2026-12-01');
    const { sha } = await invitation();
    await main.store.submitFeedback({ tokenSha256: sha, at: new Date('2026-05-31T23:15:00.000Z'), ratings: { listened: 4 } });
    expect((await answers())[0]?.month).toBe('2026-06-01');
  });

  it.each([
    ['a token hash of the wrong length', { tokenSha256: Buffer.alloc(16) }, /^tokenSha256 must be 32 bytes$/],
    ['an unknown question', { ratings: { 'waiting-time': 3 } }, /^ratings may only name the questions/],
    ['a rating of 6', { ratings: { overall: 6 } }, /^ratings\/overall must be an integer from 1 to 5$/],
    ['a rating of 0', { ratings: { listened: 0 } }, /^ratings\/listened must be an integer from 1 to 5$/],
    ['a fractional rating', { ratings: { helpful: 2.5 } }, /^ratings\/helpful must be an integer/],
    ['a rating as text', { ratings: { overall: '4' } }, /^ratings\/overall must be an integer/],
    ['no rating and no opt-out', { ratings: {} }, /^ratings must rate at least one question/],
    ['an empty comment', { comment: '' }, /^comment must be a non-empty string/],
    ['a comment over 2000 characters', { comment: `${COMMENT}${'x'.repeat(2000)}` }, /^comment must be a non-empty string of at most 2000/],
    ['noMoreRequests as text', { noMoreRequests: 'yes' }, /^noMoreRequests must be a boolean$/],
    ['an invalid date', { at: new Date('nope') }, /^at must be a valid Date$/],
  ])('refuses %s without using the token or echoing a value', async (_label, change, message) => {
    const { sha, invitationId } = await invitation();
    const attempt = main.store.submitFeedback({ tokenSha256: sha, at: new Date(), ratings: { overall: 3 }, ...(change as object) });
    await expect(attempt).rejects.toThrow(TypeError);
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.not.toThrow(/Marchbanks/);
    expect(await usedAt(invitationId)).toBeNull();
    expect(await answers()).toEqual([]);
  });
});
