import type { Queue } from 'bullmq';

/** One queue's counts and the age of its oldest job that is ready to run but not yet picked up. */
export interface QueueSnapshot {
  queue: string;
  waiting: number;
  prioritized: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Age in ms of the oldest waiting or prioritized job at `at`; 0 when none is waiting. */
  oldestWaitingAgeMs: number;
}

/**
 * How many prioritized jobs are looked at to find the oldest: the prioritized set is ordered by
 * priority, not age, so the oldest routine job can sit behind urgent ones. Bounded, so a scrape of
 * a 100,000-job backlog stays cheap; with more prioritized jobs than this the age is a lower bound.
 */
export const OLDEST_SCAN_LIMIT = 200;

/** Counts and oldest-waiting age of each queue (read-only; for metrics and the console overview). */
export async function snapshotQueues(queues: readonly Queue[], at: number = Date.now()): Promise<QueueSnapshot[]> {
  return Promise.all(
    queues.map(async (queue) => {
      const counts = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed', 'completed');
      let oldest = Number.POSITIVE_INFINITY;
      if ((counts.wait ?? 0) > 0) {
        // The wait list is FIFO: its first job (ascending) is the oldest.
        const [first] = await queue.getJobs(['wait'], 0, 0, true);
        if (first) oldest = Math.min(oldest, first.timestamp);
      }
      if ((counts.prioritized ?? 0) > 0) {
        for (const job of await queue.getJobs(['prioritized'], 0, OLDEST_SCAN_LIMIT - 1, true)) if (job) oldest = Math.min(oldest, job.timestamp);
      }
      return {
        queue: queue.name,
        waiting: counts.wait ?? 0,
        prioritized: counts.prioritized ?? 0,
        active: counts.active ?? 0,
        delayed: counts.delayed ?? 0,
        failed: counts.failed ?? 0,
        completed: counts.completed ?? 0,
        oldestWaitingAgeMs: Number.isFinite(oldest) ? Math.max(0, at - oldest) : 0,
      };
    }),
  );
}
