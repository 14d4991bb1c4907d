import { createTransport } from 'nodemailer';
import { assertTimeout } from '../http/http-delivery.ts';
import type { DeliveryAdapter, DeliveryResult, OutboundDelivery } from '../types.ts';

export interface EmailAdapterOptions {
  /** `smtp://host:port` (STARTTLS) or `smtps://host:port` (implicit TLS); may carry credentials. */
  smtpUrl: string;
  /** The partner's secure mailbox. */
  to: string;
  from: string;
  /**
   * Refuse to send unless the connection is encrypted (STARTTLS on smtp://). Only a marked local
   * test server may turn this off.
   */
  requireTls: boolean;
  /** Connection, greeting and socket timeout (default 30 s). */
  timeoutMs?: number;
}

/** The fixed body text: no personal data, ever; the referral travels only as the attachment. */
export const EMAIL_NOTICE = [
  'The Early Help Referral Hub has shared a referral with your organisation.',
  '',
  'The referral is attached as a JSON file. It contains personal data shared under your',
  "organisation's data-sharing agreement with the council: open it only on an authorised",
  'system, and handle it as that agreement requires.',
  '',
  'Please acknowledge the referral through the hub, quoting the delivery id below.',
].join('\n');

/** The fixed body text of a correction (UK GDPR Art 19): no personal data; the correction is the attachment. */
export const RECTIFICATION_EMAIL_NOTICE = [
  'The Early Help Referral Hub has corrected personal data it shared with your organisation.',
  '',
  'The correction is attached as a JSON file (a referral.rectified message). It names the referral',
  'delivery you received, the corrected field and its corrected value: please update your record.',
  'Open it only on an authorised system, and handle it as your data-sharing agreement requires.',
].join('\n');

/**
 * SMTP delivery to a secure mailbox. The subject and body carry only ids; the payload is an
 * attachment. The Message-ID comes from the delivery id, so a resend is recognisable.
 *
 * Classification: SMTP 4xx → retry (SMTP_4XX); 5xx → permanent (SMTP_5XX); a server that does
 * not offer STARTTLS while TLS is required → permanent (TLS_REQUIRED): a mailbox that cannot be
 * reached securely will not become secure by retrying, and an operator has to see it now, not
 * after a day of retries (a replay sends it once the partner has fixed its server). Connection
 * failures → retry (NETWORK / TIMEOUT).
 */
export function createEmailAdapter(opts: EmailAdapterOptions): DeliveryAdapter {
  const smtp = assertSmtpUrl(opts.smtpUrl);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  assertTimeout(timeoutMs, 'email adapter');
  const transport = createTransport({
    url: opts.smtpUrl,
    requireTLS: opts.requireTls && !smtp.implicitTls,
    ignoreTLS: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const messageIdDomain = domainOf(opts.from);

  return {
    channel: 'email',
    async send(delivery: OutboundDelivery, signal?: AbortSignal): Promise<DeliveryResult> {
      const rectification = delivery.kind === 'rectification';
      const name = rectification ? 'rectification' : 'referral';
      try {
        const info = await transport.sendMail({
          from: opts.from,
          to: opts.to,
          subject: rectification ? `Early Help referral ${delivery.referralId}: correction` : `Early Help referral ${delivery.referralId} (${delivery.urgency})`,
          text: `${rectification ? RECTIFICATION_EMAIL_NOTICE : EMAIL_NOTICE}\n\nReferral id: ${delivery.referralId}\nDelivery id: ${delivery.deliveryId}\n`,
          messageId: `<${name}-${delivery.deliveryId}@${messageIdDomain}>`,
          headers: { 'X-Early-Help-Delivery-Id': delivery.deliveryId, ...(rectification ? { 'X-Early-Help-Message-Type': 'referral.rectified' } : {}) },
          attachments: [{ filename: `${name}-${delivery.deliveryId}.json`, content: delivery.payload, contentType: 'application/json' }],
          ...(signal ? { signal } : {}),
        });
        return { kind: 'delivered', ...(typeof info.response === 'string' ? { receipt: info.response.slice(0, 200) } : {}) };
      } catch (err) {
        return classifySmtpError(err, signal);
      }
    },
    async close() {
      transport.close();
    },
  };
}

/** Maps a Nodemailer error to a delivery result. The error's text is never kept. */
export function classifySmtpError(err: unknown, signal?: AbortSignal): DeliveryResult {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown; name?: unknown };
  if (signal?.aborted || e.code === 'EABORT' || e.name === 'AbortError') return { kind: 'retry', code: 'ABORTED' };
  const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (e.code === 'ETLS') {
    // The server refused or does not offer STARTTLS: see the classification note above.
    if (e.command === 'STARTTLS' && reply !== undefined) return { kind: 'permanent', code: 'TLS_REQUIRED', status: reply };
    // The TLS handshake itself failed (network trouble, or a certificate problem being fixed).
    return { kind: 'retry', code: 'TLS_HANDSHAKE' };
  }
  if (reply !== undefined && reply >= 400 && reply < 500) return { kind: 'retry', code: 'SMTP_4XX', status: reply };
  if (reply !== undefined && reply >= 500) return { kind: 'permanent', code: 'SMTP_5XX', status: reply };
  if (e.code === 'ETIMEDOUT') return { kind: 'retry', code: 'TIMEOUT' };
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH' || e.code === 'ECONFIG') return { kind: 'permanent', code: 'SMTP_CONFIG' };
  return { kind: 'retry', code: 'NETWORK' };
}

function assertSmtpUrl(url: string): { implicitTls: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('email adapter: smtpUrl is not a valid URL');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') throw new Error('email adapter: smtpUrl must be smtp:// or smtps://');
  return { implicitTls: parsed.protocol === 'smtps:' };
}

function domainOf(address: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(address);
  return match?.[1] ?? 'early-help-hub.invalid';
}
