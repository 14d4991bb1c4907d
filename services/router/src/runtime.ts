import { Worker, type Job } from 'bullmq';
import type { HubConfig } from '@hub/config';
import { NO_PARTNER_LABEL, UNKNOWN_LABEL, type HubMetrics, type Logger } from '@hub/observability';
import { assertHandled, cappedExponentialBackoff, createRedisConnection, OutboxEnqueuer, routeReferral, type RouteReferralPayload } from '@hub/queues';
import { routeMessage, type RouteOutcome } from '@hub/routing';
import type { Store } from '@hub/store';

export interface RouterRuntime {
  worker: Worker;
  enqueuer: OutboxEnqueuer;
  close(): Promise<void>;
}

/**
 * The router: consumes `referral.route`, applies the sharing rules, and hands the delivery
 * jobs it committed to the queues (the outbox sweeper covers a crash in between).
 */
export async function startRouterRuntime(config: HubConfig, store: Store, logger: Logger, opts: { concurrency?: number; metrics?: HubMetrics } = {}): Promise<RouterRuntime> {
  const { metrics } = opts;
  const { settings } = config;
  const producer = createRedisConnection(settings.redisUrl, 'producer');
  producer.on('error', () => undefined);
  const enqueuer = new OutboxEnqueuer({ connection: producer, prefix: settings.queuePrefix, outbox: store, logger: logger.child({ component: 'router-enqueuer' }) });
  const workerConnection = createRedisConnection(settings.redisUrl, 'worker');
  workerConnection.on('error', () => undefined);

  const handlers = { [routeReferral.name]: true };
  assertHandled(routeReferral.queue, Object.keys(handlers));

  const worker = new Worker<RouteReferralPayload>(
    routeReferral.queue,
    async (job: Job<RouteReferralPayload>) => {
      if (job.name !== routeReferral.name) throw new Error(`unexpected job name on ${routeReferral.queue}`);
      let outcome: RouteOutcome;
      try {
        outcome = await routeMessage(
          {
            store,
            partners: config.partners,
            sharing: config.sharing,
            acknowledge: settings.notify !== undefined,
            ...(settings.notify ? { feedbackInvitations: { delayMs: settings.feedback.delayMs } } : {}),
          },
          job.data.messageId,
        );
      } catch (err) {
        metrics?.referralsRouted.inc({ source_type: UNKNOWN_LABEL, outcome: 'failed' });
        throw err;
      }
      // Labels: the catalogue type the routing read (checked at intake), partner ids from config.
      metrics?.referralsRouted.inc({ source_type: 'sourceType' in outcome ? outcome.sourceType : UNKNOWN_LABEL, outcome: outcome.kind });
      if (outcome.kind === 'routed' || outcome.kind === 'held') {
        for (const partnerId of outcome.notDisclosedTo) metrics?.disclosures.inc({ partner: partnerId ?? NO_PARTNER_LABEL, outcome: 'not-disclosed' });
      }
      const log = logger.child({ jobId: job.id, messageId: job.data.messageId });
      switch (outcome.kind) {
        case 'routed':
        case 'held':
          for (const j of outcome.jobs) enqueuer.enqueue(j);
          log.info({ referralId: outcome.referralId, outcome: outcome.kind, deliveries: outcome.jobs.length }, 'message routed');
          break;
        case 'already-routed':
          log.info({ referralId: outcome.referralId }, 'message already routed');
          break;
        case 'feedback-recorded':
          // A recipient's `referral.closed` may have scheduled a feedback invitation.
          for (const j of outcome.jobs) enqueuer.enqueue(j);
          log.info({ deliveryId: outcome.deliveryId, jobs: outcome.jobs.length }, 'feedback recorded');
          break;
        case 'message-missing':
          // A stale job: nothing to route.
          log.warn({}, 'routed message not found');
          break;
        case 'message-erased':
          log.info({}, 'message erased before routing: nothing to route');
          break;
      }
      return outcome.kind;
    },
    { connection: workerConnection, prefix: settings.queuePrefix, concurrency: opts.concurrency ?? 8, maxStalledCount: 100, settings: { backoffStrategy: cappedExponentialBackoff } },
  );
  worker.on('error', (err) => logger.warn({ err: { message: err.message } }, 'router worker error'));
  worker.on('failed', (job, err) => {
    const final = !job || job.attemptsMade >= (job.opts.attempts ?? 1) || /stalled/i.test(err.message);
    // A final failure stays visible as a failed job in the referral.route queue for an operator.
    if (final) logger.error({ jobId: job?.id, attemptsMade: job?.attemptsMade, err: { message: err.message } }, 'routing failed for good');
    else logger.warn({ jobId: job.id, attemptsMade: job.attemptsMade, err: { message: err.message } }, 'routing failed; will retry');
  });

  return {
    worker,
    enqueuer,
    async close() {
      await worker.close();
      await enqueuer.close();
      producer.disconnect();
      workerConnection.disconnect();
    },
  };
}
