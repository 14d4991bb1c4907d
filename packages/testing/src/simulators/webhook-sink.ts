import type http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { answerScripted, headerValue, listenLocal, readBody, sendJson } from './http-server.ts';
import { createRecorder } from './recorder.ts';
import { createScript, type ScriptStep } from './script.ts';

export interface WebhookDelivery {
  path: string;
  /** The partner id from `/partners/<id>`, if the path has one. */
  partnerId?: string;
  webhookId: string;
  /** The parsed JSON body (undefined if the body is not JSON). */
  body: unknown;
  raw: Buffer;
  headers: http.IncomingHttpHeaders;
  receivedAt: Date;
  /** The status the sink answered with (or 0 for a scripted hang). */
  status: number;
}

export interface WebhookRejection {
  path: string;
  reason: 'bad-signature' | 'unknown-partner';
  receivedAt: Date;
}

export interface WebhookSinkOptions {
  /** Secrets accepted on every path, or the secret(s) for the partner named in `/partners/<id>`. */
  secrets: string[] | ((partnerId: string) => string | string[] | undefined);
  port?: number;
  /** Steps to script from the start (global); more can be added with `script`. */
  behaviour?: ScriptStep[];
}

export interface WebhookSink {
  url: string;
  port: number;
  /** Signed deliveries received (whatever the sink answered them with). */
  received: WebhookDelivery[];
  /** Requests refused with 401. */
  rejected: WebhookRejection[];
  waitFor(condition: number | ((received: readonly WebhookDelivery[]) => boolean), timeoutMs?: number): Promise<WebhookDelivery[]>;
  /** Answer the next request(s) on `path` (or any path) with `step`, then go back to 200. */
  script(step: ScriptStep, path?: string): void;
  /** `${url}/partners/<id>` */
  urlFor(partnerId: string): string;
  /** Forgets what was received and any unused scripted steps. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A partner's webhook receiver: verifies Standard Webhooks signatures (401 when they fail),
 * records every signed delivery and answers 200 `{id}` unless scripted otherwise.
 */
export async function startWebhookSink(opts: WebhookSinkOptions): Promise<WebhookSink> {
  const recorder = createRecorder<WebhookDelivery>('webhook deliveries');
  const rejected: WebhookRejection[] = [];
  const script = createScript();
  for (const step of opts.behaviour ?? []) script.add(step);

  const secretsFor = (partnerId: string | undefined): string[] => {
    if (Array.isArray(opts.secrets)) return opts.secrets;
    if (!partnerId) return [];
    const s = opts.secrets(partnerId);
    return s === undefined ? [] : Array.isArray(s) ? s : [s];
  };

  const handler: http.RequestListener = (req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const raw = await readBody(req);
      const receivedAt = new Date();
      const partnerId = /^\/partners\/([^/]+)\/?$/.exec(path)?.[1];
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
      const secrets = secretsFor(partnerId);
      if (secrets.length === 0) {
        rejected.push({ path, reason: 'unknown-partner', receivedAt });
        return sendJson(res, 401, { error: 'unauthenticated' });
      }
      const headers = {
        'webhook-id': headerValue(req, 'webhook-id') ?? '',
        'webhook-timestamp': headerValue(req, 'webhook-timestamp') ?? '',
        'webhook-signature': headerValue(req, 'webhook-signature') ?? '',
      };
      const verified = secrets.some((secret) => {
        try {
          new Webhook(secret).verify(raw, headers);
          return true;
        } catch {
          return false;
        }
      });
      if (!verified) {
        rejected.push({ path, reason: 'bad-signature', receivedAt });
        return sendJson(res, 401, { error: 'unauthenticated' });
      }
      const step = script.next(path);
      const status = step ? (step.hang ? 0 : step.status) : 200;
      recorder.record({ path, ...(partnerId ? { partnerId } : {}), webhookId: headers['webhook-id'], body: parseJson(raw), raw, headers: req.headers, receivedAt, status });
      if (step) {
        answerScripted(res, step);
        return;
      }
      sendJson(res, 200, { id: `rcpt_${headers['webhook-id']}` });
    })().catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'sink failure' });
    });
  };

  const server = await listenLocal(handler, opts.port);
  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    port: server.port,
    received: recorder.received,
    rejected,
    waitFor: recorder.waitFor,
    script: (step, path) => script.add(step, path),
    urlFor: (partnerId) => `${url}/partners/${encodeURIComponent(partnerId)}`,
    reset() {
      recorder.received.length = 0;
    rejected.length = 0;
      script.clear();
    },
    async close() {
      recorder.cancelWaits('webhook sink closed');
      await server.close();
    },
  };
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
