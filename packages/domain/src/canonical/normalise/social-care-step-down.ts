// social-care.step-down.requested: children's social care steps a family down to Early Help.

import type { SocialCareStepDownRequestedData } from '../../generated/inbound-messages.ts';
import type { CanonicalReferral } from '../referral.ts';
import { needsOrInferred } from './needs.ts';
import { canonicalAddress, canonicalStaffContact, PersonRegister } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';

export function normaliseSocialCareStepDown(data: SocialCareStepDownRequestedData, context: NormaliseContext): CanonicalReferral {
  const register = new PersonRegister();
  register.addAll(data.people, 'other');
  // No need follows plainly from a step-down alone; without the message's needs an operator decides.
  const needs = needsOrInferred(data.needs, () => []);
  return finishReferral({
    ...referralHeader(context, data),
    sourceReference: data.caseReference,
    urgency: 'routine',
    needs,
    needSummary: data.reason,
    referrer: canonicalStaffContact(data.socialWorker),
    agenciesInvolved: data.agenciesInvolved ? [...data.agenciesInvolved] : undefined,
    family: familyBlock({
      address: canonicalAddress(data.household?.address),
      householdSize: data.household?.size,
      noFixedAbode: data.household?.noFixedAbode,
      tenure: data.household?.tenure,
      people: register.people,
      needs,
    }),
    people: register.people,
    socialCare: {
      caseReference: data.caseReference,
      reason: data.reason,
      decidedAt: data.decidedAt,
      decision: data.decision,
      previousInvolvement: data.previousInvolvement,
    },
  });
}
