import type { HubConfig } from '@hub/config';
import { startConsoleRuntime, type ConsoleRuntime } from '@hub/console';
import { startDeliveryRuntime, type DeliveryRuntime } from '@hub/delivery';
import { startDirectoryRefresh, type ScheduledDirectoryRefresh } from '@hub/directory';
import { startGatewayRuntime, type GatewayRuntime } from '@hub/gateway';
import { createHubMetrics, type HubMetrics, type Logger } from '@hub/observability';
import { hubQueueNames, snapshotQueues } from '@hub/queues';
import { startRouterRuntime, type RouterRuntime } from '@hub/router';
import { startDeadlineMonitor, type DeadlineMonitor } from '@hub/routing';
import { startRetentionScheduler, type RetentionScheduler } from '@hub/retention';
import { DEADLINE_AT_RISK_WINDOW_MS, openMigratedStore, type Store } from '@hub/store';
import { RETRY_SCHEDULE_MS } from '@hub/adapters';

export interface HubRuntime {
  store: Store;
  gateway: GatewayRuntime;
  router: RouterRuntime;
  delivery: DeliveryRuntime;
  console: ConsoleRuntime;
  /** The scheduler's Operation Encompass deadline monitor (the gateway runs the outbox sweeper). */
  deadlines: DeadlineMonitor;
  /** The scheduler's retention job (BullMQ job scheduler + worker; docs/data-protection.md "Retention"). */
  retention: RetentionScheduler;
  /** The scheduler's service directory refresh (only when HUB_DIRECTORY_URL is set). */
  directory: ScheduledDirectoryRefresh | undefined;
  /** One registry for every service of the process (default label service="hub"); `start.ts` serves it on the health port. */
  metrics: HubMetrics;
  close(): Promise<void>;
}

/**
 * Every service of the hub in one process over one store: what `pnpm start` runs, and what the
 * end-to-end tests drive. In production each service is its own process (see docs/operations.md).
 */
export async function startHub(config: HubConfig, logger: Logger, opts: { schema?: string } = {}): Promise<HubRuntime> {
  const { settings } = config;
  const store = await openMigratedStore(settings, { logger: logger.child({ component: 'store' }), ...(opts.schema ? { schema: opts.schema } : {}) });
  const metrics = createHubMetrics({ service: 'hub' });
  const gateway = await startGatewayRuntime(config, logger.child({ service: 'gateway' }), { store, metrics });
  const router = await startRouterRuntime(config, store, logger.child({ service: 'router' }), { metrics });
  const delivery = await startDeliveryRuntime(config, store, logger.child({ service: 'delivery' }), {
    retryScheduleMs: settings.retryScheduleMs ?? RETRY_SCHEDULE_MS,
    breakerResetMs: settings.breakerResetMs,
    metrics,
  });
  const consoleRuntime = await startConsoleRuntime(config, store, logger.child({ service: 'console' }), { metrics });
  const deadlines = startDeadlineMonitor({
    store,
    logger: logger.child({ service: 'scheduler' }),
    intervalMs: 30_000,
    onMissed: (due) => metrics.deadlineMisses.inc({ partner: due.recipientPartnerId }),
  });
  const retention = await startRetentionScheduler({ store, config: config.retention, redisUrl: settings.redisUrl, prefix: settings.queuePrefix, logger: logger.child({ service: 'scheduler', component: 'retention' }) });
  const directory = settings.directoryUrl
    ? startDirectoryRefresh({ url: settings.directoryUrl, snapshotFile: settings.directorySnapshotFile, intervalMs: settings.directoryRefreshMinutes * 60_000, logger: logger.child({ service: 'scheduler', component: 'directory' }) })
    : undefined;
  // What the scheduler samples on scrape when the services run apart: queues, dead letters, deadlines.
  const recipients = config.partners.all().filter((p) => p.delivery).map((p) => p.id);
  const queues = hubQueueNames(recipients).map((name) => gateway.enqueuer.queue(name));
  const metricsLogger = logger.child({ service: 'scheduler', component: 'metrics' });
  metrics.collectQueues(() => snapshotQueues(queues), { logger: metricsLogger });
  metrics.collectDeliveryGauges(() => store.deliveryGauges(new Date(), DEADLINE_AT_RISK_WINDOW_MS), { partnerIds: recipients, logger: metricsLogger });
  return {
    store,
    gateway,
    router,
    delivery,
    console: consoleRuntime,
    deadlines,
    retention,
    directory,
    metrics,
    async close() {
      deadlines.stop();
      await directory?.stop();
      await retention.close();
      await gateway.close();
      await consoleRuntime.close();
      await router.close();
      await delivery.close();
      await store.close();
    },
  };
}
