// Operation Encompass deadlines: "before the start of the next school day".
//
// Decision (DOMAIN.md §5): the deadline is the first school-day start (schoolDayStart, local
// time in the calendar's zone) that is strictly after the moment the hub received the
// notification. So a notification at 02:00 on a school day is due at 08:30 that same day; one at
// 08:30:00 exactly or later is due at 08:30 on the next school day; Friday evening, weekends and
// holidays roll forward to the first school day after them. School days are weekdays (Mon–Fri)
// outside the listed holidays; a weekday outside the calendar's listed years counts as a school
// day, which can only make a deadline earlier, never later.
//
// Time-zone arithmetic uses Intl.DateTimeFormat only, so it follows the runtime's tz database
// (GMT/BST changes included) without a date library.

import type { SchoolCalendarFile } from './generated/school-calendar.ts';

export interface SchoolCalendar {
  timeZone: string;
  /** Local start of the school day. */
  schoolDayStart: { hour: number; minute: number };
  /** Holidays as inclusive local-date ranges (YYYY-MM-DD). */
  holidays: readonly { name?: string; from: string; to: string }[];
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRealDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Checks a calendar file's values beyond its schema; problems are pushed with `where`. */
export function schoolCalendarFrom(file: SchoolCalendarFile, where: string, problems: string[]): SchoolCalendar {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: file.timeZone });
  } catch {
    problems.push(`${where}/timeZone: "${file.timeZone}" is not a time zone this runtime knows`);
  }
  const [hour, minute] = file.schoolDayStart.split(':').map(Number) as [number, number];
  file.holidays.forEach((h, i) => {
    if (!isRealDate(h.from)) problems.push(`${where}/holidays/${i}/from: not a real date`);
    if (!isRealDate(h.to)) problems.push(`${where}/holidays/${i}/to: not a real date`);
    if (h.from > h.to) problems.push(`${where}/holidays/${i}: "from" is after "to"`);
  });
  const holidays = [...file.holidays].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  return { timeZone: file.timeZone, schoolDayStart: { hour, minute }, holidays };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(instantMs: number, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const p of formatterFor(timeZone).formatToParts(new Date(instantMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year as number, month: parts.month as number, day: parts.day as number, hour: parts.hour as number, minute: parts.minute as number, second: parts.second as number };
}

/** Offset of the zone from UTC at an instant, in ms (BST: +3 600 000). */
function offsetAt(instantMs: number, timeZone: string): number {
  const l = localParts(instantMs, timeZone);
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/** The instant of a local wall-clock time in a zone (for a time skipped by a clock change, the instant just after the gap). */
export function zonedTimeToInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let instant = wall - offsetAt(wall, timeZone);
  // The offset at the first guess can differ from the offset at the answer across a change.
  const second = wall - offsetAt(instant, timeZone);
  if (second !== instant) instant = Math.max(instant, second);
  return new Date(instant);
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Whether a local date (YYYY-MM-DD) is a school day: a weekday in no holiday. */
export function isSchoolDay(date: string, calendar: SchoolCalendar): boolean {
  const m = DATE.exec(date);
  if (!m) throw new RangeError('isSchoolDay needs a YYYY-MM-DD date');
  const weekday = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  return !calendar.holidays.some((h) => h.from <= date && date <= h.to);
}

/** Longest run of non-school days searched before deciding the calendar is wrong. */
const MAX_DAYS_AHEAD = 400;

/**
 * The start of the next school day strictly after `at`: the first `schoolDayStart` (local time)
 * on a school day that is later than `at`. Throws only for a calendar with no school day in the
 * next 400 days (a configuration error).
 */
export function nextSchoolDayDeadline(at: Date, calendar: SchoolCalendar): Date {
  const atMs = at.getTime();
  if (Number.isNaN(atMs)) throw new RangeError('nextSchoolDayDeadline needs a valid date');
  const local = localParts(atMs, calendar.timeZone);
  // Walk local calendar dates from the day `at` falls on (UTC date arithmetic on a Y-M-D is exact).
  const start = Date.UTC(local.year, local.month - 1, local.day);
  for (let i = 0; i <= MAX_DAYS_AHEAD; i += 1) {
    const d = new Date(start + i * 86_400_000);
    const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    if (!isSchoolDay(isoDate(y, m, day), calendar)) continue;
    const deadline = zonedTimeToInstant(y, m, day, calendar.schoolDayStart.hour, calendar.schoolDayStart.minute, calendar.timeZone);
    if (deadline.getTime() > atMs) return deadline;
  }
  throw new RangeError(`the school calendar has no school day in the ${MAX_DAYS_AHEAD} days after the given time`);
}
