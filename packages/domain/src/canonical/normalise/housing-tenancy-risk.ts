// housing.tenancy-risk.notified: a tenancy at risk, ranked by eviction date.

import type { HousingTenancyRiskNotifiedData } from '../../generated/inbound-messages.ts';
import { parseCalendarDate, toCalendarDate } from '../../dates.ts';
import type { CanonicalReferral, Need, Urgency } from '../referral.ts';
import { needsOrInferred } from './needs.ts';
import { canonicalAddress, canonicalStaffContact, PersonRegister } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';

/** An eviction this many days after the message arrived (or already past) makes the referral high urgency. */
export const EVICTION_HIGH_URGENCY_DAYS = 14;
const DAY_MS = 86_400_000;

function daysFromTo(fromDate: string, toDate: string): number | null {
  const from = parseCalendarDate(fromDate);
  const to = parseCalendarDate(toDate);
  if (!from || !to) return null;
  return (Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / DAY_MS;
}

/** Counted in calendar days from the UTC date the hub received the message. */
function housingUrgency(evictionDate: string | undefined, receivedAt: string): Urgency {
  if (evictionDate === undefined) return 'routine';
  const received = new Date(receivedAt);
  if (Number.isNaN(received.getTime())) return 'routine';
  const days = daysFromTo(toCalendarDate(received), evictionDate);
  return days !== null && days <= EVICTION_HIGH_URGENCY_DAYS ? 'high' : 'routine';
}

function inferredNeeds(data: HousingTenancyRiskNotifiedData): Need[] {
  const inArrears = (data.arrears?.amountPence ?? 0) > 0 || (data.riskReasons ?? []).includes('rent-arrears');
  return inArrears ? ['housing', 'financial-stability'] : ['housing'];
}

export function normaliseHousingTenancyRisk(data: HousingTenancyRiskNotifiedData, context: NormaliseContext): CanonicalReferral {
  const register = new PersonRegister();
  register.addAll(data.tenants, 'adult');
  register.addAll(data.householdMembers, 'other');
  const needs = needsOrInferred(data.needs, () => inferredNeeds(data));
  return finishReferral({
    ...referralHeader(context, data),
    sourceReference: data.tenancyReference,
    urgency: housingUrgency(data.notice.evictionDate, context.receivedAt),
    needs,
    referrer: canonicalStaffContact(data.officer),
    family: familyBlock({ address: canonicalAddress(data.property), householdSize: data.householdSize, people: register.people, needs }),
    people: register.people,
    housing: {
      tenancyReference: data.tenancyReference,
      tenancyType: data.tenancyType,
      arrearsPence: data.arrears?.amountPence,
      weeksInArrears: data.arrears?.weeksInArrears,
      noticeType: data.notice.type,
      noticeDate: data.notice.servedOn,
      noticeExpiresOn: data.notice.expiresOn,
      hearingDate: data.notice.hearingDate,
      evictionDate: data.notice.evictionDate,
      riskReasons: data.riskReasons ? [...data.riskReasons] : undefined,
    },
  });
}
