// family.self-referral.submitted: the family's own web form.

import type { FamilySelfReferralSubmittedData } from '../../generated/inbound-messages.ts';
import type { CanonicalReferral } from '../referral.ts';
import { needsOrInferred } from './needs.ts';
import { canonicalAddress, canonicalContact, PersonRegister } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';
import { nonEmpty } from './values.ts';

export function normaliseFamilySelfReferral(data: FamilySelfReferralSubmittedData, context: NormaliseContext): CanonicalReferral {
  const register = new PersonRegister();
  register.addAll(data.people, 'other');
  const needs = needsOrInferred(data.needs, () => []);
  const contact = nonEmpty({ ...canonicalContact(data.contact), contactTimes: data.bestTimeToContact });
  return finishReferral({
    ...referralHeader(context, data),
    // Routine: a safeguarding concern is flagged for operator triage, not escalated automatically.
    urgency: 'routine',
    needs,
    needSummary: data.description,
    safeguardingConcern: data.safeguardingConcern,
    family: familyBlock({
      address: canonicalAddress(data.household.address),
      householdSize: data.household.size,
      noFixedAbode: data.household.noFixedAbode,
      tenure: data.household.tenure,
      familyContact: contact,
      people: register.people,
      needs,
    }),
    people: register.people,
  });
}
