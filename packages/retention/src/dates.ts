// Calendar dates (`YYYY-MM-DD`) for retention: periods are whole years, days are London days.
import { parseCalendarDate } from '@hub/domain';

const LONDON = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

function londonParts(at: Date): Record<string, string> {
  return Object.fromEntries(LONDON.formatToParts(at).map((p) => [p.type, p.value]));
}

export function isCalendarDate(value: unknown): value is string {
  return typeof value === 'string' && parseCalendarDate(value) !== null;
}

/** The London calendar date of an instant. */
export function londonDate(at: Date): string {
  const p = londonParts(at);
  return `${p.year}-${p.month}-${p.day}`;
}

/** The instant London's clock shows 00:00 on `date`. */
export function londonStartOf(date: string): Date {
  const d = parseCalendarDate(date);
  if (!d) throw new TypeError('date must be a calendar date YYYY-MM-DD');
  const utcMidnight = Date.UTC(d.year, d.month - 1, d.day);
  // UK clocks change at 01:00 UTC: London midnight is 00:00 UTC (GMT) or 23:00 UTC the day before (BST).
  for (const offsetHours of [0, 1]) {
    const candidate = new Date(utcMidnight - offsetHours * 3_600_000);
    const p = londonParts(candidate);
    if (`${p.year}-${p.month}-${p.day}` === date && p.hour === '00' && p.minute === '00') return candidate;
  }
  throw new Error('no London midnight found');
}

function format(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * The same calendar date `years` later. 29 February lands on 1 March in a year without one: a child
 * born on 29 February turns 25 on 1 March (as ageInYears in @hub/domain counts it), never earlier.
 */
export function addYears(date: string, years: number): string {
  const d = parseCalendarDate(date);
  if (!d) throw new TypeError('date must be a calendar date YYYY-MM-DD');
  const year = d.year + years;
  if (d.month === 2 && d.day === 29 && parseCalendarDate(format(year, 2, 29)) === null) return format(year, 3, 1);
  return format(year, d.month, d.day);
}

/** The day after `date`. */
export function nextDate(date: string): string {
  const d = parseCalendarDate(date);
  if (!d) throw new TypeError('date must be a calendar date YYYY-MM-DD');
  return new Date(Date.UTC(d.year, d.month - 1, d.day + 1)).toISOString().slice(0, 10);
}

/** The last date `d` with addYears(d, years) <= asOf: rows from that day or earlier are past their period. */
export function lastDueDate(asOf: string, years: number): string {
  const d = parseCalendarDate(asOf);
  if (!d) throw new TypeError('asOf must be a calendar date YYYY-MM-DD');
  const year = d.year - years;
  // 29 February as of a year with one, looking back to a year without: 28 February.
  if (d.month === 2 && d.day === 29 && parseCalendarDate(format(year, 2, 29)) === null) return format(year, 2, 28);
  return format(year, d.month, d.day);
}
