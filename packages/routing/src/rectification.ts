// Rectification (UK GDPR Art 16) propagated under Art 19: correct one field of one person on a
// referral, and send a `referral.rectified` message — through the recipient's own adapter, as a
// delivery of its own with its own ledger row — to exactly the recipients whose delivery of the
// referral carried that field. Recipients that never received the field get nothing.
import { createHash, randomUUID } from 'node:crypto';
import type { CanonicalReferral } from '@hub/domain';
import { outboxJob, type OutboxJob } from '@hub/queues';
import {
  applyCorrection,
  correctableField,
  correctedValue,
  deliveredPointer,
  RECTIFICATION_REASON_CATEGORIES,
  rectifiedPayload,
  type CorrectedValue,
  type RectificationReasonCategory,
} from '@hub/sharing';
import { DecryptionError, RectificationConflictError, RIGHTS_REASON_MAX, type RectificationDeliveryInput, type Store } from '@hub/store';
import { nameBasedUuid } from './ids.ts';

export interface RectifyDeps {
  store: Store;
  /** Accept NHS numbers in the 999 test range (demo and tests only). */
  allowTestNhsNumbers: boolean;
  now?: () => Date;
}

export interface RectifyInput {
  referralId: string;
  personRef: string;
  /** JSON pointer relative to the person, from CORRECTABLE_PERSON_FIELDS. */
  field: string;
  /** The value as typed; empty removes an optional value. */
  value: string;
  reasonCategory: string;
  /** Free text; stored encrypted, never sent, logged or audited. */
  reason: string;
  actor: string;
}

/** Which input was wrong, and why in words (never the value). */
export type RectifyProblemField = 'field' | 'value' | 'reasonCategory' | 'reason';

export type RectifyOutcome =
  | {
      kind: 'rectified';
      rectificationId: string;
      /** The recipients that are sent the correction (each its own delivery, already committed with its outbox row). */
      recipients: { recipientPartnerId: string; deliveryId: string; rectifiesDeliveryId: string; pointer: string }[];
      jobs: OutboxJob[];
    }
  | { kind: 'invalid'; field: RectifyProblemField; problem: string }
  | { kind: 'not-found'; what: 'referral' | 'person' }
  | { kind: 'unchanged' };

/** Rectification delivery ids are name-based on the rectification and recipient (one each). */
export const rectificationDeliveryIdFor = (rectificationId: string, recipientPartnerId: string): string => nameBasedUuid('rectification-delivery', rectificationId, recipientPartnerId);

const MAX_CONFLICT_RETRIES = 3;

function isCategory(value: string): value is RectificationReasonCategory {
  return (RECTIFICATION_REASON_CATEGORIES as readonly string[]).includes(value);
}

function sameValue(a: CorrectedValue, b: CorrectedValue): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Corrects the field and queues its propagation, in one transaction (see
 * Store.saveRectification). Bad input is reported by field; the caller adds `jobs` to the queues
 * (the outbox sweeper does it anyway if that fails).
 */
export async function rectifyField(deps: RectifyDeps, input: RectifyInput): Promise<RectifyOutcome> {
  const now = deps.now ?? (() => new Date());
  const field = correctableField(input.field);
  if (!field) return { kind: 'invalid', field: 'field', problem: 'choose a field from the list' };
  if (!isCategory(input.reasonCategory)) return { kind: 'invalid', field: 'reasonCategory', problem: 'choose a reason category from the list' };
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason.length === 0) return { kind: 'invalid', field: 'reason', problem: 'enter a reason' };
  if (reason.length > RIGHTS_REASON_MAX) return { kind: 'invalid', field: 'reason', problem: `enter at most ${RIGHTS_REASON_MAX} characters` };
  const checked = correctedValue(field, typeof input.value === 'string' ? input.value : '', { now: now(), allowTestNhsNumbers: deps.allowTestNhsNumbers });
  if ('problem' in checked) return { kind: 'invalid', field: 'value', problem: checked.problem };
  const value = checked.value;

  for (let attempt = 1; ; attempt += 1) {
    let stored: Awaited<ReturnType<Store['readReferral']>>;
    try {
      stored = await deps.store.readReferral(input.referralId);
    } catch (err) {
      // An erased referral (its data key destroyed) holds nothing left to correct.
      if (err instanceof DecryptionError) return { kind: 'not-found', what: 'referral' };
      throw err;
    }
    if (!stored) return { kind: 'not-found', what: 'referral' };
    if (!stored.people.some((p) => p.personRef === input.personRef)) return { kind: 'not-found', what: 'person' };
    const canonical = JSON.parse(stored.canonical.toString('utf8')) as CanonicalReferral;
    const corrected = applyCorrection(canonical, input.personRef, field, value);
    if (sameValue(corrected.oldValue, value)) return { kind: 'unchanged' };

    const rectificationId = randomUUID();
    const at = now();
    const recipients: { recipientPartnerId: string; deliveryId: string; rectifiesDeliveryId: string; pointer: string }[] = [];
    const deliveries: RectificationDeliveryInput[] = [];
    for (const original of await deps.store.rectifiableDeliveries(stored.referralId)) {
      const pointer = deliveredPointer(original, input.personRef, field);
      if (pointer === null) continue;
      const sent = JSON.parse(original.payload.toString('utf8')) as { lawfulBasis: { art6: string; art9?: string; sch1Paragraph?: string; art10?: string } };
      const deliveryId = rectificationDeliveryIdFor(rectificationId, original.recipientPartnerId);
      const payload = rectifiedPayload({
        rectificationId,
        referralId: stored.referralId,
        deliveryId,
        rectifiesDeliveryId: original.deliveryId,
        recipient: original.recipientPartnerId,
        lawfulBasis: sent.lawfulBasis,
        reasonCategory: input.reasonCategory,
        correctedAt: at.toISOString(),
        correction: { personRef: input.personRef, field: field.pointer, pointer, value },
      });
      deliveries.push({ deliveryId, recipientPartnerId: original.recipientPartnerId, rectifiesDeliveryId: original.deliveryId, fields: [pointer], payload: Buffer.from(JSON.stringify(payload), 'utf8') });
      recipients.push({ recipientPartnerId: original.recipientPartnerId, deliveryId, rectifiesDeliveryId: original.deliveryId, pointer });
    }

    try {
      const saved = await deps.store.saveRectification({
        rectificationId,
        referralId: stored.referralId,
        personRef: input.personRef,
        pointer: field.pointer,
        reasonCategory: input.reasonCategory,
        reason,
        actor: input.actor,
        at,
        oldValue: corrected.oldValue,
        newValue: value,
        basedOnCanonicalSha256: createHash('sha256').update(stored.canonical).digest('hex'),
        canonical: Buffer.from(JSON.stringify(corrected.referral), 'utf8'),
        deliveries,
      });
      return { kind: 'rectified', rectificationId, recipients, jobs: saved.outbox.map(outboxJob) };
    } catch (err) {
      // Another correction of the same referral committed in between: start again from it.
      if (err instanceof RectificationConflictError && attempt < MAX_CONFLICT_RETRIES) continue;
      throw err;
    }
  }
}
