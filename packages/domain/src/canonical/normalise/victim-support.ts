// victim-support.referral.submitted: a victim of crime and the children in their household.
// The summary and crime detail are offence data at source, so they stay in the victim block.

import type { VictimSupportReferralSubmittedData } from '../../generated/inbound-messages.ts';
import type { CanonicalReferral, Need } from '../referral.ts';
import { needsOrInferred } from './needs.ts';
import { canonicalStaffContact, e164, PersonRegister } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';
import { nonEmpty } from './values.ts';

function inferredNeeds(data: VictimSupportReferralSubmittedData): Need[] {
  if (data.crimeType !== 'domestic-abuse') return [];
  return (data.householdChildren ?? []).length > 0 ? ['domestic-abuse', 'child-safety'] : ['domestic-abuse'];
}

export function normaliseVictimSupport(data: VictimSupportReferralSubmittedData, context: NormaliseContext): CanonicalReferral {
  const register = new PersonRegister();
  register.add(data.victim, 'victim');
  register.addAll(data.householdChildren, 'child');
  const needs = needsOrInferred(data.needs, () => inferredNeeds(data));
  const safeContact = nonEmpty({
    phone: e164(data.safeContact.phone),
    email: data.safeContact.email,
    contactTimes: data.safeContact.safeTimes,
    canLeaveMessage: data.safeContact.canLeaveMessage,
  });
  return finishReferral({
    ...referralHeader(context, data),
    urgency: 'medium',
    needs,
    referrer: canonicalStaffContact(data.caseworker),
    family: familyBlock({
      people: register.people,
      needs,
      // A safe-contact arrangement that forbids messages means ordinary contact could be overheard.
      unsafe: data.crimeType === 'domestic-abuse' || data.safeContact.canLeaveMessage === false,
    }),
    people: register.people,
    victim: {
      crimeType: data.crimeType,
      crimeReference: data.crimeReference,
      reportedToPolice: data.reportedToPolice,
      riskLevel: data.riskLevel,
      safeContact,
      summary: data.summary,
    },
  });
}
