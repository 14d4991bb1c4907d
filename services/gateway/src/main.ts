import { ConfigError, loadConfig } from '@hub/config';
import { createLogger } from '@hub/observability';
import { startGatewayRuntime } from './runtime.ts';

/** The gateway on its own, as deployed in production (one of several processes). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ service: 'gateway', level: config.settings.logLevel });
  const runtime = await startGatewayRuntime(config, logger);
  const address = await runtime.app.listen({ host: config.settings.host, port: config.settings.gatewayPort });
  logger.info({ listenUrl: address }, 'gateway listening');
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      runtime.close().then(
        () => process.exit(0),
        (err: Error) => {
          logger.error({ err: { message: err.message } }, 'stop failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((err: Error) => {
  console.error(`gateway failed to start: ${err.message}`);
  process.exit(1);
});
