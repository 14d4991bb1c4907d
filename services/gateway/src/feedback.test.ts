// POST /v1/feedback against an in-memory answer store: the order of the checks, one 401 for every
// unusable token, bad bodies that leave the token usable, the rate limit, and nothing echoed or logged.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { ConfigError, loadConfig } from '@hub/config';
import { createHubMetrics } from '@hub/observability';
import type { FeedbackAnswerInput, Store } from '@hub/store';
import { StoreUnavailableError } from '@hub/store';
import { captureLogger, fixtureBody, signedRequest } from '@hub/testing';
import { createMessageValidator } from '@hub/validation';
import { buildApp } from './app.ts';
import { FEEDBACK_RATE_LIMIT } from './feedback.ts';
import { PartnerRateLimiter } from './rate-limit.ts';

const COMMENT = 'Ottoline Featherstonehaugh at the family hub was wonderful.';
const config = loadConfig({});
const validator = createMessageValidator({ allowTestNhsNumbers: true });
const sha = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const newToken = () => randomBytes(32).toString('base64url');

/** Tokens by SHA-256 hex: usable, used or expired. Records what was submitted. */
function memoryStore() {
  const tokens = new Map<string, 'usable' | 'used' | 'expired'>();
  const submitted: FeedbackAnswerInput[] = [];
  const calls = { usable: 0, submit: 0 };
  let unavailable = false;
  let raceLost = false;
  const store = {
    acceptInbound: async () => {
      throw new Error('not in this test');
    },
    findInbound: async () => null,
    ping: async () => undefined,
    deliveryRecipient: async () => null,
    async feedbackTokenUsable(tokenSha256: Buffer) {
      calls.usable += 1;
      if (unavailable) throw new StoreUnavailableError('down');
      return tokens.get(tokenSha256.toString('hex')) === 'usable';
    },
    async submitFeedback(input: FeedbackAnswerInput) {
      calls.submit += 1;
      if (unavailable) throw new StoreUnavailableError('down');
      const key = input.tokenSha256.toString('hex');
      if (raceLost || tokens.get(key) !== 'usable') return { outcome: 'rejected' as const };
      tokens.set(key, 'used');
      submitted.push(input);
      return { outcome: 'stored' as const, feedbackId: '0190aaaa-0000-7000-8000-000000000001' };
    },
  } satisfies Pick<Store, 'acceptInbound' | 'findInbound' | 'ping' | 'deliveryRecipient' | 'feedbackTokenUsable' | 'submitFeedback'>;
  return {
    store,
    tokens,
    submitted,
    calls,
    issue(state: 'usable' | 'used' | 'expired' = 'usable'): string {
      const token = newToken();
      tokens.set(sha(token), state);
      return token;
    },
    setUnavailable(value: boolean) {
      unavailable = value;
    },
    loseRace() {
      raceLost = true;
    },
  };
}

function harness() {
  const mem = memoryStore();
  const logs = captureLogger('gateway', 'debug');
  const metrics = createHubMetrics({ service: 'gateway', defaultMetrics: false });
  const app = buildApp({ config, store: mem.store, validator, enqueuer: { enqueue: () => undefined }, logger: logs.logger, metrics });
  return { app, mem, logs, metrics };
}

let open: ReturnType<typeof harness>[] = [];
afterEach(async () => {
  await Promise.all(open.map((h) => h.app.close()));
  open = [];
});
function start() {
  const h = harness();
  open.push(h);
  return h;
}

const goodBody = fixtureBody('family.feedback.submitted').replace(/"comment": "[^"]*"/, `"comment": "${COMMENT}"`);

function post(h: ReturnType<typeof harness>, opts: { authorization?: string; body?: string | Buffer; ip?: string; contentType?: string }) {
  return h.app.inject({
    method: 'POST',
    url: '/v1/feedback',
    remoteAddress: opts.ip ?? '198.51.100.7',
    headers: { 'content-type': opts.contentType ?? 'application/json', ...(opts.authorization !== undefined ? { authorization: opts.authorization } : {}) },
    payload: opts.body ?? goodBody,
  });
}

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

async function counts(h: ReturnType<typeof harness>): Promise<Record<string, number>> {
  const metric = (await h.metrics.registry.getSingleMetric('hub_feedback_answers_total')?.get()) as { values: { labels: { outcome?: string }; value: number }[] };
  return Object.fromEntries(metric.values.filter((v) => v.value > 0).map((v) => [v.labels.outcome as string, v.value]));
}

describe('POST /v1/feedback', () => {
  it('stores a valid answer once, with nothing personal in the answer, and counts it by outcome', async () => {
    const h = start();
    const token = h.mem.issue();
    const res = await post(h, { authorization: `Bearer ${token}` });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ status: 'received' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(h.mem.submitted).toHaveLength(1);
    const input = h.mem.submitted[0] as FeedbackAnswerInput;
    expect(input.tokenSha256.toString('hex')).toBe(sha(token));
    expect(input).toMatchObject({ ratings: { overall: 4, listened: 5, helpful: 4, 'easy-to-reach': 3 }, comment: COMMENT, noMoreRequests: false });

    const again = await post(h, { authorization: `Bearer ${token}` });
    expect(again.statusCode).toBe(401);
    expect(h.mem.submitted).toHaveLength(1);
    expect(await counts(h)).toEqual({ stored: 1, unauthenticated: 1 });
    for (const secret of [token, COMMENT, 'Featherstonehaugh', sha(token)]) expect(h.logs.text()).not.toContain(secret);
  });

  it('answers a missing, malformed, unknown, used, expired, forged or raced token with the same 401', async () => {
    const h = start();
    const used = h.mem.issue('used');
    const expired = h.mem.issue('expired');
    const usable = h.mem.issue();
    const forged = `${usable.slice(0, 42)}${usable.endsWith('A') ? 'B' : 'A'}`;
    const variants: Record<string, string | undefined> = {
      missing: undefined,
      empty: '',
      'not bearer': `Basic ${Buffer.from('a:b').toString('base64')}`,
      'too short': `Bearer ${usable.slice(0, 42)}`,
      'too long': `Bearer ${usable}A`,
      padded: `Bearer ${usable}=`,
      'wrong alphabet': `Bearer ${usable.slice(0, 42)}+`,
      unknown: `Bearer ${newToken()}`,
      used: `Bearer ${used}`,
      expired: `Bearer ${expired}`,
      forged: `Bearer ${forged}`,
    };
    const answers = [];
    for (const [name, authorization] of Object.entries(variants)) {
      const res = await post(h, authorization === undefined ? {} : { authorization });
      answers.push({ name, ...comparable(res) });
    }
    const first = answers[0] as { status: number };
    expect(first.status).toBe(401);
    for (const answer of answers) expect({ ...answer, name: 'any' }).toEqual({ ...answers[0], name: 'any' });
    expect((answers[0] as { headers: Record<string, string> }).headers['www-authenticate']).toBe('Bearer');
    expect((answers[0] as { body: Record<string, string> }).body.code).toBe('HUB_ERR_UNAUTHENTICATED');

    // Used by someone else between the check and the store: the same answer again.
    h.mem.loseRace();
    const raced = await post(h, { authorization: `Bearer ${usable}` });
    expect({ name: 'any', ...comparable(raced) }).toEqual({ ...answers[0], name: 'any' });
    expect(h.mem.submitted).toEqual([]);
    // A token that is not even token-shaped never reaches the store.
    expect(h.mem.calls.usable).toBe(4 + 1);
  });

  it('checks the token before the body: an unusable token with a bad body is a 401, and the body is not read', async () => {
    const h = start();
    const res = await post(h, { authorization: `Bearer ${newToken()}`, body: '{"type":"family.feedback.submitted","data":' });
    expect(res.statusCode).toBe(401);
    expect(h.mem.calls.submit).toBe(0);
  });

  it('refuses a bad body by JSON pointer without echoing it or using the token; the corrected answer is then accepted', async () => {
    const h = start();
    const token = h.mem.issue();
    const body = JSON.parse(goodBody) as { data: Record<string, unknown> };
    (body.data.ratings as Record<string, unknown>).overall = 9;
    (body.data.ratings as Record<string, unknown>)['waiting-time'] = 2;
    body.data.comment = `${COMMENT}${'x'.repeat(2000)}`;
    const bad = await post(h, { authorization: `Bearer ${token}`, body: JSON.stringify(body) });
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const problem = bad.json() as { code: string; errors: { pointer: string; code: string }[] };
    expect(problem.code).toBe('HUB_ERR_VALIDATION');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/data/ratings/overall', code: 'schema.maximum' }),
        expect.objectContaining({ pointer: '/data/ratings/waiting-time', code: 'schema.additional-property' }),
        expect.objectContaining({ pointer: '/data/comment', code: 'schema.max-length' }),
      ]),
    );
    expect(bad.body).not.toContain('Featherstonehaugh');

    const noRatings = await post(h, { authorization: `Bearer ${token}`, body: JSON.stringify({ type: 'family.feedback.submitted', timestamp: '2026-12-12T18:05:00Z', data: { comment: COMMENT } }) });
    expect(noRatings.statusCode).toBe(422);
    expect((noRatings.json() as { errors: unknown[] }).errors).toEqual([expect.objectContaining({ pointer: '/data/ratings', code: 'schema.required' })]);

    for (const [payload, code] of [
      [Buffer.from([0x7b, 0xff, 0x7d]), 'HUB_ERR_INVALID_UTF8'],
      ['{"type":', 'HUB_ERR_MALFORMED_JSON'],
      ['{"__proto__":{"x":1},"type":"family.feedback.submitted","timestamp":"2026-12-12T18:05:00Z","data":{}}', 'HUB_ERR_FORBIDDEN_KEY'],
      [JSON.stringify({ type: 'family.feedback.submitted', data: {} }), 'HUB_ERR_BAD_ENVELOPE'],
    ] as const) {
      const res = await post(h, { authorization: `Bearer ${token}`, body: payload });
      expect({ code, status: res.statusCode, got: (res.json() as { code: string }).code }).toEqual({ code, status: 400, got: code });
    }

    // Another message type sent here is a wrong envelope type, named by pointer.
    const wrongType = await post(h, { authorization: `Bearer ${token}`, body: fixtureBody('referral.closed') });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json()).toMatchObject({ code: 'HUB_ERR_BAD_ENVELOPE', errors: [{ pointer: '/type', code: 'schema.const' }] });
    expect(wrongType.body).not.toContain('Plan closed');

    const wrongMedia = await post(h, { authorization: `Bearer ${token}`, contentType: 'application/x-www-form-urlencoded', body: 'overall=5' });
    expect(wrongMedia.statusCode).toBe(415);

    expect(h.mem.submitted).toEqual([]);
    const fixed = await post(h, { authorization: `Bearer ${token}` });
    expect(fixed.statusCode).toBe(201);
    expect(h.mem.submitted).toHaveLength(1);
    expect(h.logs.text()).not.toContain('Featherstonehaugh');
    expect(h.logs.text()).not.toContain(token);
    expect(await counts(h)).toEqual({ invalid: 8, stored: 1 });
  });

  it('accepts "do not ask me again" without ratings', async () => {
    const h = start();
    const token = h.mem.issue();
    const res = await post(h, { authorization: `Bearer ${token}`, body: JSON.stringify({ type: 'family.feedback.submitted', timestamp: '2026-12-12T18:05:00Z', data: { noMoreRequests: true } }) });
    expect(res.statusCode).toBe(201);
    expect(h.mem.submitted[0]).toMatchObject({ ratings: {}, noMoreRequests: true });
    expect(h.mem.submitted[0] && 'comment' in h.mem.submitted[0]).toBe(false);
  });

  it('limits each client address, before looking at the token', async () => {
    const h = start();
    const statuses: number[] = [];
    for (let i = 0; i < FEEDBACK_RATE_LIMIT.burst + 1; i += 1) statuses.push((await post(h, { authorization: `Bearer ${newToken()}`, ip: '203.0.113.9' })).statusCode);
    expect(statuses.slice(0, FEEDBACK_RATE_LIMIT.burst).every((s) => s === 401)).toBe(true);
    const limited = await post(h, { authorization: `Bearer ${h.mem.issue()}`, ip: '203.0.113.9' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((limited.json() as { code: string }).code).toBe('HUB_ERR_RATE_LIMITED');
    expect(h.mem.calls.usable).toBe(FEEDBACK_RATE_LIMIT.burst);
    // Another address is not affected.
    expect((await post(h, { authorization: `Bearer ${h.mem.issue()}`, ip: '203.0.113.10' })).statusCode).toBe(201);
  });

  it('answers 503 with retry-after when storage is unavailable, and nothing is stored', async () => {
    const h = start();
    const token = h.mem.issue();
    h.mem.setUnavailable(true);
    const res = await post(h, { authorization: `Bearer ${token}` });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect((res.json() as { code: string }).code).toBe('HUB_ERR_STORAGE_UNAVAILABLE');
    h.mem.setUnavailable(false);
    expect((await post(h, { authorization: `Bearer ${token}` })).statusCode).toBe(201);
    expect(await counts(h)).toEqual({ unavailable: 1, stored: 1 });
  });

  it('is not a type any partner may send by signed webhook', async () => {
    const h = start();
    for (const partner of config.partners.all()) expect(partner.messageTypes.has('family.feedback.submitted')).toBe(false);
    const gmp = config.partners.get('gmp');
    const res = await h.app.inject({ method: 'POST', ...signedRequest({ partnerId: 'gmp', secret: gmp?.secrets[0] as string, body: goodBody }) });
    expect(res.statusCode).toBe(403);
    expect((res.json() as { code: string }).code).toBe('HUB_ERR_MESSAGE_TYPE_NOT_ALLOWED');
    expect(h.mem.calls).toEqual({ usable: 0, submit: 0 });
  });
});

describe('no partner may send a family.feedback.submitted', () => {
  const repo = path.resolve(import.meta.dirname, '../../..');
  const enumOf = (file: string, pointer: string[]): string[] => {
    let node: unknown = JSON.parse(readFileSync(path.join(repo, file), 'utf8'));
    for (const key of pointer) node = (node as Record<string, unknown>)[key];
    return [...(node as string[])].sort();
  };

  it('partners may send every envelope type except a family feedback answer', () => {
    const envelope = enumOf('schemas/inbound/envelope.json', ['properties', 'type', 'enum']);
    const partnerTypes = enumOf('schemas/config/partners.v1.json', ['$defs', 'messageType', 'enum']);
    expect(envelope).toContain('family.feedback.submitted');
    expect(partnerTypes).toEqual(envelope.filter((t) => t !== 'family.feedback.submitted'));
  });

  it('the configuration is refused when a partner lists it', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-config-'));
    writeFileSync(
      path.join(dir, 'partners.yaml'),
      `partners:
  - id: family-web-form
    organisationType: family
    displayName: "Family self-referral web form"
    secrets: [{ value: "whsec_${Buffer.alloc(32, 3).toString('base64')}" }]
    messageTypes: [family.self-referral.submitted, family.feedback.submitted]
    rateLimit: { requestsPerMinute: 60, burst: 10 }
`,
    );
    let problems: string[] = [];
    try {
      loadConfig({ HUB_CONFIG_DIR: dir });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = [...(err as ConfigError).problems];
    }
    expect(problems.join('\n')).toMatch(/\/partners\/0\/messageTypes\/1/);
    expect(problems.join('\n')).not.toMatch(/\/partners\/0\/messageTypes\/0/);
  });
});

describe('the client-address limiter', () => {
  it('forgets the least recently seen address at its bound', () => {
    let nowMs = 0;
    const limiter = new PartnerRateLimiter(() => nowMs, 2);
    const limit = { requestsPerMinute: 1, burst: 1 };
    expect(limiter.take('a', limit)).toBe(0);
    expect(limiter.take('b', limit)).toBe(0);
    expect(limiter.take('a', limit)).toBeGreaterThan(0); // a is now the most recent
    expect(limiter.take('c', limit)).toBe(0); // forgets b
    expect(limiter.take('a', limit)).toBeGreaterThan(0);
    expect(limiter.take('b', limit)).toBe(0); // a fresh bucket; forgets c
    nowMs += 60_000;
    expect(limiter.take('a', limit)).toBe(0);
  });
});
