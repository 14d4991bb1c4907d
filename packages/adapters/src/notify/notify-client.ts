import { createHmac } from 'node:crypto';
import { assertDeliveryUrl, assertTimeout } from '../http/http-delivery.ts';
import { parseRetryAfter } from '../http/retry-after.ts';

// A client for GOV.UK Notify's REST API (v2), used to write to families (acknowledgements,
// feedback invitations). Shapes follow GOV.UK Notify's public API documentation
// (https://docs.notifications.service.gov.uk/rest-api.html — "Send an email", "Send a text
// message", "Authorisation", "Error codes") and the official Node client
// (github.com/alphagov/notifications-node-client, client/api_client.js):
//
//   POST /v2/notifications/email  { email_address, template_id, personalisation?, reference? }
//   POST /v2/notifications/sms    { phone_number,  template_id, personalisation?, reference? }
//   Authorization: Bearer <JWT>   HS256, header { typ: 'JWT', alg: 'HS256' },
//                                 claims { iss: <service id>, iat: <epoch seconds> }, signed
//                                 with the API key's secret; `iat` must be within 30 s of
//                                 Notify's clock, so a fresh token is made for every request.
//   API key                       `<key name>-<service id (uuid)>-<secret (uuid)>`
//   201                           { id, reference, content: { body, subject?, from_email? |
//                                   from_number? }, uri, template: { id, version, uri } }
//   400 / 403 / 429 / 500         { status_code, errors: [{ error, message }] }
//                                 (e.g. BadRequestError "Missing personalisation: name",
//                                 ValidationError, AuthError, RateLimitError,
//                                 TooManyRequestsError, Exception)
//
// What this client promises (DESIGN §4, DOMAIN §7): it never logs, and no outcome carries an
// email address, phone number, personalisation value or Notify's free-text error message
// (Notify may quote the recipient back). Outcomes carry the HTTP status, Notify's error
// *class* names (`AuthError`…) and, for a missing-personalisation error, the placeholder names.

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const API_KEY = new RegExp(`^(.+)-(${UUID})-(${UUID})$`, 'i');
const UUID_ONLY = new RegExp(`^${UUID}$`, 'i');
/** `reference` is the hub's own id for the message: id-shaped, never personal data. */
const REFERENCE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** …and not something that could be a phone number (digits only, 7–15 of them). */
const PHONE_LIKE = /^\d{7,15}$/;
const ERROR_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const PLACEHOLDER_NAME = /^[A-Za-z0-9 _-]{1,64}$/;
const MAX_RESPONSE_BYTES = 64 * 1024;

export type NotifyPersonalisation = Record<string, string | number>;

export interface NotifyClientOptions {
  /** e.g. https://api.notifications.service.gov.uk (no trailing path). */
  baseUrl: string;
  /** `<name>-<service id>-<secret>`; resolved from a secret store, never logged. */
  apiKey: string;
  timeoutMs: number;
  /** Plain http is refused unless this is a local simulator (tests, the demo). */
  allowHttp?: boolean;
  /** Injected fetch (tests); defaults to the global one. */
  fetch?: typeof fetch;
  /** Clock for the JWT `iat` (tests). */
  now?: () => Date;
}

interface SendCommon {
  /** A Notify template id (uuid). */
  templateId: string;
  /** Values for the template's `((placeholders))`. Never logged, never in an outcome. */
  personalisation?: NotifyPersonalisation;
  /** The hub's id for this message (e.g. its notification id): id-shaped, never personal data. */
  reference: string;
  signal?: AbortSignal;
}

export interface SendEmailRequest extends SendCommon {
  emailAddress: string;
}

export interface SendSmsRequest extends SendCommon {
  phoneNumber: string;
}

export type NotifyOutcome =
  /** Notify accepted the message (201); `notificationId` is Notify's id for it. */
  | { kind: 'sent'; status: number; notificationId?: string }
  /** 408/429/5xx, TIMEOUT, NETWORK, ABORTED: try again later (after `retryAfterMs` if given). */
  | { kind: 'retry'; code: string; status?: number; retryAfterMs?: number; errors?: string[] }
  /**
   * 400/403 and every other answer: trying again cannot help. `REQUEST_INVALID` means the hub's
   * own request was malformed and was never sent; `field` is a JSON pointer into it.
   */
  | { kind: 'permanent'; code: string; status?: number; errors?: string[]; missingPersonalisation?: string[]; field?: string };

export interface NotifyClient {
  sendEmail(req: SendEmailRequest): Promise<NotifyOutcome>;
  sendSms(req: SendSmsRequest): Promise<NotifyOutcome>;
}

/** Splits a Notify API key; throws (without quoting the key) if it is not one. */
export function parseNotifyApiKey(apiKey: string): { keyName: string; serviceId: string; secret: string } {
  const m = API_KEY.exec(apiKey.trim());
  if (!m) throw new Error('notify client: the API key must have the form <name>-<service id uuid>-<secret uuid>');
  return { keyName: m[1]!, serviceId: m[2]!.toLowerCase(), secret: m[3]! };
}

/** The bearer token for one request: HS256 over `{ iss, iat }` with the key's secret. */
export function notifyJwt(serviceId: string, secret: string, now: Date = new Date()): string {
  const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }));
  const claims = b64url(JSON.stringify({ iss: serviceId, iat: Math.floor(now.getTime() / 1000) }));
  const signature = createHmac('sha256', secret).update(`${header}.${claims}`).digest('base64url');
  return `${header}.${claims}.${signature}`;
}

export function createNotifyClient(opts: NotifyClientOptions): NotifyClient {
  const base = assertDeliveryUrl(opts.baseUrl, opts.allowHttp ?? false, 'notify client');
  assertTimeout(opts.timeoutMs, 'notify client');
  const { serviceId, secret } = parseNotifyApiKey(opts.apiKey);
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? (() => new Date());
  const endpoint = (type: 'email' | 'sms'): string => new URL(`v2/notifications/${type}`, base.href.endsWith('/') ? base.href : `${base.href}/`).toString();

  async function post(type: 'email' | 'sms', recipient: Record<string, string>, req: SendCommon): Promise<NotifyOutcome> {
    const invalid = checkRequest(req);
    if (invalid) return invalid;
    const body = JSON.stringify({
      ...recipient,
      template_id: req.templateId,
      ...(req.personalisation ? { personalisation: req.personalisation } : {}),
      reference: req.reference,
    });
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await doFetch(endpoint(type), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${notifyJwt(serviceId, secret, now())}` },
        body,
        redirect: 'manual',
        signal,
      });
    } catch {
      // The error text is dropped: it could quote the URL or part of the request.
      if (req.signal?.aborted) return { kind: 'retry', code: 'ABORTED' };
      if (timeout.aborted) return { kind: 'retry', code: 'TIMEOUT' };
      return { kind: 'retry', code: 'NETWORK' };
    }
    const text = await readCapped(res, signal);
    if (res.status >= 200 && res.status < 300) {
      const id = notificationIdFrom(text);
      return id === undefined ? { kind: 'sent', status: res.status } : { kind: 'sent', status: res.status, notificationId: id };
    }
    return classifyFailure(res.status, res.headers.get('retry-after'), text);
  }

  return {
    sendEmail: (req) => {
      if (typeof req.emailAddress !== 'string' || req.emailAddress.trim() === '') return Promise.resolve(invalidField('/emailAddress'));
      return post('email', { email_address: req.emailAddress }, req);
    },
    sendSms: (req) => {
      if (typeof req.phoneNumber !== 'string' || req.phoneNumber.trim() === '') return Promise.resolve(invalidField('/phoneNumber'));
      return post('sms', { phone_number: req.phoneNumber }, req);
    },
  };
}

function checkRequest(req: SendCommon): NotifyOutcome | undefined {
  if (typeof req.templateId !== 'string' || !UUID_ONLY.test(req.templateId)) return invalidField('/templateId');
  if (typeof req.reference !== 'string' || !REFERENCE.test(req.reference) || PHONE_LIKE.test(req.reference)) return invalidField('/reference');
  if (req.personalisation !== undefined) {
    if (req.personalisation === null || typeof req.personalisation !== 'object' || Array.isArray(req.personalisation)) return invalidField('/personalisation');
    for (const [key, value] of Object.entries(req.personalisation)) {
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) return invalidField(`/personalisation/${pointerEscape(key)}`);
    }
  }
  return undefined;
}

function invalidField(field: string): NotifyOutcome {
  return { kind: 'permanent', code: 'REQUEST_INVALID', field };
}

function pointerEscape(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Maps a non-2xx answer. Only Notify's error class names survive, never its messages. */
export function classifyFailure(status: number, retryAfter: string | null, text: string | undefined, at: number = Date.now()): NotifyOutcome {
  const code = `HTTP_${status}`;
  const { errors, missing } = errorsFrom(text);
  const extra = errors.length > 0 ? { errors } : {};
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, at);
    return { kind: 'retry', code, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }), ...extra };
  }
  // 400 (bad request, validation), 403 (auth), other 4xx, and 3xx: redirects are not followed,
  // because a redirected POST would hand the family's details to a host nobody configured.
  return { kind: 'permanent', code, status, ...extra, ...(missing.length > 0 ? { missingPersonalisation: missing } : {}) };
}

function errorsFrom(text: string | undefined): { errors: string[]; missing: string[] } {
  const errors: string[] = [];
  const missing: string[] = [];
  if (!text) return { errors, missing };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { errors, missing };
  }
  const list = parsed && typeof parsed === 'object' ? (parsed as { errors?: unknown }).errors : undefined;
  if (!Array.isArray(list)) return { errors, missing };
  for (const item of list.slice(0, 10)) {
    if (!item || typeof item !== 'object') continue;
    const { error, message } = item as { error?: unknown; message?: unknown };
    if (typeof error === 'string' && ERROR_NAME.test(error) && !errors.includes(error)) errors.push(error);
    // "Missing personalisation: a, b" names template placeholders (set by the hub's own
    // templates), not values; anything that does not look like a placeholder name is dropped.
    const m = typeof message === 'string' ? /^Missing personalisation: (.+)$/.exec(message) : null;
    if (m) {
      for (const name of m[1]!.split(',').map((s) => s.trim())) {
        if (PLACEHOLDER_NAME.test(name) && !missing.includes(name)) missing.push(name);
      }
    }
  }
  return { errors, missing };
}

function notificationIdFrom(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    const id = parsed && typeof parsed === 'object' ? (parsed as { id?: unknown }).id : undefined;
    return typeof id === 'string' && UUID_ONLY.test(id) ? id.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

async function readCapped(res: Response, signal: AbortSignal): Promise<string | undefined> {
  if (!res.body) return undefined;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      if (signal.aborted) {
        await reader.cancel().catch(() => undefined);
        return undefined;
      }
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_RESPONSE_BYTES) {
        await reader.cancel().catch(() => undefined);
        return undefined;
      }
      chunks.push(value);
    }
  } catch {
    // The answer's status stands without its body.
    return undefined;
  }
  return Buffer.concat(chunks).toString('utf8');
}

function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
