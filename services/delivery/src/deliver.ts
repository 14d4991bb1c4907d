import type { BreakerResult, DeliveryResult } from '@hub/adapters';
import { nextAttemptDelay } from '@hub/adapters';
import type { Store } from '@hub/store';
import type { HubMetrics } from '@hub/observability';

/** What the worker must do with the job after one try. */
export type DeliveryStep =
  | { kind: 'done'; outcome: 'delivered' | 'already-final' | 'missing' | 'dead-letter' | 'endpoint-disabled' }
  | { kind: 'delay'; untilMs: number; spendsAttempt: boolean; reason: string };

export interface DeliverDeps {
  store: Store;
  send(input: { deliveryId: string; partnerId: string; referralId: string; urgency: 'routine' | 'medium' | 'high' | 'urgent'; payload: Buffer }): Promise<BreakerResult>;
  retryScheduleMs: readonly number[];
  /** How long a job waits while the partner's endpoint is disabled (after a 410), before looking again. */
  disabledRecheckMs: number;
  now?: () => number;
  random?: () => number;
  onAlert?(event: { kind: 'endpoint-disabled' | 'dead-letter'; partnerId: string; deliveryId: string; code: string }): void;
  /** Attempts, retries, dead letters, disclosures and latency (labels: partner id and outcome codes only). */
  metrics?: HubMetrics;
}

/**
 * One delivery attempt, classified. Idempotent: a delivery already delivered, dead-lettered or
 * closed is left alone, and `completeDelivery` writes the ledger row only on the transition to
 * delivered, so a worker that dies mid-send and runs again never records a second disclosure.
 */
export async function deliverOnce(deps: DeliverDeps, deliveryId: string): Promise<DeliveryStep> {
  const now = deps.now ?? Date.now;
  const delivery = await deps.store.getDelivery(deliveryId);
  if (!delivery) return { kind: 'done', outcome: 'missing' };
  if (delivery.status !== 'pending') return { kind: 'done', outcome: 'already-final' };
  if (await deps.store.endpointDisabled(delivery.recipientPartnerId)) {
    return { kind: 'delay', untilMs: now() + deps.disabledRecheckMs, spendsAttempt: false, reason: 'endpoint-disabled' };
  }
  const started = now();
  const result = await deps.send({ deliveryId, partnerId: delivery.recipientPartnerId, referralId: delivery.referralId, urgency: delivery.urgency, payload: delivery.payload });
  if (result.kind === 'breaker-open') {
    return { kind: 'delay', untilMs: now() + result.retryAfterMs, spendsAttempt: false, reason: 'breaker-open' };
  }
  const durationMs = now() - started;
  const partner = delivery.recipientPartnerId;
  if (result.kind === 'delivered') {
    await deps.store.recordAttempt(deliveryId, { outcome: 'delivered', ...(result.status ? { httpStatus: result.status } : {}), durationMs });
    deps.metrics?.deliveryAttempts.inc({ partner, outcome: 'delivered' });
    const at = new Date(now());
    const completed = await deps.store.completeDelivery(deliveryId, { at, channel: delivery.channel });
    // Only the transition to delivered writes the ledger row: a rerun after a crash counts nothing twice.
    if ('ledgerEntryId' in completed && deps.metrics) {
      deps.metrics.disclosures.inc({ partner, outcome: 'disclosed' });
      deps.metrics.deliveryLatency.observe({ partner }, Math.max(0, at.getTime() - delivery.referralReceivedAt.getTime()) / 1000);
    }
    return { kind: 'done', outcome: 'delivered' };
  }
  const failure = result as Exclude<DeliveryResult, { kind: 'delivered' }>;
  const { attempts } = await deps.store.recordAttempt(deliveryId, { outcome: failure.kind, ...(failure.status ? { httpStatus: failure.status } : {}), errorCode: failure.code, durationMs });
  deps.metrics?.deliveryAttempts.inc({ partner, outcome: failure.kind });
  const next = nextAttemptDelay({ attemptsMade: attempts, result: failure, scheduleMs: [...deps.retryScheduleMs], ...(deps.random ? { random: deps.random } : {}) });
  switch (next.action) {
    case 'retry':
      deps.metrics?.deliveryRetries.inc({ partner });
      return { kind: 'delay', untilMs: now() + next.delayMs, spendsAttempt: true, reason: failure.code };
    case 'dead-letter':
      if (await deps.store.deadLetter(deliveryId, { code: next.code })) deps.metrics?.deadLetters.inc({ partner });
      deps.onAlert?.({ kind: 'dead-letter', partnerId: partner, deliveryId, code: next.code });
      return { kind: 'done', outcome: 'dead-letter' };
    case 'disable-endpoint':
      await deps.store.disableEndpoint(partner, next.code);
      if (await deps.store.deadLetter(deliveryId, { code: next.code })) deps.metrics?.deadLetters.inc({ partner });
      deps.onAlert?.({ kind: 'endpoint-disabled', partnerId: partner, deliveryId, code: next.code });
      return { kind: 'done', outcome: 'endpoint-disabled' };
  }
}
