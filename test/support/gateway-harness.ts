import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig, type HubConfig } from '@hub/config';
import { startGatewayRuntime, type GatewayRuntime } from '@hub/gateway';
import { routeReferral } from '@hub/queues';
import { captureLogger, randomSchemaName, testDatabaseUrl } from '@hub/testing';

export interface GatewayHarness {
  config: HubConfig;
  runtime: GatewayRuntime;
  queue: Queue;
  redis: Redis;
  prefix: string;
  schema: string;
  logs: ReturnType<typeof captureLogger>;
  secretOf(partnerId: string): string;
  close(): Promise<void>;
}

/**
 * The real gateway wired to real PostgreSQL (its own schema) and real Redis (its own queue
 * prefix), with its logs captured. Env overrides let a test point either at a proxy.
 */
export async function startGatewayHarness(env: Record<string, string> = {}): Promise<GatewayHarness> {
  const prefix = `hubtest${randomBytes(4).toString('hex')}`;
  const schema = randomSchemaName('gw');
  const config = loadConfig({
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    HUB_QUEUE_PREFIX: prefix,
    HUB_SWEEP_INTERVAL_MS: '3600000',
    LOG_LEVEL: 'debug',
    ...env,
  });
  const logs = captureLogger('gateway', 'debug');
  const runtime = await startGatewayRuntime(config, logs.logger, { schema });
  await runtime.app.ready();
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const queue = new Queue(routeReferral.queue, { connection: redis, prefix });
  return {
    config,
    runtime,
    queue,
    redis,
    prefix,
    schema,
    logs,
    secretOf(partnerId: string) {
      const secret = config.partners.get(partnerId)?.secrets[0];
      if (!secret) throw new Error(`no partner ${partnerId}`);
      return secret;
    },
    async close() {
      await runtime.close();
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      redis.disconnect();
      const client = new pg.Client({ connectionString: testDatabaseUrl() });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}
