import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { HubConfig } from '@hub/config';
import { openDirectorySource, type DirectorySource } from '@hub/directory';
import { problem } from '@hub/errors';
import type { HubMetrics, Logger } from '@hub/observability';
import { createRedisConnection, hubQueueNames, OutboxEnqueuer } from '@hub/queues';
import type { Store } from '@hub/store';
import { registerAdminApi } from './admin-api.ts';
import type { ConsoleDeps } from './web/context.ts';
import { pageRoutes } from './web/pages/index.ts';
import { registerConsoleWeb } from './web/register.ts';
import { createAuditRecorder } from './web/security.ts';

export interface ConsoleRuntime {
  app: FastifyInstance;
  enqueuer: OutboxEnqueuer;
  /** What the console's pages are built on (tests walk consoleRoutes(deps)). */
  deps: ConsoleDeps;
  close(): Promise<void>;
}

/**
 * The console service: the browser console for staff (sign-in, roles, pages, queue board, audit
 * trail), the operators' admin JSON API (bearer tokens) and health probes. Bind it to a private
 * interface: it is never exposed to partners. `opts.now` is the clock of sessions and audit rows.
 */
export async function startConsoleRuntime(config: HubConfig, store: Store, logger: Logger, opts: { metrics?: HubMetrics; now?: () => Date; directory?: DirectorySource } = {}): Promise<ConsoleRuntime> {
  const producer = createRedisConnection(config.settings.redisUrl, 'producer');
  producer.on('error', () => undefined);
  const enqueuer = new OutboxEnqueuer({ connection: producer, prefix: config.settings.queuePrefix, outbox: store, logger: logger.child({ component: 'console-enqueuer' }) });
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), genReqId: () => randomUUID(), requestIdHeader: false, bodyLimit: 64 * 1024 });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, route: request.routeOptions.url ?? 'unmatched', operatorId: request.operatorId, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed');
  });
  app.setErrorHandler((error: { statusCode?: number; validation?: unknown; message: string }, request, reply) => {
    if (error.validation) {
      // Fastify's validation messages can quote input; answer with the field names only.
      const issues = (error.validation as { instancePath?: string; keyword: string }[]).map((v) => ({ pointer: v.instancePath || '/', code: `schema.${v.keyword}`, message: 'This field breaks the request schema.' }));
      return reply.code(422).header('content-type', 'application/problem+json; charset=utf-8').send(problem('HUB_ERR_VALIDATION', { instance: `urn:uuid:${request.id}`, errors: issues }));
    }
    request.log.error({ reqId: request.id, err: { message: error.message } }, 'unexpected error');
    return reply.code(500).header('content-type', 'application/problem+json; charset=utf-8').send(problem('HUB_ERR_INTERNAL', { instance: `urn:uuid:${request.id}` }));
  });
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'not-ready' });
    }
  });
  const now = opts.now ?? (() => new Date());
  const audit = createAuditRecorder(store, now);
  const queueNames = hubQueueNames(config.partners.all().filter((p) => p.delivery).map((p) => p.id));
  // The directory for signposting: the scheduler's last good snapshot when a feed URL is set, else the demo file in demo mode.
  const { settings } = config;
  const directory =
    opts.directory ?? openDirectorySource(settings.directoryUrl ? { snapshotFile: settings.directorySnapshotFile } : settings.directoryDemoFile ? { demoFile: settings.directoryDemoFile } : {});
  const loaded = await directory.current();
  logger.info({ directory: loaded?.origin ?? 'none', services: loaded?.services.length ?? 0 }, 'service directory loaded');
  const deps: ConsoleDeps = { config, store, enqueuer, queues: () => queueNames.map((name) => enqueuer.queue(name)), audit, now, directory, ...(opts.metrics ? { metrics: opts.metrics } : {}) };
  await app.register(async (scope) => registerAdminApi(scope, { config, store, enqueuer, tokens: config.settings.adminTokens, now, ...(opts.metrics ? { metrics: opts.metrics } : {}) }));
  // The browser console: sessions, pages, /queues, security headers and the 404 page (JSON under /admin).
  try {
    await registerConsoleWeb(app, deps, pageRoutes(deps));
  } catch (err) {
    // e.g. an unusable accounts file (ConfigError): stop what was started, then fail loudly.
    await app.close().catch(() => undefined);
    await enqueuer.close().catch(() => undefined);
    producer.disconnect();
    throw err;
  }
  return {
    app,
    enqueuer,
    deps,
    async close() {
      await app.close();
      await enqueuer.close();
      producer.disconnect();
    },
  };
}
