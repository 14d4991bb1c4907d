import { loadConfigOrExit } from '@hub/config';
import { createHubMetrics, createLogger, startHealthServer, stopOnSignals } from '@hub/observability';
import { startGatewayRuntime } from './runtime.ts';

/** The gateway on its own, as deployed in production (one of several processes). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger({ service: 'gateway', level: config.settings.logLevel });
  const metrics = createHubMetrics({ service: 'gateway' });
  const runtime = await startGatewayRuntime(config, logger, { metrics });
  const address = await runtime.app.listen({ host: config.settings.host, port: config.settings.gatewayPort });
  // The gateway's port faces partners: /metrics is on the private health port only.
  const health = await startHealthServer({ host: config.settings.host, port: config.settings.healthPort, ready: () => runtime.store.ping().then(() => true), registry: metrics.registry });
  logger.info({ listenUrl: address, healthPort: health.port }, 'gateway listening');
  stopOnSignals(logger, async () => {
    await runtime.close();
    await health.close();
  });
}

main().catch((err: Error) => {
  console.error(`gateway failed to start: ${err.message}`);
  process.exit(1);
});
