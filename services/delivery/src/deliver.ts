import type { BreakerResult, DeliveryResult } from '@hub/adapters';
import { nextAttemptDelay } from '@hub/adapters';
import { ErasedError, type Store } from '@hub/store';
import type { HubMetrics } from '@hub/observability';

/** What the worker must do with the job after one try. */
export type DeliveryStep =
  | { kind: 'done'; outcome: 'delivered' | 'already-final' | 'missing' | 'dead-letter' | 'endpoint-disabled' | 'withheld' | 'erased' }
  | { kind: 'delay'; untilMs: number; spendsAttempt: boolean; reason: string };

export interface DeliverDeps {
  store: Store;
  send(input: { deliveryId: string; partnerId: string; referralId: string; urgency: 'routine' | 'medium' | 'high' | 'urgent'; payload: Buffer; kind: 'referral' | 'rectification' }): Promise<BreakerResult>;
  retryScheduleMs: readonly number[];
  /** How long a job waits while the partner's endpoint is disabled (after a 410), before looking again. */
  disabledRecheckMs: number;
  /** How long a rectification waits for the delivery it corrects to be delivered, before looking again (default 60 s). */
  rectificationRecheckMs?: number;
  now?: () => number;
  random?: () => number;
  onAlert?(event: { kind: 'endpoint-disabled' | 'dead-letter' | 'withheld'; partnerId: string; deliveryId: string; code: string }): void;
  /** Attempts, retries, dead letters, disclosures and latency (labels: partner id and outcome codes only). */
  metrics?: HubMetrics;
}

/** Dead-letter codes of deliveries the hub itself withholds (an operator closes or replays them). */
export const WITHHELD_CODES = {
  /** A person on the referral restricted processing or objected, with no active safeguarding override. */
  subjectRestricted: 'SUBJECT_RESTRICTED',
  /** A rectification of a delivery that was closed without ever being delivered: nothing to correct. */
  originalNotDisclosed: 'ORIGINAL_NOT_DISCLOSED',
} as const;

/**
 * Why a delivery must not be sent now, checked before every send: a rectification waits until the
 * delivery it corrects has reached the recipient (before that, the recipient has nothing to
 * correct; if that delivery was closed undelivered, it never will); a referral is withheld while a
 * person on it is restricted or objected without an active safeguarding override (UK GDPR Art 18,
 * 21 — "stop further disclosures", which includes deliveries already queued).
 */
async function disclosureGate(deps: DeliverDeps, delivery: NonNullable<Awaited<ReturnType<Store['getDelivery']>>>, now: () => number): Promise<DeliveryStep | null> {
  const partner = delivery.recipientPartnerId;
  const withhold = async (code: string): Promise<DeliveryStep> => {
    if (await deps.store.deadLetter(delivery.deliveryId, { code })) deps.metrics?.deadLetters.inc({ partner });
    deps.onAlert?.({ kind: 'withheld', partnerId: partner, deliveryId: delivery.deliveryId, code });
    return { kind: 'done', outcome: 'withheld' };
  };
  if (delivery.kind === 'rectification') {
    const original = delivery.rectifiedDeliveryStatus;
    if (original === 'pending' || original === 'dead') return { kind: 'delay', untilMs: now() + (deps.rectificationRecheckMs ?? 60_000), spendsAttempt: false, reason: 'awaiting-original-delivery' };
    if (original !== 'delivered') return withhold(WITHHELD_CODES.originalNotDisclosed);
    return null;
  }
  if (!delivery.subjectRightsFlagged) return null;
  const flags = await deps.store.referralSubjectRights(delivery.referralId);
  const blocked = [...flags.values()].some((f) => (f.restricted || f.objected) && !f.safeguardingOverride);
  return blocked ? withhold(WITHHELD_CODES.subjectRestricted) : null;
}

/**
 * One delivery attempt, classified. Idempotent: a delivery already delivered, dead-lettered or
 * closed is left alone, and `completeDelivery` writes the ledger row only on the transition to
 * delivered, so a worker that dies mid-send and runs again never records a second disclosure.
 */
export async function deliverOnce(deps: DeliverDeps, deliveryId: string): Promise<DeliveryStep> {
  const now = deps.now ?? Date.now;
  let delivery: Awaited<ReturnType<Store['getDelivery']>>;
  try {
    delivery = await deps.store.getDelivery(deliveryId);
  } catch (err) {
    if (!(err instanceof ErasedError)) throw err;
    // The referral was erased (its data key destroyed): nothing can or may be sent. Closed, with
    // a not-disclosed ledger row, never retried (docs/data-protection.md "Erasure").
    await deps.store.closeErasedDelivery(deliveryId);
    return { kind: 'done', outcome: 'erased' };
  }
  if (!delivery) return { kind: 'done', outcome: 'missing' };
  if (delivery.status !== 'pending') return { kind: 'done', outcome: 'already-final' };
  const gate = await disclosureGate(deps, delivery, now);
  if (gate) return gate;
  if (await deps.store.endpointDisabled(delivery.recipientPartnerId)) {
    return { kind: 'delay', untilMs: now() + deps.disabledRecheckMs, spendsAttempt: false, reason: 'endpoint-disabled' };
  }
  const started = now();
  const result = await deps.send({ deliveryId, partnerId: delivery.recipientPartnerId, referralId: delivery.referralId, urgency: delivery.urgency, payload: delivery.payload, kind: delivery.kind });
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
      // Latency is receipt-to-recipient for referrals; a correction's is not a referral's.
      if (delivery.kind === 'referral') deps.metrics.deliveryLatency.observe({ partner }, Math.max(0, at.getTime() - delivery.referralReceivedAt.getTime()) / 1000);
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
