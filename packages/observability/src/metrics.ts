// Prometheus metrics of every hub service (DESIGN.md §7 "Metrics"). One registry per process,
// with a default `service` label. Label values come only from code lists (message types, HUB_ERR
// codes, outcomes, states), partner ids from configuration, queue names built from them and HTTP
// status codes — never from a message body or a header, so no personal data reaches a label.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type ServiceName = 'gateway' | 'router' | 'delivery' | 'console' | 'scheduler' | 'hub';

/** The states a queue's jobs are counted in (`hub_queue_jobs{state}`). */
export const QUEUE_JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;
export type QueueJobState = (typeof QUEUE_JOB_STATES)[number];

/** `hub_breaker_state` values. */
export const BREAKER_STATE_VALUE = { closed: 0, 'half-open': 1, open: 2 } as const;
export type BreakerStateLabel = keyof typeof BREAKER_STATE_VALUE;

/** Seconds from a referral's receipt to its delivery: 50 ms … one day. */
export const DELIVERY_LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1_800, 3_600, 7_200, 14_400, 43_200, 86_400];

/** Label values of a message type that is not one of the catalogue's. */
export const UNKNOWN_LABEL = 'unknown';
/** `hub_disclosures_total{partner}` when a not-disclosed decision names no recipient. */
export const NO_PARTNER_LABEL = 'none';

/** How long a scrape waits for Redis or PostgreSQL before answering without those gauges. */
export const DEFAULT_COLLECT_TIMEOUT_MS = 2_000;

/** The shape `snapshotQueues` (@hub/queues) answers with; only these fields are read. */
export interface QueueGaugeSnapshot {
  queue: string;
  waiting: number;
  prioritized: number;
  active: number;
  delayed: number;
  failed: number;
  oldestWaitingAgeMs: number;
}

/** Current dead letters and deadlines at risk, per recipient partner (from PostgreSQL). */
export interface DeliveryGaugeSnapshot {
  deadLetters: readonly { partnerId: string; count: number }[];
  deadlinesAtRisk: readonly { partnerId: string; count: number }[];
}

interface WarnLogger {
  warn(obj: object, msg: string): void;
}

export interface HubMetrics {
  readonly service: ServiceName;
  readonly registry: Registry;
  messagesReceived: Counter<'type'>;
  messagesDuplicate: Counter<'type'>;
  messagesRejected: Counter<'type' | 'code'>;
  intakeRequests: Counter<'status'>;
  /** Families' answers at POST /v1/feedback, by outcome only (never by anything tied to the family). */
  feedbackAnswers: Counter<'outcome'>;
  referralsRouted: Counter<'source_type' | 'outcome'>;
  queueJobs: Gauge<'queue' | 'state'>;
  queueOldestWaiting: Gauge<'queue'>;
  deliveryLatency: Histogram<'partner'>;
  deliveryAttempts: Counter<'partner' | 'outcome'>;
  deliveryRetries: Counter<'partner'>;
  breakerState: Gauge<'partner'>;
  breakerTransitions: Counter<'partner' | 'state'>;
  deadLetters: Counter<'partner'>;
  deadLettersOpen: Gauge<'partner'>;
  disclosures: Counter<'partner' | 'outcome'>;
  deadlineMisses: Counter<'partner'>;
  deadlinesAtRisk: Gauge<'partner'>;
  /** Sets `hub_breaker_state` and counts the transition. */
  breakerChanged(partnerId: string, state: BreakerStateLabel): void;
  /**
   * Fills `hub_queue_jobs` and `hub_queue_oldest_waiting_seconds` from `source` on every scrape
   * (one call serves both gauges). When it fails or takes longer than `timeoutMs` the scrape
   * answers without them rather than hang (e.g. while Redis is down).
   */
  collectQueues(source: () => Promise<readonly QueueGaugeSnapshot[]>, opts?: { timeoutMs?: number; logger?: WarnLogger }): void;
  /**
   * Fills `hub_dead_letters_open` and `hub_deadlines_at_risk` from `source` on every scrape; each
   * of `partnerIds` shows 0 when it has none. Same timeout rule as `collectQueues`.
   */
  collectDeliveryGauges(source: () => Promise<DeliveryGaugeSnapshot>, opts: { partnerIds: readonly string[]; timeoutMs?: number; logger?: WarnLogger }): void;
}

/** Every metric name the hub exposes (besides prom-client's process and Node.js metrics). */
export const HUB_METRIC_NAMES = [
  'hub_messages_received_total',
  'hub_messages_duplicate_total',
  'hub_messages_rejected_total',
  'hub_intake_requests_total',
  'hub_feedback_answers_total',
  'hub_referrals_routed_total',
  'hub_queue_jobs',
  'hub_queue_oldest_waiting_seconds',
  'hub_delivery_latency_seconds',
  'hub_delivery_attempts_total',
  'hub_delivery_retries_total',
  'hub_breaker_state',
  'hub_breaker_transitions_total',
  'hub_dead_letters_total',
  'hub_dead_letters_open',
  'hub_disclosures_total',
  'hub_deadline_misses_total',
  'hub_deadlines_at_risk',
] as const;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * One scrape's worth of `source`: the gauges sharing a source are collected side by side within
 * a scrape, so a call younger than `ttlMs` is shared instead of asking Redis or PostgreSQL twice.
 */
function perScrape<T>(source: () => Promise<T>, ttlMs: number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > ttlMs) {
      const value = source();
      value.catch(() => undefined);
      last = { at: now, value };
    }
    return last.value;
  };
}

/**
 * The hub's metrics in a fresh registry (never prom-client's global one, so several services in
 * one process — `pnpm start`, the tests — share one registry only on purpose). Adds prom-client's
 * default process and Node.js metrics, and the default label `service` to every series.
 */
export function createHubMetrics(opts: { service: ServiceName; defaultMetrics?: boolean }): HubMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: opts.service });
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const messagesReceived = new Counter({ name: 'hub_messages_received_total', help: 'Inbound messages accepted and stored by the gateway, by message type.', labelNames: ['type'] as const, registers });
  const messagesDuplicate = new Counter({ name: 'hub_messages_duplicate_total', help: 'Idempotent repeats of a stored message, answered without storing, by message type.', labelNames: ['type'] as const, registers });
  const messagesRejected = new Counter({ name: 'hub_messages_rejected_total', help: 'Inbound requests rejected, by message type (unknown when not known) and HUB_ERR code.', labelNames: ['type', 'code'] as const, registers });
  const intakeRequests = new Counter({ name: 'hub_intake_requests_total', help: 'Intake HTTP responses, by status code.', labelNames: ['status'] as const, registers });
  const feedbackAnswers = new Counter({
    name: 'hub_feedback_answers_total',
    help: "Families' feedback answers at POST /v1/feedback, by outcome (stored, unauthenticated, invalid, rate-limited, unavailable).",
    labelNames: ['outcome'] as const,
    registers,
  });
  const referralsRouted = new Counter({ name: 'hub_referrals_routed_total', help: 'Router outcomes, by source message type and outcome.', labelNames: ['source_type', 'outcome'] as const, registers });
  // Set by collectQueues / collectDeliveryGauges; until then the gauges have no series.
  let queueSnapshot: (() => Promise<readonly QueueGaugeSnapshot[]>) | undefined;
  let deliverySnapshot: (() => Promise<DeliveryGaugeSnapshot>) | undefined;
  let recipientIds: readonly string[] = [];
  let logger: WarnLogger | undefined;
  const report = (what: string, err: unknown): void => logger?.warn({ err: { message: (err as Error).message } }, `${what} unavailable for this scrape`);

  const queueJobs = new Gauge({
    name: 'hub_queue_jobs',
    help: 'Jobs in each queue, by state (sampled on scrape).',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      if (!queueSnapshot) return;
      try {
        for (const s of await queueSnapshot()) for (const state of QUEUE_JOB_STATES) this.set({ queue: s.queue, state }, s[state]);
      } catch (err) {
        report('queue metrics', err);
      }
    },
  });
  const queueOldestWaiting = new Gauge({
    name: 'hub_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting to be picked up, per queue (0 when none waits).',
    labelNames: ['queue'] as const,
    registers,
    async collect() {
      this.reset();
      if (!queueSnapshot) return;
      try {
        for (const s of await queueSnapshot()) this.set({ queue: s.queue }, s.oldestWaitingAgeMs / 1000);
      } catch {
        // reported once, by hub_queue_jobs
      }
    },
  });
  const deliveryLatency = new Histogram({ name: 'hub_delivery_latency_seconds', help: "Seconds from the referral's receipt to the delivery's completion, per recipient partner.", labelNames: ['partner'] as const, buckets: DELIVERY_LATENCY_BUCKETS, registers });
  const deliveryAttempts = new Counter({ name: 'hub_delivery_attempts_total', help: 'Delivery attempts that reached the partner adapter, by outcome (delivered, retry, permanent, gone).', labelNames: ['partner', 'outcome'] as const, registers });
  const deliveryRetries = new Counter({ name: 'hub_delivery_retries_total', help: 'Delivery attempts that scheduled a retry.', labelNames: ['partner'] as const, registers });
  const breakerState = new Gauge({ name: 'hub_breaker_state', help: "Each partner's delivery circuit breaker: 0 closed, 1 half-open, 2 open.", labelNames: ['partner'] as const, registers });
  const breakerTransitions = new Counter({ name: 'hub_breaker_transitions_total', help: 'Circuit breaker transitions, by the state entered.', labelNames: ['partner', 'state'] as const, registers });
  const deadLetters = new Counter({ name: 'hub_dead_letters_total', help: 'Deliveries dead-lettered.', labelNames: ['partner'] as const, registers });
  const fillPerPartner = (gauge: Gauge<'partner'>, rows: readonly { partnerId: string; count: number }[]): void => {
    for (const partnerId of recipientIds) gauge.set({ partner: partnerId }, 0);
    for (const row of rows) gauge.set({ partner: row.partnerId }, row.count);
  };
  const deadLettersOpen = new Gauge({
    name: 'hub_dead_letters_open',
    help: 'Dead letters waiting for an operator, per partner (from PostgreSQL on scrape).',
    labelNames: ['partner'] as const,
    registers,
    async collect() {
      this.reset();
      if (!deliverySnapshot) return;
      try {
        fillPerPartner(this, (await deliverySnapshot()).deadLetters);
      } catch (err) {
        report('delivery gauges', err);
      }
    },
  });
  const disclosures = new Counter({ name: 'hub_disclosures_total', help: 'Disclosure ledger rows written, by recipient partner (none when no recipient) and outcome (disclosed, not-disclosed).', labelNames: ['partner', 'outcome'] as const, registers });
  const deadlineMisses = new Counter({ name: 'hub_deadline_misses_total', help: 'Delivery deadlines (Operation Encompass) found missed.', labelNames: ['partner'] as const, registers });
  const deadlinesAtRisk = new Gauge({
    name: 'hub_deadlines_at_risk',
    help: 'Undelivered deliveries whose deadline is within 2 hours or past and not yet marked missed (from PostgreSQL on scrape).',
    labelNames: ['partner'] as const,
    registers,
    async collect() {
      this.reset();
      if (!deliverySnapshot) return;
      try {
        fillPerPartner(this, (await deliverySnapshot()).deadlinesAtRisk);
      } catch {
        // reported once, by hub_dead_letters_open
      }
    },
  });

  return {
    service: opts.service,
    registry,
    messagesReceived,
    messagesDuplicate,
    messagesRejected,
    intakeRequests,
    feedbackAnswers,
    referralsRouted,
    queueJobs,
    queueOldestWaiting,
    deliveryLatency,
    deliveryAttempts,
    deliveryRetries,
    breakerState,
    breakerTransitions,
    deadLetters,
    deadLettersOpen,
    disclosures,
    deadlineMisses,
    deadlinesAtRisk,
    breakerChanged(partnerId, state) {
      breakerState.set({ partner: partnerId }, BREAKER_STATE_VALUE[state]);
      breakerTransitions.inc({ partner: partnerId, state });
    },
    collectQueues(source, collectOpts = {}) {
      const timeoutMs = collectOpts.timeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
      logger ??= collectOpts.logger;
      queueSnapshot = perScrape(() => withTimeout(source(), timeoutMs, 'queue snapshot'), 500);
    },
    collectDeliveryGauges(source, collectOpts) {
      const timeoutMs = collectOpts.timeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
      logger ??= collectOpts.logger;
      recipientIds = [...collectOpts.partnerIds];
      deliverySnapshot = perScrape(() => withTimeout(source(), timeoutMs, 'delivery gauges'), 500);
    },
  };
}
