// Working days in England and Wales, for "acknowledge within one working day" (Working Together
// to Safeguard Children 2023; DOMAIN.md §10).
//
// A working day is Monday to Friday and not a bank holiday in England and Wales. Bank holidays
// follow the standing rules (Banking and Financial Dealings Act 1971 and the annual
// proclamations): New Year's Day, Good Friday, Easter Monday, the first and last Mondays of May,
// the last Monday of August, Christmas Day and Boxing Day, with a weekday substitute when one falls
// at a weekend; plus the changes GOV.UK published for 2020–2023 (the early May holiday moved to
// 8 May 2020; the spring holiday moved to 2 June 2022, the Platinum Jubilee on 3 June 2022, the
// State Funeral on 19 September 2022 and the Coronation on 8 May 2023). Any future one-off
// holiday must be added to EXCEPTIONS below (https://www.gov.uk/bank-holidays).

import { addDays, londonDate, londonMidnight, weekday } from './periods.ts';

/** Easter Sunday (Gregorian; the anonymous "Meeus/Jones/Butcher" algorithm). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function ymd(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function firstMonday(year: number, month: number): string {
  let date = ymd(year, month, 1);
  while (weekday(date) !== 1) date = addDays(date, 1);
  return date;
}

function lastMonday(year: number, month: number): string {
  let date = addDays(month === 12 ? ymd(year + 1, 1, 1) : ymd(year, month + 1, 1), -1);
  while (weekday(date) !== 1) date = addDays(date, -1);
  return date;
}

/** Published departures from the standing rules: holidays moved (`from` → `to`) or added. */
const EXCEPTIONS: Readonly<Record<number, { moved?: Record<string, string>; added?: string[] }>> = {
  2020: { moved: { '2020-05-04': '2020-05-08' } },
  2022: { moved: { '2022-05-30': '2022-06-02' }, added: ['2022-06-03', '2022-09-19'] },
  2023: { added: ['2023-05-08'] },
};

/** England and Wales bank holidays of a year, ascending (`YYYY-MM-DD`). */
export function englandAndWalesBankHolidays(year: number): string[] {
  if (!Number.isInteger(year) || year < 1972 || year > 9999) throw new RangeError('year must be an integer from 1972');
  const days: string[] = [];
  // New Year's Day, or the Monday after when it is a Saturday or Sunday.
  let newYear = ymd(year, 1, 1);
  while (weekday(newYear) === 0 || weekday(newYear) === 6) newYear = addDays(newYear, 1);
  days.push(newYear);
  const easter = easterSunday(year);
  days.push(addDays(easter, -2), addDays(easter, 1));
  days.push(firstMonday(year, 5), lastMonday(year, 5), lastMonday(year, 8));
  // Christmas Day and Boxing Day, each moved to the next weekday not already a holiday.
  const christmas: string[] = [];
  for (const date of [ymd(year, 12, 25), ymd(year, 12, 26)]) {
    let day = date;
    while (weekday(day) === 0 || weekday(day) === 6 || christmas.includes(day)) day = addDays(day, 1);
    christmas.push(day);
  }
  days.push(...christmas);
  const exceptions = EXCEPTIONS[year];
  const moved = days.map((day) => exceptions?.moved?.[day] ?? day);
  return [...new Set([...moved, ...(exceptions?.added ?? [])])].sort();
}

const cache = new Map<number, ReadonlySet<string>>();

function holidaysOf(year: number): ReadonlySet<string> {
  let set = cache.get(year);
  if (!set) {
    set = new Set(englandAndWalesBankHolidays(year));
    cache.set(year, set);
  }
  return set;
}

/** Monday to Friday and not an England and Wales bank holiday. */
export function isWorkingDay(date: string): boolean {
  const day = weekday(date);
  if (day === 0 || day === 6) return false;
  return !holidaysOf(Number(date.slice(0, 4))).has(date);
}

/** The first working day strictly after `date`. */
export function nextWorkingDayAfter(date: string): string {
  let day = addDays(date, 1);
  // At most a fortnight of non-working days (Christmas with weekends is four).
  for (let i = 0; i < 14 && !isWorkingDay(day); i += 1) day = addDays(day, 1);
  return day;
}

/**
 * The "within one working day" deadline for something received at `receivedAt`: the END of the
 * first working day after the (London) day of receipt, i.e. London midnight at the start of the
 * day after it. Received Monday 10:00 → by the end of Tuesday; Friday 16:00 or any time at the
 * weekend → by the end of Monday (Tuesday when Monday is a bank holiday). An acknowledgement at
 * an instant strictly before the returned one is within target.
 */
export function oneWorkingDayDeadline(receivedAt: Date): Date {
  if (Number.isNaN(receivedAt.getTime())) throw new RangeError('receivedAt must be a valid date');
  return londonMidnight(addDays(nextWorkingDayAfter(londonDate(receivedAt)), 1));
}
