// The queue dashboards: bull-board mounted at /queues inside the signed-in console. Every role may
// look; operators and admins may retry, promote, pause, resume and clean finished jobs, each
// audited as queue.<action>. Changing job data, adding jobs or emptying/obliterating a queue is
// refused for everyone: the hub's queues are fed only from the outbox, and such changes would
// lose or forge deliveries.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OPERATE_ROLES, type ConsoleDeps } from './context.ts';
import { loginRedirectFor } from './security.ts';

export const QUEUES_BASE_PATH = '/queues';

/**
 * The board's page is a React app: it needs inline styles (React inserts <style> elements) and
 * its own <base href>. Scripts still only from this origin. Its Google Fonts link is blocked on
 * purpose (the console makes no third-party requests); the system font is used instead.
 */
export function boardCspDirectives(production: boolean): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'object-src': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    ...(production ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

/** Allowed mutating board API calls (method + route under /queues/api) → audit action. */
const BOARD_ACTIONS: Readonly<Record<string, string>> = {
  'PUT /queues/pause': 'queue.pause-all',
  'PUT /queues/resume': 'queue.resume-all',
  'PUT /queues/:queueName/pause': 'queue.pause',
  'PUT /queues/:queueName/resume': 'queue.resume',
  'PUT /queues/:queueName/promote': 'queue.promote-all',
  'PUT /queues/:queueName/retry/:queueStatus': 'queue.retry-all',
  'PUT /queues/:queueName/clean/:queueStatus': 'queue.clean-all',
  'PUT /queues/:queueName/:jobId/retry': 'queue.retry',
  'PUT /queues/:queueName/:jobId/promote': 'queue.promote',
};

/** Only finished jobs may be cleaned: removing waiting or delayed ones would drop deliveries. */
const CLEANABLE = new Set(['completed', 'failed']);

/** The audit action for a mutating board call, or undefined when the console refuses it for everyone. */
export function boardAction(method: string, routeUrl: string | undefined, params: Record<string, unknown>): string | undefined {
  const prefix = `${QUEUES_BASE_PATH}/api`;
  if (!routeUrl?.startsWith(prefix)) return undefined;
  const action = BOARD_ACTIONS[`${method} ${routeUrl.slice(prefix.length)}`];
  if (action === 'queue.clean-all' && !CLEANABLE.has(String(params.queueStatus))) return undefined;
  return action;
}

function isMutating(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD';
}

/** A cross-site request (by Fetch metadata or Origin) never reaches the board's API. */
function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    try {
      return new URL(origin).host !== request.headers.host;
    } catch {
      return true;
    }
  }
  return origin === 'null';
}

function refuseJson(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send({ error: message });
}

/**
 * Registers the board under /queues in `scope` (which already resolves sessions). Requests without
 * a session: the page redirects to sign-in, its API and static files answer 401.
 */
const refused = new WeakSet<FastifyRequest>();

export async function registerQueueBoard(scope: FastifyInstance, deps: ConsoleDeps, production: boolean): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUES_BASE_PATH);
  createBullBoard({
    queues: deps.queues().map((queue) => new BullMQAdapter(queue, { allowRetries: true, readOnlyMode: false })),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'Hub queues',
        hideDocsLink: true,
        miscLinks: [{ text: 'Back to the console', url: '/' }],
      },
    },
  });
  const csp = boardCspDirectives(production);

  await scope.register(async (board) => {
    board.addHook('onRoute', (route) => {
      // @fastify/helmet reads per-route options from config.helmet at request time.
      route.config = { ...(route.config as object | undefined), helmet: { contentSecurityPolicy: { useDefaults: false, directives: csp } } } as typeof route.config;
    });

    board.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0] as string;
      const api = path.startsWith(`${QUEUES_BASE_PATH}/api/`);
      if (!request.user) {
        if (!isMutating(request.method) && !api && !path.startsWith(`${QUEUES_BASE_PATH}/static/`)) {
          return reply.code(303).header('location', loginRedirectFor(request, request.sessionEnded ? { expired: '1' } : {})).send();
        }
        return refuseJson(reply, 401, 'Sign in to the console first.');
      }
      if (!isMutating(request.method)) return;
      const action = boardAction(request.method, request.routeOptions.url, (request.params ?? {}) as Record<string, unknown>);
      const target = { targetType: 'queue', targetId: String((request.params as Record<string, unknown> | undefined)?.queueName ?? '*') };
      if (!action || !OPERATE_ROLES.includes(request.user.role) || crossSite(request)) {
        refused.add(request);
        await deps.audit(request, { action: 'access-denied', ...target, outcome: 'denied', details: { route: `${request.method} ${request.routeOptions.url ?? 'unmatched'}` } });
        return refuseJson(reply, 403, action ? 'Your role cannot change the queues.' : 'The console does not allow this change to the hub queues.');
      }
    });

    board.addHook('onSend', async (request, reply, payload) => {
      if (!request.user || !isMutating(request.method) || refused.has(request)) return payload;
      const params = (request.params ?? {}) as Record<string, unknown>;
      const action = boardAction(request.method, request.routeOptions.url, params);
      if (!action) return payload;
      await deps.audit(request, {
        action,
        targetType: params.jobId ? 'job' : 'queue',
        targetId: params.jobId ? `${String(params.queueName)}/${String(params.jobId)}` : String(params.queueName ?? '*'),
        outcome: reply.statusCode < 400 ? 'ok' : 'failed',
        details: { status: reply.statusCode, ...(params.queueStatus ? { queueStatus: String(params.queueStatus) } : {}) },
      });
      return payload;
    });

    await board.register(serverAdapter.registerPlugin(), { prefix: QUEUES_BASE_PATH });
  });
}
