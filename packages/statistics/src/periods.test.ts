import { describe, expect, it } from 'vitest';
import { defaultPeriod, londonMidnight, monthBuckets, parsePeriod, type Period } from './periods.ts';

const period = (from: string, to: string): Period => (parsePeriod(from, to) as { period: Period }).period;

describe('periods', () => {
  it('starts each month at London midnight, in GMT and BST', () => {
    expect(londonMidnight('2026-01-01').toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(londonMidnight('2026-04-01').toISOString()).toBe('2026-03-31T23:00:00.000Z');
    // The clocks go forward at 01:00 UTC on 29 March 2026: midnight is still GMT.
    expect(londonMidnight('2026-03-29').toISOString()).toBe('2026-03-29T00:00:00.000Z');
    expect(londonMidnight('2026-10-25').toISOString()).toBe('2026-10-24T23:00:00.000Z');
  });

  it('gives a column per calendar month touched, the first starting at the period start', () => {
    const p = period('2026-02-15', '2026-05-01');
    const buckets = monthBuckets(p);
    expect(buckets.labels).toEqual(['2026-02', '2026-03', '2026-04']);
    expect(buckets.starts.map((d) => d.toISOString())).toEqual(['2026-02-15T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2026-03-31T23:00:00.000Z']);
    expect(p.end.toISOString()).toBe('2026-04-30T23:00:00.000Z');
    expect(monthBuckets(period('2025-12-31', '2026-01-02')).labels).toEqual(['2025-12', '2026-01']);
  });

  it('refuses impossible dates, reversed or too-long periods, naming the field only', () => {
    expect(parsePeriod('2026-02-30', '<b>')).toEqual({
      problems: [
        { field: 'from', message: 'enter a real date as YYYY-MM-DD' },
        { field: 'to', message: 'enter a real date as YYYY-MM-DD' },
      ],
    });
    expect(parsePeriod('2026-03-01', '2026-03-01')).toEqual({ problems: [{ field: 'to', message: 'the end date must be after the start date' }] });
    expect(parsePeriod('2024-01-01', '2026-01-02')).toEqual({ problems: [{ field: 'to', message: 'the period can cover at most 24 calendar months' }] });
    expect('period' in parsePeriod('2024-01-01', '2026-01-01')).toBe(true);
  });

  it('defaults to the current month and the eleven before it, through today', () => {
    const p = defaultPeriod(new Date('2026-11-29T23:30:00Z'));
    expect([p.from, p.to]).toEqual(['2025-12-01', '2026-11-30']);
    expect(monthBuckets(p).labels).toHaveLength(12);
    // 00:30 BST on 1 July is already July in London.
    expect(defaultPeriod(new Date('2026-06-30T23:30:00Z')).to).toBe('2026-07-02');
  });
});
