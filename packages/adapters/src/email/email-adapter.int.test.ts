import net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { payloadBytes, sampleMinimisedPayload, startSmtpSink, type SmtpSink } from '@hub/testing';
import type { OutboundDelivery } from '../types.ts';
import { createAdapterFor } from '../partner-adapter.ts';
import { createEmailAdapter, EMAIL_NOTICE } from './email-adapter.ts';

const CANARY = 'Zebedee Quibblesworth';

function canaryDelivery(): OutboundDelivery {
  const payload = sampleMinimisedPayload({ urgency: 'high' });
  payload.people![0]!.givenName = CANARY;
  payload.needSummary = `Referral for ${CANARY}`;
  return { deliveryId: payload.deliveryId, partnerId: 'counselling', referralId: payload.referralId, urgency: 'high', payload: payloadBytes(payload) };
}

describe('email adapter against the SMTP sink', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
  });
  beforeEach(() => {
    sink.reset();
  });
  const adapter = (requireTls = false) =>
    createEmailAdapter({ smtpUrl: sink.url, to: 'referrals@counselling.example', from: 'Early Help Hub <hub@council.example>', requireTls, timeoutMs: 5_000 });

  it('delivers with no personal value in the subject or body, and the payload as the attachment', async () => {
    const d = canaryDelivery();
    const email = adapter();
    try {
      const result = await email.send(d);
      expect(result).toMatchObject({ kind: 'delivered' });
      const [mail] = sink.received;
      expect(mail!.envelope).toEqual({ from: 'hub@council.example', to: ['referrals@counselling.example'] });
      expect(mail!.subject).toBe(`Early Help referral ${d.referralId} (high)`);
      expect(mail!.text).toContain(EMAIL_NOTICE.split('\n')[0]);
      expect(mail!.text).toContain(d.deliveryId);
      for (const part of [mail!.subject, mail!.text, JSON.stringify(mail!.headers)]) expect(part).not.toContain('Zebedee');
      expect(mail!.attachments).toHaveLength(1);
      expect(mail!.attachments[0]).toMatchObject({ filename: `referral-${d.deliveryId}.json`, contentType: 'application/json' });
      expect(mail!.attachments[0]!.content.equals(d.payload)).toBe(true);
      expect(JSON.parse(mail!.attachments[0]!.content.toString('utf8'))).toEqual(JSON.parse(d.payload.toString('utf8')));
      expect(mail!.messageId).toBe(`<referral-${d.deliveryId}@council.example>`);
    } finally {
      await email.close?.();
    }
  });

  it('sends a resend with the same Message-ID, so the mailbox can recognise it', async () => {
    const d = canaryDelivery();
    const email = adapter();
    await email.send(d);
    await email.send(d);
    await email.close?.();
    const mails = await sink.waitFor(2);
    expect(mails[0]!.messageId).toBe(mails[1]!.messageId);
  });

  it('classifies SMTP 4xx as retry and 5xx as permanent', async () => {
    sink.script({ status: 451 });
    sink.script({ status: 550 });
    const email = adapter();
    expect(await email.send(canaryDelivery())).toEqual({ kind: 'retry', code: 'SMTP_4XX', status: 451 });
    expect(await email.send(canaryDelivery())).toEqual({ kind: 'permanent', code: 'SMTP_5XX', status: 550 });
    expect(await email.send(canaryDelivery())).toMatchObject({ kind: 'delivered' });
    await email.close?.();
  });

  it('refuses to send in clear when TLS is required and the server offers no STARTTLS: permanent TLS_REQUIRED', async () => {
    const email = adapter(true);
    const result = await email.send(canaryDelivery());
    await email.close?.();
    expect(result).toMatchObject({ kind: 'permanent', code: 'TLS_REQUIRED' });
    expect(sink.received).toHaveLength(0);
  });

  it('from partner config: STARTTLS is required unless the server is a marked local test server', async () => {
    const email = (localTestServer: boolean) => createAdapterFor({ id: 'counselling', delivery: { channel: 'email', email: { to: 'referrals@counselling.example', smtpUrl: sink.url, localTestServer } } });
    const strict = email(false);
    const local = email(true);
    expect(await strict.send(canaryDelivery())).toMatchObject({ kind: 'permanent', code: 'TLS_REQUIRED' });
    expect(await local.send(canaryDelivery())).toMatchObject({ kind: 'delivered' });
    await Promise.all([strict.close?.(), local.close?.()]);
    expect(sink.received).toHaveLength(1);
  });
});

describe('email adapter without a server', () => {
  it('classifies a refused connection as retry NETWORK', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const email = createEmailAdapter({ smtpUrl: `smtp://127.0.0.1:${port}`, to: 'a@b.example', from: 'hub@council.example', requireTls: false, timeoutMs: 2_000 });
    expect(await email.send(canaryDelivery())).toEqual({ kind: 'retry', code: 'NETWORK' });
  });

  it('classifies a server that accepts the connection and never greets as retry TIMEOUT', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const email = createEmailAdapter({ smtpUrl: `smtp://127.0.0.1:${port}`, to: 'a@b.example', from: 'hub@council.example', requireTls: false, timeoutMs: 300 });
      expect(await email.send(canaryDelivery())).toEqual({ kind: 'retry', code: 'TIMEOUT' });
    } finally {
      silent.close();
      (silent as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    }
  });

  it('refuses a URL that is not smtp:// or smtps://', () => {
    expect(() => createEmailAdapter({ smtpUrl: 'http://127.0.0.1:25', to: 'a@b.example', from: 'hub@council.example', requireTls: true })).toThrow(/smtp/);
  });
});
