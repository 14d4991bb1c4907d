import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { payloadBytes, randomSecret, sampleMinimisedPayload, startWebhookSink, type WebhookSink } from '@hub/testing';
import type { OutboundDelivery } from '../types.ts';
import { createWebhookAdapter } from './webhook-adapter.ts';

const secrets: Record<string, string> = { schools: randomSecret(), housing: randomSecret() };

function delivery(partnerId = 'schools'): OutboundDelivery {
  const payload = sampleMinimisedPayload();
  return { deliveryId: payload.deliveryId, partnerId, referralId: payload.referralId, urgency: 'routine', payload: payloadBytes(payload) };
}

describe('webhook adapter against the webhook sink', () => {
  let sink: WebhookSink;
  beforeAll(async () => {
    sink = await startWebhookSink({ secrets: (partnerId) => secrets[partnerId] });
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(() => {
    sink.reset();
  });

  const adapterFor = (partnerId: string, secret = secrets[partnerId]!, timeoutMs = 5_000) =>
    createWebhookAdapter({ url: sink.urlFor(partnerId), secret, timeoutMs, allowHttp: true });

  it('delivers a Standard Webhooks request whose signature verifies with the partner secret', async () => {
    const d = delivery();
    const result = await adapterFor('schools').send(d);
    expect(result).toEqual({ kind: 'delivered', status: 200, receipt: `rcpt_${d.deliveryId}` });
    const [got] = sink.received;
    expect(got?.webhookId).toBe(d.deliveryId);
    expect(got?.raw.equals(d.payload)).toBe(true);
    expect(got?.headers['content-type']).toBe('application/json');
    // Independently of the sink: the headers verify with the partner's secret over the exact bytes.
    const headers = { 'webhook-id': String(got?.headers['webhook-id']), 'webhook-timestamp': String(got?.headers['webhook-timestamp']), 'webhook-signature': String(got?.headers['webhook-signature']) };
    expect(() => new Webhook(secrets.schools!).verify(d.payload, headers)).not.toThrow();
    expect(() => new Webhook(secrets.housing!).verify(d.payload, headers)).toThrow();
  });

  it('is refused (401, permanent) when signed with another partner secret', async () => {
    const result = await adapterFor('schools', secrets.housing).send(delivery());
    expect(result).toEqual({ kind: 'permanent', code: 'HTTP_401', status: 401 });
    expect(sink.received).toHaveLength(0);
    expect(sink.rejected).toMatchObject([{ reason: 'bad-signature' }]);
  });

  it('keeps the webhook-id stable across retries of the same delivery', async () => {
    const d = delivery();
    sink.script({ status: 500 }, '/partners/schools');
    const adapter = adapterFor('schools');
    expect(await adapter.send(d)).toEqual({ kind: 'retry', code: 'HTTP_500', status: 500 });
    expect(await adapter.send(d)).toMatchObject({ kind: 'delivered', status: 200 });
    expect(sink.received.map((r) => [r.webhookId, r.status])).toEqual([
      [d.deliveryId, 500],
      [d.deliveryId, 200],
    ]);
  });

  it('retries 429 with the Retry-After delay (seconds or HTTP-date)', async () => {
    sink.script({ status: 429, retryAfter: 7 }, '/partners/schools');
    expect(await adapterFor('schools').send(delivery())).toEqual({ kind: 'retry', code: 'HTTP_429', status: 429, retryAfterMs: 7_000 });
    sink.script({ status: 503, retryAfter: new Date(Date.now() + 120_000).toUTCString() }, '/partners/schools');
    const result = await adapterFor('schools').send(delivery());
    expect(result).toMatchObject({ kind: 'retry', code: 'HTTP_503', status: 503 });
    expect(result.kind === 'retry' && result.retryAfterMs).toBeGreaterThan(100_000);
  });

  it('classifies 410 as gone and 400 as permanent; other paths are unaffected by a path script', async () => {
    sink.script({ status: 410 }, '/partners/schools');
    sink.script({ status: 400 }, '/partners/housing');
    expect(await adapterFor('schools').send(delivery())).toEqual({ kind: 'gone', code: 'HTTP_410', status: 410 });
    expect(await adapterFor('housing').send(delivery('housing'))).toEqual({ kind: 'permanent', code: 'HTTP_400', status: 400 });
    expect(await adapterFor('schools').send(delivery())).toMatchObject({ kind: 'delivered' });
  });

  it('times out on a partner that never answers: retry TIMEOUT', async () => {
    sink.script({ status: 200, hang: true }, '/partners/schools');
    const started = Date.now();
    expect(await adapterFor('schools', secrets.schools, 300).send(delivery())).toEqual({ kind: 'retry', code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a caller abort as ABORTED, not as a partner failure', async () => {
    sink.script({ status: 200, hang: true }, '/partners/schools');
    const controller = new AbortController();
    const sending = adapterFor('schools').send(delivery(), controller.signal);
    await sink.waitFor(1);
    controller.abort();
    expect(await sending).toEqual({ kind: 'retry', code: 'ABORTED' });
  });
});

describe('webhook adapter without a partner', () => {
  it('classifies a refused connection as retry NETWORK', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const adapter = createWebhookAdapter({ url: `http://127.0.0.1:${port}/hook`, secret: randomSecret(), timeoutMs: 2_000, allowHttp: true });
    expect(await adapter.send(delivery())).toEqual({ kind: 'retry', code: 'NETWORK' });
  });

  it('refuses a plain http URL unless allowHttp, and a secret that is not whsec_', () => {
    expect(() => createWebhookAdapter({ url: 'http://127.0.0.1:9/hook', secret: randomSecret(), timeoutMs: 1_000, allowHttp: false })).toThrow(/https/);
    expect(() => createWebhookAdapter({ url: 'https://partner.example/hook', secret: 'not-a-secret', timeoutMs: 1_000, allowHttp: false })).toThrow(/whsec_/);
    expect(() => createWebhookAdapter({ url: 'https://partner.example/hook', secret: randomSecret(), timeoutMs: 0, allowHttp: false })).toThrow(/timeoutMs/);
  });
});
