import { createEmailAdapter } from './email/email-adapter.ts';
import { createFhirAdapter } from './fhir/fhir-adapter.ts';
import type { DeliveryAdapter, DeliveryChannel } from './types.ts';
import { createWebhookAdapter } from './webhook/webhook-adapter.ts';

/** A partner's delivery settings as the partner registry holds them (secrets resolved). */
export interface PartnerDeliveryConfig {
  readonly channel: DeliveryChannel;
  readonly url?: string | undefined;
  /** Marks a local test endpoint: plain http (and, for email, no STARTTLS) is then allowed. */
  readonly localTestEndpoint?: boolean | undefined;
  /** The resolved `whsec_…` signing secret (webhook; optional for FHIR). Never logged. */
  readonly secret?: string | undefined;
  readonly email?: {
    readonly to: string;
    readonly from?: string | undefined;
    readonly smtpUrl: string;
    readonly localTestServer?: boolean | undefined;
    /** Defaults to true; turning it off is honoured only for a marked local test server. */
    readonly requireTls?: boolean | undefined;
  } | undefined;
  readonly timeoutMs?: number | undefined;
  /** FHIR: a complete Authorization header value, resolved. Never logged. */
  readonly authHeader?: string | undefined;
}

export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;
export const DEFAULT_EMAIL_FROM = 'Early Help Referral Hub <no-reply@early-help-hub.invalid>';

/**
 * Builds the adapter a partner's delivery config asks for. Missing settings throw (a config
 * bug, caught when the delivery service starts), naming the partner and the setting only.
 */
export function createAdapterFor(partner: { readonly id?: string; readonly delivery?: PartnerDeliveryConfig | undefined }): DeliveryAdapter {
  const who = partner.id ? `partner ${partner.id}` : 'partner';
  const d = partner.delivery;
  if (!d) throw new Error(`${who}: no delivery settings`);
  const timeoutMs = d.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const allowHttp = d.localTestEndpoint === true;
  switch (d.channel) {
    case 'webhook':
      if (!d.url) throw new Error(`${who}: webhook delivery needs a url`);
      if (!d.secret) throw new Error(`${who}: webhook delivery needs a signing secret`);
      return createWebhookAdapter({ url: d.url, secret: d.secret, timeoutMs, allowHttp });
    case 'fhir':
      if (!d.url) throw new Error(`${who}: FHIR delivery needs a url`);
      return createFhirAdapter({ url: d.url, timeoutMs, allowHttp, ...(d.authHeader ? { authHeader: d.authHeader } : {}), ...(d.secret ? { secret: d.secret } : {}) });
    case 'email': {
      if (!d.email) throw new Error(`${who}: email delivery needs email settings`);
      const localTestServer = d.email.localTestServer === true || d.localTestEndpoint === true;
      return createEmailAdapter({
        smtpUrl: d.email.smtpUrl,
        to: d.email.to,
        from: d.email.from ?? DEFAULT_EMAIL_FROM,
        requireTls: !localTestServer || d.email.requireTls === true,
        timeoutMs,
      });
    }
    default: {
      const unknown: never = d.channel;
      throw new Error(`${who}: unknown delivery channel ${String(unknown)}`);
    }
  }
}
