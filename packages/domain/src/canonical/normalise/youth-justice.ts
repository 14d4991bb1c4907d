// justice.youth-justice.notified: a young person on an order (YJS or probation). Everything in the
// justice block is offence data, the case summary included.

import type { JusticeYouthJusticeNotifiedData } from '../../generated/inbound-messages.ts';
import type { CanonicalReferral } from '../referral.ts';
import { needsOrInferred } from './needs.ts';
import { canonicalStaffContact, PersonRegister } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';

const HIGH_RISK_OF_SERIOUS_HARM: ReadonlySet<string> = new Set(['high', 'very-high']);

export function normaliseYouthJustice(data: JusticeYouthJusticeNotifiedData, context: NormaliseContext): CanonicalReferral {
  const register = new PersonRegister();
  register.add(data.youngPerson, 'young-person');
  register.addAll(data.familyMembers, 'other');
  const needs = needsOrInferred(data.needs, () => ['crime']);
  return finishReferral({
    ...referralHeader(context, data),
    urgency: HIGH_RISK_OF_SERIOUS_HARM.has(data.risk.riskOfSeriousHarm) ? 'high' : 'medium',
    needs,
    referrer: canonicalStaffContact(data.caseWorker),
    family: familyBlock({ people: register.people, needs }),
    people: register.people,
    justice: {
      service: data.service,
      order: data.order.type,
      orderStartDate: data.order.startDate,
      orderEndDate: data.order.endDate,
      offenceCategory: data.order.offenceCategory,
      riskOfSeriousHarm: data.risk.riskOfSeriousHarm,
      safetyAndWellbeing: data.risk.safetyAndWellbeing,
      likelihoodOfReoffending: data.risk.likelihoodOfReoffending,
      summary: data.summary,
    },
  });
}
