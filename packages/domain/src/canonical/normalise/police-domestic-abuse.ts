// police.domestic-abuse.notified: Operation Encompass. The children (with their school URN and
// voice) come first, then the adults involved; contact with the family is never assumed safe.

import type { PoliceDomesticAbuseNotifiedData } from '../../generated/inbound-messages.ts';
import type { CanonicalReferral, Need } from '../referral.ts';
import { orderedNeeds } from './needs.ts';
import { canonicalStaffContact, PersonRegister } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';

const DOMESTIC_ABUSE_NEEDS: readonly Need[] = ['domestic-abuse', 'child-safety'];

export function normalisePoliceDomesticAbuse(data: PoliceDomesticAbuseNotifiedData, context: NormaliseContext): CanonicalReferral {
  const register = new PersonRegister();
  const childrenPresent = data.children.map((entry) => ({
    personRef: register.add(entry.child, 'child', { electivelyHomeEducated: entry.electivelyHomeEducated }),
    present: entry.childPresent,
    whereabouts: entry.whereaboutsDuringIncident,
    voiceOfChild: entry.voiceOfChild,
  }));
  register.addAll(data.adults, 'adult');
  const needs = orderedNeeds(DOMESTIC_ABUSE_NEEDS);
  return finishReferral({
    ...referralHeader(context, data),
    sourceReference: data.policeReference,
    // Must reach the school before the next school day.
    urgency: 'urgent',
    needs,
    referrer: canonicalStaffContact(data.officer),
    family: familyBlock({ people: register.people, needs, unsafe: true }),
    people: register.people,
    police: {
      reference: data.policeReference,
      incidentAt: data.incident.occurredAt,
      incidentLocation: data.incident.location,
      locationType: data.incident.locationType,
      circumstances: data.incident.circumstances,
      riskLevel: data.incident.dashRisk,
      crimeRecorded: data.incident.crimeRecorded,
      childrenPresent,
      safeguardingInformation: data.safeguardingInformation,
    },
  });
}
