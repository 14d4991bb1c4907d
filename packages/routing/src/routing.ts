import type { PartnerRegistry } from '@hub/config';
import { isFeedbackType, normaliseReferral, type CanonicalReferral } from '@hub/domain';
import { outboxJob, type OutboxJob } from '@hub/queues';
import { familyDistrict, minimise, planSharing, type SharingConfig, type SharingDecision } from '@hub/sharing';
import { ErasedError, POSTCODE_DISTRICT_PATTERN, type FeedbackInvitationInput, type Store } from '@hub/store';
import { acknowledgementDecision, SELF_REFERRAL_TYPE } from './acknowledgement.ts';
import { feedbackInvitationDecision } from './feedback-invitation.ts';
import { decisionIdFor, deliveryIdFor, referralIdFor } from './ids.ts';
import { blockedCodes, blockedReason, overriddenReason, rightsCheck } from './rights.ts';

export interface RoutingDeps {
  store: Store;
  partners: PartnerRegistry;
  sharing: SharingConfig;
  now?: () => Date;
  /**
   * Whether families who self-refer are acknowledged (a Notify service is configured): the decision
   * (queued or suppressed, with a reason code) and its job are recorded with the routing outcome.
   */
  acknowledge?: boolean;
  /**
   * Feedback invitations (a Notify service is configured): a recipient's `referral.closed` schedules
   * one, due `delayMs` after the closure. Undefined: the decision is recorded as suppressed with
   * NOTIFY_NOT_CONFIGURED.
   */
  feedbackInvitations?: { delayMs: number };
}

/**
 * `sourceType` is the message's catalogue type (checked at intake). `notDisclosedTo` names the
 * recipient of each `not-disclosed` ledger row the routing wrote (null: no recipient), for metrics.
 */
export type RouteOutcome =
  | { kind: 'routed'; referralId: string; sourceType: string; deliveries: number; jobs: OutboxJob[]; notDisclosedTo: (string | null)[] }
  | { kind: 'held'; referralId: string; sourceType: string; reasons: string[]; jobs: OutboxJob[]; notDisclosedTo: (string | null)[] }
  | { kind: 'already-routed'; referralId: string }
  /** `jobs`: a scheduled feedback invitation's job (for `referral.closed`), else none. */
  | { kind: 'feedback-recorded'; sourceType: string; deliveryId: string; jobs: OutboxJob[] }
  | { kind: 'message-missing' }
  /** The message was erased (its data key destroyed) before it was routed: nothing to route, ever. */
  | { kind: 'message-erased' };

type FeedbackKind = 'acknowledged' | 'accepted' | 'declined' | 'closed';

const FEEDBACK_KIND: Record<string, FeedbackKind> = {
  'referral.acknowledged': 'acknowledged',
  'referral.accepted': 'accepted',
  'referral.declined': 'declined',
  'referral.closed': 'closed',
};

interface DeliveryDraft {
  deliveryId: string;
  recipientPartnerId: string;
  decisionId: string;
  ruleId?: string;
  operatorId?: string;
  channel: string;
  priority: 'urgent' | 'high' | 'routine';
  deadlineAt?: Date;
  purpose: string;
  lawfulBasis: { art6: string; art9?: string; sch1Paragraph?: string; art10?: string };
  fields: string[];
  subjects: string[];
  payload: Buffer;
}

/** What a share needs to become a delivery. */
export interface ShareSpec {
  recipientPartnerId: string;
  decisionId: string;
  agreementId: string;
  ruleId?: string;
  operatorId?: string;
  purpose: string;
  priority: 'urgent' | 'high' | 'routine';
  deadlineAt?: Date;
  /** personRefs the delivery is about; undefined = the whole referral as far as the agreement allows. */
  subjects?: readonly string[];
}

/**
 * Builds the minimised payload for one recipient. Fails loudly (throws) if the agreement is
 * missing or the payload would carry a field outside it: that is a bug, never a silent send.
 */
export function draftDelivery(deps: Pick<RoutingDeps, 'partners' | 'sharing'>, referral: CanonicalReferral, share: ShareSpec): DeliveryDraft {
  const partner = deps.partners.get(share.recipientPartnerId);
  const agreement = deps.sharing.agreements.byId(share.agreementId);
  if (!partner?.delivery || !agreement || agreement.recipient !== share.recipientPartnerId) throw new Error(`recipient ${share.recipientPartnerId} has no delivery channel or no agreement ${share.agreementId}`);
  const deliveryId = deliveryIdFor(referral.referralId, share.recipientPartnerId);
  const built = minimise(referral, agreement, { deliveryId, referralId: referral.referralId, purpose: share.purpose, recipientPartnerId: share.recipientPartnerId, ...(share.subjects ? { subjects: share.subjects } : {}) });
  const includedRefs = new Set((built.payload.people ?? []).map((p) => p.personRef));
  const subjects = referral.people.filter((p) => includedRefs.has(p.personRef) && p.hubPersonId).map((p) => p.hubPersonId as string);
  return {
    deliveryId,
    recipientPartnerId: share.recipientPartnerId,
    decisionId: share.decisionId,
    ...(share.ruleId ? { ruleId: share.ruleId } : {}),
    ...(share.operatorId ? { operatorId: share.operatorId } : {}),
    channel: partner.delivery.channel,
    priority: share.priority,
    ...(share.deadlineAt ? { deadlineAt: share.deadlineAt } : {}),
    purpose: share.purpose,
    lawfulBasis: built.payload.lawfulBasis,
    fields: built.fields,
    subjects,
    payload: Buffer.from(JSON.stringify(built.payload), 'utf8'),
  };
}

/** Need codes and postcode district (never the full postcode) for anonymised statistics. */
export function statisticsDimensions(referral: CanonicalReferral): { needs: string[]; postcodeDistrict?: string } {
  const district = familyDistrict(referral);
  return { needs: [...referral.needs], ...(district && POSTCODE_DISTRICT_PATTERN.test(district) ? { postcodeDistrict: district } : {}) };
}

/**
 * Routes one stored inbound message: normalises it, links people by exact NHS number, applies
 * the written sharing rules, and records every decision, the hold (if any) and one delivery per
 * recipient in one transaction. Idempotent: a message already routed is left as it is.
 */
export async function routeMessage(deps: RoutingDeps, messageId: string): Promise<RouteOutcome> {
  const existing = await deps.store.findReferralByMessage(messageId);
  if (existing) return { kind: 'already-routed', referralId: existing.referralId };
  let inbound: Awaited<ReturnType<Store['readInbound']>>;
  try {
    inbound = await deps.store.readInbound(messageId);
  } catch (err) {
    // Retrying cannot bring an erased message back: finish the job instead of retrying for days.
    if (err instanceof ErasedError) return { kind: 'message-erased' };
    throw err;
  }
  if (!inbound) return { kind: 'message-missing' };
  const envelope = JSON.parse(inbound.body.toString('utf8')) as { type: string; data: Record<string, unknown> };

  if (isFeedbackType(envelope.type)) {
    const deliveryId = String(envelope.data.deliveryId);
    const kind = FEEDBACK_KIND[envelope.type] as FeedbackKind;
    if (kind === 'closed') {
      // The closure and the feedback invitation's decision (and job) in one transaction.
      const invitation = await feedbackInvitationFor(deps, deliveryId, inbound.receivedAt);
      const closed = await deps.store.recordClosure(deliveryId, { at: inbound.receivedAt, ...(invitation ? { invitation } : {}) });
      return { kind: 'feedback-recorded', sourceType: envelope.type, deliveryId, jobs: closed.outbox.map(outboxJob) };
    }
    await deps.store.recordFeedback(deliveryId, { kind, at: inbound.receivedAt });
    return { kind: 'feedback-recorded', sourceType: envelope.type, deliveryId, jobs: [] };
  }

  const referralId = referralIdFor(messageId);
  const referral = normaliseReferral({ type: envelope.type, data: envelope.data, messageId, referralId, sourcePartnerId: inbound.partnerId, receivedAt: inbound.receivedAt.toISOString() });
  const hubIds = await deps.store.linkPeople(referral.people.map((p) => ({ personRef: p.personRef, ...(p.nhsNumber ? { nhsNumber: p.nhsNumber } : {}) })));
  for (const person of referral.people) {
    const id = hubIds.get(person.personRef);
    if (id) person.hubPersonId = id;
  }

  const plan = planSharing(referral, { ...deps.sharing, partners: deps.partners });
  // Restriction and objection (UK GDPR Art 18, 21): a share about a flagged person becomes a
  // not-share (ledgered) and the referral waits for an operator, unless a safeguarding override
  // is active for every flagged person — then it is shared and the decision records the override.
  const subjectIds = [...new Set(referral.people.map((p) => p.hubPersonId as string))];
  const flags = await deps.store.personRights(subjectIds);
  const rights = rightsCheck(flags, subjectIds);
  const blocked = rights.blocked.length > 0;
  const decisions = plan.decisions.map((d: SharingDecision) => {
    const decisionId = decisionIdFor(referralId, d.recipientPartnerId, d.ruleId);
    if (d.decision !== 'share') return { ...d, decisionId };
    if (blocked) return { ...d, decisionId, decision: 'not-share' as const, reason: blockedReason(rights) };
    return { ...d, decisionId, ...(rights.overridden.length > 0 ? { reason: overriddenReason(d.reason, rights) } : {}) };
  });
  const deliveries = decisions
    .filter((d) => d.decision === 'share')
    .map((d) => {
      if (!d.agreementId) throw new Error(`share decision by rule ${d.ruleId} names no agreement`);
      return draftDelivery(deps, referral, {
        recipientPartnerId: d.recipientPartnerId,
        decisionId: d.decisionId,
        agreementId: d.agreementId,
        ruleId: d.ruleId,
        purpose: d.purpose,
        priority: d.priority,
        ...(d.deadlineAt ? { deadlineAt: d.deadlineAt } : {}),
        ...(d.subjects ? { subjects: d.subjects } : {}),
      });
    });
  const holdReasons: string[] = plan.hold?.reasons.map((r) => r.code) ?? [];
  if (blocked) holdReasons.push(...blockedCodes(rights));
  const held = holdReasons.length > 0;
  // Restriction, objection (whatever the safeguarding overrides) and opt-outs suppress it too.
  const acknowledgement =
    deps.acknowledge && referral.sourceType === SELF_REFERRAL_TYPE
      ? acknowledgementDecision(referral, { rights: flags, optedOut: (await deps.store.messageOptOuts(subjectIds)).map((o) => o.personId) })
      : undefined;

  const saved = await deps.store.saveRoutingOutcome({
    referral: {
      referralId,
      messageId,
      sourcePartnerId: inbound.partnerId,
      sourceType: envelope.type,
      ...(referral.sourceReference ? { sourceReference: referral.sourceReference } : {}),
      urgency: referral.urgency,
      receivedAt: inbound.receivedAt,
      ...statisticsDimensions(referral),
      canonical: Buffer.from(JSON.stringify(referral), 'utf8'),
      people: referral.people.map((p) => ({ personRef: p.personRef, hubPersonId: p.hubPersonId as string, role: p.role })),
    },
    decisions: decisions.map((d) => ({ decisionId: d.decisionId, recipientPartnerId: d.recipientPartnerId, decision: d.decision, ruleId: d.ruleId, reason: d.reason, purpose: d.purpose, priority: d.priority })),
    ...(held ? { hold: { reasons: holdReasons } } : {}),
    deliveries,
    ...(acknowledgement ? { acknowledgement } : {}),
  });
  if (!saved.created) return { kind: 'already-routed', referralId };
  const jobs = saved.outbox.map(outboxJob);
  // One not-disclosed ledger row was written per not-share decision (see saveRoutingOutcome).
  const notDisclosedTo = decisions.filter((d) => d.decision === 'not-share').map((d) => d.recipientPartnerId);
  const sourceType = envelope.type;
  return held ? { kind: 'held', referralId, sourceType, reasons: holdReasons, jobs, notDisclosedTo } : { kind: 'routed', referralId, sourceType, deliveries: deliveries.length, jobs, notDisclosedTo };
}

/**
 * The feedback invitation for a recipient's closure of `deliveryId`, from the delivery, the
 * referral, the people's rights flags and opt-outs. Undefined when there is nothing to decide
 * about: an unknown delivery (recordClosure records nothing either), a rectification delivery, or
 * a recipient no longer in the partner registry.
 */
async function feedbackInvitationFor(deps: RoutingDeps, deliveryId: string, closedAt: Date): Promise<FeedbackInvitationInput | undefined> {
  const recipient = await deps.store.deliveryRecipient(deliveryId);
  const serviceType = recipient ? deps.partners.get(recipient)?.organisationType : undefined;
  if (!serviceType) return undefined;
  const base = { deliveryId, serviceType, closedAt, invitations: deps.feedbackInvitations };
  const erased = feedbackInvitationDecision({ ...base, referral: 'erased', checks: { rights: new Map(), optedOut: [] } });
  let stored: Awaited<ReturnType<Store['readReferral']>>;
  try {
    const delivery = await deps.store.getDelivery(deliveryId);
    if (!delivery || delivery.kind !== 'referral') return undefined;
    stored = await deps.store.readReferral(delivery.referralId);
  } catch (err) {
    if (err instanceof ErasedError) return erased;
    throw err;
  }
  if (!stored) return erased;
  const personIds = [...new Set(stored.people.map((p) => p.hubPersonId))];
  const [rights, optOuts] = await Promise.all([deps.store.personRights(personIds), deps.store.messageOptOuts(personIds)]);
  const referral = JSON.parse(stored.canonical.toString('utf8')) as CanonicalReferral;
  return feedbackInvitationDecision({ ...base, referral, checks: { rights, optedOut: optOuts.map((o) => o.personId) } });
}

export type HoldResolution =
  | { kind: 'shared'; deliveries: number; jobs: OutboxJob[] }
  | { kind: 'closed' }
  | { kind: 'not-held' }
  | { kind: 'no-agreement'; recipientPartnerId: string; ambiguous: boolean }
  /**
   * A person on the referral restricted processing or objected and no safeguarding override is
   * active: nothing was shared. A not-share decision (and not-disclosed ledger row) per chosen
   * recipient is recorded with the operator's id, and the referral stays held.
   */
  | { kind: 'restricted'; personIds: string[]; notDisclosedTo: string[] };

/**
 * An operator's decision on a held referral: share with the recipients they chose (each must
 * have a delivery channel and a data-sharing agreement — the purpose must be named when a
 * recipient has several; payloads are minimised exactly as for rule-based shares) or close
 * without sharing. Recorded with the operator's id and reason.
 */
export async function resolveHeldReferral(
  deps: RoutingDeps,
  referralId: string,
  decision: { operatorId: string; reason: string } & ({ recipients: { partnerId: string; purpose?: string }[] } | { close: true }),
): Promise<HoldResolution> {
  if ('close' in decision) {
    const closed = await deps.store.resolveHold(referralId, { operatorId: decision.operatorId, reason: decision.reason, close: true });
    return closed.resolved ? { kind: 'closed' } : { kind: 'not-held' };
  }
  const chosen: { partnerId: string; agreementId: string; purpose: string }[] = [];
  for (const r of decision.recipients) {
    const agreement = deps.sharing.agreements.get(r.partnerId, r.purpose);
    if (!deps.partners.get(r.partnerId)?.delivery || !agreement) {
      return { kind: 'no-agreement', recipientPartnerId: r.partnerId, ambiguous: deps.sharing.agreements.forRecipient(r.partnerId).length > 1 && !r.purpose };
    }
    chosen.push({ partnerId: r.partnerId, agreementId: agreement.id, purpose: agreement.purpose });
  }
  const stored = await deps.store.readReferral(referralId);
  if (!stored || stored.status !== 'held') return { kind: 'not-held' };
  const referral = JSON.parse(stored.canonical.toString('utf8')) as CanonicalReferral;
  const subjectIds = [...new Set(stored.people.map((p) => p.hubPersonId))];
  const rights = rightsCheck(await deps.store.personRights(subjectIds), subjectIds);
  if (rights.blocked.length > 0) {
    // Own decision ids (not the share's), so a share after an override can still be recorded.
    const recorded = await deps.store.recordBlockedShares(referralId, {
      operatorId: decision.operatorId,
      decisions: chosen.map((c) => ({ decisionId: decisionIdFor(referralId, c.partnerId, `operator:${decision.operatorId}:blocked`), recipientPartnerId: c.partnerId, reason: blockedReason(rights), purpose: c.purpose })),
    });
    if (!recorded) return { kind: 'not-held' };
    return { kind: 'restricted', personIds: rights.blocked.map((b) => b.personId), notDisclosedTo: chosen.map((c) => c.partnerId) };
  }
  const priority = referral.urgency === 'urgent' ? ('urgent' as const) : referral.urgency === 'high' ? ('high' as const) : ('routine' as const);
  const operatorReason = 'Shared by an operator after review.';
  const decisions = chosen.map((c) => ({
    decisionId: decisionIdFor(referralId, c.partnerId, `operator:${decision.operatorId}`),
    recipientPartnerId: c.partnerId,
    agreementId: c.agreementId,
    decision: 'share' as const,
    operatorId: decision.operatorId,
    reason: rights.overridden.length > 0 ? overriddenReason(operatorReason, rights) : operatorReason,
    purpose: c.purpose,
    priority,
  }));
  const deliveries = decisions.map((d) => draftDelivery(deps, referral, { recipientPartnerId: d.recipientPartnerId, decisionId: d.decisionId, agreementId: d.agreementId, operatorId: d.operatorId, purpose: d.purpose, priority: d.priority }));
  const resolved = await deps.store.resolveHold(referralId, {
    operatorId: decision.operatorId,
    reason: decision.reason,
    decisions: decisions.map(({ agreementId: _a, ...d }) => d),
    deliveries,
  });
  if (!resolved.resolved) return { kind: 'not-held' };
  return { kind: 'shared', deliveries: deliveries.length, jobs: resolved.outbox.map(outboxJob) };
}
