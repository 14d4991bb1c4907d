// A bounded load generator for the gateway: N signed requests, C at a time, each with a fresh
// webhook-id, to 127.0.0.1 only. Every outcome is recorded — status, the hub's message id,
// the problem code — and connection errors and timeouts are counted instead of thrown, so a
// test can kill the server half-way through and still read what each request got.
import { signedRequest } from '@hub/testing';

export interface LoadTarget {
  /** `http://127.0.0.1:<port>`: only loopback targets are accepted. */
  baseUrl: string;
  partnerId: string;
  secret: string;
}

export interface LoadResponse {
  index: number;
  webhookId: string;
  /** The exact bytes sent (and signed). */
  payload: Buffer;
  /** undefined when no HTTP answer came back (connection error or timeout). */
  status: number | undefined;
  /** The hub's message id from a 200/202 answer. */
  messageId?: string;
  /** The `code` of a problem answer. */
  code?: string;
  retryAfter?: string;
  /** `timeout`, or the connection error's code (ECONNREFUSED, UND_ERR_SOCKET, …). */
  error?: string;
  startedAt: number;
  ms: number;
}

export interface LoadProgress {
  started: number;
  completed: number;
  inFlight: number;
  /** Answers by status; `error` counts connection errors and timeouts. */
  byStatus: Record<string, number>;
}

export interface LoadOptions extends LoadTarget {
  requests: number;
  concurrency: number;
  /** The body of request `index` (called once per request). */
  body(index: number): string | Buffer;
  /** Per request, including reading the answer; default 10 s. */
  timeoutMs?: number;
  /** No new request starts after this long; default 120 s. */
  maxDurationMs?: number;
  /** Called after every request, with the counters at that moment. */
  onResponse?(response: LoadResponse, progress: LoadProgress): void;
}

export interface LoadReport {
  responses: LoadResponse[];
  byStatus: Record<string, number>;
  /** Requests that got no HTTP answer at all. */
  connectionErrors: number;
  timeouts: number;
  durationMs: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function assertLoopback(baseUrl: string): void {
  const { hostname } = new URL(baseUrl);
  if (!LOOPBACK.has(hostname)) throw new Error(`load is only sent to this machine's loopback, not to ${hostname}`);
}

function errorCode(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; name?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  return e.cause?.code ?? e.cause?.name ?? e.message ?? 'unknown';
}

/**
 * Sends one signed POST to `/v1/inbound/<partnerId>` and records the outcome; never throws
 * for a network failure.
 */
export async function sendSigned(target: LoadTarget, body: string | Buffer, opts: { index?: number; webhookId?: string; timeoutMs?: number } = {}): Promise<LoadResponse> {
  assertLoopback(target.baseUrl);
  const req = signedRequest({ partnerId: target.partnerId, secret: target.secret, body, ...(opts.webhookId ? { webhookId: opts.webhookId } : {}) });
  const startedAt = Date.now();
  const base = { index: opts.index ?? 0, webhookId: req.headers['webhook-id'] as string, payload: req.payload, startedAt };
  try {
    const res = await fetch(`${target.baseUrl}${req.url}`, {
      method: 'POST',
      headers: req.headers,
      body: req.payload,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let json: { id?: unknown; code?: unknown } = {};
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      // not JSON: status alone tells the story
    }
    const retryAfter = res.headers.get('retry-after');
    return {
      ...base,
      status: res.status,
      ...(typeof json.id === 'string' ? { messageId: json.id } : {}),
      ...(typeof json.code === 'string' ? { code: json.code } : {}),
      ...(retryAfter !== null ? { retryAfter } : {}),
      ms: Date.now() - startedAt,
    };
  } catch (err) {
    return { ...base, status: undefined, error: errorCode(err), ms: Date.now() - startedAt };
  }
}

/** Runs `requests` signed requests with at most `concurrency` in flight; stops by itself. */
export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  assertLoopback(opts.baseUrl);
  if (!Number.isInteger(opts.requests) || opts.requests < 0) throw new TypeError('requests must be a whole number');
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) throw new TypeError('concurrency must be at least 1');
  const startedAt = Date.now();
  const stopAt = startedAt + (opts.maxDurationMs ?? 120_000);
  const responses: LoadResponse[] = [];
  const progress: LoadProgress = { started: 0, completed: 0, inFlight: 0, byStatus: {} };
  let connectionErrors = 0;
  let timeouts = 0;

  async function worker(): Promise<void> {
    while (progress.started < opts.requests && Date.now() < stopAt) {
      const index = progress.started++;
      progress.inFlight++;
      const response = await sendSigned(opts, opts.body(index), { index, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
      progress.inFlight--;
      progress.completed++;
      const key = response.status === undefined ? 'error' : String(response.status);
      progress.byStatus[key] = (progress.byStatus[key] ?? 0) + 1;
      if (response.error === 'timeout') timeouts++;
      else if (response.status === undefined) connectionErrors++;
      responses.push(response);
      opts.onResponse?.(response, progress);
    }
  }

  await Promise.all(Array.from({ length: Math.min(opts.concurrency, Math.max(1, opts.requests)) }, () => worker()));
  responses.sort((a, b) => a.index - b.index);
  return { responses, byStatus: { ...progress.byStatus }, connectionErrors, timeouts, durationMs: Date.now() - startedAt };
}

/**
 * `base` followed by a whitespace tail that spells `index` in binary (space = 0, tab = 1):
 * still the same JSON document, but byte-unique, so a stored body identifies its request.
 */
export function uniqueBody(base: string, index: number): string {
  return `${base.trimEnd()}\n${(index + 1).toString(2).replaceAll('0', ' ').replaceAll('1', '\t')}\n`;
}

/** Polls `check` until it returns true or the deadline passes; returns whether it did. */
export async function waitUntil(check: () => Promise<boolean> | boolean, opts: { timeoutMs: number; intervalMs?: number }): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 100));
  }
}
