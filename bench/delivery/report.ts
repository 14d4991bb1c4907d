// The "End-to-end delivery" section of BENCHMARKS.md, written from one run's figures by
// bench/delivery.ts. Nothing here is measured: it only lays out what the run measured.
import os from 'node:os';
import type { PgWaitSummary } from './pg-waits.ts';
import type { ProcessCpuShare } from './process-cpu.ts';

export interface Percentiles {
  p50: number;
  p90?: number;
  p99: number;
  max: number;
}

export interface SteadyRun {
  durationS: number;
  sent: number;
  achievedRate: number;
  accepted: number;
  non2xx: number;
  errors: number;
  /** Deliveries PostgreSQL holds for the accepted referrals. */
  deliveries: number;
  /** Of those, received by the sink (latency known). */
  received: number;
  missing: number;
  settled: boolean;
  duplicatesAtSink: number;
  rejectedAtSink: number;
  /** ms from the POST being sent to the sink's receipt, per delivery. */
  delivery: Percentiles;
  /** p99 per delivery over each third of the run, by when the POST was sent. */
  p99ByThird: number[];
  /** Deliveries received per second between the first and the last POST of the run. */
  deliveredPerSecDuringLoad: number;
  /** The same, per referral: its slowest recipient. */
  referral: Percentiles;
  /** ms from the POST being due to its 202 (bench/paced-load.ts). */
  accept: { p50: number; p99: number };
  /** The same latency cut where the hub stamps it: gateway intake, router decision, sink receipt. */
  stages: Array<{ stage: 'toGateway' | 'gatewayToRouted' | 'routedToReceipt'; p50: number; p99: number }>;
  cpu: ProcessCpuShare;
  backgroundBusyPct: number;
  attempts: number;
}

export interface DrainRun {
  name: string;
  jobs: number;
  concurrency: string;
  seconds: number;
  jobsPerSec: number;
  /** Deliveries/s over the first and the second half of the jobs (delivery drain only). */
  halves?: [number, number];
  /** % of one core used by the worker process. */
  cpuWorker: number;
  cpu: ProcessCpuShare;
  backgroundBusyPct: number;
  peakRssKiB: number;
  idleRssKiB: number;
  /** VmRSS when the given fraction of the jobs was done (delivery drain only). */
  rssOverDrain?: Array<{ fraction: number; rssKiB: number }>;
  /** VmRSS 10 s after the drain, the workers idle (delivery drain only). */
  rssIdleAfterDrainKiB?: number;
  attempts: number;
}

export interface DeliveryReport {
  started: Date;
  finished: Date;
  heading: string;
  settings: { steadyS: number; warmupS: number; backlog: number; steadyRate: number; backlogRate: number; connections: number; deliveryConcurrency: number; wideConcurrency: number };
  sender: string;
  messageType: string;
  bodyBytes: number;
  recipients: Array<{ partnerId: string; channel: string; priority: string }>;
  steady: SteadyRun;
  backlogBuild: { referrals: number; postedPerSec: number; seconds: number; deliveries: number };
  drain: DrainRun;
  drainChecks: {
    sinkReceived: number;
    sinkUnique: number;
    sinkRejected: number;
    statuses: Record<string, number>;
    attempts: Record<string, number>;
    ledgerDisclosed: number;
    ledgerDuplicates: number;
    ledgerVerified: boolean;
    ledgerChecked: number;
    sendMeanMs: number;
    sendP99Ms: number;
  };
  pgWaits: PgWaitSummary;
  noopSame: DrainRun;
  noopWide: DrainRun;
  noopDefault: DrainRun;
  rss: {
    deliverySteadyPeakKiB: number;
    deliveryDrainPeakKiB: number;
    deliveryIdleKiB: number;
    routerPeakKiB: number;
    gatewayPeakKiB: number;
    routerIdleKiB: number;
    gatewayIdleKiB: number;
  };
  exits: { deliverySteady: { code: number | null; signal: string | null }; deliveryDrain: { code: number | null; signal: string | null } };
  goals: { drainRatio: number; steadyP99Ms: number; peakRssBytes: number };
  disturbedOtherPct: number;
  maxAttempts: number;
  versions: { pg: string; pgSettings: Record<string, string>; redis: string };
  profiled: boolean;
}

const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const mib = (kib: number): string => `${fmt(kib / 1024, 1)} MiB`;
const mb = (kib: number): string => `${fmt((kib * 1024) / 1e6, 1)} MB`;
const verdict = (ok: boolean): string => (ok ? 'reached' : '**not reached**');
const exit = (e: { code: number | null; signal: string | null }): string => (e.code !== null ? `code ${e.code}` : `signal ${e.signal}`);

function cpuModel(): string {
  return os.cpus()[0]?.model.trim() ?? 'unknown';
}

function stage(s: SteadyRun, name: SteadyRun['stages'][number]['stage']): string {
  const found = s.stages.find((x) => x.stage === name);
  return found ? `${fmt(found.p50)} / ${fmt(found.p99)}` : 'n/a';
}

export function renderDeliveryReport(r: DeliveryReport): string {
  const s = r.steady;
  const d = r.drain;
  const c = r.drainChecks;
  const ratioSame = d.jobsPerSec / r.noopSame.jobsPerSec;
  const ratioDefault = d.jobsPerSec / r.noopDefault.jobsPerSec;
  const ratioWide = d.jobsPerSec / r.noopWide.jobsPerSec;
  const vsSame = (m: DrainRun): string => `${fmt((m.jobsPerSec / r.noopSame.jobsPerSec) * 100, 1)} %`;
  const peakDeliveryKiB = Math.max(r.rss.deliverySteadyPeakKiB, r.rss.deliveryDrainPeakKiB);
  const steadyOk = s.delivery.p99 <= r.goals.steadyP99Ms && s.achievedRate >= r.settings.steadyRate * 0.98 && s.non2xx === 0 && s.errors === 0 && s.missing === 0;
  const inFlight = r.settings.deliveryConcurrency * r.recipients.length;
  const perJobMs = (inFlight / d.jobsPerSec) * 1000;
  const disturbed = (m: { cpu: { other: number }; attempts: number }): string => `${fmt(m.cpu.other)}${m.attempts > 1 ? ` (best of ${m.attempts})` : ''}`;
  const drainRow = (m: DrainRun, ratio: string): string =>
    `| ${m.name} | ${fmt(m.jobs)} | ${m.concurrency} | ${fmt(m.seconds, 2)} | **${fmt(m.jobsPerSec)}** | ${ratio} | ${fmt(m.cpuWorker)} | ${fmt(m.cpu.bench)} | ${fmt(m.cpu.postgres)} | ${fmt(m.cpu.redis)} | ${disturbed(m)} | ${fmt(m.backgroundBusyPct)} | ${mib(m.peakRssKiB)} |`;
  const waitRows = Object.entries(r.pgWaits.meanByState).map(([state, mean]) => `  - ${state}: ${fmt(mean, 2)}`);
  const statuses = Object.entries(c.statuses).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
  const attempts = Object.entries(c.attempts).map(([k, v]) => `${k} attempt${k === '1' ? '' : 's'}: ${fmt(v)}`).join(', ');
  const recipients = r.recipients.map((x) => `\`${x.partnerId}\` (${x.channel}, priority ${x.priority})`).join(' and ');
  const settingsText = ['synchronous_commit', 'fsync', 'wal_sync_method'].map((k) => `\`${k}=${r.versions.pgSettings[k] ?? '?'}\``).join(', ');
  return `${r.heading}

From a partner's signed POST to the referral delivered and ledgered at a local webhook sink. Generated by
\`pnpm bench:delivery\` (\`bench/delivery.ts\`; \`pnpm bench\` runs it after \`bench/intake.ts\`, which rewrites
everything above this section); the figures below are from one real run — rerun it to refresh them, do not edit
them by hand.${r.profiled ? '\n\n**These figures were taken with the delivery workers under `--cpu-prof`: slower than real ones.**' : ''}

- **command**: \`pnpm bench:delivery\` (= \`tsx bench/delivery.ts\`; \`BENCH_STEADY_S=${r.settings.steadyS}\`, \`BENCH_WARMUP_S=${r.settings.warmupS}\`, \`BENCH_BACKLOG=${r.settings.backlog}\`)
- **date**: ${r.started.toISOString()} (the run took ${Math.round((r.finished.getTime() - r.started.getTime()) / 1000)} s)
- **machine**: \`nproc\` ${os.availableParallelism()}, ${cpuModel()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}
- **software**: Node.js ${process.version} (TypeScript through tsx, as in production), PostgreSQL ${r.versions.pg} (127.0.0.1:5432,
  default settings: ${settingsText}), Redis ${r.versions.redis} (private, AOF \`everysec\`, \`noeviction\`, as \`infra/redis.conf\`)
- **processes**: the hub's services each in its own process, started from their own mains as in production
  (\`services/gateway\`, \`services/router\`, \`services/delivery\` \`src/main.ts\`, logging at \`info\` to a file),
  and the no-op BullMQ workers (\`bench/delivery/noop-worker.ts\`). The load generator (\`bench/paced-load.ts\`) and
  the partners' webhook sink (\`startWebhookSink\` from \`@hub/testing\`, which checks each delivery's Standard
  Webhooks signature with the partner's secret, as a partner would) run in the benchmark's own process, so the
  POST and the receipt are stamped by one clock. Everything shares the same ${os.availableParallelism()}-core machine with
  PostgreSQL and Redis: these are not the figures of dedicated servers.
- **referral**: \`POST /v1/inbound/${r.sender}\` with the \`${r.messageType}\` example body (${fmt(r.bodyBytes)} bytes), a fresh
  \`webhook-id\` and timestamp, signed when sent. The demo sharing rules send each to ${r.recipients.length} recipients: ${recipients}
  — checked with a first referral before the runs; nothing goes to the FHIR or email channels. Rate limits are
  lifted in a copy of the demo registry and the webhook URLs point at the sink. Delivery workers run with the
  runtime's defaults: concurrency ${r.settings.deliveryConcurrency} per partner queue, one queue per recipient.

### Results

Steady load: ${r.settings.steadyRate} referrals/s, open loop, for ${r.settings.steadyS} s after a ${r.settings.warmupS} s warm-up (not reported). Latency is from
the moment each POST is sent to the moment the sink has the whole delivery, per delivery (${r.recipients.length} per referral), and per
referral for its slowest recipient. The same latency cut where the hub stamps it (p50 / p99): POST sent → the
gateway's intake time ${stage(s, 'toGateway')} ms; → the router's decision ${stage(s, 'gatewayToRouted')} ms; → the sink's receipt
${stage(s, 'routedToReceipt')} ms. p99 over the first, middle and last third of the run (by when the POST was sent):
${s.p99ByThird.map((x) => fmt(x)).join(' / ')} ms. While the POSTs went on, the sink received ${fmt(s.deliveredPerSecDuringLoad)} deliveries/s (${fmt(r.settings.steadyRate * r.recipients.length)}/s
were asked for)${
    s.deliveredPerSecDuringLoad < r.settings.steadyRate * r.recipients.length * 0.95
      ? `: with the gateway and the router busy on the same two cores, the delivery workers could not keep up, so
their queues grew for as long as the load lasted and the figures below are a queue's waiting time, not a steady
state — they grow with the run's length, and from run to run with how much of the machine the delivery workers get`
      : ''
  }.

| load | referrals/s sent | 202 | deliveries received | POST → receipt p50 ms | p90 ms | p99 ms | max ms | slowest recipient p99 ms | POST → 202 p99 ms | CPU % gateway | router | delivery | bench | PostgreSQL | Redis | other | busy before |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
| steady ${r.settings.steadyRate}/s, ${r.settings.steadyS} s | ${fmt(s.achievedRate, 1)} | ${fmt(s.accepted)} | ${fmt(s.received)} of ${fmt(s.deliveries)} | ${fmt(s.delivery.p50)} | ${fmt(s.delivery.p90 ?? Number.NaN)} | **${fmt(s.delivery.p99)}** | ${fmt(s.delivery.max)} | ${fmt(s.referral.p99)} | ${fmt(s.accept.p99, 1)} | ${fmt(s.cpu.byProcess.gateway ?? Number.NaN)} | ${fmt(s.cpu.byProcess.router ?? Number.NaN)} | ${fmt(s.cpu.byProcess.delivery ?? Number.NaN)} | ${fmt(s.cpu.bench)} | ${fmt(s.cpu.postgres)} | ${fmt(s.cpu.redis)} | ${disturbed(s)} | ${fmt(s.backgroundBusyPct)} |

Backlog drain: ${fmt(r.settings.backlog)} queued deliveries, and the same number of no-op jobs on the same Redis in the same run.

| run | jobs | workers | seconds | jobs/s | ÷ no-op, delivery settings | CPU % worker process | bench | PostgreSQL | Redis | other | busy before | peak RSS worker |
|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${drainRow(d, `**${fmt(ratioSame * 100, 1)} %**`)}
${drainRow(r.noopSame, '100 %')}
${drainRow(r.noopDefault, vsSame(r.noopDefault))}
${drainRow(r.noopWide, vsSame(r.noopWide))}

- Drain rate ÷ no-op rate: **${fmt(ratioSame * 100, 1)} %** against no-op workers with the delivery workers' settings (the
  deliver jobs' options, job ids and priorities, the same queues layout, concurrency and Redis connection
  options); ${fmt(ratioDefault * 100, 1)} % against BullMQ's defaults (one queue, default job options, concurrency 1);
  ${fmt(ratioWide * 100, 1)} % against the delivery settings with ${r.settings.wideConcurrency} jobs in flight per worker instead of ${r.settings.deliveryConcurrency} (how fast
  BullMQ itself goes on this machine: the issue's "about 20k jobs/s").
  The delivery drain ran at ${fmt(d.halves?.[0] ?? Number.NaN)}/s over its first half and ${fmt(d.halves?.[1] ?? Number.NaN)}/s over its second.
- The backlog: ${fmt(r.backlogBuild.referrals)} referrals POSTed at ${fmt(r.backlogBuild.postedPerSec)}/s while the delivery workers were stopped and
  their queues paused; the router made them into ${fmt(r.backlogBuild.deliveries)} queued deliveries ${fmt(r.backlogBuild.seconds, 1)} s after the first POST
  (${fmt(r.backlogBuild.referrals / r.backlogBuild.seconds)} referrals/s through gateway and router together). Fresh delivery workers were then started and,
  once ready, the queues resumed: the drain is timed from the resume until the ledger holds a \`disclosed\` row for
  every delivery (polled every 100 ms). A no-op drain is timed from the resume to the last \`completed\` event in
  the worker process; its jobs were added to paused queues the same way.
- Where a delivery's time goes: ${inFlight} jobs are in flight, so at ${fmt(d.jobsPerSec)} deliveries/s each spends about
  ${fmt(perJobMs, 1)} ms in the worker; the POST to the sink itself took ${fmt(c.sendMeanMs, 1)} ms on average (p99 ${fmt(c.sendP99Ms)} ms, from
  \`delivery_attempts.duration_ms\`). PostgreSQL's side, from \`pg_stat_activity\` sampled every 100 ms during the
  drain (${fmt(r.pgWaits.samples)} samples), as the mean number of the hub's connections in each state (idle pooled connections
  include the idle gateway's and router's):
${waitRows.join('\n')}
- Checks after the drain: in the attempt reported, the sink received ${fmt(c.sinkReceived)} deliveries, ${fmt(c.sinkUnique)} distinct, ${fmt(c.sinkRejected)} refused; deliveries by
  status (every run of the benchmark): ${statuses}; ${attempts}; ${fmt(c.ledgerDisclosed)} \`disclosed\` ledger rows, ${fmt(c.ledgerDuplicates)} deliveries with more than one; the hash chain ${c.ledgerVerified ? 'verifies' : '**does not verify**'} over all
  ${fmt(c.ledgerChecked)} rows. Steady run: ${fmt(s.missing)} deliveries missing, ${fmt(s.duplicatesAtSink)} received twice, ${fmt(s.rejectedAtSink)} refused,
  ${fmt(s.non2xx)} non-2xx answers, ${fmt(s.errors)} errors. The delivery workers stopped with ${exit(r.exits.deliverySteady)} (steady) and
  ${exit(r.exits.deliveryDrain)} (drain) on SIGTERM.
- CPU columns: % of one core over the run (the machine has ${os.availableParallelism() * 100} %): each process of ours, the benchmark
  process (load generation, signing, the sink and its signature checks, the pollers), every \`postgres\`
  process, the private Redis, and everything else. Before each run the benchmark waits (up to 2 min) for the
  machine to be nearly idle; *busy before* is how busy it still was (% of one core). A run during which other
  processes used more than ${r.disturbedOtherPct} % of a core is made again (at most ${r.maxAttempts} times; the drain with a new backlog) and
  the least disturbed attempt is reported ("best of n").
- Peak RSS (\`VmHWM\` from \`/proc/<pid>/status\`): **the delivery workers ${mib(peakDeliveryKiB)}** (${mb(peakDeliveryKiB)}; ${mib(r.rss.deliverySteadyPeakKiB)}
  in the steady run's process, ${mib(r.rss.deliveryDrainPeakKiB)} in the drain's; ${mib(r.rss.deliveryIdleKiB)} when started). During the drain, VmRSS
  was ${mib(d.idleRssKiB)} before the resume, then ${(d.rssOverDrain ?? []).map((x) => `${mib(x.rssKiB)} at ${fmt(x.fraction * 100)} %`).join(', ')} of the jobs, and ${mib(d.rssIdleAfterDrainKiB ?? Number.NaN)}
  after 10 s idle. For scale: the no-op worker process (node, tsx, BullMQ, ioredis) peaked at ${mib(r.noopSame.peakRssKiB)}. The router
  ${mib(r.rss.routerPeakKiB)} (${mib(r.rss.routerIdleKiB)} when started), the gateway ${mib(r.rss.gatewayPeakKiB)} (${mib(r.rss.gatewayIdleKiB)} when started); the no-op
  workers ${mib(r.noopSame.peakRssKiB)}, ${mib(r.noopDefault.peakRssKiB)} and ${mib(r.noopWide.peakRssKiB)}.

### Goals

| goal | target | measured | |
|---|---|---|---|
| backlog drain vs BullMQ no-op | ≥ ${fmt(r.goals.drainRatio * 100)} % of the no-op rate | ${fmt(ratioSame * 100, 1)} % (${fmt(d.jobsPerSec)} vs ${fmt(r.noopSame.jobsPerSec)} jobs/s, same settings); ${fmt(ratioDefault * 100, 1)} % of BullMQ's defaults (${fmt(r.noopDefault.jobsPerSec)} jobs/s); ${fmt(ratioWide * 100, 1)} % of concurrency ${r.settings.wideConcurrency} (${fmt(r.noopWide.jobsPerSec)} jobs/s) | ${verdict(ratioSame >= r.goals.drainRatio)} |
| latency at a steady ${r.settings.steadyRate} referrals/s | p99 POST → partner's receipt ≤ ${fmt(r.goals.steadyP99Ms)} ms | p99 ${fmt(s.delivery.p99)} ms per delivery (slowest recipient per referral: ${fmt(s.referral.p99)} ms), ${fmt(s.achievedRate, 1)} referrals/s sent | ${verdict(steadyOk)} |
| delivery worker memory | peak RSS ≤ 200 MB | ${mb(peakDeliveryKiB)} | ${verdict(peakDeliveryKiB * 1024 <= r.goals.peakRssBytes)} |

One run on a shared ${os.availableParallelism()}-core machine: expect several per cent of noise between runs. To see where the delivery
workers' CPU goes, run \`BENCH_CPU_PROF_DIR=/tmp/hub-prof pnpm bench:delivery\` (profiled figures are slower, so it
prints them instead of writing this file) and read \`/tmp/hub-prof/summary-delivery.txt\`.
`;
}
