import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport } from 'nodemailer';
import { randomSecret, signedRequest } from '../index.ts';
import { startFhirServer } from './fhir-server.ts';
import { startSmtpSink } from './smtp-sink.ts';
import { startWebhookSink } from './webhook-sink.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function post(url: string, partnerId: string, secret: string, body: string): Promise<Response> {
  const req = signedRequest({ partnerId, secret, body });
  return fetch(url, { method: 'POST', headers: req.headers, body: req.payload });
}

describe('webhook sink', () => {
  it('binds 127.0.0.1, verifies signatures per partner path, records, and answers 401 to bad ones', async () => {
    const secrets: Record<string, string> = { a: randomSecret(), b: randomSecret() };
    const sink = await startWebhookSink({ secrets: (id) => secrets[id] });
    closers.push(sink.close);
    expect(sink.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await post(sink.urlFor('a'), 'a', secrets.a!, '{"n":1}')).status).toBe(200);
    expect((await post(sink.urlFor('b'), 'b', secrets.a!, '{"n":2}')).status).toBe(401);
    expect((await post(sink.urlFor('nobody'), 'nobody', secrets.a!, '{"n":3}')).status).toBe(401);
    expect(sink.received.map((r) => [r.partnerId, r.body])).toEqual([['a', { n: 1 }]]);
    expect(sink.rejected.map((r) => r.reason)).toEqual(['bad-signature', 'unknown-partner']);
  });

  it('accepts any of several secrets (rotation) when given a list', async () => {
    const [old, current] = [randomSecret(), randomSecret()];
    const sink = await startWebhookSink({ secrets: [old, current] });
    closers.push(sink.close);
    expect((await post(`${sink.url}/any`, 'x', old, '{}')).status).toBe(200);
    expect((await post(`${sink.url}/any`, 'x', current, '{}')).status).toBe(200);
    expect((await post(`${sink.url}/any`, 'x', randomSecret(), '{}')).status).toBe(401);
  });

  it('follows its script (N times a status, Retry-After), then answers 200; waitFor resolves on events', async () => {
    const secret = randomSecret();
    const sink = await startWebhookSink({ secrets: [secret], behaviour: [{ status: 429, retryAfter: 3, times: 2 }] });
    closers.push(sink.close);
    const waiting = sink.waitFor((r) => r.some((d) => d.status === 200));
    const answers = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(`${sink.url}/p`, 'p', secret, `{"i":${i}}`);
      answers.push([res.status, res.headers.get('retry-after')]);
    }
    expect(answers).toEqual([
      [429, '3'],
      [429, '3'],
      [200, null],
    ]);
    expect((await waiting).map((d) => d.status)).toEqual([429, 429, 200]);
    await expect(sink.waitFor(10, 50)).rejects.toThrow(/waited 50 ms for 10 webhook deliveries; have 3/);
  });

  it('a hanging script step leaves the request open until close', async () => {
    const secret = randomSecret();
    const sink = await startWebhookSink({ secrets: [secret] });
    sink.script({ status: 200, hang: true });
    const pending = post(`${sink.url}/p`, 'p', secret, '{}').then(
      () => 'answered',
      () => 'cut',
    );
    await sink.waitFor(1);
    await sink.close();
    expect(await pending).toBe('cut');
  });

  it('verifies with standardwebhooks exactly as a partner would', async () => {
    const secret = randomSecret();
    const sink = await startWebhookSink({ secrets: [secret] });
    closers.push(sink.close);
    const id = 'msg_fixed';
    const now = new Date();
    const signature = new Webhook(secret).sign(id, now, '{"x":1}');
    const res = await fetch(`${sink.url}/p`, {
      method: 'POST',
      headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signature, 'content-type': 'application/json' },
      body: '{"x":1} ',
    });
    expect(res.status).toBe(401); // one byte more than was signed
  });
});

describe('FHIR server', () => {
  it('refuses what is not a FHIR transaction with a Patient and a ServiceRequest', async () => {
    const server = await startFhirServer();
    closers.push(server.close);
    const send = (body: unknown, contentType = 'application/fhir+json') => fetch(server.url, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify(body) });
    expect((await send({ resourceType: 'Bundle', type: 'batch', entry: [] })).status).toBe(400);
    expect((await send({ resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'urn:uuid:0b6f3f0e-1c1a-4c43-9b4e-3b1f0e0f0a01', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }] })).status).toBe(400);
    expect((await send({ resourceType: 'Patient', gender: 'nope' })).status).toBe(400);
    expect((await send({ resourceType: 'Bundle', type: 'transaction' }, 'application/json')).status).toBe(400);
    expect(server.received.map((r) => r.problems[0])).toEqual(['/: not a transaction Bundle', '/entry: expected exactly one ServiceRequest', '/gender: enum', 'content-type must be application/fhir+json']);
    expect((await fetch(`${server.url.replace('/fhir', '')}/other`, { method: 'POST' })).status).toBe(404);
  });
});

describe('SMTP sink', () => {
  it('receives and parses a message; scripted replies refuse it', async () => {
    const sink = await startSmtpSink();
    closers.push(sink.close);
    expect(sink.url).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    const transport = createTransport({ url: sink.url, ignoreTLS: true });
    closers.push(async () => transport.close());
    await transport.sendMail({ from: 'a@x.example', to: 'b@y.example', subject: 'hello', text: 'body', attachments: [{ filename: 'f.json', content: Buffer.from('{"a":1}') }] });
    const [mail] = await sink.waitFor(1);
    expect(mail).toMatchObject({ envelope: { from: 'a@x.example', to: ['b@y.example'] }, subject: 'hello', reply: 250 });
    expect(mail!.attachments[0]!.content.toString()).toBe('{"a":1}');
    sink.script({ status: 554 });
    await expect(transport.sendMail({ from: 'a@x.example', to: 'b@y.example', subject: 'again', text: 'body' })).rejects.toMatchObject({ responseCode: 554 });
  });
});
