import { describe, expect, it } from 'vitest';
import { createHubMetrics, HUB_METRIC_NAMES, type HubMetrics, type QueueGaugeSnapshot } from './metrics.ts';
import { startHealthServer } from './service-process.ts';

/** Every hub metric: its Prometheus type and its label names (besides the default `service`). */
const EXPECTED: Record<(typeof HUB_METRIC_NAMES)[number], { type: 'counter' | 'gauge' | 'histogram'; labels: string[] }> = {
  hub_messages_received_total: { type: 'counter', labels: ['type'] },
  hub_messages_duplicate_total: { type: 'counter', labels: ['type'] },
  hub_messages_rejected_total: { type: 'counter', labels: ['type', 'code'] },
  hub_intake_requests_total: { type: 'counter', labels: ['status'] },
  hub_feedback_answers_total: { type: 'counter', labels: ['outcome'] },
  hub_referrals_routed_total: { type: 'counter', labels: ['source_type', 'outcome'] },
  hub_queue_jobs: { type: 'gauge', labels: ['queue', 'state'] },
  hub_queue_oldest_waiting_seconds: { type: 'gauge', labels: ['queue'] },
  hub_delivery_latency_seconds: { type: 'histogram', labels: ['partner'] },
  hub_delivery_attempts_total: { type: 'counter', labels: ['partner', 'outcome'] },
  hub_delivery_retries_total: { type: 'counter', labels: ['partner'] },
  hub_breaker_state: { type: 'gauge', labels: ['partner'] },
  hub_breaker_transitions_total: { type: 'counter', labels: ['partner', 'state'] },
  hub_dead_letters_total: { type: 'counter', labels: ['partner'] },
  hub_dead_letters_open: { type: 'gauge', labels: ['partner'] },
  hub_disclosures_total: { type: 'counter', labels: ['partner', 'outcome'] },
  hub_deadline_misses_total: { type: 'counter', labels: ['partner'] },
  hub_deadlines_at_risk: { type: 'gauge', labels: ['partner'] },
};

/** prom-client keeps a metric's label names on the instance; a metric's declared label set. */
function labelNamesOf(metrics: HubMetrics, name: string): string[] {
  const metric = metrics.registry.getSingleMetric(name) as unknown as { labelNames: string[] } | undefined;
  if (!metric) throw new Error(`no metric ${name}`);
  return [...metric.labelNames].sort();
}

/**
 * Samples of one metric in the text exposition: [series, value], the series written as
 * `name{a="1",b="2"}` with its labels sorted by name (prom-client's order is not fixed).
 */
function samples(text: string, name: string): [string, number][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => {
      const at = line.lastIndexOf(' ');
      const series = line.slice(0, at);
      const brace = series.indexOf('{');
      if (brace < 0) return [series, Number(line.slice(at + 1))];
      const labels = [...series.slice(brace + 1, -1).matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort();
      return [`${series.slice(0, brace)}{${labels.join(',')}}`, Number(line.slice(at + 1))];
    });
}

const queue = (name: string, n: number): QueueGaugeSnapshot => ({ queue: name, waiting: n, prioritized: n + 1, active: n + 2, delayed: n + 3, failed: n + 4, oldestWaitingAgeMs: n * 1500 });

describe('hub metrics', () => {
  it('registers exactly the hub metrics, each with its type and label set and nothing else', async () => {
    const metrics = createHubMetrics({ service: 'gateway', defaultMetrics: false });
    const json = await metrics.registry.getMetricsAsJSON();
    expect(json.map((m) => m.name).sort()).toEqual([...HUB_METRIC_NAMES].sort());
    for (const m of json) {
      const expected = EXPECTED[m.name as keyof typeof EXPECTED];
      expect(m.type, m.name).toBe(expected.type);
      expect(labelNamesOf(metrics, m.name), m.name).toEqual([...expected.labels].sort());
    }
  });

  it('refuses a label outside the declared set (so a stray field can never become a label)', () => {
    const metrics = createHubMetrics({ service: 'gateway', defaultMetrics: false });
    expect(() => metrics.messagesReceived.inc({ type: 'health.gp.referred', nhsNumber: '9434765919' } as never)).toThrow(/label/i);
    expect(() => metrics.deliveryAttempts.inc({ partner: 'mash', outcome: 'delivered', deliveryId: 'x' } as never)).toThrow(/label/i);
  });

  it('puts the default `service` label on every series, process metrics included', async () => {
    const metrics = createHubMetrics({ service: 'router' });
    metrics.referralsRouted.inc({ source_type: 'health.gp.referred', outcome: 'routed' });
    const text = await metrics.registry.metrics();
    const series = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(series.length).toBeGreaterThan(10);
    for (const line of series) expect(line, line).toMatch(/service="router"/);
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="router"\} /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="router"\} /m);
    expect(samples(text, 'hub_referrals_routed_total')).toEqual([['hub_referrals_routed_total{outcome="routed",service="router",source_type="health.gp.referred"}', 1]]);
  });

  it('keeps registries apart: two services in one process do not share counts', async () => {
    const a = createHubMetrics({ service: 'gateway', defaultMetrics: false });
    const b = createHubMetrics({ service: 'gateway', defaultMetrics: false });
    a.intakeRequests.inc({ status: '202' });
    expect(samples(await a.registry.metrics(), 'hub_intake_requests_total')).toEqual([['hub_intake_requests_total{service="gateway",status="202"}', 1]]);
    expect(samples(await b.registry.metrics(), 'hub_intake_requests_total')).toEqual([]);
  });

  it('breakerChanged sets the state gauge (0 closed, 1 half-open, 2 open) and counts each transition', async () => {
    const metrics = createHubMetrics({ service: 'delivery', defaultMetrics: false });
    metrics.breakerChanged('mash', 'open');
    metrics.breakerChanged('mash', 'half-open');
    metrics.breakerChanged('mash', 'open');
    metrics.breakerChanged('schools', 'closed');
    const text = await metrics.registry.metrics();
    expect(samples(text, 'hub_breaker_state')).toEqual([
      ['hub_breaker_state{partner="mash",service="delivery"}', 2],
      ['hub_breaker_state{partner="schools",service="delivery"}', 0],
    ]);
    expect(samples(text, 'hub_breaker_transitions_total')).toEqual([
      ['hub_breaker_transitions_total{partner="mash",service="delivery",state="open"}', 2],
      ['hub_breaker_transitions_total{partner="mash",service="delivery",state="half-open"}', 1],
      ['hub_breaker_transitions_total{partner="schools",service="delivery",state="closed"}', 1],
    ]);
  });

  it('latency buckets run from 50 ms to one day', async () => {
    const metrics = createHubMetrics({ service: 'delivery', defaultMetrics: false });
    metrics.deliveryLatency.observe({ partner: 'mash' }, 0.04);
    metrics.deliveryLatency.observe({ partner: 'mash' }, 90_000);
    const text = await metrics.registry.metrics();
    const buckets = samples(text, 'hub_delivery_latency_seconds_bucket');
    expect(buckets[0]).toEqual(['hub_delivery_latency_seconds_bucket{le="0.05",partner="mash",service="delivery"}', 1]);
    expect(buckets.at(-2)).toEqual(['hub_delivery_latency_seconds_bucket{le="86400",partner="mash",service="delivery"}', 1]);
    expect(buckets.at(-1)).toEqual(['hub_delivery_latency_seconds_bucket{le="+Inf",partner="mash",service="delivery"}', 2]);
    expect(samples(text, 'hub_delivery_latency_seconds_count')).toEqual([['hub_delivery_latency_seconds_count{partner="mash",service="delivery"}', 2]]);
  });

  it('samples queue gauges on scrape, one source call serving both gauges', async () => {
    const metrics = createHubMetrics({ service: 'scheduler', defaultMetrics: false });
    expect(samples(await metrics.registry.metrics(), 'hub_queue_jobs')).toEqual([]);
    let calls = 0;
    let depth = 1;
    metrics.collectQueues(async () => {
      calls += 1;
      return [queue('referral.route', depth), queue('deliver.mash', depth * 10)];
    });
    const text = await metrics.registry.metrics();
    expect(calls).toBe(1);
    expect(samples(text, 'hub_queue_jobs')).toEqual([
      ['hub_queue_jobs{queue="referral.route",service="scheduler",state="waiting"}', 1],
      ['hub_queue_jobs{queue="referral.route",service="scheduler",state="prioritized"}', 2],
      ['hub_queue_jobs{queue="referral.route",service="scheduler",state="active"}', 3],
      ['hub_queue_jobs{queue="referral.route",service="scheduler",state="delayed"}', 4],
      ['hub_queue_jobs{queue="referral.route",service="scheduler",state="failed"}', 5],
      ['hub_queue_jobs{queue="deliver.mash",service="scheduler",state="waiting"}', 10],
      ['hub_queue_jobs{queue="deliver.mash",service="scheduler",state="prioritized"}', 11],
      ['hub_queue_jobs{queue="deliver.mash",service="scheduler",state="active"}', 12],
      ['hub_queue_jobs{queue="deliver.mash",service="scheduler",state="delayed"}', 13],
      ['hub_queue_jobs{queue="deliver.mash",service="scheduler",state="failed"}', 14],
    ]);
    expect(samples(text, 'hub_queue_oldest_waiting_seconds')).toEqual([
      ['hub_queue_oldest_waiting_seconds{queue="referral.route",service="scheduler"}', 1.5],
      ['hub_queue_oldest_waiting_seconds{queue="deliver.mash",service="scheduler"}', 15],
    ]);
    // A later scrape asks again and shows the new figures.
    await new Promise((resolve) => setTimeout(resolve, 600));
    depth = 2;
    expect(samples(await metrics.registry.metrics(), 'hub_queue_oldest_waiting_seconds')[0]).toEqual(['hub_queue_oldest_waiting_seconds{queue="referral.route",service="scheduler"}', 3]);
    expect(calls).toBe(2);
  });

  it('answers without the queue gauges, quickly, when the source hangs or fails (Redis down)', async () => {
    const metrics = createHubMetrics({ service: 'scheduler', defaultMetrics: false });
    metrics.intakeRequests.inc({ status: '202' });
    const warnings: string[] = [];
    metrics.collectQueues(() => new Promise<never>(() => undefined), { timeoutMs: 200, logger: { warn: (_obj, msg) => warnings.push(msg) } });
    const started = Date.now();
    const text = await metrics.registry.metrics();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(samples(text, 'hub_queue_jobs')).toEqual([]);
    expect(samples(text, 'hub_queue_oldest_waiting_seconds')).toEqual([]);
    expect(samples(text, 'hub_intake_requests_total')).toHaveLength(1);
    expect(warnings).toEqual(['queue metrics unavailable for this scrape']);

    const failing = createHubMetrics({ service: 'scheduler', defaultMetrics: false });
    failing.collectQueues(() => Promise.reject(new Error('Connection is closed.')));
    expect(samples(await failing.registry.metrics(), 'hub_queue_jobs')).toEqual([]);
  });

  it('dead letters and deadlines at risk: every recipient shows, 0 when it has none', async () => {
    const metrics = createHubMetrics({ service: 'scheduler', defaultMetrics: false });
    metrics.collectDeliveryGauges(async () => ({ deadLetters: [{ partnerId: 'mash', count: 3 }], deadlinesAtRisk: [{ partnerId: 'schools', count: 1 }] }), { partnerIds: ['mash', 'schools'] });
    const text = await metrics.registry.metrics();
    expect(samples(text, 'hub_dead_letters_open')).toEqual([
      ['hub_dead_letters_open{partner="mash",service="scheduler"}', 3],
      ['hub_dead_letters_open{partner="schools",service="scheduler"}', 0],
    ]);
    expect(samples(text, 'hub_deadlines_at_risk')).toEqual([
      ['hub_deadlines_at_risk{partner="mash",service="scheduler"}', 0],
      ['hub_deadlines_at_risk{partner="schools",service="scheduler"}', 1],
    ]);
  });

  it('the health server serves /metrics given a registry, and only then', async () => {
    const metrics = createHubMetrics({ service: 'router', defaultMetrics: false });
    metrics.referralsRouted.inc({ source_type: 'health.gp.referred', outcome: 'held' });
    const withMetrics = await startHealthServer({ host: '127.0.0.1', port: 0, ready: async () => true, registry: metrics.registry });
    const without = await startHealthServer({ host: '127.0.0.1', port: 0, ready: async () => true });
    try {
      const res = await fetch(`http://127.0.0.1:${withMetrics.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(metrics.registry.contentType);
      expect(samples(await res.text(), 'hub_referrals_routed_total')).toEqual([['hub_referrals_routed_total{outcome="held",service="router",source_type="health.gp.referred"}', 1]]);
      expect((await fetch(`http://127.0.0.1:${withMetrics.port}/livez`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${without.port}/metrics`)).status).toBe(404);
    } finally {
      await withMetrics.close();
      await without.close();
    }
  });
});
