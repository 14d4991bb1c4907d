// Standard Webhooks v1 signatures with node's native HMAC: the load generator signs every
// request when it is sent and must stay cheap (the standardwebhooks library hashes in JS).
// bench/delivery.ts checks it against the library at start, as bench/intake.ts does.
import { createHmac } from 'node:crypto';

export type WebhookSigner = (id: string, timestamp: string, body: string) => string;

export function webhookSigner(secret: string): WebhookSigner {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return (id, timestamp, body) => `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}
