import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBody, fixtureTypes, scanRedisFor, signedRequest } from '@hub/testing';
import { routeReferral } from '@hub/queues';
import { routeMessage } from '@hub/routing';
import { badInputCases, planted, prototypeKeyCases } from '../fixtures/bad-input-corpus.ts';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.ts';

/** Which partner may send each message type in the demo registry. */
function senderOf(h: GatewayHarness, type: string): string {
  const partner = h.config.partners.all().find((p) => p.messageTypes.has(type));
  if (!partner) throw new Error(`no demo partner sends ${type}`);
  return partner.id;
}

async function post(h: GatewayHarness, req: { url: string; headers: Record<string, string>; payload: Buffer | string }) {
  const res = await h.runtime.app.inject({ method: 'POST', url: req.url, headers: req.headers, payload: req.payload });
  return res;
}

async function totals(h: GatewayHarness): Promise<{ inbound: number; outboxPending: number; jobs: number }> {
  await h.runtime.enqueuer.drain();
  const counts = await h.runtime.store.counts();
  const jobs = Object.values(await h.queue.getJobCounts()).reduce((a, b) => a + b, 0);
  return { ...counts, jobs };
}

/** A family's feedback answer comes to POST /v1/feedback with a bearer token, never from a partner. */
const FAMILY_FEEDBACK_TYPE = 'family.feedback.submitted';
const PARTNER_TYPES = fixtureTypes().filter((t) => t !== FAMILY_FEEDBACK_TYPE);

const CANARY_NAME = 'Zebedee Quartermaine';
const CANARY_NHS = '9434765919';

describe('gateway intake against real PostgreSQL and Redis', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGatewayHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('has a valid example for every message type in the catalogue', () => {
    const sendable = new Set(h.config.partners.all().flatMap((p) => [...p.messageTypes]));
    expect(PARTNER_TYPES).toEqual([...sendable].sort());
    expect(PARTNER_TYPES).toHaveLength(16);
    // Partners may send every type except a family's feedback answer (POST /v1/feedback only).
    expect(fixtureTypes()).toEqual([...PARTNER_TYPES, FAMILY_FEEDBACK_TYPE].sort());
  });

  /** Routes a real referral so a recipient has a delivery to report on; returns that delivery. */
  async function routedDelivery(): Promise<{ deliveryId: string; recipient: string }> {
    const res = await post(h, signedRequest({ partnerId: 'gmp', secret: h.secretOf('gmp'), body: fixtureBody('police.domestic-abuse.notified') }));
    expect(res.statusCode).toBe(202);
    const outcome = await routeMessage({ store: h.runtime.store, partners: h.config.partners, sharing: h.config.sharing }, (res.json() as { id: string }).id);
    if (outcome.kind !== 'routed') throw new Error(`expected the Encompass referral to be routed, got ${outcome.kind}`);
    const deliveryId = outcome.jobs[0]?.payload.deliveryId as string;
    const recipient = (await h.runtime.store.deliveryRecipient(deliveryId)) as string;
    return { deliveryId, recipient };
  }

  /** Feedback fixtures name an example delivery; point them at a real one made to `recipient`. */
  function feedbackBody(type: string, deliveryId: string): string {
    const body = JSON.parse(fixtureBody(type)) as { data: { deliveryId: string } };
    body.data.deliveryId = deliveryId;
    return JSON.stringify(body);
  }

  for (const type of PARTNER_TYPES) {
    it(`accepts ${type}, stores the exact bytes encrypted, and queues a route job with ids only`, async () => {
      let body = fixtureBody(type);
      let sender = senderOf(h, type);
      if (type.startsWith('referral.')) {
        const { deliveryId, recipient } = await routedDelivery();
        body = feedbackBody(type, deliveryId);
        sender = recipient;
      }
      const req = signedRequest({ partnerId: sender, secret: h.secretOf(sender), body });
      const res = await post(h, req);
      expect(res.statusCode, res.body).toBe(202);
      const answer = res.json() as { id: string; status: string };
      expect(answer.status).toBe('accepted');
      const stored = await h.runtime.store.readInbound(answer.id);
      expect(stored?.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
      expect(stored?.type).toBe(type);
      expect(stored?.bodySha256).toBe(createHash('sha256').update(body).digest('hex'));
      await h.runtime.enqueuer.drain();
      const job = await h.queue.getJob(routeReferral.jobId(answer.id));
      expect(job?.name).toBe('referral.route');
      expect(job?.data).toEqual({ messageId: answer.id });
    });
  }

  it('answers a byte-identical repeat with 200 and the first id, and a changed body with 409', async () => {
    const type = 'police.domestic-abuse.notified';
    const body = fixtureBody(type);
    const first = signedRequest({ partnerId: 'gmp', secret: h.secretOf('gmp'), body });
    const a = await post(h, first);
    expect(a.statusCode).toBe(202);
    const again = signedRequest({ partnerId: 'gmp', secret: h.secretOf('gmp'), body, webhookId: first.headers['webhook-id'] });
    const b = await post(h, again);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toEqual(a.json());
    const changed = signedRequest({ partnerId: 'gmp', secret: h.secretOf('gmp'), body: body.replace('}', ' }'), webhookId: first.headers['webhook-id'] });
    const c = await post(h, changed);
    expect(c.statusCode).toBe(409);
    expect(c.json().code).toBe('HUB_ERR_IDEMPOTENCY_CONFLICT');
    // The same webhook-id from another partner is another message.
    const other = signedRequest({ partnerId: 'manchester-yjs', secret: h.secretOf('manchester-yjs'), body: fixtureBody('justice.youth-justice.notified'), webhookId: first.headers['webhook-id'] });
    expect((await post(h, other)).statusCode).toBe(202);
  });

  it('recognises a repeat before validating again: a retried message that would now fail still gets its first answer', async () => {
    const body = fixtureBody('vcs.referral.submitted');
    const first = signedRequest({ partnerId: 'northside-community-trust', secret: h.secretOf('northside-community-trust'), body });
    const a = await post(h, first);
    expect(a.statusCode).toBe(202);
    // Simulate a rule change: the same bytes now come from a partner whose permissions no longer
    // include the type is not possible here, so send a body that fails validation under the
    // same webhook-id: the hub must say 409 (already used), not 422.
    const broken = signedRequest({ partnerId: 'northside-community-trust', secret: h.secretOf('northside-community-trust'), body: '{"type":"vcs.referral.submitted","timestamp":"2026-01-01T00:00:00Z","data":{}}', webhookId: first.headers['webhook-id'] });
    const b = await post(h, broken);
    expect(b.statusCode).toBe(409);
  });

  it('takes feedback on a delivery only from its recipient (403 for anyone else, and for an unknown delivery)', async () => {
    const { deliveryId, recipient } = await routedDelivery();
    const other = h.config.partners.all().find((p) => p.id !== recipient && p.messageTypes.has('referral.accepted'));
    expect(other).toBeDefined();
    const before = await totals(h);
    const wrong = await post(h, signedRequest({ partnerId: other!.id, secret: h.secretOf(other!.id), body: feedbackBody('referral.accepted', deliveryId) }));
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().code).toBe('HUB_ERR_FEEDBACK_NOT_RECIPIENT');
    const unknown = await post(h, signedRequest({ partnerId: recipient, secret: h.secretOf(recipient), body: feedbackBody('referral.accepted', '00000000-0000-4000-8000-000000000000') }));
    expect(unknown.statusCode).toBe(403);
    expect(unknown.json().code).toBe('HUB_ERR_FEEDBACK_NOT_RECIPIENT');
    expect(await totals(h)).toEqual(before);
    const right = await post(h, signedRequest({ partnerId: recipient, secret: h.secretOf(recipient), body: feedbackBody('referral.accepted', deliveryId) }));
    expect(right.statusCode).toBe(202);
  });

  it('stores exactly one message and one job for 50 concurrent repeats', async () => {
    const body = fixtureBody('housing.tenancy-risk.notified');
    const req = signedRequest({ partnerId: 'one-city-homes', secret: h.secretOf('one-city-homes'), body });
    const before = await totals(h);
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(h, req)));
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    expect(new Set(answers.map((r) => (r.json() as { id: string }).id)).size).toBe(1);
    const after = await totals(h);
    expect(after.inbound - before.inbound).toBe(1);
    expect(after.jobs - before.jobs).toBe(1);
  });

  describe('bad-input corpus: exact status and code, no echo, nothing stored or queued', () => {
    const gmpBody = JSON.parse(fixtureBody('police.domestic-abuse.notified')) as Record<string, unknown>;
    const withCanary = JSON.stringify({ ...gmpBody, data: { ...(gmpBody.data as object), canaryName: CANARY_NAME, canaryNhs: CANARY_NHS } });
    const valid = fixtureBody('police.domestic-abuse.notified');
    const now = (): Date => new Date();
    const secret = (h: GatewayHarness) => h.secretOf('gmp');
    const deep = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

    type ProtocolCase = { name: string; build: (h: GatewayHarness) => { url: string; headers: Record<string, string>; payload: Buffer | string }; status: number; code: string; values?: string[] };
    const protocolCases: ProtocolCase[] = [
      { name: 'unknown partner', build: (h) => ({ ...signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid }), url: '/v1/inbound/no-such-partner' }), status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'partner id with odd characters', build: (h) => ({ ...signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid }), url: '/v1/inbound/..%2F..%2Fetc' }), status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'wrong secret', build: () => signedRequest({ partnerId: 'gmp', secret: 'whsec_' + Buffer.alloc(32, 1).toString('base64'), body: valid }), status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'another partner\'s secret', build: (h) => signedRequest({ partnerId: 'gmp', secret: h.secretOf('st-marys-primary'), body: valid }), status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'the rotating second secret works', build: (h) => signedRequest({ partnerId: 'gmp', secret: h.config.partners.get('gmp')?.secrets[1] ?? '', body: valid }), status: 202, code: '' },
      { name: 'missing webhook-signature', build: (h) => { const r = signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid }); delete r.headers['webhook-signature']; return r; }, status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'missing webhook-id', build: (h) => { const r = signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid }); delete r.headers['webhook-id']; return r; }, status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'missing webhook-timestamp', build: (h) => { const r = signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid }); delete r.headers['webhook-timestamp']; return r; }, status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'non-numeric timestamp', build: (h) => { const r = signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid }); r.headers['webhook-timestamp'] = 'yesterday'; return r; }, status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'stale timestamp (301 s old)', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid, timestamp: new Date(now().getTime() - 301_000) }), status: 401, code: 'HUB_ERR_TIMESTAMP_OUT_OF_TOLERANCE' },
      { name: 'future timestamp (301 s ahead)', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid, timestamp: new Date(now().getTime() + 301_000) }), status: 401, code: 'HUB_ERR_TIMESTAMP_OUT_OF_TOLERANCE' },
      { name: 'day-old timestamp', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid, timestamp: new Date(now().getTime() - 86_400_000) }), status: 401, code: 'HUB_ERR_TIMESTAMP_OUT_OF_TOLERANCE' },
      { name: 'timestamp edited after signing', build: (h) => { const r = signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid }); r.headers['webhook-timestamp'] = String(Number(r.headers['webhook-timestamp']) - 10); return r; }, status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'body edited after signing', build: (h) => { const r = signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid }); return { ...r, payload: withCanary }; }, status: 401, code: 'HUB_ERR_UNAUTHENTICATED', values: [CANARY_NAME, CANARY_NHS] },
      { name: 'signature with an unknown version', build: (h) => { const r = signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid }); r.headers['webhook-signature'] = r.headers['webhook-signature']!.replace('v1,', 'v2,'); return r; }, status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'garbage signature', build: (h) => { const r = signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid }); r.headers['webhook-signature'] = 'v1,AAAA'; return r; }, status: 401, code: 'HUB_ERR_UNAUTHENTICATED' },
      { name: 'partner not allowed the type (a school sending a police notification)', build: (h) => signedRequest({ partnerId: 'st-marys-primary', secret: h.secretOf('st-marys-primary'), body: valid }), status: 403, code: 'HUB_ERR_MESSAGE_TYPE_NOT_ALLOWED' },
      { name: 'webhook-id longer than 255 characters', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid, webhookId: 'm'.repeat(300) }), status: 400, code: 'HUB_ERR_BAD_WEBHOOK_ID' },
      { name: 'webhook-id with a space', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid, webhookId: 'msg 1' }), status: 400, code: 'HUB_ERR_BAD_WEBHOOK_ID' },
      { name: 'malformed JSON', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: `{"type": "police.domestic-abuse.notified", "data": {"name": "${CANARY_NAME}"` }), status: 400, code: 'HUB_ERR_MALFORMED_JSON', values: [CANARY_NAME] },
      { name: 'trailing garbage after JSON', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid + 'x' }), status: 400, code: 'HUB_ERR_MALFORMED_JSON' },
      { name: 'empty body', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: '' }), status: 400, code: 'HUB_ERR_MALFORMED_JSON' },
      { name: 'JSON array instead of an envelope', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: '[]' }), status: 400, code: 'HUB_ERR_BAD_ENVELOPE' },
      { name: 'JSON null', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: 'null' }), status: 400, code: 'HUB_ERR_BAD_ENVELOPE' },
      { name: 'JSON string', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: `"${CANARY_NAME}"` }), status: 400, code: 'HUB_ERR_BAD_ENVELOPE', values: [CANARY_NAME] },
      { name: 'unknown message type', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: JSON.stringify({ ...gmpBody, type: 'police.anything.else' }) }), status: 400, code: 'HUB_ERR_BAD_ENVELOPE' },
      { name: 'envelope without data', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: JSON.stringify({ type: gmpBody.type, timestamp: gmpBody.timestamp }) }), status: 400, code: 'HUB_ERR_BAD_ENVELOPE' },
      { name: 'envelope with an extra property', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: JSON.stringify({ ...gmpBody, note: CANARY_NAME }) }), status: 400, code: 'HUB_ERR_BAD_ENVELOPE', values: [CANARY_NAME] },
      { name: 'envelope timestamp not ISO 8601', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: JSON.stringify({ ...gmpBody, timestamp: 'last Tuesday' }) }), status: 400, code: 'HUB_ERR_BAD_ENVELOPE', values: ['last Tuesday'] },
      { name: 'text/plain content type', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid, contentType: 'text/plain' }), status: 415, code: 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE' },
      { name: 'XML content type', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: '<referral/>', contentType: 'application/xml' }), status: 415, code: 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE' },
      { name: 'form content type', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: `name=${CANARY_NAME}`, contentType: 'application/x-www-form-urlencoded' }), status: 415, code: 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE', values: [CANARY_NAME] },
      { name: 'no content type', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid, contentType: null }), status: 415, code: 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE' },
      { name: 'body over 256 KiB', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: JSON.stringify({ ...gmpBody, pad: 'x'.repeat(300 * 1024) }) }), status: 413, code: 'HUB_ERR_BODY_TOO_LARGE' },
      { name: 'invalid UTF-8', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: Buffer.concat([Buffer.from('{"type":"police.domestic-abuse.notified","x":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]) }), status: 400, code: 'HUB_ERR_INVALID_UTF8' },
      { name: '__proto__ at the top level', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid.replace(/^\{/, '{"__proto__":{"isAdmin":true},') }), status: 400, code: 'HUB_ERR_FORBIDDEN_KEY' },
      { name: '__proto__ inside data', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid.replace('"data":{', '"data":{"__proto__":{"polluted":1},').replace('"data": {', '"data": {"__proto__":{"polluted":1},') }), status: 400, code: 'HUB_ERR_FORBIDDEN_KEY' },
      { name: 'constructor.prototype inside data', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: valid.replace('"data":{', '"data":{"constructor":{"prototype":{"polluted":1}},').replace('"data": {', '"data": {"constructor":{"prototype":{"polluted":1}},') }), status: 400, code: 'HUB_ERR_FORBIDDEN_KEY' },
      { name: 'deeply nested arrays (5,000 levels) in data', build: (h) => signedRequest({ partnerId: 'gmp', secret: secret(h), body: JSON.stringify({ ...gmpBody, data: { ...(gmpBody.data as object) } }).replace(/\}\}$/, `,"nest":${deep(5000)}}}`) }), status: 422, code: 'HUB_ERR_VALIDATION' },
      { name: 'GET on the intake path', build: () => ({ url: '/v1/inbound/gmp', headers: {}, payload: '' }), status: 404, code: 'HUB_ERR_NOT_FOUND' },
    ];

    for (const c of protocolCases) {
      it(`${c.name} → ${c.status} ${c.code}`, async () => {
        const req = c.build(h);
        const before = await totals(h);
        const logStart = h.logs.lines.length;
        const res = c.name === 'GET on the intake path' ? await h.runtime.app.inject({ method: 'GET', url: req.url }) : await post(h, req);
        expect(res.statusCode, res.body).toBe(c.status);
        if (c.status === 202) return;
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        const problem = res.json() as { code: string; status: number; title: string };
        expect(problem.code).toBe(c.code);
        expect(problem.status).toBe(c.status);
        const after = await totals(h);
        expect(after).toEqual(before);
        const logText = h.logs.lines.slice(logStart).join('');
        for (const value of c.values ?? []) {
          expect(res.body).not.toContain(value);
          expect(logText).not.toContain(value);
        }
        // Secrets and signatures never appear in a log line.
        expect(logText).not.toContain(req.headers['webhook-signature'] ?? 'no-signature-header');
      });
    }

    it('runs the schema and domain corpus over HTTP', async () => {
      expect(badInputCases.length).toBeGreaterThanOrEqual(120);
      for (const c of badInputCases) {
        if (c.type === FAMILY_FEEDBACK_TYPE) continue; // sent to POST /v1/feedback (feedback-submission.int.test.ts)
        const sender = senderOf(h, c.type);
        const req = signedRequest({ partnerId: sender, secret: h.secretOf(sender), body: JSON.stringify(c.body) });
        const before = await totals(h);
        const logStart = h.logs.lines.length;
        const res = await post(h, req);
        const envelopeLevel = !c.expect.pointer.startsWith('/data/') ;
        const expected = envelopeLevel ? { status: 400, code: 'HUB_ERR_BAD_ENVELOPE' } : { status: 422, code: 'HUB_ERR_VALIDATION' };
        expect({ case: c.name, status: res.statusCode }).toEqual({ case: c.name, status: expected.status });
        const problem = res.json() as { code: string; errors?: { pointer: string; code: string }[] };
        expect({ case: c.name, code: problem.code }).toEqual({ case: c.name, code: expected.code });
        expect(problem.errors, c.name).toContainEqual(expect.objectContaining({ pointer: c.expect.pointer, code: c.expect.code }));
        const logText = h.logs.lines.slice(logStart).join('');
        for (const value of planted) {
          if (value.length < 4) continue;
          expect(res.body.includes(value), `${c.name}: response echoes a submitted value`).toBe(false);
          expect(logText.includes(value), `${c.name}: log echoes a submitted value`).toBe(false);
        }
        expect(await totals(h), c.name).toEqual(before);
      }
    });
  });

  it('refuses the corpus\'s prototype-key cases at parse time with 400 HUB_ERR_FORBIDDEN_KEY', async () => {
    expect(prototypeKeyCases.length).toBeGreaterThan(0);
    for (const c of prototypeKeyCases) {
      const sender = senderOf(h, c.type);
      // JSON.stringify drops a __proto__ own key only if it was set as a prototype; the corpus sets own keys.
      const text = JSON.stringify(c.body);
      const before = await totals(h);
      const res = await post(h, signedRequest({ partnerId: sender, secret: h.secretOf(sender), body: text }));
      expect({ case: c.name, status: res.statusCode, code: (res.json() as { code: string }).code }).toEqual({ case: c.name, status: 400, code: 'HUB_ERR_FORBIDDEN_KEY' });
      expect(await totals(h)).toEqual(before);
    }
  });

  it('writes no personal value to Redis (canary scan after a run)', async () => {
    // Seed a canary name and NHS number into a valid self-referral.
    const seeded = JSON.parse(fixtureBody('family.self-referral.submitted')) as { data: { people: { givenName: string; nhsNumber?: string }[] } };
    seeded.data.people[0]!.givenName = CANARY_NAME.split(' ')[0]!;
    seeded.data.people[0]!.nhsNumber = CANARY_NHS;
    const body = JSON.stringify(seeded);
    const parsed = JSON.parse(body) as { data: unknown };
    // Collect every string in the message as a needle: names, NHS numbers, postcodes, phones.
    const needles: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string' && v.length >= 5 && !/^(19|20)\d\d-/.test(v) && !/^[a-z][a-z0-9.-]*$/.test(v)) needles.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(parsed.data);
    expect(needles).toContain(CANARY_NHS);
    expect(needles).toContain('Zebedee');
    const res = await post(h, signedRequest({ partnerId: 'family-web-form', secret: h.secretOf('family-web-form'), body }));
    expect(res.statusCode).toBe(202);
    await h.runtime.enqueuer.drain();
    const { keysScanned, findings } = await scanRedisFor(h.redis, `${h.prefix}:*`, needles);
    expect(keysScanned).toBeGreaterThan(0);
    expect(findings).toEqual([]);
  });
});
