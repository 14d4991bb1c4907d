import { describe, expect, it } from 'vitest';
import { isSchoolDay, nextSchoolDayDeadline, schoolCalendarFrom, zonedTimeToInstant, type SchoolCalendar } from './school-calendar.ts';
import { demoSharing } from './test-support/demo.ts';

const calendar: SchoolCalendar = demoSharing().calendar;
const due = (iso: string): string => nextSchoolDayDeadline(new Date(iso), calendar).toISOString();

describe('the demo school calendar', () => {
  it('is Europe/London, 08:30, with the 2026/27 holidays', () => {
    expect(calendar.timeZone).toBe('Europe/London');
    expect(calendar.schoolDayStart).toEqual({ hour: 8, minute: 30 });
    expect(isSchoolDay('2026-11-27', calendar)).toBe(true); // Friday in term
    expect(isSchoolDay('2026-11-28', calendar)).toBe(false); // Saturday
    expect(isSchoolDay('2026-10-28', calendar)).toBe(false); // half term
    expect(isSchoolDay('2026-12-25', calendar)).toBe(false);
    expect(isSchoolDay('2027-01-04', calendar)).toBe(true); // first day back
  });
});

describe('nextSchoolDayDeadline', () => {
  it('is 08:30 the same day for a notification in the small hours of a school day', () => {
    // Friday 27 Nov 2026, 02:10 GMT (the Operation Encompass fixture).
    expect(due('2026-11-27T02:10:00Z')).toBe('2026-11-27T08:30:00.000Z');
  });

  it('is the next school day once the school day has started, and strictly after 08:30 itself', () => {
    expect(due('2026-11-25T08:30:00Z')).toBe('2026-11-26T08:30:00.000Z');
    expect(due('2026-11-25T08:29:59Z')).toBe('2026-11-25T08:30:00.000Z');
    expect(due('2026-11-25T22:45:00Z')).toBe('2026-11-26T08:30:00.000Z'); // late evening
  });

  it('rolls a Friday-evening or weekend notification forward to Monday', () => {
    expect(due('2026-11-27T19:00:00Z')).toBe('2026-11-30T08:30:00.000Z');
    expect(due('2026-11-28T11:00:00Z')).toBe('2026-11-30T08:30:00.000Z');
    expect(due('2026-11-29T23:59:00Z')).toBe('2026-11-30T08:30:00.000Z');
  });

  it('rolls over a holiday to the first day back', () => {
    expect(due('2026-12-18T16:00:00Z')).toBe('2027-01-04T08:30:00.000Z'); // last day of autumn term → after Christmas
    expect(due('2026-12-24T10:00:00Z')).toBe('2027-01-04T08:30:00.000Z');
    expect(due('2027-05-01T09:00:00+01:00')).toBe('2027-05-04T07:30:00.000Z'); // Saturday → bank holiday Monday → Tuesday (BST)
  });

  it('is 08:30 local on both sides of a clock change', () => {
    // BST ends Sunday 25 Oct 2026, in the week before half term: Friday 23 Oct is BST (07:30Z);
    // the next school day is Monday 2 Nov, GMT (08:30Z).
    expect(due('2026-10-22T20:00:00Z')).toBe('2026-10-23T07:30:00.000Z');
    expect(due('2026-10-23T18:00:00Z')).toBe('2026-11-02T08:30:00.000Z');
    // BST starts Sunday 28 Mar 2027 (in the Easter holiday): Thursday 25 Mar is GMT; back on Monday 12 Apr, BST.
    expect(due('2027-03-24T20:00:00Z')).toBe('2027-03-25T08:30:00.000Z');
    expect(due('2027-03-25T12:00:00Z')).toBe('2027-04-12T07:30:00.000Z');
    // Early morning in BST: 06:00 BST is 05:00Z, due 07:30Z the same day.
    expect(due('2027-06-09T05:00:00Z')).toBe('2027-06-09T07:30:00.000Z');
    // 23:30 BST on a Tuesday is still Tuesday locally (22:30Z): due Wednesday 07:30Z.
    expect(due('2027-06-08T22:30:00Z')).toBe('2027-06-09T07:30:00.000Z');
    // 00:30 BST on Wednesday is Tuesday 23:30Z: due Wednesday 07:30Z, the same local day.
    expect(due('2027-06-08T23:30:00Z')).toBe('2027-06-09T07:30:00.000Z');
  });

  it('converts local wall-clock times in the zone, across the gap', () => {
    expect(zonedTimeToInstant(2027, 3, 28, 8, 30, 'Europe/London').toISOString()).toBe('2027-03-28T07:30:00.000Z');
    expect(zonedTimeToInstant(2026, 10, 25, 8, 30, 'Europe/London').toISOString()).toBe('2026-10-25T08:30:00.000Z');
    // 01:30 does not exist on 28 Mar 2027; the answer is just after the gap.
    expect(zonedTimeToInstant(2027, 3, 28, 1, 30, 'Europe/London').toISOString()).toBe('2027-03-28T01:30:00.000Z');
  });

  it('works in another zone and with weekdays outside the listed year', () => {
    const ny: SchoolCalendar = { timeZone: 'America/New_York', schoolDayStart: { hour: 8, minute: 0 }, holidays: [] };
    expect(nextSchoolDayDeadline(new Date('2030-01-07T20:00:00Z'), ny).toISOString()).toBe('2030-01-08T13:00:00.000Z');
  });

  it('refuses a calendar with no school day and an invalid time', () => {
    const closed: SchoolCalendar = { timeZone: 'Europe/London', schoolDayStart: { hour: 8, minute: 30 }, holidays: [{ from: '2026-01-01', to: '2028-12-31' }] };
    expect(() => nextSchoolDayDeadline(new Date('2026-06-01T00:00:00Z'), closed)).toThrow(/no school day/);
    expect(() => nextSchoolDayDeadline(new Date('nope'), calendar)).toThrow(RangeError);
  });
});

describe('schoolCalendarFrom', () => {
  it('lists an unknown time zone, impossible dates and reversed ranges', () => {
    const problems: string[] = [];
    schoolCalendarFrom({ timeZone: 'Europe/Atlantis', schoolDayStart: '08:30', holidays: [{ from: '2026-02-30', to: '2026-03-01' }, { from: '2026-05-10', to: '2026-05-01' }] }, 'cal ', problems);
    expect(problems.join('\n')).toMatch(/timeZone: "Europe\/Atlantis" is not a time zone/);
    expect(problems.join('\n')).toMatch(/holidays\/0\/from: not a real date/);
    expect(problems.join('\n')).toMatch(/holidays\/1: "from" is after "to"/);
  });
});
