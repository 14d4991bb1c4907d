// Subject access (UK GDPR Art 12(3)) response dates. All dates are UK local calendar
// dates (`YYYY-MM-DD`); no time zones are involved because nothing here reads a clock.
//
// ICO, "Right of access: what should we consider when responding to a request?"
// (https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/individual-rights/right-of-access/what-should-we-consider-when-responding-to-a-request/,
// summarised in DOMAIN.md §7):
//   - calculate from the day of receipt (of the request, or of ID, fee or clarification if
//     those come later) "until the corresponding calendar date in the next month";
//   - if there is no corresponding date, the last day of that month;
//   - if the date falls on a weekend or public holiday, until the next working day
//     (see `nextWorkingDay`; the functions below return the calendar-month date itself,
//     which is never later than the working-day deadline);
//   - the time may be extended "by a further two months" for complex or numerous
//     requests, the requester being told within the first month. Art 12(3): "That period
//     may be extended by two further months", i.e. three months from receipt in total.

import { parseCalendarDate, type CalendarDate } from './dates.ts';

function parseOrThrow(name: string, value: string): CalendarDate {
  const date = parseCalendarDate(value);
  if (!date) throw new RangeError(`${name} must be a real calendar date (YYYY-MM-DD)`);
  return date;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function format({ year, month, day }: CalendarDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The same day number `months` later, or the last day of that month when it is shorter. */
function addCalendarMonths(date: CalendarDate, months: number): CalendarDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

/**
 * One calendar month from receipt: the same day number next month, or the last day of next
 * month when it has no such day (31 January → 28/29 February; 31 March → 30 April).
 */
export function subjectAccessDueDate(receivedOn: string): string {
  return format(addCalendarMonths(parseOrThrow('receivedOn', receivedOn), 1));
}

/**
 * The due date after extending by `months` further months (at most two in total under
 * Art 12(3)).
 *
 * Pass `receivedOn` (the date the clock started) whenever it is known: the extended date is
 * then counted from receipt with the end-of-month rule (received 31 January, extended by two
 * → 30 April), and `originalDue` must be the one-month date for that receipt. Without it the
 * months are added to `originalDue` itself, which is never later than the receipt-based
 * date (28 February + 2 → 28 April) and so is the safe answer when receipt is unknown.
 */
export function extendDueDate(originalDue: string, months: 1 | 2, receivedOn?: string): string {
  if (months !== 1 && months !== 2) throw new RangeError('a subject access deadline can be extended by one or two months only');
  const due = parseOrThrow('originalDue', originalDue);
  if (receivedOn === undefined) return format(addCalendarMonths(due, months));
  const received = parseOrThrow('receivedOn', receivedOn);
  if (format(addCalendarMonths(received, 1)) !== originalDue) {
    throw new RangeError('originalDue is not one calendar month after receivedOn');
  }
  return format(addCalendarMonths(received, 1 + months));
}

/** True when `today` is after `due` (a response on the due date itself is on time). */
export function isOverdue(due: string, today: string): boolean {
  parseOrThrow('due', due);
  parseOrThrow('today', today);
  return today > due;
}

/**
 * `date` itself if it is a working day, otherwise the next one: not a Saturday or Sunday and
 * not in `bankHolidays` (`YYYY-MM-DD` strings for the relevant UK nation, supplied by the
 * caller, e.g. from the GOV.UK bank holidays feed).
 */
export function nextWorkingDay(date: string, bankHolidays: ReadonlySet<string>): string {
  const start = parseOrThrow('date', date);
  const cursor = new Date(Date.UTC(start.year, start.month - 1, start.day));
  for (;;) {
    const weekday = cursor.getUTCDay();
    const iso = cursor.toISOString().slice(0, 10);
    if (weekday !== 0 && weekday !== 6 && !bankHolidays.has(iso)) return iso;
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
}
