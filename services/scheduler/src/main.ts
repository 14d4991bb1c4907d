import { loadConfigOrExit } from '@hub/config';
import { createLogger, startHealthServer, stopOnSignals } from '@hub/observability';
import { createRedisConnection, OutboxEnqueuer, startOutboxSweeper } from '@hub/queues';
import { startDeadlineMonitor } from '@hub/routing';
import { openMigratedStore } from '@hub/store';

/**
 * The scheduler: the outbox sweeper (queues anything committed but not yet queued) and the
 * Operation Encompass deadline monitor. Retention and statistics jobs join it later.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const { settings } = config;
  const logger = createLogger({ service: 'scheduler', level: settings.logLevel });
  const store = await openMigratedStore(settings, { logger: logger.child({ component: 'store' }) });
  const producer = createRedisConnection(settings.redisUrl, 'producer');
  producer.on('error', () => undefined);
  const enqueuer = new OutboxEnqueuer({ connection: producer, prefix: settings.queuePrefix, outbox: store, logger: logger.child({ component: 'enqueuer' }) });
  const sweeper = startOutboxSweeper({ outbox: store, enqueuer, intervalMs: settings.sweepIntervalMs, minAgeMs: settings.sweepMinAgeMs, logger: logger.child({ component: 'outbox-sweeper' }) });
  const deadlines = startDeadlineMonitor({ store, logger: logger.child({ component: 'deadline-monitor' }), intervalMs: 30_000 });
  const health = await startHealthServer({ host: settings.host, port: settings.healthPort, ready: () => store.ping().then(() => true) });
  logger.info({ healthPort: health.port }, 'scheduler running');
  stopOnSignals(logger, async () => {
    deadlines.stop();
    await sweeper.stop();
    await enqueuer.close();
    producer.disconnect();
    await health.close();
    await store.close();
  });
}

main().catch((err: Error) => {
  console.error(`scheduler failed to start: ${err.message}`);
  process.exit(1);
});
