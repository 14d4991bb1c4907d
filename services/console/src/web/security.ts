// The console's security building blocks: tokens and their constant-time comparison, safe
// redirect targets, the sign-in rate limiter, security headers, error pages and the audit recorder.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import helmet from '@fastify/helmet';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '@hub/store';
import type { AuditEventInput, ConsoleDeps } from './context.ts';
import { html } from './html.ts';
import { LAYOUT_STYLE_CSP_SOURCE, renderPage } from './layout.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Who an audit row is about when nobody is signed in on this request: the known account of a
     * failed sign-in, or the user whose session just expired.
     */
    auditActor?: { username: string; role: string };
  }
}

/** 32 random bytes, base64url: session ids and CSRF tokens. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compares two secrets in constant time (their digests, so lengths may differ). */
export function tokensMatch(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || expected.length === 0) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

/**
 * A redirect target after sign-in: only a path on this site (`/…`, never `//host` or `/\host`,
 * no control characters, not the sign-in page itself). Anything else → undefined.
 */
export function safeNextPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined;
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || c === '\\')) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value, 'http://console.invalid');
  } catch {
    return undefined;
  }
  if (parsed.origin !== 'http://console.invalid') return undefined;
  if (parsed.pathname === '/login' || parsed.pathname === '/logout') return undefined;
  return `${parsed.pathname}${parsed.search}`;
}

/** `/login?next=…` for a request that needs a session. */
export function loginRedirectFor(request: FastifyRequest, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  const next = request.method === 'GET' || request.method === 'HEAD' ? safeNextPath(request.url) : undefined;
  if (next && next !== '/') params.set('next', next);
  const query = params.toString();
  return query ? `/login?${query}` : '/login';
}

export interface RateLimitOptions {
  /** Failures per username within the window before further attempts are refused. Default 5. */
  maxFailuresPerUsername?: number;
  /** Failures from one IP address within the window. Default 20 (offices share addresses). */
  maxFailuresPerIp?: number;
  /** Default 15 minutes. */
  windowMs?: number;
  /** Keys remembered at most; the oldest go first (bounds memory under a flood). Default 10 000. */
  maxKeys?: number;
  now(): number;
}

/**
 * Sliding-window counts of failed sign-ins per username and per IP address. In memory, per
 * console process: with several console replicas an attacker gets the limit once per replica,
 * and a restart forgets the counts (docs/operations.md says so).
 */
export class LoginRateLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #perUser: number;
  readonly #perIp: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(options: RateLimitOptions) {
    this.#perUser = options.maxFailuresPerUsername ?? 5;
    this.#perIp = options.maxFailuresPerIp ?? 20;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now;
  }

  #recent(key: string): number[] {
    const since = this.#now() - this.#windowMs;
    const kept = (this.#failures.get(key) ?? []).filter((at) => at > since);
    if (kept.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, kept);
    return kept;
  }

  #wait(key: string, limit: number): number {
    const recent = this.#recent(key);
    if (recent.length < limit) return 0;
    const oldestCounted = recent[recent.length - limit] as number;
    return Math.max(1, Math.ceil((oldestCounted + this.#windowMs - this.#now()) / 1000));
  }

  /** Seconds until another attempt is allowed; 0 when it is allowed now. */
  retryAfterSeconds(ip: string, username: string): number {
    return Math.max(this.#wait(`ip:${ip}`, this.#perIp), username ? this.#wait(`user:${username}`, this.#perUser) : 0);
  }

  recordFailure(ip: string, username: string): void {
    const at = this.#now();
    for (const key of [`ip:${ip}`, ...(username ? [`user:${username}`] : [])]) {
      const list = this.#recent(key);
      list.push(at);
      // Re-insert so Map order is least-recently-failed first.
      this.#failures.delete(key);
      this.#failures.set(key, list.slice(-Math.max(this.#perIp, this.#perUser)));
    }
    while (this.#failures.size > this.#maxKeys) this.#failures.delete(this.#failures.keys().next().value as string);
  }

  /** A correct password clears that username's count (not the address's). */
  recordSuccess(username: string): void {
    this.#failures.delete(`user:${username}`);
  }
}

/** The console's Content Security Policy: nothing inline but the layout's own stylesheet. */
export function consoleCspDirectives(production: boolean): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'object-src': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", LAYOUT_STYLE_CSP_SOURCE],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    ...(production ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

/**
 * Security headers on every response of the console's server (pages, queue board, admin API,
 * probes): CSP, no referrer, no framing, no MIME sniffing; HSTS in production only (demo mode is
 * plain http on localhost). Console responses are never cached.
 */
export async function registerSecurityHeaders(app: FastifyInstance, production: boolean): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: consoleCspDirectives(production) },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
  app.addHook('onSend', async (request, reply, payload) => {
    // The queue board's hashed static bundles may be cached; everything else is live data.
    if (!request.url.startsWith('/queues/static/')) reply.header('cache-control', 'no-store');
    return payload;
  });
}

/** A whole page for an error or refusal: fixed text only, never anything from the request. */
export function sendStatusPage(request: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string, links: { href: string; label: string }[] = [{ href: '/', label: 'Back to the overview' }]): FastifyReply {
  const body = html`<p>${message}</p>${links.length > 0 ? html`<p>${links.map((l, i) => html`${i > 0 ? ' · ' : ''}<a href="${l.href}">${l.label}</a>`)}</p>` : ''}`;
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(renderPage(request, { title, body }));
}

export function sendForbidden(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendStatusPage(request, reply, 403, 'You cannot use this page', 'Your role does not allow this. Ask an administrator if you need it.');
}

export function sendCsrfRefused(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendStatusPage(request, reply, 403, 'This form has expired', 'The form did not carry this session’s security token, so nothing was changed. Go back, reload the page and try again.');
}

export function sendUnauthenticated(request: FastifyRequest, reply: FastifyReply, expired = false): FastifyReply {
  return sendStatusPage(request, reply, 401, 'Sign in first', expired ? 'Your session has ended, so nothing was changed. Sign in again.' : 'You need to sign in to use the console.', [{ href: '/login', label: 'Sign in' }]);
}

/**
 * deps.audit: appends to the audit trail with the signed-in user (or `request.auditActor`, or
 * `(unknown account)`), the request's IP address and the time.
 */
export function createAuditRecorder(store: Store, now: () => Date): ConsoleDeps['audit'] {
  return async (request: FastifyRequest, event: AuditEventInput) => {
    const actor = request.user ? { username: request.user.username, role: request.user.role } : (request.auditActor ?? { username: '(unknown account)', role: '(none)' });
    await store.appendAudit({
      at: now(),
      actor: actor.username,
      role: actor.role,
      action: event.action,
      targetType: event.targetType ?? null,
      targetId: event.targetId ?? null,
      reason: event.reason ?? null,
      outcome: event.outcome ?? 'ok',
      ip: request.ip ?? null,
      ...(event.details ? { details: event.details } : {}),
    });
  };
}
