import { RETRY_SCHEDULE_MS, warmFhirValidator } from '@hub/adapters';
import { loadConfigOrExit } from '@hub/config';
import { createHubMetrics, createLogger, startHealthServer, stopOnSignals } from '@hub/observability';
import { openMigratedStore } from '@hub/store';
import { startDeliveryRuntime } from './runtime.ts';

/** The delivery workers as their own process: one queue per recipient partner. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger({ service: 'delivery', level: config.settings.logLevel });
  const store = await openMigratedStore(config.settings, { logger: logger.child({ component: 'store' }) });
  // Compile the FHIR R4 schema now rather than on the first FHIR delivery.
  warmFhirValidator();
  const metrics = createHubMetrics({ service: 'delivery' });
  const runtime = await startDeliveryRuntime(config, store, logger, { retryScheduleMs: config.settings.retryScheduleMs ?? RETRY_SCHEDULE_MS, breakerResetMs: config.settings.breakerResetMs, metrics });
  const health = await startHealthServer({ host: config.settings.host, port: config.settings.healthPort, ready: () => store.ping().then(() => true), registry: metrics.registry });
  logger.info({ healthPort: health.port, partners: runtime.workers.size }, 'delivery workers running');
  stopOnSignals(logger, async () => {
    await runtime.close();
    await health.close();
    await store.close();
  });
}

main().catch((err: Error) => {
  console.error(`delivery failed to start: ${err.message}`);
  process.exit(1);
});
