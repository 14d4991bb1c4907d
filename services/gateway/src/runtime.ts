import type { FastifyInstance } from 'fastify';
import type { HubConfig } from '@hub/config';
import type { HubMetrics, Logger } from '@hub/observability';
import { createRedisConnection, OutboxEnqueuer, startOutboxSweeper, type OutboxSweeper } from '@hub/queues';
import { openMigratedStore, type Store } from '@hub/store';
import { createMessageValidator } from '@hub/validation';
import { buildApp } from './app.ts';

export interface GatewayRuntime {
  app: FastifyInstance;
  store: Store;
  enqueuer: OutboxEnqueuer;
  sweeper: OutboxSweeper;
  /** Stops on purpose: HTTP first, then the pending queue adds, the sweeper, Redis, PostgreSQL. */
  close(): Promise<void>;
}

/**
 * Wires the gateway from configuration: store (PostgreSQL or embedded PGlite), validator,
 * queue producer, outbox sweeper and the Fastify app. Fails loudly when PostgreSQL cannot be
 * migrated; starts without Redis (the outbox holds accepted messages until it is back).
 */
export async function startGatewayRuntime(config: HubConfig, logger: Logger, opts: { schema?: string; store?: Store; metrics?: HubMetrics } = {}): Promise<GatewayRuntime> {
  const { settings } = config;
  const ownsStore = !opts.store;
  const store = opts.store ?? (await openMigratedStore(settings, { logger: logger.child({ component: 'store' }), ...(opts.schema ? { schema: opts.schema } : {}) }));

  const connection = createRedisConnection(settings.redisUrl, 'producer');
  let redisStatus: 'up' | 'down' = 'down';
  connection.on('ready', () => {
    if (redisStatus === 'down') logger.info({}, 'redis connection ready');
    redisStatus = 'up';
  });
  connection.on('error', (err: Error) => {
    if (redisStatus === 'up') logger.warn({ err: { message: err.message } }, 'redis connection lost; intake continues into the outbox');
    redisStatus = 'down';
  });
  connection.on('end', () => {
    redisStatus = 'down';
  });

  const enqueuer = new OutboxEnqueuer({ connection, prefix: settings.queuePrefix, outbox: store, logger: logger.child({ component: 'enqueuer' }) });
  const sweeper = startOutboxSweeper({ outbox: store, enqueuer, intervalMs: settings.sweepIntervalMs, minAgeMs: settings.sweepMinAgeMs, logger: logger.child({ component: 'outbox-sweeper' }) });
  const validator = createMessageValidator({ allowTestNhsNumbers: settings.allowTestNhsNumbers });
  const app = buildApp({ config, store, validator, enqueuer, logger, redisStatus: () => redisStatus, ...(opts.metrics ? { metrics: opts.metrics } : {}) });

  return {
    app,
    store,
    enqueuer,
    sweeper,
    async close() {
      await app.close();
      await sweeper.stop();
      await enqueuer.close().catch((err: Error) => logger.warn({ err: { message: err.message } }, 'queue close failed'));
      connection.disconnect();
      if (ownsStore) await store.close();
    },
  };
}
