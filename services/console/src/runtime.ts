import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { HubConfig } from '@hub/config';
import { problem } from '@hub/errors';
import type { Logger } from '@hub/observability';
import { createRedisConnection, OutboxEnqueuer } from '@hub/queues';
import type { Store } from '@hub/store';
import { registerAdminApi } from './admin-api.ts';

export interface ConsoleRuntime {
  app: FastifyInstance;
  enqueuer: OutboxEnqueuer;
  close(): Promise<void>;
}

/**
 * The console service. For now it serves the operators' admin JSON API (holds, dead letters,
 * partner endpoints, ledger) and health probes; the browser console is built on it later.
 * Bind it to a private interface: it is never exposed to partners.
 */
export async function startConsoleRuntime(config: HubConfig, store: Store, logger: Logger): Promise<ConsoleRuntime> {
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
  app.setNotFoundHandler((request, reply) => reply.code(404).header('content-type', 'application/problem+json; charset=utf-8').send(problem('HUB_ERR_NOT_FOUND', { instance: `urn:uuid:${request.id}` })));
  app.get('/livez', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'not-ready' });
    }
  });
  await app.register(async (scope) => registerAdminApi(scope, { config, store, enqueuer, tokens: config.settings.adminTokens }));
  return {
    app,
    enqueuer,
    async close() {
      await app.close();
      await enqueuer.close();
      producer.disconnect();
    },
  };
}
