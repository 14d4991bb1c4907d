// Mounts the browser console on the console service's Fastify app: cookies and security headers,
// server-side sessions, sign-in, the role and CSRF checks around every page, the audit page,
// the queue board, and HTML error and 404 pages (the JSON admin API keeps its own answers).
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { problem } from '@hub/errors';
import { ErasedError } from '@hub/store';
import { AccountBook } from './accounts.ts';
import { auditRoutes } from './audit-page.ts';
import { logoutRoute, registerLoginRoutes } from './auth-routes.ts';
import type { ConsoleDeps, PageRoute } from './context.ts';
import { pageRoutes } from './pages/index.ts';
import { registerQueueBoard } from './queues-board.ts';
import { LoginRateLimiter, loginRedirectFor, registerSecurityHeaders, sendCsrfRefused, sendForbidden, sendStatusPage, sendUnauthenticated, tokensMatch } from './security.ts';
import { SessionManager } from './sessions.ts';

/** What one console (per ConsoleDeps) keeps between requests. */
export interface ConsoleWebState {
  accounts: AccountBook;
  sessions: SessionManager;
  /** In memory, per console process. */
  limiter: LoginRateLimiter;
  production: boolean;
}

const states = new WeakMap<ConsoleDeps, ConsoleWebState>();

/**
 * The accounts, sessions and sign-in limiter of the console built on `deps`, made on first use.
 * Throws ConfigError listing every problem when the accounts file is not usable.
 */
export function consoleWebState(deps: ConsoleDeps): ConsoleWebState {
  let state = states.get(deps);
  if (!state) {
    const { settings } = deps.config;
    const production = settings.mode === 'production';
    const accounts = new AccountBook(settings.consoleAccountsFile, settings.mode);
    state = {
      accounts,
      production,
      sessions: new SessionManager({ store: deps.store, accounts, audit: deps.audit, now: deps.now, idleMs: settings.consoleIdleMinutes * 60_000, secureCookies: production }),
      limiter: new LoginRateLimiter({ now: () => deps.now().getTime() }),
    };
    states.set(deps, state);
  }
  return state;
}

/** The console's own routes: sign-out, the audit trail and reloading the accounts. */
function ownRoutes(deps: ConsoleDeps): PageRoute[] {
  return [logoutRoute(deps, () => consoleWebState(deps).sessions), ...auditRoutes(deps, () => consoleWebState(deps).accounts)];
}

/** Every PageRoute of the console (own routes and the pages'): what the security tests walk. */
export function consoleRoutes(deps: ConsoleDeps): PageRoute[] {
  return [...ownRoutes(deps), ...pageRoutes(deps)];
}

function routeKey(route: { method: string; url: string }): string {
  return `${route.method} ${route.url}`;
}

function isAdminApi(url: string): boolean {
  return url === '/admin' || url.startsWith('/admin/') || url.startsWith('/admin?');
}

/** No session: a page asks to sign in (and comes back), anything else is refused. */
function refuseWithoutSession(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (request.method === 'GET' || request.method === 'HEAD') {
    return reply.code(303).header('location', loginRedirectFor(request, request.sessionEnded ? { expired: '1' } : {})).send();
  }
  return sendUnauthenticated(request, reply, request.sessionEnded !== undefined);
}

function guardFor(deps: ConsoleDeps, route: PageRoute) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const user = request.user;
    if (!user) return refuseWithoutSession(request, reply);
    if (!route.roles.includes(user.role)) {
      await deps.audit(request, { action: 'access-denied', targetType: 'route', targetId: routeKey(route), outcome: 'denied' });
      return sendForbidden(request, reply);
    }
    return undefined;
  };
}

async function csrfCheck(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const body = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
  const presented = typeof body._csrf === 'string' ? body._csrf : request.headers['x-csrf-token'];
  if (!request.user || !tokensMatch(request.user.csrfToken, presented)) {
    request.log.warn({ reqId: request.id, route: request.routeOptions.url }, 'form refused: CSRF token missing or wrong');
    return sendCsrfRefused(request, reply);
  }
  return undefined;
}

/**
 * Registers the browser console on the console's root app: sessions, /login, the given pages
 * (plus the console's own routes, once each), /queues, security headers and the HTML 404.
 * Pass `pageRoutes(deps)` or `consoleRoutes(deps)`; routes already registered are skipped.
 */
export async function registerConsoleWeb(app: FastifyInstance, deps: ConsoleDeps, routes: PageRoute[]): Promise<void> {
  const state = consoleWebState(deps);
  await app.register(cookie);
  await registerSecurityHeaders(app, state.production);

  await app.register(async (scope) => {
    await scope.register(formbody, { bodyLimit: 64 * 1024 });
    scope.addHook('onRequest', async (request, reply) => {
      await state.sessions.resolve(request, reply);
    });
    scope.setErrorHandler((error: { statusCode?: number; validation?: unknown; message: string }, request, reply) => {
      if (error.validation) return sendStatusPage(request, reply, 400, 'Check what you entered', 'Something sent with this request is not in the form the console expects, so nothing was changed.');
      // A page that reads a record erased by key destruction (docs/data-protection.md "Erasure").
      if (error instanceof ErasedError) return sendStatusPage(request, reply, 410, 'This record was erased', 'Its data keys were destroyed, so nothing stored of it can be read any more. The erasure is recorded in the ledger and the audit trail.');
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      if (status === 500) {
        request.log.error({ reqId: request.id, err: { message: error.message } }, 'console page failed');
        return sendStatusPage(request, reply, 500, 'Something went wrong', 'The console could not finish this request. Nothing more was changed after the problem; try again, and tell the hub’s administrators if it keeps happening.');
      }
      return sendStatusPage(request, reply, status, 'That request could not be used', 'The console could not read this request, so nothing was changed.');
    });

    registerLoginRoutes(scope, { deps, accounts: state.accounts, sessions: state.sessions, limiter: state.limiter, secureCookies: state.production });

    const seen = new Set<string>();
    for (const route of [...ownRoutes(deps), ...routes]) {
      if (seen.has(routeKey(route))) continue;
      seen.add(routeKey(route));
      scope.route({
        method: route.method,
        url: route.url,
        ...(route.schema ? { schema: route.schema } : {}),
        onRequest: guardFor(deps, route),
        ...(route.method === 'POST' ? { preValidation: csrfCheck } : {}),
        handler: route.handler,
      });
    }

    await registerQueueBoard(scope, deps, state.production);
  });

  app.setNotFoundHandler(async (request, reply) => {
    if (isAdminApi(request.url)) {
      return reply.code(404).header('content-type', 'application/problem+json; charset=utf-8').send(problem('HUB_ERR_NOT_FOUND', { instance: `urn:uuid:${request.id}` }));
    }
    // Unknown console paths need a session too: without one they look like any other page.
    await state.sessions.resolve(request, reply);
    if (!request.user) return refuseWithoutSession(request, reply);
    return sendStatusPage(request, reply, 404, 'Page not found', 'There is no console page at this address.');
  });
}
