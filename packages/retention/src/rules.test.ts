import { describe, expect, it } from 'vitest';
import { addYears, lastDueDate, londonDate, londonStartOf, nextDate } from './dates.ts';
import { childBirthDates, reasonText, recordRetention } from './rules.ts';
import { TEST_RULES } from './test-fixtures.ts';

const family = TEST_RULES.find((r) => r.id === 'family-records')!;
const youthJustice = TEST_RULES.find((r) => r.id === 'youth-justice')!;

describe('retention dates', () => {
  it('adds years, moving 29 February to 1 March in a year without one', () => {
    expect(addYears('2005-03-01', 25)).toBe('2030-03-01');
    expect(addYears('2004-02-29', 25)).toBe('2029-03-01');
    expect(addYears('2004-02-29', 24)).toBe('2028-02-29');
    expect(() => addYears('2005-02-30', 1)).toThrow(TypeError);
  });

  it('finds the last day whose records are past a period, consistent with addYears', () => {
    for (const [asOf, years] of [
      ['2031-06-15', 6],
      ['2030-03-01', 6],
      ['2030-02-28', 6],
      ['2028-02-29', 4],
      ['2029-02-28', 1],
    ] as const) {
      const last = lastDueDate(asOf, years);
      expect(addYears(last, years) <= asOf, `${asOf} ${years}`).toBe(true);
      expect(addYears(nextDate(last), years) > asOf, `${asOf} ${years} next`).toBe(true);
    }
  });

  it('works in London days across the clock change', () => {
    expect(londonDate(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(londonDate(new Date('2026-01-31T23:30:00Z'))).toBe('2026-01-31');
    expect(londonStartOf('2026-07-01').toISOString()).toBe('2026-06-30T23:00:00.000Z');
    expect(londonStartOf('2026-01-01').toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('retention rules', () => {
  it("keeps a family record until the youngest child's 25th birthday", () => {
    const dobs = childBirthDates({ people: [{ role: 'child', dateOfBirth: '2001-05-01' }, { role: 'young-person', dateOfBirth: '2008-09-10' }, { role: 'parent', dateOfBirth: '1980-01-01' }] });
    expect(dobs.sort()).toEqual(['2001-05-01', '2008-09-10']);
    expect(recordRetention(family, { receivedOn: '2015-01-01', childBirthDates: dobs })).toEqual({ retainUntil: '2033-09-10', reasonCode: 'youngest-child-birthday' });
  });

  it('a child born on 29 February turns 25 on 1 March', () => {
    expect(recordRetention(family, { receivedOn: '2010-01-01', childBirthDates: ['2004-02-29'] }).retainUntil).toBe('2029-03-01');
  });

  it('falls back to the period from receipt when no child has a usable date of birth', () => {
    const dobs = childBirthDates({ people: [{ role: 'adult', dateOfBirth: '1990-01-01' }, { role: 'child', dateOfBirth: '2015-02-30' }, { role: 'child', dateOfBirth: 'soon' }, { role: 'child' }, null] });
    expect(dobs).toEqual([]);
    expect(recordRetention(family, { receivedOn: '2015-03-04', childBirthDates: dobs })).toEqual({ retainUntil: '2040-03-04', reasonCode: 'no-child-date-of-birth' });
    expect(childBirthDates(null)).toEqual([]);
    expect(childBirthDates({ people: 'p1' })).toEqual([]);
  });

  it('counts a child born after the referral arrived (pre-birth referral, date added later): kept longer, never shorter', () => {
    const dobs = childBirthDates({ people: [{ role: 'child', dateOfBirth: '2024-03-01' }] });
    expect(recordRetention(family, { receivedOn: '2024-01-01', childBirthDates: dobs }).retainUntil).toBe('2049-03-01');
  });

  it('counts other rules from receipt', () => {
    expect(recordRetention(youthJustice, { receivedOn: '2020-01-01', childBirthDates: ['2010-01-01'] })).toEqual({ retainUntil: '2026-01-01', reasonCode: 'since-received' });
  });

  it('explains without dates', () => {
    expect(reasonText(family, 'youngest-child-birthday')).toBe("the youngest child's 25th birthday has passed");
    expect(reasonText(family, 'no-child-date-of-birth', 3)).toBe("no child's date of birth is known and 25 years have passed since receipt (family record of 3 linked referrals)");
    expect(reasonText(youthJustice, 'since-received')).toBe('6 years have passed since receipt');
    expect(reasonText({ ...family, keep: { from: 'youngest-child-birth', years: 21 } }, 'youngest-child-birthday')).toMatch(/21st birthday/);
    expect(reasonText({ ...family, keep: { from: 'youngest-child-birth', years: 22 } }, 'youngest-child-birthday')).toMatch(/22nd birthday/);
    expect(reasonText({ ...family, keep: { from: 'youngest-child-birth', years: 13 } }, 'youngest-child-birthday')).toMatch(/13th birthday/);
  });
});
