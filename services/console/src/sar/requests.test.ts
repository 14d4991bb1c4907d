import { describe, expect, it } from 'vitest';
import { londonToday, planExtension, planNewRequest, requestState, subjectAccessDates } from './requests.ts';

const open = { status: 'open' as const, receivedOn: '2025-01-31', dueOn: '2025-02-28', extensionMonths: null };

describe('subject access request dates', () => {
  it('are due one calendar month from receipt: month ends, leap years and 31 January', () => {
    const cases: [string, string][] = [
      ['2025-01-31', '2025-02-28'],
      ['2024-01-31', '2024-02-29'],
      ['2024-01-29', '2024-02-29'],
      ['2023-01-29', '2023-02-28'],
      ['2025-03-31', '2025-04-30'],
      ['2025-05-31', '2025-06-30'],
      ['2025-12-31', '2026-01-31'],
      ['2024-02-29', '2024-03-29'],
      ['2025-02-28', '2025-03-28'],
      ['2025-06-15', '2025-07-15'],
    ];
    for (const [receivedOn, dueOn] of cases) {
      const planned = planNewRequest(receivedOn, '2026-12-31');
      expect(planned, receivedOn).toEqual({ ok: true, receivedOn, dueOn });
    }
  });

  it('gives the extended dates counted from receipt', () => {
    expect(subjectAccessDates('2025-01-31')).toEqual({ receivedOn: '2025-01-31', dueOn: '2025-02-28', extendedByOneMonth: '2025-03-31', extendedByTwoMonths: '2025-04-30' });
    expect(subjectAccessDates('2023-11-30')).toEqual({ receivedOn: '2023-11-30', dueOn: '2023-12-30', extendedByOneMonth: '2024-01-30', extendedByTwoMonths: '2024-02-29' });
    expect(() => subjectAccessDates('2025-02-29')).toThrow(RangeError);
  });

  it('refuses a received date that is not a real date or is in the future, naming the field only', () => {
    expect(planNewRequest('2025-02-30', '2025-06-01')).toMatchObject({ ok: false, field: 'receivedOn' });
    expect(planNewRequest('31/01/2025', '2025-06-01')).toMatchObject({ ok: false, field: 'receivedOn' });
    expect(planNewRequest(undefined, '2025-06-01')).toMatchObject({ ok: false, field: 'receivedOn' });
    const future = planNewRequest('2025-06-02', '2025-06-01');
    expect(future).toMatchObject({ ok: false, field: 'receivedOn' });
    expect(JSON.stringify(future)).not.toContain('2025-06-02');
  });
});

describe('extending a subject access request', () => {
  it('by one or two months from receipt, told within the first month', () => {
    expect(planExtension(open, { months: '1', reason: 'complex', toldOn: '2025-02-10' }, '2025-02-20')).toEqual({ ok: true, months: 1, reason: 'complex', toldOn: '2025-02-10', extendedDueOn: '2025-03-31' });
    expect(planExtension(open, { months: '2', reason: 'numerous', toldOn: '2025-02-28', note: ' several sources ' }, '2025-03-05')).toEqual({
      ok: true,
      months: 2,
      reason: 'numerous',
      toldOn: '2025-02-28',
      extendedDueOn: '2025-04-30',
      note: 'several sources',
    });
    // On the day of receipt and on the first due date itself are both within the first month.
    expect(planExtension(open, { months: 1, reason: 'complex', toldOn: '2025-01-31' }, '2025-02-01')).toMatchObject({ ok: true });
  });

  it('never beyond two months, never shortened, never told too late, in the future or before receipt', () => {
    const problem = (form: Record<string, unknown>, today = '2025-03-10', request: Parameters<typeof planExtension>[0] = open) =>
      planExtension(request, { months: '1', reason: 'complex', toldOn: '2025-02-10', ...form }, today);
    expect(problem({ months: '3' })).toMatchObject({ ok: false, field: 'months' });
    expect(problem({ months: '0' })).toMatchObject({ ok: false, field: 'months' });
    expect(problem({ reason: 'busy' })).toMatchObject({ ok: false, field: 'reason' });
    expect(problem({ toldOn: '2025-03-01' })).toMatchObject({ ok: false, field: 'toldOn' });
    expect(problem({ toldOn: '2025-01-30' })).toMatchObject({ ok: false, field: 'toldOn' });
    expect(problem({ toldOn: '2025-02-10' }, '2025-02-09')).toMatchObject({ ok: false, field: 'toldOn' });
    expect(problem({ toldOn: '2025-02-31' })).toMatchObject({ ok: false, field: 'toldOn' });
    expect(problem({ note: 'x'.repeat(501) })).toMatchObject({ ok: false, field: 'note' });
    expect(problem({ months: '1' }, '2025-03-10', { ...open, extensionMonths: 1 })).toMatchObject({ ok: false, field: 'months' });
    expect(problem({ months: '2' }, '2025-03-10', { ...open, extensionMonths: 1 })).toMatchObject({ ok: true, extendedDueOn: '2025-04-30' });
    expect(problem({ months: '2' }, '2025-03-10', { ...open, extensionMonths: 2 })).toMatchObject({ ok: false, field: 'months' });
    expect(problem({}, '2025-03-10', { ...open, status: 'completed' })).toMatchObject({ ok: false, field: 'status' });
  });
});

describe('request state', () => {
  it('is on time on the due date itself and overdue the day after, on UK dates', () => {
    const r = { status: 'open' as const, effectiveDueOn: '2025-02-28', completedAt: null };
    expect(requestState(r, '2025-02-28')).toBe('open');
    expect(requestState(r, '2025-03-01')).toBe('overdue');
    expect(requestState({ ...r, status: 'completed', completedAt: new Date('2025-02-28T23:30:00Z') }, '2025-06-01')).toBe('completed');
    // 00:30 on 1 March in London during GMT is late.
    expect(requestState({ ...r, status: 'completed', completedAt: new Date('2025-03-01T00:30:00Z') }, '2025-06-01')).toBe('completed-late');
  });

  it('takes today from the London calendar, in GMT and BST', () => {
    expect(londonToday(new Date('2025-01-31T23:30:00Z'))).toBe('2025-01-31');
    expect(londonToday(new Date('2025-06-30T23:30:00Z'))).toBe('2025-07-01');
    expect(londonToday(new Date('2025-10-26T00:30:00Z'))).toBe('2025-10-26');
  });
});
