// Reporting periods in UK local time: a period is [from, to) in London calendar dates (`to` not
// included), and its months are the columns of the statistics tables. Intl only, no date library.

export const LONDON = 'Europe/London';
/** Most months one report covers (columns of a table). */
export const MAX_PERIOD_MONTHS = 24;

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const LONDON_PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** The London calendar date and time of an instant. */
export function londonParts(at: Date): { date: string; year: number; month: number; day: number; hour: number; minute: number } {
  const p: Record<string, string> = {};
  for (const part of LONDON_PARTS.formatToParts(at)) if (part.type !== 'literal') p[part.type] = part.value;
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
  };
}

/** The London calendar date (`YYYY-MM-DD`) of an instant. */
export function londonDate(at: Date): string {
  return londonParts(at).date;
}

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const m = CALENDAR_DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** The instant London's clock shows 00:00 at the start of `date` (GMT or BST as it was then). */
export function londonMidnight(date: string): Date {
  if (!isCalendarDate(date)) throw new RangeError('a date must be a real calendar date YYYY-MM-DD');
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const utc = Date.UTC(y, m - 1, d);
  // London is UTC+0 or UTC+1, and clocks change at 01:00 UTC, never at midnight.
  for (const offsetHours of [0, 1]) {
    const candidate = new Date(utc - offsetHours * 3_600_000);
    const p = londonParts(candidate);
    if (p.date === date && p.hour === 0 && p.minute === 0) return candidate;
  }
  throw new RangeError('no London midnight found for the date');
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  if (!isCalendarDate(date)) throw new RangeError('a date must be a real calendar date YYYY-MM-DD');
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Day of the week of a calendar date: 0 Sunday … 6 Saturday. */
export function weekday(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

export interface Period {
  /** First day included, `YYYY-MM-DD` (London). */
  from: string;
  /** First day NOT included, `YYYY-MM-DD` (London). */
  to: string;
  /** London midnight starting `from`. */
  start: Date;
  /** London midnight starting `to`. */
  end: Date;
}

export type PeriodProblem = { field: 'from' | 'to'; message: string };

/** Checks a period given as two dates; problems name the field, never echo the value. */
export function parsePeriod(from: unknown, to: unknown, maxMonths = MAX_PERIOD_MONTHS): { period: Period } | { problems: PeriodProblem[] } {
  const problems: PeriodProblem[] = [];
  if (!isCalendarDate(from)) problems.push({ field: 'from', message: 'enter a real date as YYYY-MM-DD' });
  if (!isCalendarDate(to)) problems.push({ field: 'to', message: 'enter a real date as YYYY-MM-DD' });
  if (problems.length > 0) return { problems };
  const f = from as string;
  const t = to as string;
  if (f >= t) return { problems: [{ field: 'to', message: 'the end date must be after the start date' }] };
  if (monthStartsBetween(f, t).length > maxMonths) return { problems: [{ field: 'to', message: `the period can cover at most ${maxMonths} calendar months` }] };
  return { period: { from: f, to: t, start: londonMidnight(f), end: londonMidnight(t) } };
}

/** First days of the calendar months that [from, to) touches, starting with the month of `from`. */
function monthStartsBetween(from: string, to: string): string[] {
  const starts: string[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const first = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`;
    if (first >= to) break;
    starts.push(first);
    if (starts.length > 1200) break;
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
  return starts;
}

/**
 * The months of a period as table columns: labels `YYYY-MM`, and the instant each bucket starts
 * (the first bucket starts at the period's start, which may be mid-month).
 */
export function monthBuckets(period: Period): { labels: string[]; starts: Date[] } {
  const firsts = monthStartsBetween(period.from, period.to);
  return {
    labels: firsts.map((first) => first.slice(0, 7)),
    starts: firsts.map((first, i) => (i === 0 ? period.start : londonMidnight(first))),
  };
}

/** The default period: the current month and the eleven before it, to the end of today. */
export function defaultPeriod(now: Date): Period {
  const today = londonParts(now);
  let y = today.year;
  let m = today.month - 11;
  if (m < 1) {
    m += 12;
    y -= 1;
  }
  const from = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`;
  const to = addDays(today.date, 1);
  return { from, to, start: londonMidnight(from), end: londonMidnight(to) };
}
