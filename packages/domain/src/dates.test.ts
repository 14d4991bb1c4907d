import { describe, expect, it } from 'vitest';
import { ageInYears, isFutureCalendarDate, isFutureDateTime, isInFuture, parseCalendarDate } from './dates.ts';

const now = new Date('2026-06-15T10:00:00Z');

describe('dates', () => {
  it('parses only real calendar dates', () => {
    expect(parseCalendarDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseCalendarDate('2023-02-29')).toBeNull();
    expect(parseCalendarDate('2023-13-01')).toBeNull();
    expect(parseCalendarDate('15/06/2020')).toBeNull();
  });

  it('counts whole years completed', () => {
    expect(ageInYears('2008-06-15', now)).toBe(18);
    expect(ageInYears('2008-06-16', now)).toBe(17);
    expect(ageInYears('2026-01-01', now)).toBe(0);
    expect(ageInYears('2012-02-29', new Date('2030-02-28T12:00:00Z'))).toBe(17);
    expect(ageInYears('2012-02-29', new Date('2030-03-01T12:00:00Z'))).toBe(18);
    expect(ageInYears('nonsense', now)).toBeNull();
  });

  it('treats dates after today (UTC) as future', () => {
    expect(isFutureCalendarDate('2026-06-15', now)).toBe(false);
    expect(isFutureCalendarDate('2026-06-16', now)).toBe(true);
  });

  it('tolerates five minutes of clock skew for date-times', () => {
    expect(isFutureDateTime('2026-06-15T10:04:00Z', now)).toBe(false);
    expect(isFutureDateTime('2026-06-15T10:06:00Z', now)).toBe(true);
    expect(isFutureDateTime('2026-06-15T11:04:00+01:00', now)).toBe(false);
    expect(isInFuture('2027-01-01', now)).toBe(true);
    expect(isInFuture('2026-06-15T12:00:00Z', now)).toBe(true);
  });
});
