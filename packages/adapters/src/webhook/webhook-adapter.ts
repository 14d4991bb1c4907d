import { Webhook } from 'standardwebhooks';
import { assertDeliveryUrl, assertTimeout, postForDelivery, receiptFromJson } from '../http/http-delivery.ts';
import type { DeliveryAdapter, DeliveryResult, OutboundDelivery } from '../types.ts';

export interface WebhookAdapterOptions {
  url: string;
  /** The partner's `whsec_…` secret (resolved; never logged). */
  secret: string;
  timeoutMs: number;
  /** Plain http is refused unless this is a local test endpoint. */
  allowHttp: boolean;
  /** Clock for the webhook-timestamp (tests). */
  now?: () => Date;
}

const WHSEC = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/**
 * Standard Webhooks signed POST. `webhook-id` is the delivery id, so it is the same on every
 * retry and the partner can deduplicate; the timestamp and signature are fresh per attempt.
 */
export function createWebhookAdapter(opts: WebhookAdapterOptions): DeliveryAdapter {
  const url = assertDeliveryUrl(opts.url, opts.allowHttp, 'webhook adapter').toString();
  if (!WHSEC.test(opts.secret)) throw new Error('webhook adapter: the secret must be a whsec_ base64 secret');
  const signer = new Webhook(opts.secret);
  const now = opts.now ?? (() => new Date());
  assertTimeout(opts.timeoutMs, 'webhook adapter');

  return {
    channel: 'webhook',
    async send(delivery: OutboundDelivery, signal?: AbortSignal): Promise<DeliveryResult> {
      const timestamp = now();
      const headers = {
        'content-type': 'application/json',
        'webhook-id': delivery.deliveryId,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': signer.sign(delivery.deliveryId, timestamp, delivery.payload),
      };
      const { result, responseText } = await postForDelivery({ url, headers, body: delivery.payload, timeoutMs: opts.timeoutMs, ...(signal ? { signal } : {}) });
      if (result.kind !== 'delivered') return result;
      const receipt = receiptFromJson(responseText);
      return receipt === undefined ? result : { ...result, receipt };
    },
  };
}
