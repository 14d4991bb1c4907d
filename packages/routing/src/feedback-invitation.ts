// Feedback invitations (issue 6 item 4; docs/data-protection.md "Feedback from families"): when a
// recipient closes a referral (`referral.closed`), whether to invite the family to say how it went,
// when, and by which channel — or why not, as a code. Pure: the routing reads the facts and
// records the decision with the closure (Store.recordClosure).
import { planFamilyMessage, type CanonicalReferral, type FamilyMessageChecks, type FamilyMessageSuppression } from '@hub/domain';
import type { FeedbackInvitationInput } from '@hub/store';
import { nameBasedUuid } from './ids.ts';

/** One invitation per closed delivery, whatever replays: its id is derived from the delivery's. */
export const feedbackInvitationIdFor = (deliveryId: string): string => nameBasedUuid('feedback-invitation', deliveryId);

/**
 * Why no invitation: planFamilyMessage's codes (CONTACT_UNSAFE, RESTRICTED, OBJECTED, OPTED_OUT,
 * MESSAGE_NOT_ALLOWED, NO_CONTACT_DETAILS), NOTIFY_NOT_CONFIGURED (no message service), or ERASED
 * (the referral was erased before it was closed: nothing to write with).
 */
export type FeedbackSuppressionCode = FamilyMessageSuppression | 'NOTIFY_NOT_CONFIGURED' | 'ERASED';

export interface FeedbackInvitationFacts {
  deliveryId: string;
  /** The recipient partner's organisationType. */
  serviceType: string;
  /** When the hub received the recipient's `referral.closed`: the decision time. */
  closedAt: Date;
  /** The decrypted canonical referral, or 'erased'. */
  referral: CanonicalReferral | 'erased';
  /** The people's rights flags and opt-outs (ignored for an erased referral). */
  checks: FamilyMessageChecks;
  /** Undefined when Notify is not configured; else the delay from closing to the invitation. */
  invitations: { delayMs: number } | undefined;
}

/**
 * The decision recorded with the closure. Suppression codes in order: ERASED, then
 * planFamilyMessage's (CONTACT_UNSAFE wins over every other), then NOTIFY_NOT_CONFIGURED — so the
 * record says why the family would not have been written to even with a message service.
 */
export function feedbackInvitationDecision(facts: FeedbackInvitationFacts): FeedbackInvitationInput {
  const base = { invitationId: feedbackInvitationIdFor(facts.deliveryId), deliveryId: facts.deliveryId, serviceType: facts.serviceType };
  const suppressed = (reasonCode: FeedbackSuppressionCode): FeedbackInvitationInput => ({ ...base, decision: 'suppressed', reasonCode });
  if (facts.referral === 'erased') return suppressed('ERASED');
  const plan = planFamilyMessage(facts.referral, facts.checks);
  if (plan.decision === 'suppress') return suppressed(plan.reasonCode);
  if (!facts.invitations) return suppressed('NOTIFY_NOT_CONFIGURED');
  const channel = plan.recipient.channel;
  return { ...base, decision: 'scheduled', reasonCode: channel === 'email' ? 'EMAIL' : 'SMS', channel, dueAt: new Date(facts.closedAt.getTime() + facts.invitations.delayMs) };
}
