// dwp.jobcentre.referred: a work coach refers a parent or carer with an employment need.

import type { DwpJobcentreReferredData } from '../../generated/inbound-messages.ts';
import type { CanonicalReferral } from '../referral.ts';
import { needsOrInferred } from './needs.ts';
import { canonicalStaffContact, PersonRegister } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';

export function normaliseDwpJobcentre(data: DwpJobcentreReferredData, context: NormaliseContext): CanonicalReferral {
  const register = new PersonRegister();
  register.add(data.adult, 'adult');
  const needs = needsOrInferred(data.needs, () => ['employment', 'financial-stability']);
  return finishReferral({
    ...referralHeader(context, data),
    urgency: 'routine',
    needs,
    referrer: canonicalStaffContact(data.workCoach),
    family: familyBlock({ people: register.people, needs }),
    people: register.people,
    employment: {
      goal: data.employmentNeed.goal,
      barriers: [...data.employmentNeed.barriers],
      currentStatus: data.employmentNeed.currentStatus,
      jobcentreOffice: data.jobcentreOffice,
      householdChildrenCount: data.householdChildrenCount,
    },
  });
}
