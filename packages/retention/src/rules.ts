// The retention rules applied to one record (pure; no I/O). A record's "retain until" date is the
// first London day on which it is past its period: it is due when retainUntil <= the as-of date.
import type { RetentionRule } from '@hub/config';
import { addYears, isCalendarDate } from './dates.ts';

/** Roles whose date of birth anchors a family record (canonical referral PersonRole). */
export const CHILD_ROLES: readonly string[] = ['child', 'young-person'];

/** Why a record is (or will be) due: a fixed code; `reasonText` turns it into words. */
export type RetentionReasonCode = 'youngest-child-birthday' | 'no-child-date-of-birth' | 'since-received' | 'since-submitted';

export interface RecordRetention {
  retainUntil: string;
  reasonCode: RetentionReasonCode;
}

/**
 * Dates of birth of the children in a decrypted canonical referral (roles child and young-person,
 * valid calendar dates). Anything malformed is ignored. A date after receipt counts (a baby born
 * after a pre-birth referral, its date added by rectification): a later date only keeps the record
 * longer.
 */
export function childBirthDates(canonical: unknown): string[] {
  const people = (canonical as { people?: unknown } | null)?.people;
  if (!Array.isArray(people)) return [];
  const dates: string[] = [];
  for (const person of people) {
    if (person === null || typeof person !== 'object') continue;
    const { role, dateOfBirth } = person as { role?: unknown; dateOfBirth?: unknown };
    if (typeof role === 'string' && CHILD_ROLES.includes(role) && isCalendarDate(dateOfBirth)) dates.push(dateOfBirth);
  }
  return dates;
}

/**
 * When a record falls due under its rule. `childBirthDates` matters only to a youngest-child-birth
 * rule; `receivedOn` is the day a message was received or a feedback answer submitted.
 */
export function recordRetention(rule: RetentionRule, facts: { receivedOn: string; childBirthDates?: readonly string[] }): RecordRetention {
  if (rule.keep.from === 'youngest-child-birth') {
    const youngest = [...(facts.childBirthDates ?? [])].sort().at(-1);
    if (youngest !== undefined) return { retainUntil: addYears(youngest, rule.keep.years), reasonCode: 'youngest-child-birthday' };
    if (!rule.fallback) throw new Error(`retention rule ${rule.id} has no fallback`);
    return { retainUntil: addYears(facts.receivedOn, rule.fallback.years), reasonCode: 'no-child-date-of-birth' };
  }
  return { retainUntil: addYears(facts.receivedOn, rule.keep.years), reasonCode: rule.keep.from === 'submitted' ? 'since-submitted' : 'since-received' };
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** The reason in words (no dates: a "25th birthday" date would be a child's date of birth). */
export function reasonText(rule: RetentionRule, reasonCode: RetentionReasonCode, linkedReferrals = 1): string {
  const across = linkedReferrals > 1 ? ` (family record of ${linkedReferrals} linked referrals)` : '';
  switch (reasonCode) {
    case 'youngest-child-birthday':
      return `the youngest child's ${ordinal(rule.keep.years)} birthday has passed${across}`;
    case 'no-child-date-of-birth':
      return `no child's date of birth is known and ${rule.fallback?.years ?? rule.keep.years} years have passed since receipt${across}`;
    case 'since-received':
      return `${rule.keep.years} years have passed since receipt${across}`;
    case 'since-submitted':
      return `${rule.keep.years} years have passed since the family submitted it`;
  }
}
