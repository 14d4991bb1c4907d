import { ConfigError, loadConfig, type HubConfig } from '@hub/config';
import { startGatewayRuntime } from '@hub/gateway';
import { createLogger } from '@hub/observability';
import { ensureRedis } from './private-redis.ts';

/**
 * `pnpm start`: the whole hub in one process with the demo configuration, for a laptop or a
 * single box. Uses PostgreSQL when DATABASE_URL is set, else embedded PGlite under ./data;
 * uses Redis at REDIS_URL, else launches a private redis-server when none answers locally.
 */
function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function describeDatabase(config: HubConfig): string {
  if (!config.settings.databaseUrl) return `embedded PGlite in ${config.settings.dataDir}/pglite (set DATABASE_URL to use PostgreSQL)`;
  const url = new URL(config.settings.databaseUrl);
  return `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
}

async function main(): Promise<void> {
  let config: HubConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ service: 'hub', level: config.settings.logLevel });
  const redis = await ensureRedis(config.settings);
  const effective: HubConfig = { ...config, settings: { ...config.settings, redisUrl: redis.url } };
  const gateway = await startGatewayRuntime(effective, logger);
  const address = await gateway.app.listen({ host: config.settings.host, port: config.settings.gatewayPort });

  say('');
  say('Early Help Referral Hub is running');
  say(`  gateway   ${address}/v1/inbound/{partnerId}   (health: ${address}/livez, ${address}/readyz)`);
  say(`  storage   ${describeDatabase(config)}`);
  say(`  queues    Redis ${redis.privateRedis ? `(private redis-server, pid ${redis.privateRedis.pid}, AOF in ${config.settings.dataDir}/redis)` : `at ${new URL(redis.url).host}`}`);
  say(`  mode      ${config.settings.mode}${config.settings.demoMasterKey ? ' — using the published DEMO master key: never put real data in this instance' : ''}`);
  say('  try it    pnpm hub send test/fixtures/inbound/police.domestic-abuse.notified.json --as gmp');
  say('');

  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      void (async () => {
        try {
          await gateway.close();
          await redis.privateRedis?.stop();
          process.exit(0);
        } catch (err) {
          logger.error({ err: { message: (err as Error).message } }, 'stop failed');
          process.exit(1);
        }
      })();
    });
  }
}

main().catch((err: Error) => {
  console.error(`The hub could not start: ${err.message}`);
  process.exit(1);
});
