import { DEMO_CONSOLE_ACCOUNTS_FILE, loadConfigOrExit, type HubConfig } from '@hub/config';
import { createLogger, startHealthServer, stopOnSignals } from '@hub/observability';
import { startDemoSimulators, type DemoSimulators } from './demo-simulators.ts';
import { startHub } from './hub.ts';
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

/** Logs each simulated delivery as it arrives (ids and partner only: the payloads are personal). */
function watchSimulators(simulators: DemoSimulators, logger: ReturnType<typeof createLogger>): void {
  let seen = { webhook: 0, fhir: 0, smtp: 0 };
  const timer = setInterval(() => {
    const now = { webhook: simulators.webhook.received.length, fhir: simulators.fhir.received.length, smtp: simulators.smtp.received.length };
    for (const d of simulators.webhook.received.slice(seen.webhook)) logger.info({ simulator: 'webhook', partnerId: d.partnerId, webhookId: d.webhookId }, 'simulated partner received a referral');
    for (const d of simulators.fhir.received.slice(seen.fhir)) logger.info({ simulator: 'fhir', path: d.path }, 'simulated FHIR endpoint received a Bundle');
    for (let i = seen.smtp; i < now.smtp; i += 1) logger.info({ simulator: 'smtp' }, 'simulated secure mailbox received a referral email');
    seen = now;
  }, 1_000);
  timer.unref();
}

async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger({ service: 'hub', level: config.settings.logLevel });
  const redis = await ensureRedis(config.settings);
  const effective: HubConfig = { ...config, settings: { ...config.settings, redisUrl: redis.url } };
  const simulators: DemoSimulators | undefined = config.settings.startSimulators ? await startDemoSimulators(config, process.env) : undefined;
  const hub = await startHub(effective, logger);
  const address = await hub.gateway.app.listen({ host: config.settings.host, port: config.settings.gatewayPort });
  const consoleAddress = await hub.console.app.listen({ host: config.settings.host, port: config.settings.consolePort });
  const health = await startHealthServer({ host: config.settings.host, port: config.settings.healthPort, ready: () => hub.store.ping().then(() => true), registry: hub.metrics.registry });

  say('');
  say('Early Help Referral Hub is running');
  say(`  gateway   ${address}/v1/inbound/{partnerId}   (health: ${address}/livez, ${address}/readyz)`);
  say(`  console   ${consoleAddress}/   (staff sign-in; accounts from ${config.settings.consoleAccountsFile === DEMO_CONSOLE_ACCOUNTS_FILE ? 'the DEMO file: viewer, operator, dpo, admin with passwords "demo-<name>-pass"' : 'HUB_CONSOLE_ACCOUNTS'})`);
  say(`  admin API ${consoleAddress}/admin/…   (operators' bearer tokens from HUB_ADMIN_TOKENS${config.settings.mode === 'demo' && !process.env.HUB_ADMIN_TOKENS ? '; demo: "demo-operator-token"' : ''})`);
  say(`  metrics   http://${config.settings.host.includes(':') ? `[${config.settings.host}]` : config.settings.host}:${health.port}/metrics   (Prometheus; keep this port private)`);
  say(`  storage   ${describeDatabase(config)}`);
  say(`  queues    Redis ${redis.privateRedis ? `(private redis-server, pid ${redis.privateRedis.pid}, AOF in ${config.settings.dataDir}/redis)` : `at ${new URL(redis.url).host}`}`);
  say(`  mode      ${config.settings.mode}${config.settings.demoMasterKey ? ' — using the published DEMO master key: never put real data in this instance' : ''}`);
  if (simulators) {
    say(`  partners  simulated: webhooks ${simulators.webhook.url}, FHIR ${simulators.fhir.url}, secure email smtp://127.0.0.1:${simulators.smtp.port} (deliveries are logged as they arrive)`);
    say(`  families  simulated GOV.UK Notify ${simulators.notify.url} (acknowledgements to self-referring families)`);
  }
  say('  try it    pnpm hub send test/fixtures/inbound/police.domestic-abuse.notified.json --as gmp');
  say('');
  if (simulators) watchSimulators(simulators, logger);

  stopOnSignals(logger, async () => {
    await health.close();
    await hub.close();
    await simulators?.close();
    await redis.privateRedis?.stop();
  });
}

main().catch((err: Error) => {
  console.error(`The hub could not start: ${err.message}`);
  process.exit(1);
});
