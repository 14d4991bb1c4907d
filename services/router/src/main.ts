import { loadConfigOrExit } from '@hub/config';
import { createHubMetrics, createLogger, startHealthServer, stopOnSignals } from '@hub/observability';
import { openMigratedStore } from '@hub/store';
import { startRouterRuntime } from './runtime.ts';

/** The router as its own process: consumes referral.route, applies the sharing rules. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger({ service: 'router', level: config.settings.logLevel });
  const store = await openMigratedStore(config.settings, { logger: logger.child({ component: 'store' }) });
  const metrics = createHubMetrics({ service: 'router' });
  const runtime = await startRouterRuntime(config, store, logger, { metrics });
  const health = await startHealthServer({ host: config.settings.host, port: config.settings.healthPort, ready: () => store.ping().then(() => true), registry: metrics.registry });
  logger.info({ healthPort: health.port }, 'router running');
  stopOnSignals(logger, async () => {
    await runtime.close();
    await health.close();
    await store.close();
  });
}

main().catch((err: Error) => {
  console.error(`router failed to start: ${err.message}`);
  process.exit(1);
});
