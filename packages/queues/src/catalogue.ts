import type { JobsOptions } from 'bullmq';

/**
 * The job catalogue: every queue and job the hub uses, in one place. Names are permanent
 * strings — changing one strands the jobs already waiting under the old name. Payloads
 * carry ids only, never personal data; job ids are deterministic so a retry, a replay or
 * the outbox sweeper never creates a second job for the same work.
 */

/** A job as the outbox records it: everything needed to add it to BullMQ, ids only. */
export interface JobSpec {
  queueName: string;
  jobName: string;
  jobId: string;
  payload: Record<string, string>;
  /** BullMQ priority: 1 is served first; undefined means no priority. */
  priority?: number;
}

export interface RouteReferralPayload {
  /** The hub's id for the stored inbound message. */
  messageId: string;
}

/** Completed jobs are kept a week so a late re-add (the sweeper after a crash) is recognised by id. */
const KEEP_COMPLETED = { age: 7 * 24 * 3600, count: 200_000 };

/**
 * Transient failures (PostgreSQL away, a bug fixed by a deploy) are retried with a capped
 * exponential backoff: 1 s, 2 s, 4 s … then every 5 minutes, for about a day and a half, so an
 * outage never strands a job. Workers register this as their `backoffStrategy`.
 */
export const TRANSIENT_BACKOFF = { type: 'capped-exponential' } as const;
export function cappedExponentialBackoff(attemptsMade: number): number {
  return Math.min(1_000 * 2 ** Math.max(0, attemptsMade - 1), 300_000);
}
const TRANSIENT_ATTEMPTS = 400;

export const routeReferral = {
  queue: 'referral.route',
  name: 'referral.route',
  jobId: (messageId: string): string => `route-${messageId}`,
  options: {
    attempts: TRANSIENT_ATTEMPTS,
    backoff: TRANSIENT_BACKOFF,
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: false,
  } satisfies JobsOptions,
  payload: (messageId: string): RouteReferralPayload => ({ messageId }),
  spec: (messageId: string): JobSpec => ({ queueName: 'referral.route', jobName: 'referral.route', jobId: `route-${messageId}`, payload: { messageId } }),
} as const;

export interface DeliverReferralPayload {
  deliveryId: string;
}

export type DeliveryPriority = 'urgent' | 'high' | 'routine';

/** BullMQ priorities per urgency: urgent work never waits behind routine backlog. */
export const DELIVERY_PRIORITY: Record<DeliveryPriority, number> = { urgent: 1, high: 2, routine: 5 };

/**
 * One job per delivery on the recipient's own queue. A delivery is a referral or the correction of
 * one (`referral.rectified`, UK GDPR Art 19; deliveries.kind in PostgreSQL): corrections travel the
 * same queue, worker, adapter, retry schedule, dead letters and ledger as the referral they correct.
 */
export const deliverReferral = {
  queuePrefix: 'deliver.',
  queue: (recipientPartnerId: string): string => `deliver.${recipientPartnerId}`,
  name: 'deliver',
  jobId: (deliveryId: string): string => `delivery-${deliveryId}`,
  // Partner failures follow the hub's own schedule (the worker delays the job and counts
  // attempts in PostgreSQL); BullMQ's attempts only cover the hub's own transient failures.
  options: {
    attempts: TRANSIENT_ATTEMPTS,
    backoff: TRANSIENT_BACKOFF,
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: false,
  } satisfies JobsOptions,
  payload: (deliveryId: string): DeliverReferralPayload => ({ deliveryId }),
  spec: (recipientPartnerId: string, deliveryId: string, priority: DeliveryPriority): JobSpec => ({
    queueName: `deliver.${recipientPartnerId}`,
    jobName: 'deliver',
    jobId: `delivery-${deliveryId}`,
    payload: { deliveryId },
    priority: DELIVERY_PRIORITY[priority],
  }),
} as const;

/**
 * A retention run (issue 5; docs/data-protection.md "Retention"): plan what is past its retention
 * period and, for `erase` runs, erase it by key destruction. Ids and codes only. Scheduled runs come
 * from the queue's job scheduler (`retention.daily`, upsertJobScheduler); the console adds one-off
 * runs whose `runId` names the retention_runs row it created (job id `retention-<runId>`).
 */
export interface RetentionRunPayload {
  mode: 'dry-run' | 'erase';
  trigger: 'schedule' | 'console' | 'cli';
  /** The retention_runs row to report into; absent for scheduled runs (the worker creates one). */
  runId?: string;
  /** London calendar date `YYYY-MM-DD`; absent means today. */
  asOf?: string;
  /** Username of whoever asked (console runs). */
  requestedBy?: string;
}

export const retentionRun = {
  queue: 'retention',
  name: 'retention.run',
  schedulerId: 'retention.daily',
  jobId: (runId: string): string => `retention-${runId}`,
  // A run is long and idempotent (what is erased stays erased): one retry after a crash, no more.
  options: {
    attempts: 2,
    backoff: { type: 'fixed', delay: 60_000 },
    removeOnComplete: { age: 90 * 24 * 3600, count: 1_000 },
    removeOnFail: { age: 90 * 24 * 3600, count: 1_000 },
  } satisfies JobsOptions,
} as const;

export interface AcknowledgeFamilyPayload {
  referralId: string;
}

/**
 * The acknowledgement to a family who self-referred (issue 6; docs/data-protection.md
 * "Acknowledging self-referrals"): written to the outbox in the routing transaction, one per
 * referral (job id `acknowledge-<referralId>`, so a replayed route never sends a second). The
 * payload is the referral id only; the worker reads the contact details from the encrypted referral.
 * Notify's `retry` answers are retried by BullMQ (capped exponential backoff) up to `maxSends`.
 */
export const acknowledgeFamily = {
  queue: 'family.acknowledge',
  name: 'family.acknowledge',
  jobId: (referralId: string): string => `acknowledge-${referralId}`,
  maxSends: 12,
  options: {
    attempts: TRANSIENT_ATTEMPTS,
    backoff: TRANSIENT_BACKOFF,
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: false,
  } satisfies JobsOptions,
  spec: (referralId: string): JobSpec => ({ queueName: 'family.acknowledge', jobName: 'family.acknowledge', jobId: `acknowledge-${referralId}`, payload: { referralId } }),
} as const;

export interface FeedbackInvitePayload {
  invitationId: string;
}

/**
 * The invitation to give feedback, to a family whose case a recipient closed (issue 6;
 * docs/data-protection.md "Feedback from families"): written to the outbox with the recipient's
 * `referral.closed`, one per invitation (job id `feedback-invite-<invitationId>`). The job is
 * handed to the queue at once; the worker moves it to delayed until the invitation is due. The
 * payload is the invitation id only: the token is made, and the contact details read, at send time.
 */
export const feedbackInvite = {
  queue: 'family.feedback-invite',
  name: 'family.feedback-invite',
  jobId: (invitationId: string): string => `feedback-invite-${invitationId}`,
  maxSends: 12,
  options: {
    attempts: TRANSIENT_ATTEMPTS,
    backoff: TRANSIENT_BACKOFF,
    removeOnComplete: KEEP_COMPLETED,
    removeOnFail: false,
  } satisfies JobsOptions,
  spec: (invitationId: string): JobSpec => ({ queueName: 'family.feedback-invite', jobName: 'family.feedback-invite', jobId: `feedback-invite-${invitationId}`, payload: { invitationId } }),
} as const;

export const JOB_CATALOGUE = {
  [routeReferral.name]: routeReferral,
  [deliverReferral.name]: deliverReferral,
  [retentionRun.name]: retentionRun,
  [acknowledgeFamily.name]: acknowledgeFamily,
  [feedbackInvite.name]: feedbackInvite,
} as const;

export type JobName = keyof typeof JOB_CATALOGUE;

/** BullMQ options for a job of this name. */
export function optionsFor(jobName: string): JobsOptions {
  if (jobName === routeReferral.name) return routeReferral.options;
  if (jobName === deliverReferral.name) return deliverReferral.options;
  if (jobName === retentionRun.name) return retentionRun.options;
  if (jobName === acknowledgeFamily.name) return acknowledgeFamily.options;
  if (jobName === feedbackInvite.name) return feedbackInvite.options;
  throw new Error(`Unknown job name ${jobName}: add it to the catalogue`);
}

/** Workers call this at start-up so that a job name nobody handles is a loud failure. */
export function assertHandled(queueName: string, handled: readonly string[]): void {
  const expected =
    queueName === routeReferral.queue
      ? [routeReferral.name]
      : queueName === retentionRun.queue
        ? [retentionRun.name]
        : queueName === acknowledgeFamily.queue
          ? [acknowledgeFamily.name]
          : queueName === feedbackInvite.queue
            ? [feedbackInvite.name]
            : queueName.startsWith(deliverReferral.queuePrefix)
              ? [deliverReferral.name]
              : [];
  if (expected.length === 0) throw new Error(`Queue ${queueName} is not in the job catalogue`);
  const missing = expected.filter((name) => !handled.includes(name));
  if (missing.length > 0) throw new Error(`No handler for job names on ${queueName}: ${missing.join(', ')}`);
}

/**
 * The queues the outbox feeds and the metrics sample, given the ids of the partners that receive
 * deliveries: routing, one delivery queue per recipient, then the letters to families.
 */
export function hubQueueNames(recipientPartnerIds: Iterable<string>): string[] {
  return [routeReferral.queue, ...[...recipientPartnerIds].sort().map((id) => deliverReferral.queue(id)), acknowledgeFamily.queue, feedbackInvite.queue];
}
