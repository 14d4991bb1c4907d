// normaliseReferral: one inbound referral message (already validated against its inbound schema)
// → the canonical referral. Feedback messages (referral.*) are not referrals and are refused.

import type { InboundDataByType } from '../generated/inbound-messages.ts';
import { normaliseDwpJobcentre } from './normalise/dwp-jobcentre.ts';
import { normaliseEducationEarlyHelp } from './normalise/education-early-help.ts';
import { ReferralNormaliseError } from './normalise/errors.ts';
import { normaliseFamilySelfReferral } from './normalise/family-self-referral.ts';
import { normaliseHealthGp } from './normalise/health-gp.ts';
import { normaliseHealthVisitorConcern } from './normalise/health-visitor.ts';
import { normaliseHousingTenancyRisk } from './normalise/housing-tenancy-risk.ts';
import { normalisePoliceDomesticAbuse } from './normalise/police-domestic-abuse.ts';
import { normalisePoliceVulnerability } from './normalise/police-vulnerability.ts';
import type { NormaliseContext } from './normalise/referral-parts.ts';
import { isRecord } from './normalise/values.ts';
import { normaliseSocialCareStepDown } from './normalise/social-care-step-down.ts';
import { normaliseVcsReferral } from './normalise/vcs-referral.ts';
import { normaliseVictimSupport } from './normalise/victim-support.ts';
import { normaliseYouthJustice } from './normalise/youth-justice.ts';
import type { CanonicalReferral } from './referral.ts';

export { ReferralNormaliseError };

/** Recipients' feedback on a delivered referral; never normalised into a referral. */
export const FEEDBACK_TYPES = ['referral.acknowledged', 'referral.accepted', 'referral.declined', 'referral.closed'] as const;
export type FeedbackType = (typeof FEEDBACK_TYPES)[number];

/**
 * A family's answer to a feedback invitation (POST /v1/feedback). It is stored apart from the case,
 * never as an inbound message, so it is never routed and never normalised; excluded explicitly here
 * so that it does not count as a referral source type.
 */
export const FAMILY_FEEDBACK_TYPE = 'family.feedback.submitted' as const;
export type FamilyFeedbackType = typeof FAMILY_FEEDBACK_TYPE;

/** Every inbound type that carries a referral. */
export type ReferralSourceType = Exclude<keyof InboundDataByType, FeedbackType | FamilyFeedbackType>;

type Normaliser<T extends ReferralSourceType> = (data: InboundDataByType[T], context: NormaliseContext) => CanonicalReferral;

// A mapped type, so adding a message type to the catalogue fails compilation until it has a normaliser.
const NORMALISERS: { readonly [T in ReferralSourceType]: Normaliser<T> } = {
  'family.self-referral.submitted': normaliseFamilySelfReferral,
  'police.domestic-abuse.notified': normalisePoliceDomesticAbuse,
  'police.vulnerability.referred': normalisePoliceVulnerability,
  'education.early-help.requested': normaliseEducationEarlyHelp,
  'health.gp.referred': normaliseHealthGp,
  'health.health-visitor.concern-raised': normaliseHealthVisitorConcern,
  'housing.tenancy-risk.notified': normaliseHousingTenancyRisk,
  'dwp.jobcentre.referred': normaliseDwpJobcentre,
  'victim-support.referral.submitted': normaliseVictimSupport,
  'justice.youth-justice.notified': normaliseYouthJustice,
  'social-care.step-down.requested': normaliseSocialCareStepDown,
  'vcs.referral.submitted': normaliseVcsReferral,
};

/** The twelve referral source types, in catalogue order. */
export const REFERRAL_SOURCE_TYPES = Object.freeze(Object.keys(NORMALISERS)) as readonly ReferralSourceType[];

export function isFeedbackType(type: string): type is FeedbackType {
  return (FEEDBACK_TYPES as readonly string[]).includes(type);
}

export function isReferralSourceType(type: string): type is ReferralSourceType {
  return Object.hasOwn(NORMALISERS, type);
}

export interface NormaliseReferralInput {
  /** The inbound message type. */
  type: string;
  /** The message's `data`, already valid against the inbound schema for `type`. */
  data: unknown;
  /** The hub's inbound message id. */
  messageId: string;
  referralId: string;
  sourcePartnerId: string;
  /** ISO 8601 date-time the hub accepted the message. */
  receivedAt: string;
}

/**
 * The canonical referral for one inbound referral message. Pure: no I/O, no clock (urgency is
 * judged against `receivedAt`). Throws ReferralNormaliseError for feedback types, unknown types
 * and data that is not an object; error messages never contain submitted values.
 */
export function normaliseReferral(input: NormaliseReferralInput): CanonicalReferral {
  const { type, data } = input;
  if (isFeedbackType(type)) {
    throw new ReferralNormaliseError(`${type} is referral feedback, not a referral: it updates a delivery and cannot be normalised`);
  }
  if (type === FAMILY_FEEDBACK_TYPE) {
    throw new ReferralNormaliseError(`${type} is a family's feedback answer, not a referral: it is stored apart from the case and cannot be normalised`);
  }
  if (!isReferralSourceType(type)) throw new ReferralNormaliseError('unknown message type: only the twelve referral source types can be normalised');
  if (!isRecord(data)) throw new ReferralNormaliseError(`${type}: data must be an object`);
  const context: NormaliseContext = {
    type,
    messageId: input.messageId,
    referralId: input.referralId,
    sourcePartnerId: input.sourcePartnerId,
    receivedAt: input.receivedAt,
  };
  // The inbound schema has already checked the shape; the cast only tells the compiler so.
  const normalise = NORMALISERS[type] as Normaliser<ReferralSourceType>;
  return normalise(data as unknown as InboundDataByType[ReferralSourceType], context);
}
