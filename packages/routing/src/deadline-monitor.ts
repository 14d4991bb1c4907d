import type { Store } from '@hub/store';

interface MonitorLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface DeadlineMonitor {
  /** One check now; returns how many deliveries were newly found past their deadline. */
  checkNow(): Promise<number>;
  stop(): void;
}

/**
 * Watches Operation Encompass deadlines: a delivery not delivered by the start of the next
 * school day is marked and reported once: an error log line and `onMissed` (the
 * hub_deadline_misses_total metric, which Prometheus alerts on).
 */
export function startDeadlineMonitor(opts: {
  store: Pick<Store, 'dueDeadlines' | 'markDeadlineMissed'>;
  logger: MonitorLogger;
  intervalMs: number;
  /** Called once per deadline newly marked missed (hub_deadline_misses_total). */
  onMissed?: (due: { deliveryId: string; recipientPartnerId: string }) => void;
}): DeadlineMonitor {
  async function checkNow(): Promise<number> {
    const now = new Date();
    let reported = 0;
    for (const due of await opts.store.dueDeadlines(now)) {
      if (!(await opts.store.markDeadlineMissed(due.deliveryId, now))) continue;
      reported += 1;
      opts.onMissed?.({ deliveryId: due.deliveryId, recipientPartnerId: due.recipientPartnerId });
      opts.logger.error({ deliveryId: due.deliveryId, referralId: due.referralId, recipientPartnerId: due.recipientPartnerId, deadlineAt: due.deadlineAt.toISOString() }, 'Operation Encompass deadline missed');
    }
    return reported;
  }
  const timer = setInterval(() => {
    checkNow().catch((err: Error) => opts.logger.warn({ err: { message: err.message } }, 'deadline check failed'));
  }, opts.intervalMs);
  timer.unref();
  return { checkNow, stop: () => clearInterval(timer) };
}
