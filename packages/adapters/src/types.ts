// The contract between the delivery worker and the channel adapters. Adapters classify every
// partner failure into a result; they throw only for the hub's own bugs.

export type Urgency = 'routine' | 'medium' | 'high' | 'urgent';

export interface OutboundDelivery {
  /** Stable across retries: it is the webhook-id and the idempotency key the partner sees. */
  deliveryId: string;
  partnerId: string;
  referralId: string;
  urgency: Urgency;
  /** The exact minimised JSON bytes, built elsewhere. Never logged, never put in an error. */
  payload: Buffer;
  /**
   * `rectification`: the payload is a `referral.rectified` message correcting an earlier delivery
   * (UK GDPR Art 19), not a referral. Absent means a referral.
   */
  kind?: 'referral' | 'rectification';
}

/**
 * Stable failure codes. HTTP statuses appear as `HTTP_<status>`; the rest are listed here.
 * - TIMEOUT: the partner did not answer within the adapter's timeout.
 * - NETWORK: no HTTP answer at all (refused, reset, DNS, TLS handshake).
 * - ABORTED: the caller aborted the send (shutdown); not the partner's fault.
 * - FHIR_INVALID: the Bundle built from the payload fails the FHIR R4 schema; never sent.
 * - PAYLOAD_INVALID: the minimised payload is not the JSON object an adapter needs; never sent.
 * - SMTP_4XX / SMTP_5XX: the mail server answered with a transient / permanent reply.
 * - SMTP_CONFIG: the mail server refused our credentials or the transport is misconfigured.
 * - TLS_REQUIRED: the mail server does not offer STARTTLS, and TLS is required (permanent).
 * - TLS_HANDSHAKE: the TLS handshake with the mail server failed (retry).
 * - RETRIES_EXHAUSTED: the retry schedule ran out (retry policy, not an adapter).
 */
export const DELIVERY_CODES = [
  'TIMEOUT',
  'NETWORK',
  'ABORTED',
  'FHIR_INVALID',
  'PAYLOAD_INVALID',
  'SMTP_4XX',
  'SMTP_5XX',
  'SMTP_CONFIG',
  'TLS_REQUIRED',
  'TLS_HANDSHAKE',
  'RETRIES_EXHAUSTED',
] as const;
export type DeliveryCode = (typeof DELIVERY_CODES)[number] | `HTTP_${number}`;

export type DeliveryResult =
  | { kind: 'delivered'; status?: number; receipt?: string }
  /** 408/429/5xx, timeouts, network errors, SMTP 4xx: try again later. */
  | { kind: 'retry'; code: string; status?: number; retryAfterMs?: number }
  /** Other 4xx, invalid FHIR, SMTP 5xx: trying again cannot help. */
  | { kind: 'permanent'; code: string; status?: number }
  /** 410: the partner has retired this endpoint; disable it and alert. */
  | { kind: 'gone'; code: string; status: 410 };

export type DeliveryChannel = 'webhook' | 'fhir' | 'email';

export interface DeliveryAdapter {
  readonly channel: DeliveryChannel;
  send(delivery: OutboundDelivery, signal?: AbortSignal): Promise<DeliveryResult>;
  close?(): Promise<void>;
}
