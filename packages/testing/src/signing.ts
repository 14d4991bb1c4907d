import { randomBytes, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
  payload: Buffer;
}

/**
 * Builds a Standard Webhooks request the way a partner would, with the `standardwebhooks`
 * package. Options let a test break exactly one thing (the secret, the time, a header).
 */
export function signedRequest(opts: {
  partnerId: string;
  secret: string;
  body: string | Buffer;
  webhookId?: string;
  timestamp?: Date;
  contentType?: string | null;
}): SignedRequest {
  const payload = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body;
  const webhookId = opts.webhookId ?? `msg_${randomUUID()}`;
  const timestamp = opts.timestamp ?? new Date();
  const signature = new Webhook(opts.secret).sign(webhookId, timestamp, payload.toString('utf8'));
  const headers: Record<string, string> = {
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signature,
  };
  if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
  return { url: `/v1/inbound/${opts.partnerId}`, headers, payload };
}

/** A fresh random `whsec_` secret. */
export function randomSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
