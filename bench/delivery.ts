// `pnpm bench:delivery` (also run by `pnpm bench`, after the intake benchmark): end-to-end
// delivery, from a partner's signed POST to the referral delivered and ledgered at a local
// webhook sink, with the hub's services each in its own process (gateway, router, delivery
// workers) over PostgreSQL and a private Redis (AOF on), and the sink and load generator here:
//   1. latency at a steady 100 referrals/s: from the moment each POST is sent to the moment the
//      sink has received each delivery (both stamped in this process);
//   2. the drain of a backlog of BENCH_BACKLOG (20,000) queued deliveries, made by POSTing
//      referrals while the delivery workers are stopped and their queues paused, then timed from
//      the queues' resume until the last ledger row is committed;
//   3. BullMQ workers doing nothing with the same number of jobs on the same Redis, in the same
//      run: with the delivery workers' own settings, and with BullMQ's defaults.
// Results replace the "End-to-end delivery" section of BENCHMARKS.md (bench/intake.ts rewrites
// the file above it). Bounded: fixed counts and durations, every wait has a deadline.
//
// BENCH_STEADY_S (default 30), BENCH_WARMUP_S (default 5), BENCH_BACKLOG (default 20000),
// BENCH_OUTPUT (default BENCHMARKS.md; "-" prints only), BENCH_CPU_PROF_DIR (if set, the delivery
// workers of the drain run with --cpu-prof and the profile is summarised to stderr and to
// <dir>/summary-delivery.txt; the report is then only printed: profiled figures are slower).
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '@hub/config';
import { DELIVERY_PRIORITY, deliverReferral, type DeliveryPriority } from '@hub/queues';
import { createStore } from '@hub/store';
import { createTestDatabase, fixtureBody, signedRequest, startWebhookSink, testDatabaseUrl } from '@hub/testing';
import { freshMasterKey, REPO_ROOT, startGatewayProcess, startNodeProcess, writeLoadPartnerConfig, type NodeProcess } from '../test/support/gateway-process.ts';
import { sendSigned, waitUntil } from '../test/support/load.ts';
import { ensurePgDatabase, freePort, startPrivateRedis } from '../test/support/services.ts';
import { busiestProfile, type CpuProfile } from './cpu-profile.ts';
import { waitForQuietMachine } from './cpu-usage.ts';
import { summariseDeliveryProfile } from './delivery/delivery-profile.ts';
import { startPgWaitSampler, type PgWaitSummary } from './delivery/pg-waits.ts';
import { cpuSplitBetween, sampleProcesses } from './delivery/process-cpu.ts';
import { renderDeliveryReport, type DeliveryReport, type DrainRun, type SteadyRun } from './delivery/report.ts';
import { webhookSigner } from './delivery/webhook-signer.ts';
import { percentile, runPacedLoad } from './paced-load.ts';

const STEADY_S = wholeNumber('BENCH_STEADY_S', 30, 1, 600);
const WARMUP_S = wholeNumber('BENCH_WARMUP_S', 5, 1, 600);
const BACKLOG = wholeNumber('BENCH_BACKLOG', 20_000, 2, 200_000);
const STEADY_RATE = 100;
/** Referrals/s offered while the backlog is made (the gateway holds 500/s with p99 < 25 ms). */
const BACKLOG_RATE = 500;
const CONNECTIONS = 20;
const SENDER = 'northside-community-trust';
const MESSAGE_TYPE = 'vcs.referral.submitted';
/** The delivery runtime's default (services/delivery/src/runtime.ts): per partner queue. */
const DELIVERY_CONCURRENCY = 4;
/** A no-op run with many jobs in flight per worker: how fast BullMQ itself goes here. */
const WIDE_CONCURRENCY = 100;
const GOALS = { drainRatio: 0.1, steadyP99Ms: 500, peakRssBytes: 200 * 1000 * 1000 };
/** CPU (% of one core) used by processes other than ours above which a run counts as disturbed. */
const DISTURBED_OTHER_PCT = 25;
const MAX_ATTEMPTS = 3;
const SECTION_HEADING = '## End-to-end delivery';

function wholeNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for a quiet machine (bounded), then notes how busy it still was (% of one core). */
async function quietStart(what: string): Promise<number> {
  const quiet = await waitForQuietMachine({ maxBusyPct: 25, timeoutMs: 120_000 });
  if (!quiet.quiet) console.error(`[bench] ${what}: the machine is still ${quiet.busyPct.toFixed(0)} % busy after ${Math.round(quiet.waitedMs / 1000)} s; running anyway`);
  return quiet.busyPct;
}

/**
 * Runs a measurement again (at most MAX_ATTEMPTS times) while other processes on this shared
 * machine took a noticeable share of the CPU during it, and keeps the least disturbed attempt.
 */
async function leastDisturbed<T extends { cpu: { other: number }; attempts: number }>(what: string, run: () => Promise<T>): Promise<T> {
  let best: T | undefined;
  let attempts = 0;
  while (attempts < MAX_ATTEMPTS) {
    const m = await run();
    attempts++;
    if (!best || m.cpu.other < best.cpu.other) best = m;
    if (m.cpu.other <= DISTURBED_OTHER_PCT) break;
    console.error(`[bench] ${what}: other processes used ${m.cpu.other.toFixed(0)} % of a core during the run${attempts < MAX_ATTEMPTS ? '; again' : ''}`);
  }
  return { ...(best as T), attempts };
}

function commandVersion(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

interface Services {
  gateway: NodeProcess;
  router: NodeProcess;
  delivery: NodeProcess | undefined;
}

function pidsOf(services: Services): Record<string, number> {
  return { gateway: services.gateway.pid, router: services.router.pid, ...(services.delivery ? { delivery: services.delivery.pid } : {}) };
}

async function main(): Promise<void> {
  const started = new Date();
  const work = await mkdtemp(path.join(os.tmpdir(), 'hub-bench-delivery-'));
  const cleanups: Array<() => Promise<unknown>> = [];
  const profileRoot = process.env.BENCH_CPU_PROF_DIR ? path.resolve(process.env.BENCH_CPU_PROF_DIR) : undefined;
  try {
    if (!(await ensurePgDatabase(testDatabaseUrl()))) throw new Error(`PostgreSQL does not answer at ${testDatabaseUrl()} (set DATABASE_URL)`);
    const partners = await writeLoadPartnerConfig();
    cleanups.push(() => partners.dispose());
    const inboundSecret = partners.secretOf(SENDER);
    const body = fixtureBody(MESSAGE_TYPE);
    const sign = webhookSigner(inboundSecret);
    const probe = signedRequest({ partnerId: SENDER, secret: inboundSecret, body, webhookId: 'msg_probe', timestamp: new Date(1_800_000_000_000) });
    if (sign('msg_probe', '1800000000', body) !== probe.headers['webhook-signature']) throw new Error('the benchmark signer disagrees with standardwebhooks');

    const database = await createTestDatabase('hub_bench_delivery');
    cleanups.push(() => database.drop());
    const redis = await startPrivateRedis({ appendonly: true, appendfsync: 'everysec' });
    cleanups.push(() => redis.dispose());
    const prefix = `hubbench${randomBytes(3).toString('hex')}`;
    const masterKey = freshMasterKey('bench-1');

    // The partners' webhook receiver, here, so the POST and the receipt share one clock. It
    // checks every delivery's signature with the partner's outbound secret, as a partner would.
    const deliverySecrets = new Map<string, string>();
    const sink = await startWebhookSink({ secrets: (partnerId) => deliverySecrets.get(partnerId) });
    cleanups.push(() => sink.close());
    // Nothing but the sink listens at the FHIR and SMTP addresses: a delivery there would fail and show.
    const unused = `127.0.0.1:${await freePort()}`;
    const env: Record<string, string> = {
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      HUB_QUEUE_PREFIX: prefix,
      HUB_CONFIG_DIR: partners.dir,
      HUB_MASTER_KEYS: masterKey.env,
      LOG_LEVEL: 'info',
      SIMULATOR_WEBHOOK_BASE_URL: sink.url,
      SIMULATOR_FHIR_BASE_URL: `http://${unused}/fhir`,
      SIMULATOR_SMTP_URL: `smtp://${unused}`,
    };
    const config = loadConfig(env);
    for (const partner of config.partners.all()) {
      if (partner.delivery?.channel === 'webhook') deliverySecrets.set(partner.id, partner.delivery.secret);
    }

    const sql = new pg.Pool({ connectionString: database.url, max: 2, application_name: 'bench' });
    cleanups.push(() => sql.end());
    const count = async (text: string, params: unknown[] = []): Promise<number> => Number((await sql.query<{ n: string }>(text, params)).rows[0]?.n ?? 0);
    const disclosed = (): Promise<number> => count(`SELECT count(*) AS n FROM ledger WHERE outcome = 'disclosed'`);

    const startDelivery = async (name: string, nodeArgs: string[] = []): Promise<NodeProcess> =>
      startNodeProcess({ script: 'services/delivery/src/main.ts', env, portVariable: 'HEALTH_PORT', nodeArgs, output: { file: path.join(work, `${name}.log`) } });
    const services: Services = {
      gateway: await startGatewayProcess({ env, output: { file: path.join(work, 'gateway.log') } }),
      router: await startNodeProcess({ script: 'services/router/src/main.ts', env, portVariable: 'HEALTH_PORT', output: { file: path.join(work, 'router.log') } }),
      delivery: undefined,
    };
    cleanups.push(() => services.gateway.stop());
    cleanups.push(() => services.router.stop());
    services.delivery = await startDelivery('delivery-steady');
    cleanups.push(async () => services.delivery?.stop());
    const idleRssKiB = { gateway: services.gateway.memory()?.rssKiB ?? Number.NaN, router: services.router.memory()?.rssKiB ?? Number.NaN, delivery: services.delivery.memory()?.rssKiB ?? Number.NaN };

    // One referral first: where do its deliveries go? Every one must be a webhook to the sink.
    const first = await sendSigned({ baseUrl: services.gateway.baseUrl, partnerId: SENDER, secret: inboundSecret }, body, { timeoutMs: 10_000 });
    if (first.status !== 202) throw new Error(`a signed ${MESSAGE_TYPE} got ${first.status ?? first.error}, not 202`);
    const probeRouted = await waitUntil(async () => (await count(`SELECT count(*) AS n FROM deliveries WHERE status = 'delivered'`)) > 0 && (await count(`SELECT count(*) AS n FROM deliveries WHERE status <> 'delivered'`)) === 0, { timeoutMs: 60_000, intervalMs: 100 });
    const recipients = (await sql.query<{ recipient_partner_id: string; channel: string; priority: DeliveryPriority; status: string }>('SELECT recipient_partner_id, channel, priority, status FROM deliveries ORDER BY recipient_partner_id')).rows;
    const referralStatus = (await sql.query<{ status: string }>('SELECT status FROM referrals')).rows.map((r) => r.status);
    if (!probeRouted || recipients.length === 0 || referralStatus.join() !== 'routed') throw new Error(`the probe referral was not routed and delivered: referral ${referralStatus.join()}, deliveries ${JSON.stringify(recipients)}`);
    if (recipients.some((r) => r.channel !== 'webhook')) throw new Error(`${MESSAGE_TYPE} has recipients on other channels: ${JSON.stringify(recipients)}`);
    if (sink.received.length !== recipients.length || sink.rejected.length > 0) throw new Error(`the sink received ${sink.received.length} deliveries (${sink.rejected.length} refused), expected ${recipients.length}`);
    const perReferral = recipients.length;
    if (BACKLOG % perReferral !== 0) throw new Error(`BENCH_BACKLOG must be a multiple of ${perReferral} (deliveries per referral)`);
    console.error(`[bench] ${MESSAGE_TYPE} from ${SENDER} goes to ${recipients.map((r) => `${r.recipient_partner_id} (${r.channel}, ${r.priority})`).join(' and ')}`);
    sink.reset();

    // 1. A steady 100 referrals/s: a warm-up (not reported), then the measured run.
    const path_ = `/v1/inbound/${SENDER}`;
    const steadyRun = async (durationS: number, label: string): Promise<SteadyRun> => {
      const backgroundBusyPct = await quietStart(label);
      const sentAt = new Map<string, number>();
      const ledgerBefore = await disclosed();
      sink.reset();
      const before = sampleProcesses(pidsOf(services), redis.pid);
      const load = await runPacedLoad({
        baseUrl: services.gateway.baseUrl,
        path: path_,
        ratePerSecond: STEADY_RATE,
        durationS,
        connections: CONNECTIONS,
        timeoutMs: 10_000,
        body: Buffer.from(body),
        headers: () => {
          const id = `msg_${randomUUID()}`;
          const now = Date.now();
          const timestamp = String(Math.floor(now / 1000));
          sentAt.set(id, now);
          return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': sign(id, timestamp, body) };
        },
      });
      const expected = load.ok * perReferral;
      const settled = await waitUntil(async () => (await disclosed()) >= ledgerBefore + expected && sink.received.length >= expected, { timeoutMs: 120_000, intervalMs: 50 });
      const cpu = cpuSplitBetween(before, sampleProcesses(pidsOf(services), redis.pid));
      // Which delivery belongs to which POST: PostgreSQL knows each delivery's inbound webhook-id.
      const rows = (
        await sql.query<{ delivery_id: string; webhook_id: string; received_at: Date; routed_at: Date }>(
          `SELECT d.id::text AS delivery_id, m.webhook_id, m.received_at, r.routed_at FROM deliveries d
             JOIN referrals r ON r.id = d.referral_id JOIN inbound_messages m ON m.message_id = r.message_id
            WHERE m.partner_id = $1 AND m.webhook_id = ANY($2::text[])`,
          [SENDER, [...sentAt.keys()]],
        )
      ).rows;
      const receivedAt = new Map<string, number>();
      for (const r of sink.received) if (r.status === 200 && !receivedAt.has(r.webhookId)) receivedAt.set(r.webhookId, r.receivedAt.getTime());
      const perDelivery: number[] = [];
      const slowestByReferral = new Map<string, number>();
      // The same interval cut where the hub stamps it: the gateway's intake time, the router's decision.
      const stageMs = { toGateway: [] as number[], gatewayToRouted: [] as number[], routedToReceipt: [] as number[] };
      let missing = 0;
      for (const row of rows) {
        const got = receivedAt.get(row.delivery_id);
        const sent = sentAt.get(row.webhook_id);
        if (got === undefined || sent === undefined) {
          missing++;
          continue;
        }
        perDelivery.push(got - sent);
        stageMs.toGateway.push(row.received_at.getTime() - sent);
        stageMs.gatewayToRouted.push(row.routed_at.getTime() - row.received_at.getTime());
        stageMs.routedToReceipt.push(got - row.routed_at.getTime());
        slowestByReferral.set(row.webhook_id, Math.max(slowestByReferral.get(row.webhook_id) ?? 0, got - sent));
      }
      // p99 over each third of the run (by when the POST was sent): a queue building up shows as a rising p99.
      const bySend = rows
        .map((row) => ({ sent: sentAt.get(row.webhook_id), got: receivedAt.get(row.delivery_id) }))
        .filter((x): x is { sent: number; got: number } => x.sent !== undefined && x.got !== undefined)
        .sort((a, b) => a.sent - b.sent);
      const thirds = [0, 1, 2].map((i) => {
        const part = bySend.slice(Math.floor((i * bySend.length) / 3), Math.floor(((i + 1) * bySend.length) / 3)).map((x) => x.got - x.sent);
        return percentile(part.sort((a, b) => a - b), 99);
      });
      // How fast deliveries went out while the referrals were coming in.
      const firstSent = Math.min(...sentAt.values());
      const lastSent = Math.max(...sentAt.values());
      const receivedDuringLoad = bySend.filter((x) => x.got <= lastSent).length;
      perDelivery.sort((a, b) => a - b);
      const perReferralMs = [...slowestByReferral.values()].sort((a, b) => a - b);
      const run: SteadyRun = {
        durationS,
        sent: load.sent,
        achievedRate: load.achievedRate,
        accepted: load.ok,
        non2xx: load.non2xx,
        errors: load.errors,
        deliveries: rows.length,
        received: perDelivery.length,
        missing: missing + (expected - rows.length),
        settled,
        duplicatesAtSink: sink.received.length - receivedAt.size,
        rejectedAtSink: sink.rejected.length,
        delivery: { p50: percentile(perDelivery, 50), p90: percentile(perDelivery, 90), p99: percentile(perDelivery, 99), max: perDelivery.at(-1) ?? Number.NaN },
        p99ByThird: thirds,
        deliveredPerSecDuringLoad: receivedDuringLoad / ((lastSent - firstSent) / 1000),
        referral: { p50: percentile(perReferralMs, 50), p99: percentile(perReferralMs, 99), max: perReferralMs.at(-1) ?? Number.NaN },
        accept: { p50: percentile(load.latenciesMs, 50), p99: percentile(load.latenciesMs, 99) },
        stages: Object.entries(stageMs).map(([stage, values]) => {
          values.sort((a, b) => a - b);
          return { stage: stage as SteadyRun['stages'][number]['stage'], p50: percentile(values, 50), p99: percentile(values, 99) };
        }),
        cpu,
        backgroundBusyPct,
        attempts: 1,
      };
      console.error(
        `[bench] ${label}: ${run.accepted} referrals at ${run.achievedRate.toFixed(1)}/s, ${run.received} of ${expected} deliveries received (${run.deliveredPerSecDuringLoad.toFixed(0)}/s while POSTing); POST → receipt p50 ${run.delivery.p50} ms, p99 ${run.delivery.p99} ms, max ${run.delivery.max} ms (${run.stages.map((x) => `${x.stage} p50 ${x.p50} p99 ${x.p99}`).join(', ')}); ` +
          `CPU ${Object.entries(cpu.byProcess).map(([n, v]) => `${n} ${v.toFixed(0)} %`).join(', ')}, bench ${cpu.bench.toFixed(0)} %, postgres ${cpu.postgres.toFixed(0)} %, redis ${cpu.redis.toFixed(0)} %, other ${cpu.other.toFixed(0)} % (before: ${backgroundBusyPct.toFixed(0)} %)`,
      );
      sink.reset();
      return run;
    };
    await steadyRun(WARMUP_S, 'steady 100/s (warm-up)');
    const steady = await leastDisturbed('steady 100/s', () => steadyRun(STEADY_S, 'steady 100/s'));
    const steadyDeliveryRss = services.delivery.memory();

    // 2. The backlog: delivery workers stopped, their queues paused, referrals POSTed and routed;
    // 3. the drain: fresh delivery workers, started and ready before the queues resume. Made again
    // (backlog and all) when other processes disturbed it, like the other runs.
    const steadyDeliveryExit = await services.delivery.stop();
    services.delivery = undefined;
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    cleanups.push(async () => connection.disconnect());
    const deliverQueues = recipients.map((r) => new Queue(deliverReferral.queue(r.recipient_partner_id), { connection, prefix }));
    cleanups.push(() => Promise.all(deliverQueues.map((q) => q.close())));
    const backlogReferrals = BACKLOG / perReferral;
    const queued = async (): Promise<number> => (await Promise.all(deliverQueues.map((q) => q.getJobCountByTypes('wait', 'prioritized')))).reduce((n, x) => n + x, 0);
    const deliveryProfileDir = profileRoot ? path.join(profileRoot, 'delivery') : undefined;

    const backlogAndDrain = async (): Promise<DrainAttempt> => {
      await Promise.all(deliverQueues.map((q) => q.pause()));
      const pendingBefore = await count(`SELECT count(*) AS n FROM deliveries WHERE status = 'pending'`);
      if (pendingBefore !== 0) throw new Error(`${pendingBefore} deliveries still pending before the backlog`);
      const referralsBefore = await count('SELECT count(*) AS n FROM referrals');
      const buildStarted = Date.now();
      const buildLoad = await runPacedLoad({
        baseUrl: services.gateway.baseUrl,
        path: path_,
        ratePerSecond: BACKLOG_RATE,
        durationS: backlogReferrals / BACKLOG_RATE,
        connections: 50,
        timeoutMs: 10_000,
        body: Buffer.from(body),
        headers: () => {
          const id = `msg_${randomUUID()}`;
          const timestamp = String(Math.floor(Date.now() / 1000));
          return { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': sign(id, timestamp, body) };
        },
      });
      if (buildLoad.ok !== backlogReferrals) throw new Error(`${buildLoad.ok} of ${backlogReferrals} backlog referrals accepted (${buildLoad.non2xx} non-2xx, ${buildLoad.errors} errors)`);
      const built = await waitUntil(
        async () =>
          (await count('SELECT count(*) AS n FROM referrals')) === referralsBefore + backlogReferrals &&
          (await count('SELECT count(*) AS n FROM outbox WHERE queued_at IS NULL')) === 0 &&
          (await queued()) >= BACKLOG,
        { timeoutMs: 600_000, intervalMs: 250 },
      );
      const buildS = (Date.now() - buildStarted) / 1000;
      const backlog = await count(`SELECT count(*) AS n FROM deliveries WHERE status = 'pending'`);
      const queuedJobs = await queued();
      if (!built || backlog !== BACKLOG || queuedJobs !== BACKLOG) throw new Error(`the backlog is ${backlog} pending deliveries and ${queuedJobs} queued jobs, not ${BACKLOG}`);
      console.error(`[bench] backlog: ${backlogReferrals} referrals POSTed at ${buildLoad.achievedRate.toFixed(0)}/s and routed into ${backlog} queued deliveries in ${buildS.toFixed(1)} s`);

      if (deliveryProfileDir) {
        await rm(deliveryProfileDir, { recursive: true, force: true });
        await mkdir(deliveryProfileDir, { recursive: true });
      }
      sink.reset();
      const delivery = await startDelivery('delivery-drain', deliveryProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${deliveryProfileDir}`] : []);
      services.delivery = delivery;
      const drainIdleRssKiB = delivery.memory()?.rssKiB ?? Number.NaN;
      const drainBusyBefore = await quietStart('drain');
      const ledgerBefore = await disclosed();
      const waits = await startPgWaitSampler(database.url);
      const drainBefore = sampleProcesses(pidsOf(services), redis.pid);
      const drainStarted = Date.now();
      await Promise.all(deliverQueues.map((q) => q.resume()));
      const progress: Array<{ at: number; done: number; rssKiB: number }> = [];
      let drained = false;
      for (const deadline = drainStarted + 900_000; Date.now() < deadline; ) {
        const done = (await disclosed()) - ledgerBefore;
        progress.push({ at: Date.now(), done, rssKiB: delivery.memory()?.rssKiB ?? Number.NaN });
        if (done >= BACKLOG) {
          drained = true;
          break;
        }
        await sleep(100);
      }
      const drainEnded = (progress.at(-1) as { at: number }).at;
      const drainCpu = cpuSplitBetween(drainBefore, sampleProcesses(pidsOf(services), redis.pid));
      const pgWaits = await waits.stop();
      if (!drained) throw new Error(`the drain did not finish within 15 minutes: ${(progress.at(-1) as { done: number }).done} of ${BACKLOG}`);
      const drainS = (drainEnded - drainStarted) / 1000;
      const halfway = progress.find((p) => p.done >= BACKLOG / 2) as { at: number; done: number };
      const drainRss = delivery.memory();
      // RSS as the drain went on, and once the workers have been idle a while: growth that stays is kept memory.
      const rssAt = (fraction: number): number => progress.find((p) => p.done >= BACKLOG * fraction)?.rssKiB ?? Number.NaN;
      const rssOverDrain = [0.1, 0.25, 0.5, 0.75, 1].map((fraction) => ({ fraction, rssKiB: rssAt(fraction) }));
      await sleep(10_000);
      const rssIdleAfterDrainKiB = delivery.memory()?.rssKiB ?? Number.NaN;
      await waitUntil(() => sink.received.length >= BACKLOG, { timeoutMs: 10_000, intervalMs: 50 });
      const sendMs = (
        await sql.query<{ mean: string | null; p99: string | null }>(
          `SELECT avg(duration_ms)::numeric(10,2)::text AS mean, percentile_disc(0.99) WITHIN GROUP (ORDER BY duration_ms)::text AS p99
             FROM delivery_attempts WHERE at >= $1::timestamptz`,
          [new Date(drainStarted)],
        )
      ).rows[0];
      const attempt: DrainAttempt = {
        name: 'delivery workers: fetch, decrypt, sign, POST to the sink, attempt + delivered + ledger row',
        jobs: BACKLOG,
        concurrency: `${DELIVERY_CONCURRENCY} per queue × ${deliverQueues.length} queues`,
        seconds: drainS,
        jobsPerSec: BACKLOG / drainS,
        halves: [halfway.done / ((halfway.at - drainStarted) / 1000), (BACKLOG - halfway.done) / ((drainEnded - halfway.at) / 1000)],
        cpuWorker: drainCpu.byProcess.delivery ?? Number.NaN,
        cpu: drainCpu,
        backgroundBusyPct: drainBusyBefore,
        peakRssKiB: drainRss?.peakRssKiB ?? Number.NaN,
        idleRssKiB: drainIdleRssKiB,
        rssOverDrain,
        rssIdleAfterDrainKiB,
        attempts: 1,
        build: { referrals: backlogReferrals, postedPerSec: buildLoad.achievedRate, seconds: buildS, deliveries: backlog },
        pgWaits,
        sink: { received: sink.received.length, unique: new Set(sink.received.map((r) => r.webhookId)).size, rejected: sink.rejected.length },
        send: { meanMs: Number(sendMs?.mean ?? Number.NaN), p99Ms: Number(sendMs?.p99 ?? Number.NaN) },
        exit: await delivery.stop(),
      };
      services.delivery = undefined;
      sink.reset();
      console.error(
        `[bench] drain: ${BACKLOG} deliveries in ${drainS.toFixed(1)} s = ${attempt.jobsPerSec.toFixed(0)}/s; CPU delivery ${attempt.cpuWorker.toFixed(0)} %, bench ${drainCpu.bench.toFixed(0)} %, postgres ${drainCpu.postgres.toFixed(0)} %, redis ${drainCpu.redis.toFixed(0)} %, other ${drainCpu.other.toFixed(0)} % (before: ${drainBusyBefore.toFixed(0)} %); ` +
          `peak RSS ${(attempt.peakRssKiB / 1024).toFixed(1)} MiB`,
      );
      if (deliveryProfileDir) await summariseProfile(deliveryProfileDir, profileRoot as string);
      return attempt;
    };
    const drain = await leastDisturbed('drain', backlogAndDrain);

    // Every queued delivery was delivered once, ledgered once, and the chain still verifies.
    const statusRows = (await sql.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM deliveries GROUP BY status ORDER BY status')).rows;
    const attemptsRows = (await sql.query<{ attempts: number; n: string }>('SELECT attempts, count(*) AS n FROM deliveries GROUP BY attempts ORDER BY attempts')).rows;
    const ledgerDisclosed = await disclosed();
    const ledgerPerDelivery = await count(`SELECT count(*) AS n FROM (SELECT delivery_id FROM ledger WHERE outcome = 'disclosed' GROUP BY delivery_id HAVING count(*) > 1) x`);
    const store = await createStore({ databaseUrl: database.url, keyring: masterKey.keyring });
    cleanups.push(() => store.close());
    const verification = await store.verifyLedger();
    const drainChecks = {
      sinkReceived: drain.sink.received,
      sinkUnique: drain.sink.unique,
      sinkRejected: drain.sink.rejected,
      statuses: Object.fromEntries(statusRows.map((r) => [r.status, Number(r.n)])),
      attempts: Object.fromEntries(attemptsRows.map((r) => [String(r.attempts), Number(r.n)])),
      ledgerDisclosed,
      ledgerDuplicates: ledgerPerDelivery,
      ledgerVerified: verification.ok,
      ledgerChecked: verification.checked,
      sendMeanMs: drain.send.meanMs,
      sendP99Ms: drain.send.p99Ms,
    };
    const gatewayRss = services.gateway.memory();
    const routerRss = services.router.memory();

    // 4. The same number of no-op jobs on the same Redis: the delivery workers' settings, then BullMQ's defaults.
    const priorities = new Map(recipients.map((r) => [r.recipient_partner_id, DELIVERY_PRIORITY[r.priority]]));
    const noopSame = await leastDisturbed('no-op, delivery settings', () =>
      noopDrain({
        label: 'no-op, delivery settings',
        redisUrl: redis.url,
        redisPid: redis.pid,
        prefix,
        connection,
        queues: recipients.map((r) => `bench-noop-${randomBytes(3).toString('hex')}.${r.recipient_partner_id}`),
        jobsPerQueue: BACKLOG / recipients.length,
        // The deliver jobs' own options, id rule and priority per recipient.
        jobFor: (queueIndex) => {
          const deliveryId = randomUUID();
          return { name: deliverReferral.name, data: { ...deliverReferral.payload(deliveryId) }, opts: { ...deliverReferral.options, jobId: deliverReferral.jobId(deliveryId), priority: priorities.get(recipients[queueIndex]?.recipient_partner_id as string) as number } };
        },
        concurrency: String(DELIVERY_CONCURRENCY),
        hubConnection: true,
        work,
      }),
    );
    const noopWide = await leastDisturbed(`no-op, concurrency ${WIDE_CONCURRENCY}`, () =>
      noopDrain({
        label: `no-op, delivery settings but concurrency ${WIDE_CONCURRENCY}`,
        redisUrl: redis.url,
        redisPid: redis.pid,
        prefix,
        connection,
        queues: recipients.map((r) => `bench-noop-${randomBytes(3).toString('hex')}.${r.recipient_partner_id}`),
        jobsPerQueue: BACKLOG / recipients.length,
        jobFor: (queueIndex) => {
          const deliveryId = randomUUID();
          return { name: deliverReferral.name, data: { ...deliverReferral.payload(deliveryId) }, opts: { ...deliverReferral.options, jobId: deliverReferral.jobId(deliveryId), priority: priorities.get(recipients[queueIndex]?.recipient_partner_id as string) as number } };
        },
        concurrency: String(WIDE_CONCURRENCY),
        hubConnection: true,
        work,
      }),
    );
    const noopDefault = await leastDisturbed('no-op, BullMQ defaults', () =>
      noopDrain({
        label: 'no-op, BullMQ defaults',
        redisUrl: redis.url,
        redisPid: redis.pid,
        prefix,
        connection,
        queues: [`bench-noop-${randomBytes(3).toString('hex')}`],
        jobsPerQueue: BACKLOG,
        jobFor: () => ({ name: 'noop', data: { deliveryId: randomUUID() } }),
        concurrency: 'default',
        hubConnection: false,
        work,
      }),
    );

    const pgVersion = (await sql.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? 'unknown';
    const pgSettings = Object.fromEntries(
      (await sql.query<{ name: string; setting: string }>(`SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'wal_sync_method', 'max_connections')`)).rows.map((r) => [r.name, r.setting]),
    );
    const report: DeliveryReport = {
      started,
      finished: new Date(),
      heading: SECTION_HEADING,
      settings: { steadyS: STEADY_S, warmupS: WARMUP_S, backlog: BACKLOG, steadyRate: STEADY_RATE, backlogRate: BACKLOG_RATE, connections: CONNECTIONS, deliveryConcurrency: DELIVERY_CONCURRENCY, wideConcurrency: WIDE_CONCURRENCY },
      sender: SENDER,
      messageType: MESSAGE_TYPE,
      bodyBytes: Buffer.byteLength(body),
      recipients: recipients.map((r) => ({ partnerId: r.recipient_partner_id, channel: r.channel, priority: r.priority })),
      steady,
      backlogBuild: drain.build,
      drain,
      drainChecks,
      pgWaits: drain.pgWaits,
      noopSame,
      noopWide,
      noopDefault,
      rss: {
        deliverySteadyPeakKiB: steadyDeliveryRss?.peakRssKiB ?? Number.NaN,
        deliveryDrainPeakKiB: drain.peakRssKiB,
        deliveryIdleKiB: idleRssKiB.delivery,
        routerPeakKiB: routerRss?.peakRssKiB ?? Number.NaN,
        gatewayPeakKiB: gatewayRss?.peakRssKiB ?? Number.NaN,
        routerIdleKiB: idleRssKiB.router,
        gatewayIdleKiB: idleRssKiB.gateway,
      },
      exits: { deliverySteady: steadyDeliveryExit, deliveryDrain: drain.exit },
      goals: GOALS,
      disturbedOtherPct: DISTURBED_OTHER_PCT,
      maxAttempts: MAX_ATTEMPTS,
      versions: { pg: pgVersion, pgSettings, redis: /v=(\S+)/.exec(commandVersion('redis-server', ['--version']))?.[1] ?? 'unknown' },
      profiled: profileRoot !== undefined,
    };
    const section = renderDeliveryReport(report);
    const output = process.env.BENCH_OUTPUT ?? (profileRoot ? '-' : 'BENCHMARKS.md');
    if (output === '-') process.stdout.write(section);
    else {
      const file = path.resolve(REPO_ROOT, output);
      const existing = await readFile(file, 'utf8').catch(() => '# Benchmarks\n');
      // Keep everything above this section (the intake benchmark's), replace this section.
      const at = existing.indexOf(`\n${SECTION_HEADING}\n`);
      const above = (at >= 0 ? existing.slice(0, at) : existing).trimEnd();
      await writeFile(file, `${above}\n\n${section}`);
      console.error(`[bench] wrote the "${SECTION_HEADING.slice(3)}" section of ${output}`);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error(err));
    await rm(work, { recursive: true, force: true });
  }
}

async function summariseProfile(dir: string, root: string): Promise<void> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  const profile = busiestProfile(files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile));
  if (!profile) return;
  const summary = summariseDeliveryProfile(profile, 40);
  await writeFile(path.join(root, 'summary-delivery.txt'), `${summary}\n`);
  console.error(`\n[bench] CPU profile of the delivery workers during the drain:\n${summary}\n`);
}

/** One backlog-and-drain attempt, with what only that attempt knows. */
type DrainAttempt = DrainRun & {
  build: DeliveryReport['backlogBuild'];
  pgWaits: PgWaitSummary;
  sink: { received: number; unique: number; rejected: number };
  send: { meanMs: number; p99Ms: number };
  exit: { code: number | null; signal: string | null };
};

interface NoopOptions {
  label: string;
  redisUrl: string;
  redisPid: number;
  prefix: string;
  connection: Redis;
  queues: string[];
  jobsPerQueue: number;
  jobFor(queueIndex: number): { name: string; data: Record<string, string>; opts?: JobsOptions };
  /** Per worker, or "default" for BullMQ's own. */
  concurrency: string;
  /** The delivery runtime's worker connection (@hub/queues), or a plain ioredis one. */
  hubConnection: boolean;
  work: string;
}

/** Adds the jobs to paused queues, starts the no-op workers' process, resumes, times the drain. */
async function noopDrain(o: NoopOptions): Promise<DrainRun> {
  const queues = o.queues.map((name) => new Queue(name, { connection: o.connection, prefix: o.prefix }));
  try {
    await Promise.all(queues.map((q) => q.pause()));
    for (const [i, queue] of queues.entries()) {
      for (let added = 0; added < o.jobsPerQueue; added += 1000) {
        const n = Math.min(1000, o.jobsPerQueue - added);
        await queue.addBulk(Array.from({ length: n }, () => o.jobFor(i)));
      }
    }
    const jobs = o.jobsPerQueue * queues.length;
    const worker = await startNodeProcess({
      script: 'bench/delivery/noop-worker.ts',
      env: {
        BENCH_REDIS_URL: o.redisUrl,
        BENCH_PREFIX: o.prefix,
        BENCH_QUEUES: o.queues.join(','),
        BENCH_EXPECT: String(jobs),
        BENCH_CONCURRENCY: o.concurrency,
        BENCH_CONNECTION: o.hubConnection ? 'hub' : 'default',
      },
      portVariable: 'BENCH_PORT',
      output: 'capture',
    });
    try {
      const idle = worker.memory();
      const backgroundBusyPct = await quietStart(o.label);
      const before = sampleProcesses({ worker: worker.pid }, o.redisPid);
      const startedAt = Date.now();
      await Promise.all(queues.map((q) => q.resume()));
      if (!(await worker.waitForLog('noop drained', 300_000))) throw new Error(`${o.label}: the no-op workers did not finish ${jobs} jobs within 5 minutes`);
      const cpu = cpuSplitBetween(before, sampleProcesses({ worker: worker.pid }, o.redisPid));
      const done = worker.logRecords().find((r) => r.msg === 'noop drained') as { lastCompletedAt: number };
      const memory = worker.memory();
      const seconds = (done.lastCompletedAt - startedAt) / 1000;
      const run: DrainRun = {
        name: o.label,
        jobs,
        concurrency: o.concurrency === 'default' ? `BullMQ default (1) × ${queues.length} queue${queues.length > 1 ? 's' : ''}` : `${o.concurrency} per queue × ${queues.length} queues`,
        seconds,
        jobsPerSec: jobs / seconds,
        cpuWorker: cpu.byProcess.worker ?? Number.NaN,
        cpu,
        backgroundBusyPct,
        peakRssKiB: memory?.peakRssKiB ?? Number.NaN,
        idleRssKiB: idle?.rssKiB ?? Number.NaN,
        attempts: 1,
      };
      console.error(`[bench] ${o.label}: ${jobs} jobs in ${seconds.toFixed(2)} s = ${run.jobsPerSec.toFixed(0)}/s; CPU worker ${run.cpuWorker.toFixed(0)} %, redis ${cpu.redis.toFixed(0)} %, other ${cpu.other.toFixed(0)} % (before: ${backgroundBusyPct.toFixed(0)} %)`);
      return run;
    } finally {
      await worker.stop();
    }
  } finally {
    await Promise.all(queues.map((q) => q.obliterate({ force: true }).catch(() => undefined)));
    await Promise.all(queues.map((q) => q.close()));
  }
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.stack ?? err.message}`);
  process.exitCode = 1;
});
