// Dependencies failing under the real gateway process (docs/operations.md "When a dependency
// is down"): Redis stopped during a load — intake goes on into the outbox and everything
// accepted is queued once Redis is back; PostgreSQL cut — intake answers 503 with
// Retry-After and nothing is accepted, /readyz fails, /livez does not, and it recovers.
import { randomBytes } from 'node:crypto';
import { Queue, type JobType } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { routeReferral } from '@hub/queues';
import { createStore, type Store } from '@hub/store';
import { createTestDatabase, fixtureBody, startTcpProxy, testDatabaseUrl, type TcpProxy } from '@hub/testing';
import { freshMasterKey, startGatewayProcess, writeLoadPartnerConfig, type NodeProcess, type PartnerConfigDir } from '../support/gateway-process.ts';
import { runLoad, sendSigned, uniqueBody, waitUntil, type LoadResponse, type LoadTarget } from '../support/load.ts';
import { freePort, startPrivateRedis, type PrivateRedis } from '../support/services.ts';

const JOB_TYPES: JobType[] = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'];
// The gateway's log lines that show the outbox at work (matched loosely: wording may change).
const ENQUEUE_FAILED = /^could not queue .* the outbox sweeper will retry$/;
const SWEEP_FAILED = /^outbox sweep failed/;
const SWEEPER_QUEUED = /^outbox sweeper queued/;
const TYPE = 'police.domestic-abuse.notified';

/** Every route job in the queue, in any state. */
async function routeJobIds(queue: Queue): Promise<Array<string | undefined>> {
  return (await queue.getJobs(JOB_TYPES, 0, -1)).map((job) => job.id);
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body };
}

interface Scenario {
  database: { url: string; drop(): Promise<void> };
  env: Record<string, string>;
  store: Store;
  gateway?: NodeProcess;
}

describe('dependency outages under the gateway process', () => {
  let partners: PartnerConfigDir;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    partners = await writeLoadPartnerConfig();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((err: unknown) => console.error(err));
  });
  afterAll(async () => {
    await partners?.dispose();
  });

  /** A fresh database and a gateway env around it; everything is removed after the test. */
  async function scenario(env: Record<string, string>, databaseUrlFor: (url: string) => string = (url) => url): Promise<Scenario> {
    const database = await createTestDatabase('hub_outage');
    cleanups.push(() => database.drop());
    const masterKey = freshMasterKey('out-1');
    const full = {
      DATABASE_URL: databaseUrlFor(database.url),
      HUB_CONFIG_DIR: partners.dir,
      HUB_MASTER_KEYS: masterKey.env,
      HUB_SWEEP_INTERVAL_MS: '200',
      HUB_SWEEP_MIN_AGE_MS: '500',
      ...env,
    };
    // The test's own store goes straight to PostgreSQL, never through a proxy.
    const store = await createStore({ databaseUrl: database.url, keyring: masterKey.keyring });
    cleanups.push(() => store.close());
    return { database, env: full, store };
  }

  async function startGateway(s: Scenario): Promise<NodeProcess> {
    const gateway = await startGatewayProcess({ env: s.env });
    cleanups.push(() => gateway.stop());
    s.gateway = gateway;
    return gateway;
  }

  it('Redis stopped mid-load: answers stay 202/503, and every 202 is queued once Redis is back', { timeout: 180_000 }, async () => {
    let redis: PrivateRedis = await startPrivateRedis({ appendonly: true });
    const { dir, port } = redis;
    cleanups.push(() => redis.dispose());
    const prefix = `hubout${randomBytes(4).toString('hex')}`;
    const s = await scenario({ REDIS_URL: redis.url, HUB_QUEUE_PREFIX: prefix });
    const gateway = await startGateway(s);

    // Phases driven by the answers coming back: stop Redis after 150 accepted; keep the load
    // going with Redis down for at least 250 answers and 1.5 s (long enough for the sweeper,
    // every 200 ms for rows older than 500 ms, to meet the outage too); then start Redis again
    // on its own data while the load goes on.
    type Phase = 'up' | 'stopping' | 'down' | 'restarting' | 'back';
    let phase: Phase = 'up';
    let answersWhileDown = 0;
    let acceptedWhileDown = 0;
    let downSince = 0;
    let stopping: Promise<void> | undefined;
    let restarting: Promise<void> | undefined;
    const restart = (): Promise<void> =>
      startPrivateRedis({ appendonly: true, dir, port }).then((r) => {
        redis = r;
        phase = 'back';
      });
    const base = fixtureBody(TYPE);
    const report = await runLoad({
      baseUrl: gateway.baseUrl,
      partnerId: 'gmp',
      secret: partners.secretOf('gmp'),
      requests: 4_000,
      concurrency: 10,
      timeoutMs: 10_000,
      body: (index) => uniqueBody(base, index),
      onResponse: (response, progress) => {
        if (phase === 'up' && (progress.byStatus['202'] ?? 0) >= 150) {
          phase = 'stopping';
          // SIGTERM to the server's pid: Redis writes its AOF out and exits.
          stopping = redis.stop().then(() => {
            phase = 'down';
            downSince = Date.now();
          });
        } else if (phase === 'down') {
          answersWhileDown++;
          if (response.status === 202) acceptedWhileDown++;
          if (answersWhileDown >= 250 && Date.now() - downSince >= 1_500) {
            phase = 'restarting';
            restarting = restart();
          }
        }
      },
    });
    await stopping;
    await (restarting ?? restart());

    expect(answersWhileDown, 'the load went on while Redis was down').toBeGreaterThanOrEqual(250);
    expect(restarting, 'Redis came back while the load was still running').toBeDefined();
    // No 500s, no hangs, no dropped connections: Redis is not on the request path.
    expect(report.connectionErrors).toBe(0);
    expect(report.timeouts).toBe(0);
    expect(Object.keys(report.byStatus).filter((status) => status !== '202' && status !== '503')).toEqual([]);
    // The outbox takes over while Redis is away (docs/operations.md): intake goes on.
    expect(acceptedWhileDown).toBeGreaterThan(0);
    expect(await gateway.waitForLog(ENQUEUE_FAILED)).toBe(true);
    expect(await gateway.waitForLog(SWEEP_FAILED)).toBe(true);
    const unavailable = report.responses.filter((r) => r.status === 503);
    for (const r of unavailable) expect(r.code).toBe('HUB_ERR_STORAGE_UNAVAILABLE');

    const accepted = report.responses.filter((r): r is LoadResponse & { messageId: string } => r.status === 202 && r.messageId !== undefined);
    expect(accepted.length).toBe(report.byStatus['202']);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(routeReferral.queue, { connection, prefix });
    cleanups.push(async () => {
      await queue.close();
      connection.disconnect();
    });
    let missing = accepted.map((r) => r.messageId);
    const allQueued = await waitUntil(
      async () => {
        const present = new Set(await routeJobIds(queue));
        missing = missing.filter((id) => !present.has(routeReferral.jobId(id)));
        return missing.length === 0 && (await s.store.counts()).outboxPending === 0;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const counts = await s.store.counts();
    expect({ allQueued, missing: missing.length, outboxPending: counts.outboxPending }).toEqual({ allQueued: true, missing: 0, outboxPending: 0 });
    // One job per stored message, no more: the sweeper's re-adds reuse the deterministic id.
    const jobIds = await routeJobIds(queue);
    expect(new Set(jobIds).size).toBe(jobIds.length);
    expect(jobIds.length).toBe(counts.inbound);
    expect(counts.inbound).toBe(accepted.length);
    expect(await gateway.waitForLog(SWEEPER_QUEUED)).toBe(true);
    for (const r of [accepted[0], accepted.at(-1)]) {
      const stored = await s.store.readInbound(r?.messageId ?? '');
      expect(stored?.body.equals(r?.payload ?? Buffer.alloc(0))).toBe(true);
    }
  });

  it('Redis down when the gateway starts: intake goes on, and everything is queued once Redis starts', { timeout: 120_000 }, async () => {
    // Nothing listens on this port until the test starts Redis there.
    const port = await freePort();
    const prefix = `hubnor${randomBytes(4).toString('hex')}`;
    // A sweeper minimum age longer than the enqueuer needs, so the last check below can tell
    // the two apart.
    const s = await scenario({ REDIS_URL: `redis://127.0.0.1:${port}`, HUB_QUEUE_PREFIX: prefix, HUB_SWEEP_MIN_AGE_MS: '3000' });
    const gateway = await startGateway(s);
    const target: LoadTarget = { baseUrl: gateway.baseUrl, partnerId: 'gmp', secret: partners.secretOf('gmp') };
    const base = fixtureBody(TYPE);

    // A 5-second outage with intake going on throughout it (bounded by time and by count).
    const before = await runLoad({ ...target, requests: 2_000, concurrency: 2, maxDurationMs: 5_000, timeoutMs: 10_000, body: (index) => uniqueBody(base, index) });
    const acceptedWhileDown = before.byStatus['202'] ?? 0;
    expect(before.byStatus).toEqual({ '202': acceptedWhileDown });
    expect(acceptedWhileDown).toBeGreaterThan(0);
    // Accepted and waiting in the outbox: committed, not queued.
    expect(await s.store.counts()).toMatchObject({ inbound: acceptedWhileDown, outboxPending: acceptedWhileDown });

    const redis = await startPrivateRedis({ appendonly: true, port });
    cleanups.push(() => redis.dispose());
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(routeReferral.queue, { connection, prefix });
    cleanups.push(async () => {
      await queue.close();
      connection.disconnect();
    });
    const queuedWithin = async (responses: LoadResponse[], timeoutMs: number): Promise<string[]> => {
      let missing = responses.map((r) => r.messageId ?? '');
      await waitUntil(
        async () => {
          const present = new Set(await routeJobIds(queue));
          missing = missing.filter((id) => !present.has(routeReferral.jobId(id)));
          return missing.length === 0;
        },
        { timeoutMs, intervalMs: 200 },
      );
      return missing;
    };
    // What was accepted while Redis was away reaches the queue through the sweeper …
    expect(await queuedWithin(before.responses, 60_000)).toEqual([]);
    // … and intake queues new messages itself again, well before the sweeper would (3 s).
    const after = await runLoad({ ...target, requests: 20, concurrency: 5, timeoutMs: 10_000, body: (index) => uniqueBody(base, 10_000 + index) });
    expect(after.byStatus).toEqual({ '202': 20 });
    expect(await queuedWithin(after.responses, 2_000)).toEqual([]);
    expect(await s.store.counts()).toMatchObject({ inbound: acceptedWhileDown + 20, outboxPending: 0 });
    expect((await routeJobIds(queue)).length).toBe(acceptedWhileDown + 20);
  });

  it('PostgreSQL cut: 503 + Retry-After + HUB_ERR_STORAGE_UNAVAILABLE, /readyz 503, /livez 200, then recovery', { timeout: 120_000 }, async () => {
    const pgPort = Number(new URL(testDatabaseUrl()).port || '5432');
    const proxy: TcpProxy = await startTcpProxy(pgPort);
    cleanups.push(() => proxy.close());
    const prefix = `hubpg${randomBytes(4).toString('hex')}`;
    const redisUrl = inject('redisUrl');
    const s = await scenario({ REDIS_URL: redisUrl, HUB_QUEUE_PREFIX: prefix }, (url) => proxy.url(url));
    const gateway = await startGateway(s);
    const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queue = new Queue(routeReferral.queue, { connection, prefix });
    cleanups.push(async () => {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
      connection.disconnect();
    });

    const target: LoadTarget = { baseUrl: gateway.baseUrl, partnerId: 'gmp', secret: partners.secretOf('gmp') };
    const body = fixtureBody(TYPE);
    const send = (): Promise<LoadResponse> => sendSigned(target, body, { timeoutMs: 10_000 });
    const all: LoadResponse[] = [];
    const record = async (): Promise<LoadResponse> => {
      const r = await send();
      all.push(r);
      return r;
    };

    expect((await record()).status).toBe(202);
    expect((await getJson(`${gateway.baseUrl}/readyz`)).status).toBe(200);

    proxy.cut();
    // The first requests may race the cut; within a deadline intake must be refusing.
    const refusing = await waitUntil(async () => (await record()).status === 503, { timeoutMs: 20_000, intervalMs: 50 });
    expect(refusing).toBe(true);
    const whileCut = await Promise.all(Array.from({ length: 10 }, () => record()));
    for (const r of whileCut) {
      expect({ status: r.status, code: r.code, retryAfter: r.retryAfter }).toEqual({ status: 503, code: 'HUB_ERR_STORAGE_UNAVAILABLE', retryAfter: '5' });
    }
    const ready = await getJson(`${gateway.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not-ready', checks: { postgres: 'down' } });
    expect(await getJson(`${gateway.baseUrl}/livez`)).toEqual({ status: 200, body: { status: 'ok' } });

    proxy.restore();
    const recovered = await waitUntil(async () => (await record()).status === 202, { timeoutMs: 30_000, intervalMs: 100 });
    expect(recovered).toBe(true);
    const afterRestore = await Promise.all(Array.from({ length: 10 }, () => record()));
    expect(afterRestore.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 202));
    expect((await getJson(`${gateway.baseUrl}/readyz`)).status).toBe(200);

    // Every answer was a 202 or a 503 (never a 500, never a hang).
    expect(all.filter((r) => r.status !== 202 && r.status !== 503)).toEqual([]);
    // Nothing answered 503 was stored; everything answered 202 was, and is queued.
    for (const r of all.filter((x) => x.status === 503)) {
      expect(await s.store.findInbound('gmp', r.webhookId), r.webhookId).toBeNull();
    }
    const accepted = all.filter((r) => r.status === 202);
    for (const r of accepted) {
      const stored = await s.store.readInbound(r.messageId ?? '');
      expect(stored?.body.equals(r.payload), r.webhookId).toBe(true);
    }
    const queued = await waitUntil(
      async () => {
        const present = new Set(await routeJobIds(queue));
        return accepted.every((r) => present.has(routeReferral.jobId(r.messageId ?? '')));
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(queued).toBe(true);
    expect((await s.store.counts()).inbound).toBe(accepted.length);
  });
});
