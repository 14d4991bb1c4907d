import type { CanonicalReferral } from '../canonical/referral.ts';
import { planAcknowledgement, type AcknowledgementRecipient } from './acknowledgement.ts';

// Whether the hub may write to a family at all (issue 6; docs/data-protection.md "Feedback from
// families"): the one rule behind acknowledgements and feedback invitations, applied when the
// routing decides and again by the worker just before it sends. Pure: the caller reads the flags.

/** What the rule needs besides the referral: the people's rights flags and opt-outs (by hub person id). */
export interface FamilyMessageChecks {
  /**
   * Restriction (UK GDPR Art 18) and objection (Art 21) of the people on the referral. A
   * safeguarding override is deliberately not consulted: it allows sharing with agencies, not
   * writing to the family.
   */
  rights: ReadonlyMap<string, { restricted: boolean; objected: boolean }>;
  /** Hub person ids on the referral who asked for no messages from the hub. */
  optedOut: Iterable<string>;
}

export type FamilyMessageSuppression = 'CONTACT_UNSAFE' | 'RESTRICTED' | 'OBJECTED' | 'OPTED_OUT' | 'MESSAGE_NOT_ALLOWED' | 'NO_CONTACT_DETAILS';

export type FamilyMessagePlan = { decision: 'send'; recipient: AcknowledgementRecipient } | { decision: 'suppress'; reasonCode: FamilyMessageSuppression };

/**
 * planAcknowledgement plus the people's rights and wishes. Order: contact unsafe first (it is
 * about the family's safety and wins over everything), then restriction, objection, opt-out, then
 * a message may not be left and no contact details.
 */
export function planFamilyMessage(referral: CanonicalReferral, checks: FamilyMessageChecks): FamilyMessagePlan {
  const plan = planAcknowledgement(referral);
  if (plan.decision === 'suppress' && plan.reasonCode === 'CONTACT_UNSAFE') return plan;
  const flags = [...checks.rights.values()];
  if (flags.some((f) => f.restricted)) return { decision: 'suppress', reasonCode: 'RESTRICTED' };
  if (flags.some((f) => f.objected)) return { decision: 'suppress', reasonCode: 'OBJECTED' };
  if ([...checks.optedOut].length > 0) return { decision: 'suppress', reasonCode: 'OPTED_OUT' };
  return plan;
}
