import { planFamilyMessage, type CanonicalReferral, type FamilyMessageChecks } from '@hub/domain';
import type { AcknowledgementInput } from '@hub/store';
import { nameBasedUuid } from './ids.ts';

/** The message type whose families get an acknowledgement (issue 6 item 3). */
export const SELF_REFERRAL_TYPE = 'family.self-referral.submitted';

export const acknowledgementIdFor = (referralId: string): string => nameBasedUuid('acknowledgement', referralId);

const NO_CHECKS: FamilyMessageChecks = { rights: new Map(), optedOut: [] };

/**
 * The decision row saveRoutingOutcome records with the referral; undefined for other message
 * types. `checks` are the people's restriction/objection flags and opt-outs: either suppresses
 * the acknowledgement, even under a safeguarding override (that override is for sharing with
 * agencies, not for writing to families).
 */
export function acknowledgementDecision(referral: CanonicalReferral, checks: FamilyMessageChecks = NO_CHECKS): AcknowledgementInput | undefined {
  if (referral.sourceType !== SELF_REFERRAL_TYPE) return undefined;
  const acknowledgementId = acknowledgementIdFor(referral.referralId);
  const plan = planFamilyMessage(referral, checks);
  if (plan.decision === 'suppress') return { acknowledgementId, decision: 'suppressed', reasonCode: plan.reasonCode };
  return { acknowledgementId, decision: 'queued', reasonCode: plan.recipient.channel === 'email' ? 'EMAIL' : 'SMS', channel: plan.recipient.channel };
}
