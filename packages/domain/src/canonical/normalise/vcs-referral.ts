// vcs.referral.submitted: a voluntary or community organisation refers someone it supports.

import type { VcsReferralSubmittedData } from '../../generated/inbound-messages.ts';
import type { CanonicalReferral } from '../referral.ts';
import { needsOrInferred } from './needs.ts';
import { canonicalStaffContact, PersonRegister } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';

export function normaliseVcsReferral(data: VcsReferralSubmittedData, context: NormaliseContext): CanonicalReferral {
  const register = new PersonRegister();
  register.add(data.subject, 'other');
  register.addAll(data.otherPeople, 'other');
  const needs = needsOrInferred(data.needs, () => []);
  return finishReferral({
    ...referralHeader(context, data),
    urgency: 'routine',
    needs,
    needSummary: data.description,
    referrer: canonicalStaffContact(data.worker),
    family: familyBlock({ people: register.people, needs }),
    people: register.people,
    vcs: { organisation: data.organisation.name, charityNumber: data.organisation.charityNumber },
  });
}
