import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startNotifySimulator, type NotifySimulator } from '@hub/testing';
import { createNotifyClient, notifyJwt, parseNotifyApiKey, type NotifyClientOptions, type NotifyOutcome } from './notify-client.ts';

const serviceId = randomUUID();
const secret = randomUUID();
const EMAIL_TEMPLATE = randomUUID();
const SMS_TEMPLATE = randomUUID();

// Personal values that must never surface in an outcome (canaries).
const CANARY_NAME = 'Canary-Name-5f1c9e';
const CANARY_EMAIL = 'canary.parent.5f1c9e@example.com';
const CANARY_PHONE = '07700 900 517';
const CANARY_LINK = 'https://services.example/canary-5f1c9e';

describe('notify client against the Notify simulator', () => {
  let notify: NotifySimulator;
  const outcomes: NotifyOutcome[] = [];

  beforeAll(async () => {
    notify = await startNotifySimulator({
      serviceId,
      apiKeySecret: secret,
      templates: {
        [EMAIL_TEMPLATE]: { type: 'email', subject: 'We have your request, ((first name))', body: 'Dear ((first_name)),\n\nThank you.((links??\nUseful services: ))((links))' },
        [SMS_TEMPLATE]: { type: 'sms', body: 'Hello ((first_name)), we have your request (ref ((hub_ref))).' },
      },
    });
  });
  afterAll(async () => {
    await notify.close();
  });
  beforeEach(() => {
    notify.reset();
  });

  const client = (over: Partial<NotifyClientOptions> = {}) => createNotifyClient({ baseUrl: notify.url, apiKey: notify.apiKey(), timeoutMs: 5_000, allowHttp: true, ...over });
  const track = async (p: Promise<NotifyOutcome>): Promise<NotifyOutcome> => {
    const o = await p;
    outcomes.push(o);
    return o;
  };
  const email = (over: Partial<Parameters<ReturnType<typeof client>['sendEmail']>[0]> = {}, c = client()) =>
    track(c.sendEmail({ emailAddress: CANARY_EMAIL, templateId: EMAIL_TEMPLATE, personalisation: { first_name: CANARY_NAME, links: CANARY_LINK }, reference: 'ntf_01', ...over }));

  it('sends an email: JWT verified, rendered content recorded, Notify id returned', async () => {
    const outcome = await email();
    expect(outcome).toMatchObject({ kind: 'sent', status: 201 });
    const [got] = await notify.waitFor(1);
    expect(outcome.kind === 'sent' && outcome.notificationId).toBe(got?.notificationId);
    expect(got).toMatchObject({ type: 'email', status: 201, emailAddress: CANARY_EMAIL, templateId: EMAIL_TEMPLATE, reference: 'ntf_01' });
    expect(got?.content).toEqual({
      subject: `We have your request, ${CANARY_NAME}`,
      body: `Dear ${CANARY_NAME},\n\nThank you.\nUseful services: ${CANARY_LINK}`,
    });
    expect(notify.rejected).toEqual([]);
  });

  it('sends an SMS with rendered content; a number personalisation value is accepted', async () => {
    const outcome = await track(client().sendSms({ phoneNumber: CANARY_PHONE, templateId: SMS_TEMPLATE, personalisation: { first_name: CANARY_NAME, hub_ref: 4821 }, reference: 'ntf_02' }));
    expect(outcome).toMatchObject({ kind: 'sent', status: 201 });
    expect(notify.sent()).toMatchObject([{ type: 'sms', phoneNumber: CANARY_PHONE, content: { body: `Hello ${CANARY_NAME}, we have your request (ref 4821).` } }]);
  });

  it('a conditional placeholder with an empty value renders nothing', async () => {
    await email({ personalisation: { first_name: CANARY_NAME, links: '' } });
    expect(notify.sent()[0]?.content?.body).toBe(`Dear ${CANARY_NAME},\n\nThank you.`);
  });

  it('a key with another secret is refused: 403 AuthError, permanent', async () => {
    const outcome = await email({}, client({ apiKey: `hub-${serviceId}-${randomUUID()}` }));
    expect(outcome).toEqual({ kind: 'permanent', code: 'HTTP_403', status: 403, errors: ['AuthError'] });
    expect(notify.received).toHaveLength(0);
    expect(notify.rejected.map((r) => r.reason)).toEqual(['bad-signature']);
  });

  it('a token for another service, or with a clock more than 30 s out, is refused', async () => {
    expect(await email({}, client({ apiKey: `hub-${randomUUID()}-${secret}` }))).toMatchObject({ kind: 'permanent', status: 403 });
    expect(await email({}, client({ now: () => new Date(Date.now() - 45_000) }))).toMatchObject({ kind: 'permanent', status: 403 });
    expect(await email({}, client({ now: () => new Date(Date.now() - 10_000) }))).toMatchObject({ kind: 'sent' });
    expect(notify.rejected.map((r) => r.reason)).toEqual(['wrong-service', 'clock-skew']);
  });

  it('the simulator refuses an unsigned (alg none) or missing token', async () => {
    const claims = Buffer.from(JSON.stringify({ iss: serviceId, iat: Math.floor(Date.now() / 1000) })).toString('base64url');
    const none = `${Buffer.from('{"typ":"JWT","alg":"none"}').toString('base64url')}.${claims}.`;
    for (const authorization of [`Bearer ${none}`, undefined]) {
      const res = await fetch(`${notify.url}/v2/notifications/email`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: '{}' });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ status_code: 403, errors: [{ error: 'AuthError' }] });
    }
    // The client's own token verifies independently of the simulator.
    const token = notifyJwt(serviceId, secret, new Date(1_700_000_000_000));
    const [h, c] = token.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ typ: 'JWT', alg: 'HS256' });
    expect(JSON.parse(Buffer.from(c!, 'base64url').toString())).toEqual({ iss: serviceId, iat: 1_700_000_000 });
  });

  it('missing personalisation is a 400 permanent naming the placeholder, not the values', async () => {
    const outcome = await email({ personalisation: { links: CANARY_LINK } });
    expect(outcome).toEqual({ kind: 'permanent', code: 'HTTP_400', status: 400, errors: ['BadRequestError'], missingPersonalisation: ['first name'] });
    expect(notify.received[0]?.errors).toEqual([{ error: 'BadRequestError', message: 'Missing personalisation: first name' }]);
  });

  it('validates template and recipient: unknown template, wrong type, bad email, non-mobile number', async () => {
    expect(await email({ templateId: randomUUID() })).toMatchObject({ kind: 'permanent', status: 400, errors: ['BadRequestError'] });
    expect(await email({ templateId: SMS_TEMPLATE })).toMatchObject({ kind: 'permanent', status: 400 });
    expect(await email({ emailAddress: 'canary-not-an-address' })).toMatchObject({ kind: 'permanent', status: 400, errors: ['ValidationError'] });
    expect(await track(client().sendSms({ phoneNumber: '020 7946 0000', templateId: SMS_TEMPLATE, personalisation: { first_name: 'x', hub_ref: 1 }, reference: 'ntf_03' }))).toMatchObject({ kind: 'permanent', status: 400, errors: ['ValidationError'] });
    expect(notify.received.map((r) => r.errors?.[0]?.message)).toEqual([
      'Template not found',
      'sms template is not suitable for email notification',
      'email_address Not a valid email address',
      'phone_number Not a UK mobile number',
    ]);
    expect(notify.sent()).toHaveLength(0);
  });

  it('429 is retried with the Retry-After delay; 500 and 503 are retried', async () => {
    notify.script({ status: 429, retryAfter: 12 }, '/v2/notifications/email');
    expect(await email()).toEqual({ kind: 'retry', code: 'HTTP_429', status: 429, retryAfterMs: 12_000, errors: ['RateLimitError'] });
    notify.script({ status: 500 });
    expect(await email()).toEqual({ kind: 'retry', code: 'HTTP_500', status: 500, errors: ['Exception'] });
    notify.script({ status: 503, retryAfter: new Date(Date.now() + 120_000).toUTCString() });
    const o = await email();
    expect(o).toMatchObject({ kind: 'retry', status: 503 });
    expect(o.kind === 'retry' && o.retryAfterMs).toBeGreaterThan(100_000);
    // The script is used up: the next send goes through.
    expect(await email()).toMatchObject({ kind: 'sent' });
    expect(notify.received.map((r) => r.status)).toEqual([429, 500, 503, 201]);
  });

  it('a Notify that does not answer in time is a TIMEOUT retry; an unreachable one a NETWORK retry', async () => {
    notify.script({ status: 201, hang: true });
    const started = Date.now();
    expect(await email({}, client({ timeoutMs: 300 }))).toEqual({ kind: 'retry', code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(4_000);
    const closed = await startNotifySimulator({ serviceId, apiKeySecret: secret, templates: {} });
    const deadUrl = closed.url;
    await closed.close();
    expect(await email({}, client({ baseUrl: deadUrl }))).toEqual({ kind: 'retry', code: 'NETWORK' });
    const ac = new AbortController();
    ac.abort();
    expect(await email({ signal: ac.signal })).toEqual({ kind: 'retry', code: 'ABORTED' });
  });

  it('an injected fetch that throws with personal data in its message yields only NETWORK', async () => {
    const leaky = (() => Promise.reject(new Error(`connect failed for ${CANARY_EMAIL}`))) as unknown as typeof fetch;
    expect(await email({}, client({ fetch: leaky }))).toEqual({ kind: 'retry', code: 'NETWORK' });
  });

  it('a server that echoes personal data in its errors does not leak it into the outcome', async () => {
    notify.script({ status: 400, body: { status_code: 400, errors: [{ error: 'ValidationError', message: `${CANARY_EMAIL} is not valid for ${CANARY_NAME}` }, { error: CANARY_EMAIL, message: 'x' }, { error: 'BadRequestError', message: `Missing personalisation: ${CANARY_LINK}` }] } });
    const outcome = await email();
    expect(outcome).toEqual({ kind: 'permanent', code: 'HTTP_400', status: 400, errors: ['ValidationError', 'BadRequestError'] });
  });

  it('refuses a malformed request before sending, naming the field by JSON pointer only', async () => {
    expect(await email({ reference: CANARY_EMAIL })).toEqual({ kind: 'permanent', code: 'REQUEST_INVALID', field: '/reference' });
    expect(await email({ reference: '07700900517' })).toEqual({ kind: 'permanent', code: 'REQUEST_INVALID', field: '/reference' });
    expect(await email({ templateId: 'welcome' })).toEqual({ kind: 'permanent', code: 'REQUEST_INVALID', field: '/templateId' });
    expect(await email({ personalisation: { first_name: { nested: CANARY_NAME } as unknown as string } })).toEqual({ kind: 'permanent', code: 'REQUEST_INVALID', field: '/personalisation/first_name' });
    expect(await email({ emailAddress: ' ' })).toEqual({ kind: 'permanent', code: 'REQUEST_INVALID', field: '/emailAddress' });
    expect(notify.received).toHaveLength(0);
  });

  it('checks its configuration without quoting the key or URL', () => {
    expect(() => client({ apiKey: `not-a-key-${secret}` })).toThrow(/API key must have the form/);
    expect(() => client({ allowHttp: false })).toThrow(/must use https/);
    expect(() => client({ timeoutMs: 0 })).toThrow(/timeoutMs/);
    try {
      client({ apiKey: `bad-${secret}` });
    } catch (err) {
      expect(String(err)).not.toContain(secret);
    }
    expect(parseNotifyApiKey(notify.apiKey('my-key-name'))).toEqual({ keyName: 'my-key-name', serviceId, secret });
  });

  // Runs last (tests in a file run in order): every outcome above, success or failure.
  it('no outcome carried a name, address, number, link or other personal value (canary scan)', () => {
    expect(outcomes.length).toBeGreaterThan(25);
    const text = JSON.stringify(outcomes).toLowerCase();
    for (const canary of [CANARY_NAME, CANARY_EMAIL, CANARY_PHONE, CANARY_PHONE.replace(/\s/g, ''), CANARY_LINK, 'canary']) expect(text).not.toContain(canary.toLowerCase());
  });
});
