import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extendDueDate, isOverdue, nextWorkingDay, subjectAccessDueDate } from './sar-due-date.ts';

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string): number => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS;
const monthIndex = (date: string): number => Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;

/** Any real calendar date from 1900 to 2200 as `YYYY-MM-DD`. */
const calendarDate = fc
  .integer({ min: Date.UTC(1900, 0, 1) / DAY_MS, max: Date.UTC(2200, 11, 31) / DAY_MS })
  .map((day) => new Date(day * DAY_MS).toISOString().slice(0, 10));

describe('subjectAccessDueDate', () => {
  it('is the same day number next month', () => {
    expect(subjectAccessDueDate('2026-09-03')).toBe('2026-10-03');
    expect(subjectAccessDueDate('2026-01-28')).toBe('2026-02-28');
    expect(subjectAccessDueDate('2026-02-28')).toBe('2026-03-28');
  });

  it('falls back to the last day of a shorter next month', () => {
    expect(subjectAccessDueDate('2026-01-31')).toBe('2026-02-28');
    expect(subjectAccessDueDate('2026-01-29')).toBe('2026-02-28');
    expect(subjectAccessDueDate('2026-03-31')).toBe('2026-04-30');
    expect(subjectAccessDueDate('2026-05-31')).toBe('2026-06-30');
    expect(subjectAccessDueDate('2026-08-31')).toBe('2026-09-30');
    expect(subjectAccessDueDate('2026-10-31')).toBe('2026-11-30');
  });

  it('follows leap years (2028 is leap, 2100 is not, 2000 is)', () => {
    expect(subjectAccessDueDate('2028-01-31')).toBe('2028-02-29');
    expect(subjectAccessDueDate('2028-01-30')).toBe('2028-02-29');
    expect(subjectAccessDueDate('2028-01-29')).toBe('2028-02-29');
    expect(subjectAccessDueDate('2028-02-29')).toBe('2028-03-29');
    expect(subjectAccessDueDate('2100-01-31')).toBe('2100-02-28');
    expect(subjectAccessDueDate('2100-01-29')).toBe('2100-02-28');
    expect(subjectAccessDueDate('2000-01-31')).toBe('2000-02-29');
  });

  it('rolls over the year end', () => {
    expect(subjectAccessDueDate('2026-12-31')).toBe('2027-01-31');
    expect(subjectAccessDueDate('2026-12-01')).toBe('2027-01-01');
  });

  it('rejects anything that is not a real calendar date', () => {
    expect(() => subjectAccessDueDate('2026-02-30')).toThrow(RangeError);
    expect(() => subjectAccessDueDate('2100-02-29')).toThrow(RangeError);
    expect(() => subjectAccessDueDate('31/01/2026')).toThrow(RangeError);
    expect(() => subjectAccessDueDate('2026-01-31T00:00:00Z')).toThrow(RangeError);
  });

  it('is 28–31 days after receipt, in the following calendar month, never on or before receipt', () => {
    fc.assert(
      fc.property(calendarDate, (receivedOn) => {
        const due = subjectAccessDueDate(receivedOn);
        const days = daysBetween(receivedOn, due);
        expect(days).toBeGreaterThanOrEqual(28);
        expect(days).toBeLessThanOrEqual(31);
        expect(due > receivedOn).toBe(true);
        expect(monthIndex(due)).toBe(monthIndex(receivedOn) + 1);
        // Same day number unless next month is too short, in which case its last day.
        const receivedDay = Number(receivedOn.slice(8));
        const dueDay = Number(due.slice(8));
        if (dueDay !== receivedDay) {
          expect(dueDay).toBeLessThan(receivedDay);
          const nextDay = new Date(Date.parse(`${due}T00:00:00Z`) + DAY_MS).toISOString();
          expect(nextDay.slice(8, 10)).toBe('01');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('extendDueDate', () => {
  it('counts from receipt when it is known (three months in total)', () => {
    expect(extendDueDate('2026-02-28', 2, '2026-01-31')).toBe('2026-04-30');
    expect(extendDueDate('2026-02-28', 1, '2026-01-31')).toBe('2026-03-31');
    expect(extendDueDate('2028-02-29', 2, '2028-01-30')).toBe('2028-04-30');
    expect(extendDueDate('2026-12-30', 2, '2026-11-30')).toBe('2027-02-28');
    expect(extendDueDate('2027-11-30', 2, '2027-10-31')).toBe('2028-01-31');
    expect(extendDueDate('2027-12-30', 2, '2027-11-30')).toBe('2028-02-29');
    expect(extendDueDate('2028-01-31', 2, '2027-12-31')).toBe('2028-03-31');
    expect(extendDueDate('2099-12-30', 2, '2099-11-30')).toBe('2100-02-28');
  });

  it('adds to the original due date when receipt is not given, never later than the receipt-based date', () => {
    expect(extendDueDate('2026-02-28', 2)).toBe('2026-04-28');
    expect(extendDueDate('2026-10-03', 2)).toBe('2026-12-03');
    expect(extendDueDate('2026-12-31', 2)).toBe('2027-02-28');
    expect(extendDueDate('2026-11-30', 1)).toBe('2026-12-30');
  });

  it('refuses an original due date that does not match the receipt date', () => {
    expect(() => extendDueDate('2026-03-01', 2, '2026-01-31')).toThrow(RangeError);
    expect(() => extendDueDate('2026-02-27', 2, '2026-01-31')).toThrow(RangeError);
  });

  it('refuses extensions other than one or two months', () => {
    expect(() => extendDueDate('2026-02-28', 3 as 2)).toThrow(RangeError);
    expect(() => extendDueDate('2026-02-28', 0 as 1)).toThrow(RangeError);
  });

  it('stays in the right month and never shortens the deadline', () => {
    fc.assert(
      fc.property(calendarDate, fc.constantFrom(1 as const, 2 as const), (receivedOn, months) => {
        const due = subjectAccessDueDate(receivedOn);
        const fromReceipt = extendDueDate(due, months, receivedOn);
        const fromDue = extendDueDate(due, months);
        expect(monthIndex(fromReceipt)).toBe(monthIndex(receivedOn) + 1 + months);
        expect(monthIndex(fromDue)).toBe(monthIndex(fromReceipt));
        expect(fromDue <= fromReceipt).toBe(true);
        expect(fromDue > due).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isOverdue', () => {
  it('is overdue only after the due date', () => {
    expect(isOverdue('2026-02-28', '2026-02-27')).toBe(false);
    expect(isOverdue('2026-02-28', '2026-02-28')).toBe(false);
    expect(isOverdue('2026-02-28', '2026-03-01')).toBe(true);
    expect(isOverdue('2026-12-31', '2027-01-01')).toBe(true);
  });

  it('rejects malformed dates rather than comparing strings', () => {
    expect(() => isOverdue('2026-2-28', '2026-03-01')).toThrow(RangeError);
    expect(() => isOverdue('2026-02-28', 'today')).toThrow(RangeError);
  });
});

describe('nextWorkingDay', () => {
  const englandAndWales2026 = new Set(['2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28']);

  it('keeps a working day and moves weekends and bank holidays forward', () => {
    expect(nextWorkingDay('2026-03-03', englandAndWales2026)).toBe('2026-03-03');
    expect(nextWorkingDay('2026-02-28', englandAndWales2026)).toBe('2026-03-02'); // Saturday
    expect(nextWorkingDay('2026-04-03', englandAndWales2026)).toBe('2026-04-07'); // Good Friday → Tuesday after Easter Monday
    expect(nextWorkingDay('2026-12-25', englandAndWales2026)).toBe('2026-12-29'); // Christmas, weekend, substitute Boxing Day
  });
});
