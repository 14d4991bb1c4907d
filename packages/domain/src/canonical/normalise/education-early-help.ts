// education.early-help.requested: a school, nursery or college asks for Early Help for a child.

import type { EducationEarlyHelpRequestedData } from '../../generated/inbound-messages.ts';
import type { CanonicalReferral } from '../referral.ts';
import { needsOrInferred } from './needs.ts';
import { canonicalStaffContact, e164, PersonRegister } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';

export function normaliseEducationEarlyHelp(data: EducationEarlyHelpRequestedData, context: NormaliseContext): CanonicalReferral {
  const register = new PersonRegister();
  register.add(data.child, 'child', {
    schoolUrn: data.child.schoolUrn ?? data.school.urn,
    sen: data.child.sen ?? (data.sen ? true : undefined),
  });
  register.addAll(data.people, 'other');
  const needs = needsOrInferred(data.needs, () => ['education']);
  const dsl = data.designatedSafeguardingLead;
  return finishReferral({
    ...referralHeader(context, data),
    urgency: 'routine',
    needs,
    needSummary: data.reason,
    referrer: canonicalStaffContact(dsl),
    family: familyBlock({ people: register.people, needs }),
    people: register.people,
    education: {
      schoolUrn: data.school.urn,
      schoolName: data.school.name,
      attendancePercent: data.attendance?.percentage,
      persistentlyAbsent: data.attendance?.persistentlyAbsent,
      exclusions: data.exclusions?.length,
      senStatus: data.sen?.provision,
      senPrimaryNeed: data.sen?.primaryNeed,
      freeSchoolMeals: data.freeSchoolMeals,
      designatedSafeguardingLead: { name: dsl.name, phone: e164(dsl.phone), email: dsl.email },
      voiceOfChild: data.voiceOfChild,
    },
  });
}
