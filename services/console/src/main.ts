import { loadConfigOrExit } from '@hub/config';
import { createHubMetrics, createLogger, startHealthServer, stopOnSignals } from '@hub/observability';
import { openMigratedStore } from '@hub/store';
import { startConsoleRuntime } from './runtime.ts';

/** The console (operators' admin API) as its own process. Keep it on a private network. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger({ service: 'console', level: config.settings.logLevel });
  if (config.settings.adminTokens.size === 0) logger.warn({}, 'HUB_ADMIN_TOKENS is empty: every admin call will be refused');
  const store = await openMigratedStore(config.settings, { logger: logger.child({ component: 'store' }) });
  const metrics = createHubMetrics({ service: 'console' });
  const runtime = await startConsoleRuntime(config, store, logger, { metrics });
  const address = await runtime.app.listen({ host: config.settings.host, port: config.settings.consolePort });
  // /metrics on the health port, like every service (the console's own port serves operators).
  const health = await startHealthServer({ host: config.settings.host, port: config.settings.healthPort, ready: () => store.ping().then(() => true), registry: metrics.registry });
  logger.info({ listenUrl: address, healthPort: health.port }, 'console listening');
  stopOnSignals(logger, async () => {
    await runtime.close();
    await health.close();
    await store.close();
  });
}

main().catch((err: Error) => {
  console.error(`console failed to start: ${err.message}`);
  process.exit(1);
});
