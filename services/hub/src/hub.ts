import type { HubConfig } from '@hub/config';
import { startConsoleRuntime, type ConsoleRuntime } from '@hub/console';
import { startDeliveryRuntime, type DeliveryRuntime } from '@hub/delivery';
import { startGatewayRuntime, type GatewayRuntime } from '@hub/gateway';
import type { Logger } from '@hub/observability';
import { startRouterRuntime, type RouterRuntime } from '@hub/router';
import { startDeadlineMonitor, type DeadlineMonitor } from '@hub/routing';
import { openMigratedStore, type Store } from '@hub/store';
import { RETRY_SCHEDULE_MS } from '@hub/adapters';

export interface HubRuntime {
  store: Store;
  gateway: GatewayRuntime;
  router: RouterRuntime;
  delivery: DeliveryRuntime;
  console: ConsoleRuntime;
  /** The scheduler's Operation Encompass deadline monitor (the gateway runs the outbox sweeper). */
  deadlines: DeadlineMonitor;
  close(): Promise<void>;
}

/**
 * Every service of the hub in one process over one store: what `pnpm start` runs, and what the
 * end-to-end tests drive. In production each service is its own process (see docs/operations.md).
 */
export async function startHub(config: HubConfig, logger: Logger, opts: { schema?: string } = {}): Promise<HubRuntime> {
  const { settings } = config;
  const store = await openMigratedStore(settings, { logger: logger.child({ component: 'store' }), ...(opts.schema ? { schema: opts.schema } : {}) });
  const gateway = await startGatewayRuntime(config, logger.child({ service: 'gateway' }), { store });
  const router = await startRouterRuntime(config, store, logger.child({ service: 'router' }));
  const delivery = await startDeliveryRuntime(config, store, logger.child({ service: 'delivery' }), {
    retryScheduleMs: settings.retryScheduleMs ?? RETRY_SCHEDULE_MS,
    breakerResetMs: settings.breakerResetMs,
  });
  const consoleRuntime = await startConsoleRuntime(config, store, logger.child({ service: 'console' }));
  const deadlines = startDeadlineMonitor({ store, logger: logger.child({ service: 'scheduler' }), intervalMs: 30_000 });
  return {
    store,
    gateway,
    router,
    delivery,
    console: consoleRuntime,
    deadlines,
    async close() {
      deadlines.stop();
      await gateway.close();
      await consoleRuntime.close();
      await router.close();
      await delivery.close();
      await store.close();
    },
  };
}
