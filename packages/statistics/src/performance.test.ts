import { describe, expect, it } from 'vitest';
import { buildPerformanceReport, median, performanceCsv, PERFORMANCE_NOTE, type DeliveryTimingInput } from './performance.ts';
import { easterSunday, englandAndWalesBankHolidays, isWorkingDay, oneWorkingDayDeadline } from './working-days.ts';

const iso = (s: string): Date => new Date(s);

describe('England and Wales bank holidays', () => {
  // GOV.UK https://www.gov.uk/bank-holidays (england-and-wales), as published.
  const published: Record<number, string[]> = {
    2019: ['2019-01-01', '2019-04-19', '2019-04-22', '2019-05-06', '2019-05-27', '2019-08-26', '2019-12-25', '2019-12-26'],
    2020: ['2020-01-01', '2020-04-10', '2020-04-13', '2020-05-08', '2020-05-25', '2020-08-31', '2020-12-25', '2020-12-28'],
    2021: ['2021-01-01', '2021-04-02', '2021-04-05', '2021-05-03', '2021-05-31', '2021-08-30', '2021-12-27', '2021-12-28'],
    2022: ['2022-01-03', '2022-04-15', '2022-04-18', '2022-05-02', '2022-06-02', '2022-06-03', '2022-08-29', '2022-09-19', '2022-12-26', '2022-12-27'],
    2023: ['2023-01-02', '2023-04-07', '2023-04-10', '2023-05-01', '2023-05-08', '2023-05-29', '2023-08-28', '2023-12-25', '2023-12-26'],
    2024: ['2024-01-01', '2024-03-29', '2024-04-01', '2024-05-06', '2024-05-27', '2024-08-26', '2024-12-25', '2024-12-26'],
    2025: ['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26'],
    2026: ['2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28'],
    2027: ['2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28'],
  };

  it.each(Object.keys(published).map(Number))('matches the published list for %i', (year) => {
    expect(englandAndWalesBankHolidays(year)).toEqual(published[year]);
  });

  it('computes Easter', () => {
    expect(['2024', '2025', '2026', '2027', '2028', '2038'].map((y) => easterSunday(Number(y)))).toEqual(['2024-03-31', '2025-04-20', '2026-04-05', '2027-03-28', '2028-04-16', '2038-04-25']);
  });

  it('knows weekends and bank holidays are not working days', () => {
    expect(isWorkingDay('2026-03-02')).toBe(true); // Monday
    expect(isWorkingDay('2026-03-07')).toBe(false); // Saturday
    expect(isWorkingDay('2026-04-06')).toBe(false); // Easter Monday
    expect(isWorkingDay('2026-12-28')).toBe(false); // Boxing Day substitute
  });
});

describe('oneWorkingDayDeadline', () => {
  it.each([
    ['a weekday: the end of the next day', '2026-03-02T10:00:00Z', '2026-03-04T00:00:00.000Z'],
    ['Friday afternoon: the end of Monday', '2026-03-06T16:00:00Z', '2026-03-10T00:00:00.000Z'],
    ['Saturday: the end of Monday', '2026-03-07T09:00:00Z', '2026-03-10T00:00:00.000Z'],
    ['before Easter: Good Friday and Easter Monday skipped (BST)', '2026-04-02T09:00:00Z', '2026-04-07T23:00:00.000Z'],
    ['Christmas Eve 2026: to Tuesday 29th', '2026-12-24T12:00:00Z', '2026-12-30T00:00:00.000Z'],
    ['23:30 BST on Wednesday is Wednesday', '2026-07-01T22:30:00Z', '2026-07-02T23:00:00.000Z'],
    ['00:30 BST on Thursday is Thursday', '2026-07-01T23:30:00Z', '2026-07-03T23:00:00.000Z'],
  ])('%s', (_, received, deadline) => {
    expect(oneWorkingDayDeadline(iso(received)).toISOString()).toBe(deadline);
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([])).toBeUndefined();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

function timing(recipientPartnerId: string, sourceType: string, receivedAt: string, times: { ack?: string; accept?: string; delivered?: string; deadline?: string; status?: DeliveryTimingInput['status'] } = {}): DeliveryTimingInput {
  return {
    recipientPartnerId,
    sourceType,
    status: times.status ?? 'delivered',
    receivedAt: iso(receivedAt),
    deliveredAt: times.delivered ? iso(times.delivered) : times.status && times.status !== 'delivered' ? null : iso(receivedAt),
    acknowledgedAt: times.ack ? iso(times.ack) : null,
    acceptedAt: times.accept ? iso(times.accept) : null,
    deadlineAt: times.deadline ? iso(times.deadline) : null,
  };
}

describe('buildPerformanceReport (hand-computed)', () => {
  const A = 'school-a';
  const B = 'gp-b';
  const DA = 'police.domestic-abuse.notified';
  const GP = 'health.gp.referred';
  const timings: DeliveryTimingInput[] = [
    // Recipient A, ten deliveries. Hours to acknowledge in brackets; (w) = within one working day.
    timing(A, DA, '2026-03-02T10:00:00Z', { ack: '2026-03-02T12:00:00Z' }), // 2 h (w)
    timing(A, DA, '2026-03-02T10:00:00Z', { ack: '2026-03-03T23:59:00Z' }), // 37.98 h (w): before the end of Tuesday
    timing(A, DA, '2026-03-02T10:00:00Z', { ack: '2026-03-04T00:00:00Z' }), // 38 h: at midnight is too late
    timing(A, DA, '2026-03-06T16:00:00Z', { ack: '2026-03-09T15:00:00Z' }), // 71 h (w): Friday → Monday
    timing(A, DA, '2026-03-07T09:00:00Z', { ack: '2026-03-09T20:00:00Z' }), // 59 h (w): Saturday → Monday
    timing(A, DA, '2026-04-02T09:00:00Z', { ack: '2026-04-07T14:00:00Z' }), // 125 h (w): Easter skipped
    timing(A, DA, '2026-03-02T10:00:00Z', { status: 'pending' }), // never acknowledged, window closed
    timing(A, DA, '2026-04-09T10:00:00Z'), // window still open at asAt: not judged
    timing(A, DA, '2026-03-04T10:00:00Z', { ack: '2026-03-04T11:00:00Z', accept: '2026-03-05T10:00:00Z' }), // 1 h (w)
    timing(A, DA, '2026-03-03T10:00:00Z', { ack: '2026-03-03T14:00:00Z', accept: '2026-03-03T16:00:00Z' }), // 4 h (w)
    // Recipient B: three, all acknowledged in an hour.
    timing(B, GP, '2026-03-02T10:00:00Z', { ack: '2026-03-02T11:00:00Z' }),
    timing(B, GP, '2026-03-03T10:00:00Z', { ack: '2026-03-03T11:00:00Z' }),
    timing(B, GP, '2026-03-04T10:00:00Z', { ack: '2026-03-04T11:00:00Z' }),
    // An undelivered delivery an operator closed: not the recipient's to acknowledge.
    timing(B, GP, '2026-03-05T10:00:00Z', { status: 'closed' }),
  ];
  const report = buildPerformanceReport({
    from: '2026-03-01',
    to: '2026-05-01',
    asAt: iso('2026-04-10T12:00:00Z'),
    timings,
    recipientLabel: (id) => ({ [A]: 'Academy A', [B]: 'Surgery B' })[id] ?? id,
    sourceLabel: (type) => (type === DA ? 'Police DA' : 'GP'),
  });

  it('per recipient: medians and rates from 8+ values, small ones hidden, counts protected', () => {
    expect(report.byRecipient).toEqual([
      // Acks (h): 1 2 4 37.98 38 59 71 125 → median (37.98 + 38) / 2 = 38.0. Judged 9 (one window
      // open), within 7 → 78 %. Two acceptances → *. Count 10 is hidden to protect B's 3.
      { key: A, label: 'Academy A', deliveries: '*', medianHoursToAcknowledge: '38.0', acknowledgedWithinOneWorkingDay: '78%', medianHoursToAccept: '*' },
      { key: B, label: 'Surgery B', deliveries: '*', medianHoursToAcknowledge: '*', acknowledgedWithinOneWorkingDay: '*', medianHoursToAccept: '—' },
      // 13 deliveries → 15. Acks 1 1 1 1 2 4 37.98 38 59 71 125 → 4.0. Within 10 of 12 → 83 %.
      { key: '', label: 'All recipients', deliveries: '15', medianHoursToAcknowledge: '4.0', acknowledgedWithinOneWorkingDay: '83%', medianHoursToAccept: '*' },
    ]);
  });

  it('per source type, the same figures under the source labels', () => {
    expect(report.bySource.map((r) => [r.label, r.deliveries, r.medianHoursToAcknowledge, r.acknowledgedWithinOneWorkingDay])).toEqual([
      ['GP', '*', '*', '*'],
      ['Police DA', '*', '38.0', '78%'],
      ['All sources', '15', '4.0', '83%'],
    ]);
  });

  it('writes CSV with ids, shown figures and the note', () => {
    expect(performanceCsv(report, 'recipient')).toBe(
      [
        'Recipient,Recipient id,Deliveries,Median hours to acknowledge,Acknowledged within one working day,Median hours to accept',
        'Academy A,school-a,*,38.0,78%,*',
        'Surgery B,gp-b,*,*,*,—',
        'All recipients,,15,4.0,83%,*',
        `"${PERFORMANCE_NOTE.replaceAll('"', '""')}",,,,,`,
        '',
      ].join('\r\n'),
    );
  });
});

describe('Operation Encompass on-time rate', () => {
  const S = 'school-x';
  const DA = 'police.domestic-abuse.notified';
  const deadline = '2026-03-03T08:30:00Z';
  const onTime = Array.from({ length: 6 }, () => timing(S, DA, '2026-03-02T19:00:00Z', { delivered: '2026-03-02T19:00:05Z', deadline }));
  const timings = [
    ...onTime,
    timing(S, DA, '2026-03-02T19:00:00Z', { delivered: deadline, deadline }), // at the deadline: on time
    timing(S, DA, '2026-03-02T19:00:00Z', { delivered: '2026-03-03T08:31:00Z', deadline }), // late
    timing(S, DA, '2026-03-02T19:00:00Z', { status: 'dead', deadline }), // never delivered, deadline passed
    timing(S, DA, '2026-03-02T19:00:00Z', { status: 'closed', deadline }), // an operator closed it: the school was not told
    timing(S, DA, '2026-04-10T19:00:00Z', { status: 'pending', deadline: '2026-04-13T07:30:00Z' }), // not due yet: not judged
    timing('school-y', DA, '2026-03-02T19:00:00Z', { delivered: '2026-03-02T19:01:00Z', deadline }),
  ];
  const report = buildPerformanceReport({ from: '2026-03-01', to: '2026-05-01', asAt: iso('2026-04-10T20:00:00Z'), timings });

  it('counts deliveries at or before the deadline, over those delivered or past it', () => {
    // school-x: 10 judged, 7 on time → 70 %; school-y: 1 → *. Counts 10 and 1: both hidden.
    expect(report.encompass).toEqual([
      { key: S, label: S, notifications: '*', onTime: '70%' },
      { key: 'school-y', label: 'school-y', notifications: '*', onTime: '*' },
      { key: '', label: 'All recipients', notifications: '10', onTime: '73%' },
    ]);
    expect(performanceCsv(report, 'encompass').split('\r\n')[0]).toBe('Recipient,Recipient id,Notifications judged,Delivered on time');
  });
});
