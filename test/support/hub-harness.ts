import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { loadConfig, type HubConfig } from '@hub/config';
import { startDemoSimulators, type DemoSimulators } from '@hub/hub/demo-simulators';
import { startHub, type HubRuntime } from '@hub/hub/hub';
import { captureLogger, randomSchemaName, signedRequest, testDatabaseUrl } from '@hub/testing';
import { freePort } from './services.ts';

export interface HubHarness {
  config: HubConfig;
  hub: HubRuntime;
  sims: DemoSimulators;
  logs: ReturnType<typeof captureLogger>;
  schema: string;
  prefix: string;
  redis: Redis;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** POSTs a signed body as `partnerId` through the real gateway app. */
  send(partnerId: string, body: string, webhookId?: string): Promise<{ status: number; json: Record<string, unknown> }>;
  /** An admin API call with the demo operator's token. */
  admin(method: 'GET' | 'POST', url: string, payload?: object): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * Every hub service in one process over real PostgreSQL (own schema) and real Redis (own
 * prefix), with the partner simulators (webhook, FHIR, SMTP) and the Notify simulator (`sims.notify`)
 * on free local ports.
 */
export async function startHubHarness(env: Record<string, string> = {}): Promise<HubHarness> {
  const [webhookPort, fhirPort, smtpPort, notifyPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const prefix = `e2e${randomBytes(4).toString('hex')}`;
  const schema = randomSchemaName('e2e');
  const fullEnv: Record<string, string> = {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    HUB_QUEUE_PREFIX: prefix,
    HUB_RETRY_SCHEDULE_MS: '0,100,200,300',
    HUB_BREAKER_RESET_MS: '1000',
    HUB_SWEEP_INTERVAL_MS: '250',
    HUB_SWEEP_MIN_AGE_MS: '500',
    SIMULATOR_WEBHOOK_BASE_URL: `http://127.0.0.1:${webhookPort}`,
    SIMULATOR_FHIR_BASE_URL: `http://127.0.0.1:${fhirPort}/fhir`,
    SIMULATOR_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SIMULATOR_NOTIFY_BASE_URL: `http://127.0.0.1:${notifyPort}`,
    LOG_LEVEL: 'info',
    ...env,
  };
  const config = loadConfig(fullEnv);
  const sims = await startDemoSimulators(config, fullEnv);
  const logs = captureLogger('hub', 'info');
  const hub = await startHub(config, logs.logger, { schema });
  await hub.gateway.app.ready();
  await hub.console.app.ready();
  const pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
  pool.on('connect', (client) => void client.query(`SET search_path TO ${schema}`));
  const redis = new Redis(fullEnv.REDIS_URL as string, { maxRetriesPerRequest: null });
  const adminToken = [...config.settings.adminTokens.values()][0] as string;
  return {
    config,
    hub,
    sims,
    logs,
    schema,
    prefix,
    redis,
    async sql<T>(text: string, params: unknown[] = []) {
      const client = await pool.connect();
      try {
        await client.query(`SET search_path TO ${schema}`);
        return (await client.query(text, params)).rows as T[];
      } finally {
        client.release();
      }
    },
    async send(partnerId, body, webhookId) {
      const secret = config.partners.get(partnerId)?.secrets[0] as string;
      const req = signedRequest({ partnerId, secret, body, ...(webhookId ? { webhookId } : {}) });
      const res = await hub.gateway.app.inject({ method: 'POST', url: req.url, headers: req.headers, payload: req.payload });
      return { status: res.statusCode, json: res.json() as Record<string, unknown> };
    },
    async admin(method, url, payload) {
      const res = await hub.console.app.inject({ method, url, headers: { authorization: `Bearer ${adminToken}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, ...(payload ? { payload: JSON.stringify(payload) } : {}) });
      return { status: res.statusCode, json: res.json() as Record<string, unknown> };
    },
    async close() {
      await hub.close();
      await sims.close();
      const client = await pool.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      client.release();
      await pool.end();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** Polls a condition against real state until it holds (there is no event to wait on for a DB row). */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
