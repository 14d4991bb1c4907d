// The parts every source type fills the same way: the header (ids, consent, lawful basis), the
// family block (address, district, whether contact is safe) and the final clean-up.

import type { Consent, LawfulBasis } from '../../generated/inbound-messages.ts';
import { isPseudoPostcode, postcodeOutwardCode } from '../../postcode.ts';
import type { CanonicalAddress, CanonicalContact, CanonicalPerson, CanonicalReferral, Need } from '../referral.ts';
import { withoutUndefinedMembers } from './values.ts';

/** What the router knows about a message besides its data. */
export interface NormaliseContext {
  type: string;
  messageId: string;
  referralId: string;
  sourcePartnerId: string;
  /** ISO 8601 date-time the hub accepted the message. */
  receivedAt: string;
}

/** Fields every referral source message carries. */
export interface SourceMessageData {
  correlationId: string;
  lawfulBasis: LawfulBasis;
  consent: Consent;
}

type ReferralHeader = Pick<
  CanonicalReferral,
  'referralId' | 'messageId' | 'sourcePartnerId' | 'sourceType' | 'correlationId' | 'receivedAt' | 'consent' | 'lawfulBasis'
>;

/** Ids from the context; consent and lawful basis copied exactly as the source sent them. */
export function referralHeader(context: NormaliseContext, data: SourceMessageData): ReferralHeader {
  const { consent, lawfulBasis } = data;
  return {
    referralId: context.referralId,
    messageId: context.messageId,
    sourcePartnerId: context.sourcePartnerId,
    sourceType: context.type,
    correlationId: data.correlationId,
    receivedAt: context.receivedAt,
    consent: { status: consent.status, capturedAt: consent.capturedAt, reasonNotSought: consent.reasonNotSought },
    lawfulBasis: { art6: lawfulBasis.art6, art9: lawfulBasis.art9, sch1Paragraph: lawfulBasis.sch1Paragraph, art10: lawfulBasis.art10 },
  };
}

export interface ContactSafetyFacts {
  people: readonly CanonicalPerson[];
  needs: readonly Need[];
  familyContact?: CanonicalContact | undefined;
  /** The source type says contact is unsafe (domestic abuse, a victim's safe-contact arrangement…). */
  unsafe?: boolean;
}

/**
 * False when any person or the family is marked not safe to contact, the referral is about domestic
 * abuse, or the source type says so. Contacting a family where abuse is happening can tip off the
 * perpetrator, so domestic abuse alone is enough.
 */
export function isContactSafe(facts: ContactSafetyFacts): boolean {
  if (facts.unsafe === true) return false;
  if (facts.needs.includes('domestic-abuse')) return false;
  if (facts.familyContact?.safeToContact === false) return false;
  return !facts.people.some((person) => person.contact?.safeToContact === false);
}

export interface FamilyFacts extends ContactSafetyFacts {
  /** The household's address (household, property); when absent the first person's address is used. */
  address?: CanonicalAddress | undefined;
  householdSize?: number | undefined;
  noFixedAbode?: boolean | undefined;
  tenure?: CanonicalReferral['family']['tenure'];
}

export function familyBlock(facts: FamilyFacts): CanonicalReferral['family'] {
  const address = facts.address ?? facts.people.find((person) => person.address !== undefined)?.address;
  const postcode = address?.postcode;
  const district = postcode === undefined || isPseudoPostcode(postcode) ? undefined : (postcodeOutwardCode(postcode) ?? undefined);
  return {
    address,
    postcodeDistrict: district,
    householdSize: facts.householdSize,
    noFixedAbode: facts.noFixedAbode,
    tenure: facts.tenure,
    contact: facts.familyContact,
    contactSafe: isContactSafe(facts),
  };
}

/** Removes undefined members so the referral validates against the closed canonical schema. */
export function finishReferral(referral: CanonicalReferral): CanonicalReferral {
  return withoutUndefinedMembers(referral);
}
