import { loadConfigOrExit } from '@hub/config';
import { createLogger, stopOnSignals } from '@hub/observability';
import { startGatewayRuntime } from './runtime.ts';

/** The gateway on its own, as deployed in production (one of several processes). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger({ service: 'gateway', level: config.settings.logLevel });
  const runtime = await startGatewayRuntime(config, logger);
  const address = await runtime.app.listen({ host: config.settings.host, port: config.settings.gatewayPort });
  logger.info({ listenUrl: address }, 'gateway listening');
  stopOnSignals(logger, () => runtime.close());
}

main().catch((err: Error) => {
  console.error(`gateway failed to start: ${err.message}`);
  process.exit(1);
});
