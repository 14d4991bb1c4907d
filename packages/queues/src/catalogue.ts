import type { JobsOptions } from 'bullmq';

/**
 * The job catalogue: every queue and job the hub uses, in one place. Names are permanent
 * strings — changing one strands the jobs already waiting under the old name. Payloads
 * carry ids only, never personal data; job ids are deterministic so a retry, a replay or
 * the outbox sweeper never creates a second job for the same work.
 */

export interface RouteReferralPayload {
  /** The hub's id for the stored inbound message. */
  messageId: string;
}

export const routeReferral = {
  queue: 'referral.route',
  name: 'referral.route',
  jobId: (messageId: string): string => `route-${messageId}`,
  options: {
    attempts: 8,
    backoff: { type: 'exponential', delay: 5_000 },
    // Completed jobs are kept a week so that a late re-add (the sweeper after a crash) is
    // recognised by its job id and not processed twice.
    removeOnComplete: { age: 7 * 24 * 3600, count: 200_000 },
    removeOnFail: false,
  } satisfies JobsOptions,
  payload: (messageId: string): RouteReferralPayload => ({ messageId }),
} as const;

export const JOB_CATALOGUE = {
  [routeReferral.name]: routeReferral,
} as const;

export type JobName = keyof typeof JOB_CATALOGUE;

/** Workers call this at start-up so that a job name nobody handles is a loud failure. */
export function assertHandled(handled: readonly string[]): void {
  const missing = Object.keys(JOB_CATALOGUE).filter((name) => !handled.includes(name));
  if (missing.length > 0) throw new Error(`No handler for job names: ${missing.join(', ')}`);
}
