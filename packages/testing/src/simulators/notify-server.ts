import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { answerScripted, headerValue, listenLocal, readBody, sendJson } from './http-server.ts';
import { createRecorder } from './recorder.ts';
import { createScript, type ScriptStep } from './script.ts';

// A local stand-in for GOV.UK Notify's REST API (v2), for tests and the demo. It follows the
// public API documentation (https://docs.notifications.service.gov.uk/rest-api.html):
// POST /v2/notifications/email and /v2/notifications/sms, JWT bearer authentication (HS256,
// `iss` = service id, `iat` within 30 s), 201 `{ id, reference, content, uri, template }`, and
// errors as `{ status_code, errors: [{ error, message }] }`. Like Notify, error messages name
// fields and placeholders, never the recipient or a personalisation value.

export interface NotifyTemplate {
  type: 'email' | 'sms';
  /** Body with `((placeholder))` and `((placeholder??conditional text))` fields. */
  body: string;
  /** Email only; may hold placeholders too. */
  subject?: string;
}

export interface NotifySimulatorOptions {
  serviceId: string;
  /** The secret part (a uuid) of the API key the hub uses. */
  apiKeySecret: string;
  templates: Record<string, NotifyTemplate>;
  port?: number;
  /** Steps to script from the start; more can be added with `script`. */
  behaviour?: ScriptStep[];
  /** Allowed clock difference for `iat` (default 30 s, as Notify). */
  clockSkewSeconds?: number;
}

/** An authenticated request, whatever the simulator answered it with. */
export interface NotifyReceived {
  type: 'email' | 'sms';
  path: string;
  templateId?: string;
  emailAddress?: string;
  phoneNumber?: string;
  personalisation: Record<string, unknown>;
  reference?: string | null;
  /** The parsed body as sent. */
  body: unknown;
  /** 201, a validation 400, or a scripted status (0 for a scripted hang). */
  status: number;
  /** For 201: Notify's notification id and the rendered message. */
  notificationId?: string;
  content?: { subject?: string; body: string };
  /** For a 400: the errors answered. */
  errors?: NotifyApiError[];
  receivedAt: Date;
}

export interface NotifyRejection {
  path: string;
  reason: 'missing-token' | 'bad-token' | 'bad-signature' | 'wrong-service' | 'clock-skew';
  receivedAt: Date;
}

export interface NotifyApiError {
  error: string;
  message: string;
}

export interface NotifySimulator {
  url: string;
  port: number;
  serviceId: string;
  /** Authenticated requests (accepted, invalid or scripted). */
  received: NotifyReceived[];
  /** Requests refused with 403 AuthError. */
  rejected: NotifyRejection[];
  /** Messages accepted with 201. */
  sent(): NotifyReceived[];
  waitFor(condition: number | ((received: readonly NotifyReceived[]) => boolean), timeoutMs?: number): Promise<NotifyReceived[]>;
  /** Answer the next request(s) on `path` (or any path) with `step`, then behave normally. */
  script(step: ScriptStep, path?: string): void;
  /** A valid API key for this service: `<name>-<service id>-<secret>`. */
  apiKey(name?: string): string;
  reset(): void;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const PATHS: Record<string, 'email' | 'sms'> = { '/v2/notifications/email': 'email', '/v2/notifications/sms': 'sms' };

export async function startNotifySimulator(opts: NotifySimulatorOptions): Promise<NotifySimulator> {
  if (!UUID.test(opts.serviceId) || !UUID.test(opts.apiKeySecret)) throw new Error('notify simulator: serviceId and apiKeySecret must be uuids');
  const recorder = createRecorder<NotifyReceived>('notify requests');
  const rejected: NotifyRejection[] = [];
  const script = createScript();
  for (const step of opts.behaviour ?? []) script.add(step);
  const skew = opts.clockSkewSeconds ?? 30;
  let url = '';

  const handler: http.RequestListener = (req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const raw = await readBody(req, 1024 * 1024);
      const receivedAt = new Date();
      const type = PATHS[path];
      if (!type) return notifyError(res, 404, 'ResourceNotFound', 'Not found');
      if (req.method !== 'POST') return notifyError(res, 405, 'MethodNotAllowed', 'Method not allowed');

      const auth = checkToken(headerValue(req, 'authorization'), opts.serviceId, opts.apiKeySecret, skew);
      if (auth) {
        rejected.push({ path, reason: auth.reason, receivedAt });
        return notifyError(res, 403, 'AuthError', auth.message);
      }

      const body = parseJson(raw);
      const fields = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
      const personalisation = fields.personalisation && typeof fields.personalisation === 'object' && !Array.isArray(fields.personalisation) ? (fields.personalisation as Record<string, unknown>) : {};
      const base: NotifyReceived = {
        type,
        path,
        ...(typeof fields.template_id === 'string' ? { templateId: fields.template_id } : {}),
        ...(typeof fields.email_address === 'string' ? { emailAddress: fields.email_address } : {}),
        ...(typeof fields.phone_number === 'string' ? { phoneNumber: fields.phone_number } : {}),
        personalisation,
        reference: typeof fields.reference === 'string' ? fields.reference : null,
        body,
        status: 0,
        receivedAt,
      };

      const step = script.next(path);
      if (step) {
        recorder.record({ ...base, status: step.hang ? 0 : step.status });
        answerScripted(res, { ...step, body: step.body ?? scriptedBody(step.status) });
        return;
      }

      const errors = body === undefined ? [{ error: 'BadRequestError', message: 'Invalid JSON supplied in POST data' }] : validate(type, fields, personalisation, opts.templates);
      if (errors.length > 0) {
        recorder.record({ ...base, status: 400, errors });
        return sendJson(res, 400, { status_code: 400, errors });
      }

      const templateId = fields.template_id as string;
      const template = opts.templates[templateId]!;
      const content = {
        ...(template.type === 'email' ? { subject: render(template.subject ?? '', personalisation) } : {}),
        body: render(template.body, personalisation),
      };
      const id = randomUUID();
      recorder.record({ ...base, status: 201, notificationId: id, content });
      sendJson(res, 201, {
        id,
        reference: base.reference,
        content: type === 'email' ? { ...content, from_email: 'early.help@notifications.service.gov.uk', one_click_unsubscribe_url: null } : { ...content, from_number: 'EarlyHelp' },
        uri: `${url}/v2/notifications/${id}`,
        template: { id: templateId, version: 1, uri: `${url}/v2/template/${templateId}/version/1` },
        scheduled_for: null,
      });
    })().catch(() => {
      if (!res.headersSent) notifyError(res, 500, 'Exception', 'Internal server error');
    });
  };

  const server = await listenLocal(handler, opts.port);
  url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    port: server.port,
    serviceId: opts.serviceId,
    received: recorder.received,
    rejected,
    sent: () => recorder.received.filter((r) => r.status === 201),
    waitFor: recorder.waitFor,
    script: (step, path) => script.add(step, path),
    apiKey: (name = 'hub_demo') => `${name}-${opts.serviceId}-${opts.apiKeySecret}`,
    reset() {
      recorder.received.length = 0;
      rejected.length = 0;
      script.clear();
    },
    async close() {
      recorder.cancelWaits('notify simulator closed');
      await server.close();
    },
  };
}

function notifyError(res: http.ServerResponse, status: number, error: string, message: string): void {
  sendJson(res, status, { status_code: status, errors: [{ error, message }] });
}

function scriptedBody(status: number): unknown {
  if (status === 429) return { status_code: 429, errors: [{ error: 'RateLimitError', message: 'Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds' }] };
  if (status === 403) return { status_code: 403, errors: [{ error: 'AuthError', message: 'Invalid token: API key not found' }] };
  if (status === 400) return { status_code: 400, errors: [{ error: 'BadRequestError', message: 'Scripted bad request' }] };
  if (status >= 500) return { status_code: status, errors: [{ error: 'Exception', message: 'Internal server error' }] };
  return { status_code: status, errors: [{ error: 'ScriptedError', message: `Scripted ${status}` }] };
}

function checkToken(header: string | undefined, serviceId: string, secret: string, skew: number): { reason: NotifyRejection['reason']; message: string } | undefined {
  const m = header ? /^Bearer (\S+)$/.exec(header) : null;
  if (!m) return { reason: 'missing-token', message: 'Unauthorized: authentication token must be provided' };
  const parts = m[1]!.split('.');
  if (parts.length !== 3) return { reason: 'bad-token', message: 'Invalid token: signature, api token not found' };
  const [h, c, s] = parts as [string, string, string];
  const header_ = parseJson(Buffer.from(h, 'base64url')) as { alg?: unknown } | undefined;
  if (!header_ || header_.alg !== 'HS256') return { reason: 'bad-token', message: 'Invalid token: signature, api token not found' };
  const expected = createHmac('sha256', secret).update(`${h}.${c}`).digest();
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { reason: 'bad-signature', message: 'Invalid token: signature, api token not found' };
  const claims = parseJson(Buffer.from(c, 'base64url')) as { iss?: unknown; iat?: unknown } | undefined;
  if (!claims || claims.iss !== serviceId) return { reason: 'wrong-service', message: 'Invalid token: service not found' };
  if (typeof claims.iat !== 'number' || Math.abs(Date.now() / 1000 - claims.iat) > skew) return { reason: 'clock-skew', message: 'Error: Your system clock must be accurate to within 30 seconds' };
  return undefined;
}

function validate(type: 'email' | 'sms', fields: Record<string, unknown>, personalisation: Record<string, unknown>, templates: Record<string, NotifyTemplate>): NotifyApiError[] {
  const errors: NotifyApiError[] = [];
  const recipientField = type === 'email' ? 'email_address' : 'phone_number';
  const recipient = fields[recipientField];
  if (recipient === undefined) errors.push({ error: 'ValidationError', message: `${recipientField} is a required property` });
  else if (type === 'email' && (typeof recipient !== 'string' || !EMAIL.test(recipient.trim()))) errors.push({ error: 'ValidationError', message: 'email_address Not a valid email address' });
  else if (type === 'sms' && (typeof recipient !== 'string' || !isUkMobile(recipient))) errors.push({ error: 'ValidationError', message: 'phone_number Not a UK mobile number' });
  const templateId = fields.template_id;
  if (templateId === undefined) errors.push({ error: 'ValidationError', message: 'template_id is a required property' });
  else if (typeof templateId !== 'string' || !UUID.test(templateId)) errors.push({ error: 'ValidationError', message: 'template_id is not a valid UUID' });
  if (fields.personalisation !== undefined && (typeof fields.personalisation !== 'object' || fields.personalisation === null || Array.isArray(fields.personalisation)))
    errors.push({ error: 'ValidationError', message: 'personalisation is not of type object' });
  if (fields.reference !== undefined && fields.reference !== null && typeof fields.reference !== 'string') errors.push({ error: 'ValidationError', message: 'reference is not of type string, null' });
  if (errors.length > 0) return errors;

  const template = templates[templateId as string];
  if (!template) return [{ error: 'BadRequestError', message: 'Template not found' }];
  if (template.type !== type) return [{ error: 'BadRequestError', message: `${template.type} template is not suitable for ${type} notification` }];
  const values = normalisedValues(personalisation);
  const missing = placeholders(`${template.subject ?? ''} ${template.body}`).filter((name) => {
    const v = values.get(normaliseName(name));
    return v === undefined || v === null;
  });
  if (missing.length > 0) return [{ error: 'BadRequestError', message: `Missing personalisation: ${missing.join(', ')}` }];
  return [];
}

/** Placeholder names in order of first use; `((name??text))` is a conditional on `name`. */
function placeholders(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/\(\(([^()]+)\)\)/g)) {
    const name = m[1]!.split('??')[0]!.trim();
    if (!names.some((n) => normaliseName(n) === normaliseName(name))) names.push(name);
  }
  return names;
}

/** Notify matches personalisation keys ignoring case, spaces, underscores and hyphens. */
function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

function normalisedValues(personalisation: Record<string, unknown>): Map<string, unknown> {
  return new Map(Object.entries(personalisation).map(([k, v]) => [normaliseName(k), v]));
}

function render(text: string, personalisation: Record<string, unknown>): string {
  const values = normalisedValues(personalisation);
  return text.replace(/\(\(([^()]+)\)\)/g, (_all, inner: string) => {
    const [name, conditional] = inner.split('??') as [string, string | undefined];
    const value = values.get(normaliseName(name));
    if (conditional !== undefined) return isTruthy(value) ? conditional : '';
    return value === undefined || value === null ? '' : String(value);
  });
}

function isTruthy(value: unknown): boolean {
  if (typeof value === 'string') return !['', 'no', 'false', '0'].includes(value.trim().toLowerCase());
  return Boolean(value);
}

/** UK mobile numbers as Notify accepts them: 07…, +447…, 00447…, 447… with spaces, dashes or brackets. */
function isUkMobile(value: string): boolean {
  const digits = value.replace(/[\s()\-.]/g, '');
  return /^(?:\+44|0044|44|0)7\d{9}$/.test(digits);
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
