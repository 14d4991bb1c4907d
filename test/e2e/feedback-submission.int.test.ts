import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { referralIdFor } from '@hub/routing';
import { fixtureBody, scanRedisFor } from '@hub/testing';
import { badInputCases, planted } from '../fixtures/bad-input-corpus.ts';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

// Issue 6 item 4: a family answers a feedback invitation at POST /v1/feedback with the invitation's
// bearer token, through the real running hub. The invitation (token hash, expiry, person) is written
// by SQL on top of a really routed self-referral, so this test does not depend on the sending side.

const FEEDBACK = 'family.feedback.submitted';
const COMMENT = 'Persephone Wolstenholme listened to us and the money advice really helped.';
const COMMENT_WORDS = ['Persephone', 'Wolstenholme'];

interface Invitation {
  token: string;
  invitationId: string;
  personId: string;
  referralId: string;
}

function answer(data: Record<string, unknown>): string {
  return JSON.stringify({ type: FEEDBACK, timestamp: new Date().toISOString(), data });
}

const GOOD = answer({ ratings: { overall: 5, listened: 4, helpful: 5, 'easy-to-reach': 2 }, comment: COMMENT });

/** A response with what differs on every request (its id and date) taken out. */
function comparable(res: LightMyRequestResponse) {
  const headers = { ...res.headers };
  delete headers['x-request-id'];
  delete headers.date;
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(body.instance).toBe(`urn:uuid:${res.headers['x-request-id'] as string}`);
  delete body.instance;
  return { status: res.statusCode, headers, body };
}

describe('families answering a feedback invitation at POST /v1/feedback', () => {
  let h: HubHarness;
  const tokens: string[] = [];
  let client = 0;

  beforeAll(async () => {
    h = await startHubHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Each request from its own test address, so the per-address limit is not what is tested here. */
  function post(token: string | undefined, body: string | Buffer = GOOD) {
    client += 1;
    return h.hub.gateway.app.inject({
      method: 'POST',
      url: '/v1/feedback',
      remoteAddress: `198.51.100.${client % 250}`,
      headers: { 'content-type': 'application/json', ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
      payload: body,
    });
  }

  /** A self-referral routed by the running hub, closed by a recipient, with a sent invitation. */
  async function invitation(opts: { expiresInMs?: number } = {}): Promise<Invitation> {
    const body = JSON.parse(fixtureBody('family.self-referral.submitted')) as { data: { correlationId: string } };
    body.data.correlationId = `webform-${randomUUID()}`;
    const sent = await h.send('family-web-form', JSON.stringify(body));
    expect(sent.status).toBe(202);
    const referralId = referralIdFor(sent.json.id as string);
    const delivery = await eventually(
      async () => (await h.sql<{ id: string; organisation: string }>('SELECT id::text AS id, recipient_partner_id AS organisation FROM deliveries WHERE referral_id = $1 ORDER BY id LIMIT 1', [referralId]))[0],
      'the self-referral to be routed',
    );
    const [person] = await h.sql<{ person_id: string }>("SELECT person_id::text AS person_id FROM referral_people WHERE referral_id = $1 ORDER BY person_ref LIMIT 1", [referralId]);
    const token = randomBytes(32).toString('base64url');
    tokens.push(token);
    const invitationId = randomUUID();
    const serviceType = h.config.partners.get(delivery.organisation)?.organisationType ?? 'voluntary-community';
    await h.sql(
      `INSERT INTO feedback_invitations (invitation_id, referral_id, delivery_id, service_type, postcode_district, decision, reason_code, channel, status,
                                         decided_at, due_at, finished_at, person_id, token_sha256, token_expires_at)
       VALUES ($1, $2, $3, $4, 'M14', 'scheduled', 'SEND', 'email', 'sent', now(), now(), now(), $5, $6, $7)`,
      [invitationId, referralId, delivery.id, serviceType, person?.person_id, createHash('sha256').update(token, 'utf8').digest(), new Date(Date.now() + (opts.expiresInMs ?? 28 * 86_400_000))],
    );
    return { token, invitationId, personId: person?.person_id as string, referralId };
  }

  const answers = () => h.sql<{ feedback_id: string; person_id: string; service_type: string; ratings: Record<string, number>; comment_ciphertext: Buffer | null; key_id: string | null }>(
    'SELECT feedback_id::text AS feedback_id, person_id::text AS person_id, service_type, ratings, comment_ciphertext, key_id FROM family_feedback ORDER BY submitted_at',
  );
  const usedAt = async (invitationId: string) => (await h.sql<{ token_used_at: Date | null }>('SELECT token_used_at FROM feedback_invitations WHERE invitation_id = $1', [invitationId]))[0]?.token_used_at ?? null;
  const optOuts = () => h.sql<{ person_id: string; source: string }>('SELECT person_id::text AS person_id, source FROM family_message_opt_outs');
  /** Everything an answer could write, to show that a refusal wrote nothing. */
  const written = async () => ({ answers: (await answers()).length, optOuts: (await optOuts()).length, used: (await h.sql<{ n: number }>('SELECT count(*)::int AS n FROM feedback_invitations WHERE token_used_at IS NOT NULL'))[0]?.n });

  it('accepts an answer once, stores it apart from the case with the comment encrypted, and refuses a replay', async () => {
    const inv = await invitation();
    const res = await post(inv.token);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ status: 'received' });
    for (const word of [...COMMENT_WORDS, inv.personId, inv.referralId, inv.invitationId]) expect(res.body).not.toContain(word);

    const rows = await answers();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ person_id: inv.personId, ratings: { overall: 5, listened: 4, helpful: 5, 'easy-to-reach': 2 } });
    expect(rows[0]?.key_id).not.toBeNull();
    expect(Buffer.from(rows[0]?.comment_ciphertext as Buffer).includes(Buffer.from('Wolstenholme'))).toBe(false);
    // Nowhere in the hub's tables in clear.
    const clear = await h.sql<{ n: number }>("SELECT count(*)::int AS n FROM family_feedback WHERE position(convert_to('Wolstenholme', 'UTF8') IN coalesce(comment_ciphertext, ''::bytea)) > 0 OR ratings::text LIKE '%Wolstenholme%'");
    expect(clear[0]?.n).toBe(0);
    expect(await usedAt(inv.invitationId)).not.toBeNull();

    const before = await written();
    const replay = await post(inv.token);
    expect(replay.statusCode).toBe(401);
    expect((replay.json() as { code: string }).code).toBe('HUB_ERR_UNAUTHENTICATED');
    expect(await written()).toEqual(before);
  });

  it('answers unknown, forged, expired, used and missing tokens with identical 401s, writing nothing', async () => {
    const used = await invitation();
    expect((await post(used.token)).statusCode).toBe(201);
    const expired = await invitation({ expiresInMs: -1000 });
    const live = await invitation();
    const forged = `${live.token.slice(0, 42)}${live.token.endsWith('A') ? 'B' : 'A'}`;
    const before = await written();

    const responses = {
      unknown: await post(randomBytes(32).toString('base64url')),
      forged: await post(forged),
      expired: await post(expired.token),
      used: await post(used.token),
      missing: await post(undefined),
      malformed: await post('not-a-token'),
    };
    const [first, ...rest] = Object.values(responses).map(comparable);
    expect(first?.status).toBe(401);
    expect(first?.body).toMatchObject({ code: 'HUB_ERR_UNAUTHENTICATED' });
    for (const other of rest) expect(other).toEqual(first);
    expect(await written()).toEqual(before);
    expect(await usedAt(expired.invitationId)).toBeNull();
    // The live token was untouched by its forged neighbour.
    expect((await post(live.token)).statusCode).toBe(201);
  });

  it('refuses a bad body naming the JSON pointer, never echoing it, and leaves the token usable', async () => {
    const inv = await invitation();
    const before = await written();
    const bad = await post(inv.token, answer({ ratings: { overall: 7, 'waiting-time': 1 }, comment: `${COMMENT} ${'x'.repeat(2000)}` }));
    expect(bad.statusCode).toBe(422);
    const problem = bad.json() as { code: string; errors: { pointer: string; code: string; message: string }[] };
    expect(problem.code).toBe('HUB_ERR_VALIDATION');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/data/ratings/overall', code: 'schema.maximum' }),
        expect.objectContaining({ pointer: '/data/ratings/waiting-time', code: 'schema.additional-property' }),
        expect.objectContaining({ pointer: '/data/comment', code: 'schema.max-length' }),
      ]),
    );
    for (const word of COMMENT_WORDS) expect(bad.body).not.toContain(word);

    // Every feedback case of the shared bad-input corpus, sent as a family would.
    const cases = badInputCases.filter((c) => c.type === FEEDBACK);
    expect(cases.length).toBeGreaterThanOrEqual(10);
    for (const c of cases) {
      const res = await post(inv.token, JSON.stringify(c.body));
      const envelopeLevel = !c.expect.pointer.startsWith('/data/');
      expect({ case: c.name, status: res.statusCode }).toEqual({ case: c.name, status: envelopeLevel ? 400 : 422 });
      expect((res.json() as { errors: unknown[] }).errors, c.name).toContainEqual(expect.objectContaining(c.expect));
      // The instance is a random uuid: short planted values (e.g. '09') could turn up in it by chance.
      const { instance: _instance, ...problem } = res.json() as Record<string, unknown>;
      for (const value of planted) if (value.length >= 4) expect(JSON.stringify(problem).includes(value), `${c.name} echoes a planted value`).toBe(false);
    }
    expect(await written()).toEqual(before);
    expect(await usedAt(inv.invitationId)).toBeNull();

    // Corrected, the same token is accepted.
    expect((await post(inv.token)).statusCode).toBe(201);
  });

  it('"do not ask me again" records an opt-out for the person the invitation went to', async () => {
    const inv = await invitation();
    const res = await post(inv.token, answer({ noMoreRequests: true }));
    expect(res.statusCode, res.body).toBe(201);
    expect(await optOuts()).toContainEqual({ person_id: inv.personId, source: 'feedback-response' });
  });

  it('is refused on the signed partner route, even from a partner that may send self-referrals', async () => {
    const before = await written();
    const inbound = (await h.sql<{ n: number }>('SELECT count(*)::int AS n FROM inbound_messages'))[0]?.n;
    const res = await h.send('family-web-form', fixtureBody(FEEDBACK));
    expect(res.status).toBe(403);
    expect(res.json.code).toBe('HUB_ERR_MESSAGE_TYPE_NOT_ALLOWED');
    expect((await h.sql<{ n: number }>('SELECT count(*)::int AS n FROM inbound_messages'))[0]?.n).toBe(inbound);
    expect(await written()).toEqual(before);
  });

  it('keeps the comment and the tokens out of Redis and the logs', async () => {
    const needles = [...COMMENT_WORDS, ...tokens];
    expect(tokens.length).toBeGreaterThan(5);
    const scan = await scanRedisFor(h.redis, `${h.prefix}*`, needles);
    expect(scan.keysScanned).toBeGreaterThan(0);
    expect(scan.findings).toEqual([]);
    const logs = h.logs.text();
    expect(logs).toContain('/v1/feedback');
    for (const needle of needles) expect(logs.includes(needle), 'a log line holds a comment word or token').toBe(false);
  });
});
