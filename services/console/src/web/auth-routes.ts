// Sign-in and sign-out. The sign-in form is protected by a double-submit token (a pre-session
// cookie that must equal the form's hidden field), so another site cannot sign a browser in to
// an account of its choosing; failures are rate limited and described the same way whatever
// went wrong.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccountBook } from './accounts.ts';
import { verifyAgainstDummy, verifyPassword } from './accounts.ts';
import { ALL_ROLES, type ConsoleDeps, type PageRoute } from './context.ts';
import { html } from './html.ts';
import { renderPage } from './layout.ts';
import { randomToken, safeNextPath, sendStatusPage, tokensMatch } from './security.ts';
import type { LoginRateLimiter } from './security.ts';
import type { SessionManager } from './sessions.ts';

export const LOGIN_CSRF_COOKIE = 'hub_login_csrf';
export const SIGN_IN_FAILED = 'The username or password is not right';

export interface AuthDeps {
  deps: ConsoleDeps;
  accounts: AccountBook;
  sessions: SessionManager;
  limiter: LoginRateLimiter;
  secureCookies: boolean;
}

function field(body: unknown, name: string, max: number): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' && value.length <= max ? value : '';
}

function loginCookieOptions(secure: boolean): { httpOnly: true; sameSite: 'strict'; path: string; secure: boolean; maxAge: number } {
  return { httpOnly: true, sameSite: 'strict', path: '/login', secure, maxAge: 2 * 3600 };
}

interface LoginFormOptions {
  status?: number;
  next?: string | undefined;
  notice?: string | undefined;
  error?: string | undefined;
}

function sendLoginForm(request: FastifyRequest, reply: FastifyReply, a: AuthDeps, opts: LoginFormOptions = {}): FastifyReply {
  const existing = request.cookies[LOGIN_CSRF_COOKIE];
  // Keep a valid token already set, so two sign-in tabs do not invalidate each other.
  const token = typeof existing === 'string' && /^[A-Za-z0-9_-]{43}$/.test(existing) ? existing : randomToken();
  reply.setCookie(LOGIN_CSRF_COOKIE, token, loginCookieOptions(a.secureCookies));
  const body = html`<form method="post" action="/login">
<input type="hidden" name="_csrf" value="${token}">
${opts.next ? html`<input type="hidden" name="next" value="${opts.next}">` : ''}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="64">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024">
<p><button type="submit">Sign in</button></p>
</form>
<p>The console is for the council's Early Help staff. Every sign-in and action is recorded.</p>`;
  return reply
    .code(opts.status ?? 200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderPage(request, { title: 'Sign in', body, ...(opts.notice ? { notice: opts.notice } : {}), ...(opts.error ? { errors: [opts.error] } : {}) }));
}

function noticeFor(query: Record<string, unknown>, idleMinutes: number): string | undefined {
  if (query.expired === '1') return `Your session ended after ${idleMinutes} minutes without activity, or at the end of its 12 hours. Sign in again.`;
  if (query.signedOut === '1') return 'You have signed out.';
  return undefined;
}

/** GET and POST /login: public routes (everything else needs a session). */
export function registerLoginRoutes(app: FastifyInstance, a: AuthDeps): void {
  const { deps, accounts, sessions, limiter } = a;
  const idleMinutes = Math.round(sessions.idleMs / 60_000);

  app.get('/login', async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const next = safeNextPath(query.next);
    if (request.user) return reply.code(303).header('location', next ?? '/').send();
    const notice = request.sessionEnded ? noticeFor({ expired: '1' }, idleMinutes) : noticeFor(query, idleMinutes);
    return sendLoginForm(request, reply, a, { next, notice });
  });

  app.post('/login', async (request, reply) => {
    const body = request.body;
    const next = safeNextPath(field(body, 'next', 2000));
    if (!tokensMatch(request.cookies[LOGIN_CSRF_COOKIE] ?? '', field(body, '_csrf', 128))) {
      request.log.warn({ reqId: request.id }, 'sign-in refused: the form token did not match its cookie');
      return sendLoginForm(request, reply, a, { status: 403, next, error: 'The sign-in form had expired. Sign in again.' });
    }
    const username = field(body, 'username', 64).trim().toLowerCase();
    const password = field(body, 'password', 1024);
    const ip = request.ip;

    const retryAfter = limiter.retryAfterSeconds(ip, username);
    if (retryAfter > 0) {
      request.log.warn({ reqId: request.id, retryAfter }, 'sign-in refused: too many failed attempts');
      reply.header('retry-after', String(retryAfter));
      return sendStatusPage(request, reply, 429, 'Too many attempts', `There have been too many failed sign-in attempts. Try again in ${Math.ceil(retryAfter / 60)} minutes.`, [{ href: '/login', label: 'Sign in' }]);
    }

    const account = username ? accounts.get(username) : undefined;
    const ok = account && password ? await verifyPassword(password, account.passwordHash) : await verifyAgainstDummy(password || 'x');
    if (!ok || !account) {
      limiter.recordFailure(ip, username);
      // A known account is named in the audit trail; anything typed that is not an account (it may
      // be a password typed in the wrong box) is not recorded.
      request.auditActor = account ? { username: account.username, role: account.role } : { username: '(unknown account)', role: '(none)' };
      await deps.audit(request, { action: 'sign-in-failed', outcome: 'failed' });
      return sendLoginForm(request, reply, a, { status: 401, next, error: SIGN_IN_FAILED });
    }

    limiter.recordSuccess(username);
    await sessions.start(request, reply, account);
    await deps.audit(request, { action: 'sign-in', outcome: 'ok' });
    reply.clearCookie(LOGIN_CSRF_COOKIE, loginCookieOptions(a.secureCookies));
    return reply.code(303).header('location', next ?? '/').send();
  });
}

/** POST /logout — a PageRoute, so it needs a session and the session's CSRF token. */
export function logoutRoute(deps: ConsoleDeps, sessions: () => SessionManager): PageRoute {
  return {
    method: 'POST',
    url: '/logout',
    roles: ALL_ROLES,
    async handler(request, reply) {
      await deps.audit(request, { action: 'sign-out', outcome: 'ok' });
      await sessions().end(request, reply);
      request.user = undefined;
      return reply.code(303).header('location', '/login?signedOut=1').send();
    },
  };
}
