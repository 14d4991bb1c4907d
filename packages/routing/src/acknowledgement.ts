import { planAcknowledgement, type CanonicalReferral } from '@hub/domain';
import type { AcknowledgementInput } from '@hub/store';
import { nameBasedUuid } from './ids.ts';

/** The message type whose families get an acknowledgement (issue 6 item 3). */
export const SELF_REFERRAL_TYPE = 'family.self-referral.submitted';

export const acknowledgementIdFor = (referralId: string): string => nameBasedUuid('acknowledgement', referralId);

/** The decision row saveRoutingOutcome records with the referral; undefined for other message types. */
export function acknowledgementDecision(referral: CanonicalReferral): AcknowledgementInput | undefined {
  if (referral.sourceType !== SELF_REFERRAL_TYPE) return undefined;
  const acknowledgementId = acknowledgementIdFor(referral.referralId);
  const plan = planAcknowledgement(referral);
  if (plan.decision === 'suppress') return { acknowledgementId, decision: 'suppressed', reasonCode: plan.reasonCode };
  return { acknowledgementId, decision: 'queued', reasonCode: plan.recipient.channel === 'email' ? 'EMAIL' : 'SMS', channel: plan.recipient.channel };
}
