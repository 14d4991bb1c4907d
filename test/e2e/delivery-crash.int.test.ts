// The hub as a real process (services/hub/src/start.ts) losing itself or a dependency in the
// middle of deliveries: SIGKILL while a partner holds a delivery request open, Redis stopped
// and started again on its AOF, PostgreSQL cut off behind a TCP proxy. Afterwards every
// accepted message must be routed and every delivery delivered, each under one webhook-id,
// with exactly one `disclosed` ledger row per delivery (DESIGN.md §4 Delivery, §5).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadConfig, type HubConfig } from '@hub/config';
import { startDemoSimulators, type DemoSimulators } from '@hub/hub/demo-simulators';
import { createTestDatabase, fixtureBody, signedRequest, startTcpProxy, testDatabaseUrl } from '@hub/testing';
import { eventually } from '../support/hub-harness.ts';
import { simulatorEnv, startHubProcess, type HubProcess } from '../support/hub-process.ts';
import { startPrivateRedis, type PrivateRedis } from '../support/services.ts';

const ADMIN_TOKEN = 'demo-operator-token';
// The hub's log lines that show the outbox at work (matched loosely: wording may change).
const ENQUEUE_FAILED = /^could not queue .* the outbox sweeper will retry$/;
const SWEEPER_QUEUED = /^outbox sweeper queued/;

interface DeliveryRow {
  id: string;
  referral_id: string;
  recipient_partner_id: string;
  channel: string;
  status: string;
  attempts: number;
  last_error_code: string | null;
}

interface Scenario {
  config: HubConfig;
  env: Record<string, string>;
  sims: DemoSimulators;
  hubs: HubProcess[];
  startHub(): Promise<HubProcess>;
  /** Straight to PostgreSQL, never through a proxy. */
  sql<T>(text: string, params?: unknown[]): Promise<T[]>;
  send(hub: HubProcess, partnerId: string, body: string): Promise<{ status: number; messageId?: string }>;
}

/** The youth justice fixture with the young person at St Mary's: shared with that school only. */
function noticeForStMarys(): string {
  const body = JSON.parse(fixtureBody('justice.youth-justice.notified')) as { data: { youngPerson: { schoolUrn: string } } };
  body.data.youngPerson.schoolUrn = '105432';
  return JSON.stringify(body);
}

describe('the hub process losing itself or a dependency mid-delivery', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((err: unknown) => console.error(err));
  });

  async function scenario(opts: { redisUrl: string; databaseUrlFor?: (url: string) => string }): Promise<Scenario> {
    const database = await createTestDatabase('hub_crash');
    cleanups.push(() => database.drop());
    const dataDir = await mkdtemp(path.join(tmpdir(), 'hub-crash-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const prefix = `hubcrash${randomBytes(4).toString('hex')}`;
    // Runs after the hub has stopped: the queues it left in Redis go.
    cleanups.push(async () => {
      const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1 });
      redis.on('error', () => undefined);
      try {
        for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1_000 })) {
          if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
        }
      } finally {
        redis.disconnect();
      }
    });
    const env: Record<string, string> = {
      DATABASE_URL: (opts.databaseUrlFor ?? ((url) => url))(database.url),
      REDIS_URL: opts.redisUrl,
      HUB_QUEUE_PREFIX: prefix,
      HUB_DATA_DIR: dataDir,
      HUB_RETRY_SCHEDULE_MS: '0,100,200,300',
      HUB_BREAKER_RESET_MS: '1000',
      HUB_SWEEP_INTERVAL_MS: '250',
      HUB_SWEEP_MIN_AGE_MS: '500',
      ...(await simulatorEnv()),
    };
    const config = loadConfig(env);
    const sims = await startDemoSimulators(config, env);
    cleanups.push(() => sims.close());
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    cleanups.push(() => pool.end());
    const hubs: HubProcess[] = [];
    // Runs first (cleanups run in reverse): the hub stops before its database and simulators go.
    cleanups.push(() => Promise.all(hubs.map((hub) => hub.stop())));
    return {
      config,
      env,
      sims,
      hubs,
      async startHub() {
        const hub = await startHubProcess({ env });
        hubs.push(hub);
        return hub;
      },
      async sql<T>(text: string, params: unknown[] = []) {
        return (await pool.query(text, params)).rows as T[];
      },
      async send(hub, partnerId, body) {
        const secret = config.partners.get(partnerId)?.secrets[0] as string;
        const req = signedRequest({ partnerId, secret, body });
        try {
          const res = await fetch(`${hub.gatewayUrl}${req.url}`, { method: 'POST', headers: req.headers, body: req.payload, signal: AbortSignal.timeout(15_000) });
          const json = (await res.json().catch(() => ({}))) as { id?: string };
          return { status: res.status, ...(res.status === 202 && json.id ? { messageId: json.id } : {}) };
        } catch {
          return { status: 0 };
        }
      },
    };
  }

  /**
   * Everything a run must end with: each accepted message routed; each of its deliveries
   * delivered; every request a partner saw for a delivery carrying that delivery's id as
   * webhook-id; exactly one `disclosed` ledger row per delivery; the chain intact.
   */
  async function expectAllDeliveredOnce(s: Scenario, hub: HubProcess, messageIds: string[], timeoutMs: number): Promise<DeliveryRow[]> {
    const deliveries = await eventually(
      async () => {
        const referrals = await s.sql<{ id: string }>('select id from referrals where message_id = any($1::uuid[])', [messageIds]);
        if (referrals.length !== messageIds.length) return undefined;
        const rows = await s.sql<DeliveryRow>(
          `select d.id, d.referral_id, d.recipient_partner_id, d.channel, d.status, d.attempts, d.last_error_code
             from deliveries d join referrals r on r.id = d.referral_id where r.message_id = any($1::uuid[]) order by d.id`,
          [messageIds],
        );
        const ended = rows.filter((r) => r.status !== 'pending' && r.status !== 'delivered');
        if (ended.length > 0) throw new Error(`deliveries ended other than delivered: ${JSON.stringify(ended)}`);
        return rows.length > 0 && rows.every((r) => r.status === 'delivered') ? rows : undefined;
      },
      `all ${messageIds.length} accepted messages routed and delivered`,
      timeoutMs,
    ).catch(async (err: Error) => {
      const stuck = await s.sql('select d.id, d.recipient_partner_id, d.status, d.attempts, d.last_error_code from deliveries d join referrals r on r.id = d.referral_id where r.message_id = any($1::uuid[]) and d.status <> $2', [messageIds, 'delivered']);
      const unrouted = messageIds.length - (await s.sql('select id from referrals where message_id = any($1::uuid[])', [messageIds])).length;
      throw new Error(`${err.message}; ${unrouted} messages not routed; not delivered: ${JSON.stringify(stuck)}`);
    });
    expect(new Set(deliveries.map((d) => d.referral_id)).size).toBe(messageIds.length);

    const disclosed = await s.sql<{ delivery_id: string; n: number }>(
      `select delivery_id::text as delivery_id, count(*)::int as n from ledger where outcome = 'disclosed' and delivery_id = any($1::uuid[]) group by delivery_id`,
      [deliveries.map((d) => d.id)],
    );
    expect(disclosed.filter((r) => r.n !== 1), 'deliveries with more than one disclosed ledger row').toEqual([]);
    expect(disclosed.length).toBe(deliveries.length);

    // Webhook partners: the bytes name the delivery, and the header is always that same id.
    for (const request of s.sims.webhook.received) {
      const bodyDeliveryId = (request.body as { deliveryId?: unknown } | undefined)?.deliveryId;
      expect(request.webhookId, `a request for delivery ${String(bodyDeliveryId)}`).toBe(bodyDeliveryId);
    }
    for (const d of deliveries.filter((row) => row.channel === 'webhook')) {
      const seen = s.sims.webhook.received.filter((r) => r.webhookId === d.id);
      expect(seen.some((r) => r.status === 200), `webhook delivery ${d.id} reached its partner`).toBe(true);
    }
    for (const d of deliveries.filter((row) => row.channel === 'email')) {
      expect(s.sims.smtp.received.some((m) => m.attachments.some((a) => a.filename === `referral-${d.id}.json`)), `email delivery ${d.id}`).toBe(true);
    }

    const verified = await fetch(`${hub.consoleUrl}/admin/ledger/verify`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(await verified.json()).toMatchObject({ ok: true });
    return deliveries;
  }

  it('(a) SIGKILL while a partner holds the request open: after a restart it is delivered, under the same webhook-id, ledgered once', { timeout: 180_000 }, async () => {
    const s = await scenario({ redisUrl: inject('redisUrl') });
    const first = await s.startHub();
    // The partner accepts the first request and never answers it.
    s.sims.webhook.script({ status: 200, hang: true }, '/partners/st-marys-primary');
    const sent = await Promise.all([0, 1, 2].map(() => s.send(first, 'manchester-yjs', noticeForStMarys())));
    expect(sent.map((r) => r.status)).toEqual([202, 202, 202]);
    const messageIds = sent.map((r) => r.messageId as string);

    const [held] = (await s.sims.webhook.waitFor((r) => r.some((d) => d.status === 0), 30_000)).filter((d) => d.status === 0);
    const heldId = held!.webhookId;
    expect(await first.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // The dead hub had sent it, and had not recorded it as delivered nor ledgered it.
    const [beforeRestart] = await s.sql<DeliveryRow>('select id, status from deliveries where id = $1', [heldId]);
    expect(beforeRestart).toMatchObject({ status: 'pending' });
    expect(await s.sql('select id from ledger where delivery_id = $1', [heldId])).toEqual([]);

    const second = await s.startHub();
    // BullMQ gives a dead worker's job back once its lock expires (30 s) and a stalled-job
    // check sees it (every 30 s): up to about a minute.
    await s.sims.webhook.waitFor((r) => r.some((d) => d.webhookId === heldId && d.status === 200), 120_000);
    const deliveries = await expectAllDeliveredOnce(s, second, messageIds, 30_000);
    expect(deliveries).toHaveLength(3);
    expect(s.sims.webhook.received.filter((d) => d.webhookId === heldId).map((d) => d.status)).toEqual([0, 200]);
  });

  it('(b) Redis stopped and started again on its AOF during a stream of referrals: every delivery delivered, none ledgered twice', { timeout: 180_000 }, async () => {
    const redis = await startPrivateRedis({ appendonly: true });
    const restarted: PrivateRedis[] = [];
    // Runs last, after the hub has stopped: the restarted server, then the original's directory.
    cleanups.push(async () => {
      for (const server of restarted) await server.stop();
      await redis.dispose();
    });
    const s = await scenario({ redisUrl: redis.url });
    const hub = await s.startHub();
    const body = fixtureBody('police.domestic-abuse.notified');
    const accepted: string[] = [];
    const statuses: number[] = [];
    const sendSome = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const res = await s.send(hub, 'gmp', body);
        statuses.push(res.status);
        if (res.messageId) accepted.push(res.messageId);
      }
    };

    await sendSome(8);
    // Deliveries of the first messages are under way when Redis goes.
    await s.sims.webhook.waitFor(1, 30_000);
    await redis.stop();
    await sendSome(8);
    // The outage reached the hub: what it accepted meanwhile went only to the outbox.
    await eventually(async () => hub.logRecords().some((r) => typeof r.msg === 'string' && ENQUEUE_FAILED.test(r.msg)), 'the hub to report that it could not queue accepted messages');
    restarted.push(await startPrivateRedis({ appendonly: true, dir: redis.dir, port: redis.port }));
    await sendSome(8);

    // Redis is not on the intake path: everything was accepted, before, during and after.
    expect(statuses).toEqual(Array.from({ length: 24 }, () => 202));
    const deliveries = await expectAllDeliveredOnce(s, hub, accepted, 120_000);
    // Two schools and the MASH for each notification.
    expect(deliveries).toHaveLength(24 * 3);
    expect(hub.logRecords().some((r) => typeof r.msg === 'string' && SWEEPER_QUEUED.test(r.msg)), 'the outbox sweeper queued what Redis missed').toBe(true);
  });

  it('(c) PostgreSQL cut off and restored during a stream of referrals, with a send in flight: nothing accepted is lost, nothing is ledgered twice', { timeout: 180_000 }, async () => {
    const proxy = await startTcpProxy(Number(new URL(testDatabaseUrl()).port || 5432));
    cleanups.push(() => proxy.close());
    const s = await scenario({ redisUrl: inject('redisUrl'), databaseUrlFor: (url) => proxy.url(url) });
    const hub = await s.startHub();
    const body = fixtureBody('police.domestic-abuse.notified');
    const accepted: string[] = [];
    const statuses: number[] = [];
    const sendSome = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const res = await s.send(hub, 'gmp', body);
        statuses.push(res.status);
        if (res.messageId) accepted.push(res.messageId);
      }
    };

    // One school holds its first request open, so a send is in flight when PostgreSQL goes,
    // and its outcome (a timeout) cannot be recorded.
    s.sims.webhook.script({ status: 200, hang: true }, '/partners/oakfield-primary');
    await sendSome(8);
    const [held] = (await s.sims.webhook.waitFor((r) => r.some((d) => d.status === 0), 30_000)).filter((d) => d.status === 0);
    const heldId = held!.webhookId;
    proxy.cut();
    await sendSome(8);
    // The held send times out (the partner's 10 s) and the worker cannot record it: the job
    // fails with PostgreSQL away, and must be retried rather than dropped.
    await eventually(
      async () => hub.logRecords().some((r) => r.msg === 'delivery job failed; will retry' && r.jobId === `delivery-${heldId}`),
      'the in-flight delivery job to fail while PostgreSQL is away',
      30_000,
    );
    proxy.restore();
    await sendSome(8);

    // While PostgreSQL is away intake says so (503) rather than accepting what it cannot keep.
    expect(statuses.filter((st) => st !== 202 && st !== 503)).toEqual([]);
    expect(statuses.slice(0, 8)).toEqual(Array.from({ length: 8 }, () => 202));
    expect(statuses.slice(8, 16)).toEqual(Array.from({ length: 8 }, () => 503));
    expect(statuses.slice(16)).toEqual(Array.from({ length: 8 }, () => 202));
    const deliveries = await expectAllDeliveredOnce(s, hub, accepted, 120_000);
    expect(deliveries).toHaveLength(16 * 3);
    expect(s.sims.webhook.received.filter((d) => d.webhookId === heldId).map((d) => d.status)).toEqual([0, 200]);
  });

  it('(d) SIGKILLed twice while the same delivery is in flight: it is still delivered, never stranded', { timeout: 360_000 }, async () => {
    const s = await scenario({ redisUrl: inject('redisUrl') });
    s.sims.webhook.script({ status: 200, hang: true, times: 2 }, '/partners/st-marys-primary');
    let hub = await s.startHub();
    const sent = await s.send(hub, 'manchester-yjs', noticeForStMarys());
    expect(sent.status).toBe(202);
    for (let crash = 1; crash <= 2; crash++) {
      await s.sims.webhook.waitFor((r) => r.filter((d) => d.status === 0).length >= crash, 120_000);
      await hub.kill('SIGKILL');
      hub = await s.startHub();
    }
    const heldId = s.sims.webhook.received[0]!.webhookId;
    await expectAllDeliveredOnce(s, hub, [sent.messageId as string], 150_000);
    expect(s.sims.webhook.received.filter((d) => d.webhookId === heldId).map((d) => d.status)).toEqual([0, 0, 200]);
  });
});
