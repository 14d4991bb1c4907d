import { DelayedError, Worker, type Job } from 'bullmq';
import { createAdapterFor, createBreakerRegistry, type BreakerRegistry, type DeliveryAdapter } from '@hub/adapters';
import type { HubConfig } from '@hub/config';
import type { BreakerStateLabel, HubMetrics, Logger } from '@hub/observability';
import { assertHandled, cappedExponentialBackoff, createRedisConnection, deliverReferral, type DeliverReferralPayload } from '@hub/queues';
import type { Store } from '@hub/store';
import { deliverOnce, type DeliverDeps } from './deliver.ts';
import { startAcknowledgementWorker, type AcknowledgementWorker } from './acknowledge.ts';
import { startFeedbackInviteWorker, type FeedbackInviteWorker } from './feedback-invite.ts';

/** Handlers are idempotent, so a job whose worker died mid-send may simply run again. */
const MAX_STALLS = 100;

export interface DeliveryRuntime {
  workers: Map<string, Worker>;
  breakers: BreakerRegistry;
  /** Acknowledgements to families who self-refer; undefined when Notify is not configured. */
  acknowledgements: AcknowledgementWorker | undefined;
  /** The `family.feedback-invite` worker (only when Notify is configured). */
  feedbackInvitations: FeedbackInviteWorker | undefined;
  close(): Promise<void>;
}

export interface DeliveryRuntimeOptions {
  retryScheduleMs: readonly number[];
  concurrency?: number;
  disabledRecheckMs?: number;
  breakerResetMs?: number;
  metrics?: HubMetrics;
}

/**
 * One BullMQ worker per recipient partner (`deliver.<partnerId>`), each partner's adapter
 * behind its own circuit breaker. Retries follow the hub's schedule: the job is delayed (not
 * failed) and attempts are counted in PostgreSQL; an open breaker delays without counting.
 */
export async function startDeliveryRuntime(config: HubConfig, store: Store, logger: Logger, opts: DeliveryRuntimeOptions): Promise<DeliveryRuntime> {
  const { settings } = config;
  const breakers = createBreakerRegistry({ logger: logger.child({ component: 'breaker' }), ...(opts.breakerResetMs ? { options: { resetTimeout: opts.breakerResetMs } } : {}) });
  const adapters = new Map<string, DeliveryAdapter>();
  const workers = new Map<string, Worker>();
  const connections: { disconnect(): void }[] = [];
  const { metrics } = opts;

  // Each breaker transition: the metric, and the partner-health row the console shows.
  const onBreaker = (state: BreakerStateLabel) => (partnerId: string): void => {
    metrics?.breakerChanged(partnerId, state);
    store.recordBreakerState(partnerId, state, new Date()).catch((err: Error) => logger.warn({ partnerId, err: { message: err.message } }, 'could not record the breaker state'));
  };
  breakers.on('open', onBreaker('open'));
  breakers.on('halfOpen', onBreaker('half-open'));
  breakers.on('close', onBreaker('closed'));

  for (const partner of config.partners.all()) {
    if (!partner.delivery) continue;
    const adapter = createAdapterFor(partner);
    adapters.set(partner.id, adapter);
    const send = breakers.breakerFor(partner.id, adapter);
    metrics?.breakerState.set({ partner: partner.id }, 0);
    const deps: DeliverDeps = {
      store,
      send: (input) => send(input),
      retryScheduleMs: opts.retryScheduleMs,
      disabledRecheckMs: opts.disabledRecheckMs ?? 300_000,
      ...(metrics ? { metrics } : {}),
      onAlert: (event) => logger.error({ alert: event.kind, partnerId: event.partnerId, deliveryId: event.deliveryId, code: event.code }, event.kind === 'endpoint-disabled' ? 'partner endpoint disabled (410): deliveries wait until an admin re-enables it' : event.kind === 'withheld' ? 'delivery withheld (dead letter for an operator)' : 'delivery dead-lettered'),
    };
    const queueName = deliverReferral.queue(partner.id);
    assertHandled(queueName, [deliverReferral.name]);
    const connection = createRedisConnection(settings.redisUrl, 'worker');
    connection.on('error', () => undefined);
    connections.push(connection);
    const worker = new Worker<DeliverReferralPayload>(
      queueName,
      async (job: Job<DeliverReferralPayload>, token?: string) => {
        if (job.name !== deliverReferral.name) throw new Error(`unexpected job name on ${queueName}`);
        const step = await deliverOnce(deps, job.data.deliveryId);
        const log = logger.child({ jobId: job.id, deliveryId: job.data.deliveryId, partnerId: partner.id });
        if (step.kind === 'done') {
          log.info({ outcome: step.outcome }, 'delivery finished');
          return step.outcome;
        }
        log.info({ delayReason: step.reason, spendsAttempt: step.spendsAttempt, delayMs: step.untilMs - Date.now() }, 'delivery delayed');
        await job.moveToDelayed(step.untilMs, token);
        throw new DelayedError();
      },
      { connection, prefix: settings.queuePrefix, concurrency: opts.concurrency ?? 4, maxStalledCount: MAX_STALLS, settings: { backoffStrategy: cappedExponentialBackoff } },
    );
    worker.on('error', (err) => logger.warn({ partnerId: partner.id, err: { message: err.message } }, 'delivery worker error'));
    worker.on('failed', (job, err) => {
      const final = !job || job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/i.test(err.message);
      if (!final) {
        logger.warn({ partnerId: partner.id, jobId: job.id, attemptsMade: job.attemptsMade, err: { message: err.message } }, 'delivery job failed; will retry');
        return;
      }
      logger.error({ partnerId: partner.id, jobId: job?.id, err: { message: err.message } }, 'delivery job failed for good');
      // Never silently dropped: a job BullMQ gives up on leaves a dead letter for an operator.
      const deliveryId = job?.data.deliveryId;
      if (deliveryId) {
        store.deadLetter(deliveryId, { code: 'WORKER_FAILED' }).then(
          (dead) => {
            if (dead) metrics?.deadLetters.inc({ partner: partner.id });
          },
          (e: Error) => logger.error({ deliveryId, err: { message: e.message } }, 'could not dead-letter a failed delivery job'),
        );
      }
    });
    workers.set(partner.id, worker);
  }

  const acknowledgements = settings.notify ? startAcknowledgementWorker(config, store, logger.child({ component: 'acknowledgements' }), { notify: settings.notify }) : undefined;
  const feedbackInvitations = settings.notify
    ? startFeedbackInviteWorker(config, store, logger.child({ component: 'feedback-invitations' }), { notify: settings.notify, feedback: settings.feedback })
    : undefined;

  return {
    workers,
    breakers,
    acknowledgements,
    feedbackInvitations,
    async close() {
      await Promise.all([...workers.values()].map((w) => w.close()));
      await acknowledgements?.close();
      await feedbackInvitations?.close();
      await Promise.all([...adapters.values()].map((a) => a.close?.()));
      for (const c of connections) c.disconnect();
    },
  };
}
