import type { DeliveryResult } from '../types.ts';
import { parseRetryAfter } from './retry-after.ts';

/** Largest response body an adapter reads (for a receipt); the rest is discarded. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Checks an outbound endpoint at adapter creation. A non-https URL is a configuration bug, so
 * it throws; the message names the rule, never the URL (it may carry credentials).
 */
export function assertDeliveryUrl(url: string, allowHttp: boolean, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`${what}: the URL is not a valid absolute URL`);
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && allowHttp) return parsed;
  throw new Error(`${what}: the URL must use https (plain http is allowed only for a local test endpoint)`);
}

export function assertTimeout(timeoutMs: number, what: string): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`${what}: timeoutMs must be a positive number`);
}

/** Maps an HTTP status to a delivery result (DESIGN §4 Retries). */
export function classifyHttpStatus(status: number, retryAfter?: string | null, now: number = Date.now()): DeliveryResult {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const code = `HTTP_${status}`;
  if (status === 410) return { kind: 'gone', code, status: 410 };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter, now);
    return retryAfterMs === undefined ? { kind: 'retry', code, status } : { kind: 'retry', code, status, retryAfterMs };
  }
  // Other 4xx, and 1xx/3xx: redirects are not followed, because a redirected POST would
  // hand the payload to a host nobody configured.
  return { kind: 'permanent', code, status };
}

export interface HttpDeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpDeliveryOutcome {
  result: DeliveryResult;
  /** The response body (capped) of a 2xx answer, for a receipt; undefined otherwise. */
  responseText?: string;
}

/**
 * POSTs once and classifies the outcome. Never throws for partner behaviour: timeouts,
 * refused connections and resets become `retry` results. The timeout covers the whole
 * exchange, body included.
 */
export async function postForDelivery(req: HttpDeliveryRequest): Promise<HttpDeliveryOutcome> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  try {
    const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, redirect: 'manual', signal });
    const result = classifyHttpStatus(res.status, res.headers.get('retry-after'));
    if (result.kind !== 'delivered') {
      await res.body?.cancel().catch(() => undefined);
      return { result };
    }
    return { result, responseText: await readCapped(res) };
  } catch (err) {
    return { result: classifyFetchError(err, req.signal, timeout) };
  }
}

function classifyFetchError(_err: unknown, callerSignal: AbortSignal | undefined, timeout: AbortSignal): DeliveryResult {
  // The error text is deliberately dropped: it could quote the URL or a response fragment.
  if (callerSignal?.aborted) return { kind: 'retry', code: 'ABORTED' };
  if (timeout.aborted) return { kind: 'retry', code: 'TIMEOUT' };
  return { kind: 'retry', code: 'NETWORK' };
}

async function readCapped(res: Response): Promise<string | undefined> {
  if (!res.body) return undefined;
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_RESPONSE_BYTES) {
        await reader.cancel();
        return undefined;
      }
      chunks.push(value);
    }
  } catch {
    // The partner answered 2xx and then broke the body: the delivery stands, without a receipt.
    return undefined;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A receipt from a JSON answer's `id` (short strings only), if the partner sent one. */
export function receiptFromJson(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && 'id' in parsed) {
      const id = (parsed as { id: unknown }).id;
      if (typeof id === 'string' && id.length > 0 && id.length <= 200) return id;
    }
  } catch {
    // not JSON: no receipt
  }
  return undefined;
}
