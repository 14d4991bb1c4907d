// Date and age helpers. Dates of birth are calendar dates (`YYYY-MM-DD`); ages are
// whole years completed, counted on the UTC calendar date of `on`.

const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** Parses `YYYY-MM-DD` into a real calendar date, or `null` (e.g. `2023-02-30`). */
export function parseCalendarDate(input: string): CalendarDate | null {
  const match = DATE.exec(input);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return { year, month, day };
}

/** The UTC calendar date of an instant, as `YYYY-MM-DD`. */
export function toCalendarDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/** Whole years completed between `dateOfBirth` and the calendar date of `on`. A 29 February birthday counts on 1 March in non-leap years. */
export function ageInYears(dateOfBirth: string, on: Date): number | null {
  const dob = parseCalendarDate(dateOfBirth);
  if (!dob) return null;
  const year = on.getUTCFullYear();
  const month = on.getUTCMonth() + 1;
  const day = on.getUTCDate();
  let age = year - dob.year;
  if (month < dob.month || (month === dob.month && day < dob.day)) age -= 1;
  return age;
}

/** True when a calendar date is after the UTC calendar date of `now`. */
export function isFutureCalendarDate(date: string, now: Date): boolean {
  return date > toCalendarDate(now);
}

/** Clock skew tolerated before a date-time counts as in the future (same as the webhook timestamp window). */
export const FUTURE_TOLERANCE_MS = 300_000;

/** True when an ISO 8601 date-time is more than the tolerated skew after `now`. */
export function isFutureDateTime(dateTime: string, now: Date): boolean {
  const at = Date.parse(dateTime);
  return Number.isFinite(at) && at > now.getTime() + FUTURE_TOLERANCE_MS;
}

/** True when a date or date-time (whichever the string is) lies in the future. */
export function isInFuture(value: string, now: Date): boolean {
  return DATE.test(value) ? isFutureCalendarDate(value, now) : isFutureDateTime(value, now);
}
