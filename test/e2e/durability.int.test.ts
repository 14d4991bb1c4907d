// A 202 means "committed to PostgreSQL and it will reach the queue even if the process dies
// the next instant" (DESIGN.md §3). This kills the real gateway process with SIGKILL in the
// middle of a load of signed requests, starts it again on the same PostgreSQL and Redis, and
// checks that every 202 is stored byte for byte and reaches the queue exactly once.
import { randomBytes } from 'node:crypto';
import { Queue, type JobType } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { routeReferral } from '@hub/queues';
import { createStore, type Store } from '@hub/store';
import { createTestDatabase, fixtureBody } from '@hub/testing';
import { freshMasterKey, startGatewayProcess, writeLoadPartnerConfig, type ExitInfo, type NodeProcess, type PartnerConfigDir } from '../support/gateway-process.ts';
import { runLoad, uniqueBody, waitUntil, type LoadProgress, type LoadResponse } from '../support/load.ts';
import '../support/services.ts';

const REQUESTS = 600;
const CONCURRENCY = 20;
/** SIGKILL once this many 202s have come back, with requests still in flight. */
const KILL_AFTER_ACCEPTED = 150;
/** The store leases claimed outbox rows for 30 s: a row claimed just before the kill waits that long. */
const QUEUE_DEADLINE_MS = 60_000;
/** The sweeper's log line when it has queued outbox rows (matched loosely: wording may change). */
const SWEEPER_QUEUED = /^outbox sweeper queued/;
const JOB_TYPES: JobType[] = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'];

/** Every route job in the queue, in any state. */
async function routeJobs(queue: Queue): Promise<Array<{ id: string | undefined; messageId: unknown; name: string }>> {
  const jobs = await queue.getJobs(JOB_TYPES, 0, -1);
  return jobs.map((job) => ({ id: job.id, messageId: (job.data as { messageId?: unknown }).messageId, name: job.name }));
}

describe('gateway killed with SIGKILL during load', () => {
  const prefix = `hubdur${randomBytes(4).toString('hex')}`;
  let database: { url: string; drop(): Promise<void> };
  let partners: PartnerConfigDir;
  let env: Record<string, string>;
  let redis: Redis;
  let queue: Queue;
  let store: Store;
  const gateways: NodeProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('hub_durability');
    partners = await writeLoadPartnerConfig();
    const masterKey = freshMasterKey('dur-1');
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: inject('redisUrl'),
      HUB_QUEUE_PREFIX: prefix,
      HUB_CONFIG_DIR: partners.dir,
      HUB_MASTER_KEYS: masterKey.env,
      HUB_SWEEP_INTERVAL_MS: '200',
      HUB_SWEEP_MIN_AGE_MS: '1000',
    };
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    queue = new Queue(routeReferral.queue, { connection: redis, prefix });
    // The test reads what the gateway stored, with the same key ring.
    store = await createStore({ databaseUrl: database.url, keyring: masterKey.keyring });
  });

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await store?.close();
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    redis?.disconnect();
    await database?.drop();
    await partners?.dispose();
  });

  it('stores every 202 and queues it exactly once after a restart', { timeout: 180_000 }, async () => {
    const base = fixtureBody('police.domestic-abuse.notified');
    const first = await startGatewayProcess({ env });
    gateways.push(first);

    let killed: Promise<ExitInfo> | undefined;
    let atKill: LoadProgress | undefined;
    const report = await runLoad({
      baseUrl: first.baseUrl,
      partnerId: 'gmp',
      secret: partners.secretOf('gmp'),
      requests: REQUESTS,
      concurrency: CONCURRENCY,
      timeoutMs: 10_000,
      body: (index) => uniqueBody(base, index),
      onResponse: (_response, progress) => {
        if (killed || (progress.byStatus['202'] ?? 0) < KILL_AFTER_ACCEPTED) return;
        atKill = { ...progress, byStatus: { ...progress.byStatus } };
        killed = first.kill('SIGKILL');
      },
    });

    expect(killed, `the load ended before ${KILL_AFTER_ACCEPTED} requests were accepted: ${JSON.stringify(report.byStatus)}`).toBeDefined();
    expect(await killed).toEqual({ code: null, signal: 'SIGKILL' });
    // The kill really happened under load: requests were in flight and some were cut off.
    expect(atKill?.inFlight).toBeGreaterThan(0);
    expect(report.connectionErrors).toBeGreaterThan(0);
    expect(report.timeouts).toBe(0);
    // Rate limits are lifted, so every request that was answered was accepted.
    const answered = report.responses.filter((r) => r.status !== undefined);
    expect(new Set(answered.map((r) => r.status))).toEqual(new Set([202]));
    const accepted = report.responses.filter((r): r is LoadResponse & { messageId: string } => r.status === 202 && r.messageId !== undefined);
    expect(accepted.length).toBe(answered.length);
    expect(accepted.length).toBeGreaterThanOrEqual(KILL_AFTER_ACCEPTED);
    expect(new Set(accepted.map((r) => r.messageId)).size).toBe(accepted.length);

    // What the dead process left behind: committed rows, some perhaps not yet queued.
    const leftBehind = await store.counts();

    const second = await startGatewayProcess({ env });
    gateways.push(second);

    let missing: string[] = accepted.map((r) => r.messageId);
    const allQueued = await waitUntil(
      async () => {
        const present = new Set((await routeJobs(queue)).map((j) => j.id));
        missing = missing.filter((id) => !present.has(routeReferral.jobId(id)));
        return missing.length === 0 && (await store.counts()).outboxPending === 0;
      },
      { timeoutMs: QUEUE_DEADLINE_MS, intervalMs: 200 },
    );
    const final = await store.counts();
    expect({ allQueued, missing: missing.length, outboxPending: final.outboxPending }).toEqual({ allQueued: true, missing: 0, outboxPending: 0 });
    expect(final.inbound).toBeGreaterThanOrEqual(accepted.length);
    if (leftBehind.outboxPending > 0) {
      // Rows the dead process had committed but not queued were queued by the new one's sweeper.
      expect(await second.waitForLog(SWEEPER_QUEUED)).toBe(true);
    }

    // Exactly one job per committed message — including ones whose 202 never got out — with
    // the deterministic id and a payload of ids only.
    const jobs = await routeJobs(queue);
    expect(jobs.length).toBe(final.inbound);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
    for (const job of jobs) {
      expect(job.name).toBe(routeReferral.name);
      expect(typeof job.messageId).toBe('string');
      expect(job.id).toBe(routeReferral.jobId(job.messageId as string));
    }

    // Every accepted message is readable, decrypted to the exact bytes that were signed.
    for (const response of accepted) {
      const stored = await store.readInbound(response.messageId);
      expect(stored, response.messageId).not.toBeNull();
      expect(stored?.partnerId).toBe('gmp');
      expect(stored?.webhookId).toBe(response.webhookId);
      expect(stored?.body.equals(response.payload), `body of ${response.messageId}`).toBe(true);
    }

    expect((await second.stop()).code).toBe(0);
  });
});
