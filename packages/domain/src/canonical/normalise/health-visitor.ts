// health.health-visitor.concern-raised: a child under five (NHS number) and their parents.

import type { HealthVisitorConcernRaisedData } from '../../generated/inbound-messages.ts';
import type { CanonicalReferral, Need } from '../referral.ts';
import { needsOrInferred } from './needs.ts';
import { canonicalStaffContact, PersonRegister } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';

type ConcernCategory = HealthVisitorConcernRaisedData['concern']['categories'][number];

/** Needs beyond health and early years that plainly follow from a concern category. */
const NEEDS_BY_CATEGORY: Partial<Record<ConcernCategory, readonly Need[]>> = {
  'domestic-abuse': ['domestic-abuse'],
  'substance-use': ['substance-use'],
  neglect: ['child-safety'],
  housing: ['housing'],
  'financial-hardship': ['financial-stability'],
};

export function normaliseHealthVisitorConcern(data: HealthVisitorConcernRaisedData, context: NormaliseContext): CanonicalReferral {
  const register = new PersonRegister();
  register.add(data.child, 'child');
  register.addAll(data.parents, 'parent');
  const categories = data.concern.categories;
  const needs = needsOrInferred(data.needs, () => ['health', 'early-years', ...categories.flatMap((category) => NEEDS_BY_CATEGORY[category] ?? [])]);
  return finishReferral({
    ...referralHeader(context, data),
    urgency: data.concern.urgency === 'urgent' ? 'urgent' : 'routine',
    needs,
    referrer: canonicalStaffContact(data.healthVisitor),
    family: familyBlock({ people: register.people, needs, unsafe: categories.includes('domestic-abuse') }),
    people: register.people,
    health: {
      teamName: data.team?.name,
      teamOdsCode: data.team?.odsCode,
      concern: data.concern.description,
      concernCategories: [...categories],
      priority: data.concern.urgency,
    },
  });
}
