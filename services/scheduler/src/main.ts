import { loadConfigOrExit } from '@hub/config';
import { startDirectoryRefresh } from '@hub/directory';
import { createHubMetrics, createLogger, startHealthServer, stopOnSignals } from '@hub/observability';
import { createRedisConnection, hubQueueNames, OutboxEnqueuer, snapshotQueues, startOutboxSweeper } from '@hub/queues';
import { startDeadlineMonitor } from '@hub/routing';
import { startRetentionScheduler } from '@hub/retention';
import { DEADLINE_AT_RISK_WINDOW_MS, openMigratedStore } from '@hub/store';

/**
 * The scheduler: the outbox sweeper (queues anything committed but not yet queued), the
 * Operation Encompass deadline monitor and the retention job (a BullMQ job scheduler on the
 * cron in retention.yaml, plus runs the console asks for).
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
  const metrics = createHubMetrics({ service: 'scheduler' });
  // The scheduler alone samples the shared figures (queues, dead letters, deadlines), so they are not reported once per process.
  const recipients = config.partners.all().filter((p) => p.delivery).map((p) => p.id);
  const queues = hubQueueNames(recipients).map((name) => enqueuer.queue(name));
  const metricsLogger = logger.child({ component: 'metrics' });
  metrics.collectQueues(() => snapshotQueues(queues), { logger: metricsLogger });
  metrics.collectDeliveryGauges(() => store.deliveryGauges(new Date(), DEADLINE_AT_RISK_WINDOW_MS), { partnerIds: recipients, logger: metricsLogger });
  const deadlines = startDeadlineMonitor({
    store,
    logger: logger.child({ component: 'deadline-monitor' }),
    intervalMs: 30_000,
    onMissed: (due) => metrics.deadlineMisses.inc({ partner: due.recipientPartnerId }),
  });
  const retention = await startRetentionScheduler({ store, config: config.retention, redisUrl: settings.redisUrl, prefix: settings.queuePrefix, logger: logger.child({ component: 'retention' }) });
  // The service directory's feed, refreshed on an interval; the console reads the snapshot file.
  const directory = settings.directoryUrl
    ? startDirectoryRefresh({ url: settings.directoryUrl, snapshotFile: settings.directorySnapshotFile, intervalMs: settings.directoryRefreshMinutes * 60_000, logger: logger.child({ component: 'directory' }) })
    : undefined;
  const health = await startHealthServer({ host: settings.host, port: settings.healthPort, ready: () => store.ping().then(() => true), registry: metrics.registry });
  logger.info({ healthPort: health.port }, 'scheduler running');
  stopOnSignals(logger, async () => {
    deadlines.stop();
    await directory?.stop();
    await retention.close();
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
