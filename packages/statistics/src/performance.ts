// Performance against targets (DESIGN §8): how quickly recipients acknowledge and accept the
// referrals the hub sends them, per recipient and per source type, against Working Together
// 2023's "acknowledge within one working day" (DOMAIN §10), and the Operation Encompass on-time
// rate (DOMAIN §5). Like every published figure, small numbers are controlled (DOMAIN §8):
// delivery counts go through suppressTable; a median or a rate based on 1–7 values is `*`.

import { csvRecord } from './csv.ts';
import { SMALL_NUMBER_LIMIT, SUPPRESSED, suppressTable } from './suppress.ts';
import { oneWorkingDayDeadline } from './working-days.ts';

/** One delivery's times (StatisticsStore.deliveryTimings). */
export interface DeliveryTimingInput {
  recipientPartnerId: string;
  sourceType: string;
  status: 'pending' | 'delivered' | 'dead' | 'closed';
  receivedAt: Date;
  deliveredAt: Date | null;
  acknowledgedAt: Date | null;
  acceptedAt: Date | null;
  deadlineAt: Date | null;
}

/** Shown when a figure has no values to be based on. */
export const NO_VALUE = '—';

/** One row of a performance table: shown strings only. */
export interface PerformanceRow {
  key: string;
  label: string;
  /** Deliveries counted (suppressed and rounded like any count). */
  deliveries: string;
  /** Median hours from the hub's receipt of the referral to the recipient's first feedback. */
  medianHoursToAcknowledge: string;
  /** Share of deliveries acknowledged within one working day, of those whose window has closed or that were acknowledged. */
  acknowledgedWithinOneWorkingDay: string;
  /** Median hours from receipt to `referral.accepted`. */
  medianHoursToAccept: string;
}

export interface EncompassRow {
  key: string;
  label: string;
  /** Notifications with a deadline whose deadline has passed or that were delivered. */
  notifications: string;
  /** Share delivered at or before the deadline. */
  onTime: string;
}

export interface PerformanceReport {
  from: string;
  to: string;
  /** The instant figures were computed at: open windows are judged against it. */
  asAt: Date;
  byRecipient: PerformanceRow[];
  bySource: PerformanceRow[];
  encompass: EncompassRow[];
}

export const ALL_RECIPIENTS_LABEL = 'All recipients';
export const ALL_SOURCES_LABEL = 'All sources';

export const PERFORMANCE_NOTE =
  `Times run from the hub's receipt of the referral. Acknowledged = the recipient's first feedback of any kind. ` +
  `"Within one working day" = acknowledged before the end of the first working day (Monday to Friday, not an England and Wales bank holiday) after the day of receipt, ` +
  `counted over deliveries acknowledged or whose window has closed. Medians and percentages based on 1 to ${SMALL_NUMBER_LIMIT} values are shown as ${SUPPRESSED}; ` +
  `counts: ${SUPPRESSED} means 1 to ${SMALL_NUMBER_LIMIT} (or hidden to protect one), others rounded to the nearest 5.`;

export const ENCOMPASS_NOTE =
  'Operation Encompass notifications must reach the school before the start of the next school day (the delivery deadline). ' +
  `On time = delivered at or before the deadline, over notifications delivered or past their deadline. Percentages based on 1 to ${SMALL_NUMBER_LIMIT} values are shown as ${SUPPRESSED}.`;

const HOUR_MS = 3_600_000;

/** The median of true values (mean of the middle two for an even count). */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A statistic based on `n` values: none → `—`; 1–7 → `*`; else the formatted value. */
function controlled(n: number, value: () => string): string {
  if (n === 0) return NO_VALUE;
  if (n <= SMALL_NUMBER_LIMIT) return SUPPRESSED;
  return value();
}

function hours(ms: number): string {
  return (Math.max(0, ms) / HOUR_MS).toFixed(1);
}

function percent(part: number, whole: number): string {
  return `${Math.round((part / whole) * 100)}%`;
}

/** Deliveries an operator closed without their ever being delivered are not the recipient's to acknowledge. */
function counted(t: DeliveryTimingInput): boolean {
  return !(t.status === 'closed' && t.deliveredAt === null);
}

interface GroupFigures {
  deliveries: number;
  medianHoursToAcknowledge: string;
  acknowledgedWithinOneWorkingDay: string;
  medianHoursToAccept: string;
}

function figuresOf(timings: readonly DeliveryTimingInput[], asAt: Date): GroupFigures {
  const toAck: number[] = [];
  const toAccept: number[] = [];
  let eligible = 0;
  let within = 0;
  for (const t of timings) {
    const deadline = oneWorkingDayDeadline(t.receivedAt);
    if (t.acknowledgedAt) {
      toAck.push(t.acknowledgedAt.getTime() - t.receivedAt.getTime());
      eligible += 1;
      if (t.acknowledgedAt.getTime() < deadline.getTime()) within += 1;
    } else if (asAt.getTime() >= deadline.getTime()) {
      eligible += 1;
    }
    if (t.acceptedAt) toAccept.push(t.acceptedAt.getTime() - t.receivedAt.getTime());
  }
  return {
    deliveries: timings.length,
    medianHoursToAcknowledge: controlled(toAck.length, () => hours(median(toAck) as number)),
    acknowledgedWithinOneWorkingDay: controlled(eligible, () => percent(within, eligible)),
    medianHoursToAccept: controlled(toAccept.length, () => hours(median(toAccept) as number)),
  };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list) list.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/**
 * Rows per key plus a total row. The delivery counts form one column of a suppressTable (so a
 * hidden count cannot be recovered as the total minus the others); the other figures are
 * controlled on the number of values each is based on.
 */
function rowsOf(timings: readonly DeliveryTimingInput[], keyOf: (t: DeliveryTimingInput) => string, labelOf: (key: string) => string, totalLabel: string, asAt: Date): PerformanceRow[] {
  const groups = [...groupBy(timings, keyOf).entries()]
    .map(([key, list]) => ({ key, label: labelOf(key), figures: figuresOf(list, asAt) }))
    .sort((a, b) => a.label.localeCompare(b.label, 'en-GB') || (a.key < b.key ? -1 : 1));
  // Labels must be unique for suppressTable; keys are, so index rows by position.
  const counts = suppressTable({ rows: groups.map((_, i) => String(i)), columns: ['deliveries'], cells: groups.map((g) => [g.figures.deliveries]) });
  const total = figuresOf(timings, asAt);
  return [
    ...groups.map((g, i) => ({
      key: g.key,
      label: g.label,
      deliveries: (counts.cells[i] as string[])[0] as string,
      medianHoursToAcknowledge: g.figures.medianHoursToAcknowledge,
      acknowledgedWithinOneWorkingDay: g.figures.acknowledgedWithinOneWorkingDay,
      medianHoursToAccept: g.figures.medianHoursToAccept,
    })),
    {
      key: '',
      label: totalLabel,
      deliveries: counts.columnTotals[0] as string,
      medianHoursToAcknowledge: total.medianHoursToAcknowledge,
      acknowledgedWithinOneWorkingDay: total.acknowledgedWithinOneWorkingDay,
      medianHoursToAccept: total.medianHoursToAccept,
    },
  ];
}

function encompassRows(timings: readonly DeliveryTimingInput[], labelOf: (key: string) => string, asAt: Date): EncompassRow[] {
  const judged = timings.filter((t) => t.deadlineAt !== null && (t.deliveredAt !== null || asAt.getTime() > (t.deadlineAt as Date).getTime()));
  const figures = (list: readonly DeliveryTimingInput[]): { n: number; onTime: string } => {
    const onTime = list.filter((t) => t.deliveredAt !== null && t.deliveredAt.getTime() <= (t.deadlineAt as Date).getTime()).length;
    return { n: list.length, onTime: controlled(list.length, () => percent(onTime, list.length)) };
  };
  const groups = [...groupBy(judged, (t) => t.recipientPartnerId).entries()]
    .map(([key, list]) => ({ key, label: labelOf(key), ...figures(list) }))
    .sort((a, b) => a.label.localeCompare(b.label, 'en-GB') || (a.key < b.key ? -1 : 1));
  const counts = suppressTable({ rows: groups.map((_, i) => String(i)), columns: ['notifications'], cells: groups.map((g) => [g.n]) });
  const total = figures(judged);
  return [
    ...groups.map((g, i) => ({ key: g.key, label: g.label, notifications: (counts.cells[i] as string[])[0] as string, onTime: g.onTime })),
    { key: '', label: ALL_RECIPIENTS_LABEL, notifications: counts.columnTotals[0] as string, onTime: total.onTime },
  ];
}

/**
 * Performance figures for deliveries of referrals received in the period. `asAt` decides which
 * acknowledgement windows and Encompass deadlines have closed (open ones are left out of rates).
 */
export function buildPerformanceReport(input: {
  from: string;
  to: string;
  asAt: Date;
  timings: readonly DeliveryTimingInput[];
  recipientLabel?: (partnerId: string) => string;
  sourceLabel?: (sourceType: string) => string;
}): PerformanceReport {
  const timings = input.timings.filter(counted);
  const recipientLabel = input.recipientLabel ?? ((id: string) => id);
  const sourceLabel = input.sourceLabel ?? ((type: string) => type);
  return {
    from: input.from,
    to: input.to,
    asAt: input.asAt,
    byRecipient: rowsOf(timings, (t) => t.recipientPartnerId, recipientLabel, ALL_RECIPIENTS_LABEL, input.asAt),
    bySource: rowsOf(timings, (t) => t.sourceType, sourceLabel, ALL_SOURCES_LABEL, input.asAt),
    // Every Encompass notification counts, closed dead letters included: the school was not told.
    encompass: encompassRows(input.timings, recipientLabel, input.asAt),
  };
}

export const PERFORMANCE_SECTIONS = ['recipient', 'source', 'encompass'] as const;
export type PerformanceSection = (typeof PERFORMANCE_SECTIONS)[number];

/** One section of the report as RFC 4180 CSV (CRLF), ending with its note. */
export function performanceCsv(report: PerformanceReport, section: PerformanceSection): string {
  if (section === 'encompass') {
    const width = 4;
    return [
      csvRecord(['Recipient', 'Recipient id', 'Notifications judged', 'Delivered on time']),
      ...report.encompass.map((r) => csvRecord([r.label, r.key, r.notifications, r.onTime])),
      csvRecord([ENCOMPASS_NOTE, ...new Array<string>(width - 1).fill('')]),
    ].join('');
  }
  const rows = section === 'recipient' ? report.byRecipient : report.bySource;
  const width = 6;
  return [
    csvRecord([
      section === 'recipient' ? 'Recipient' : 'Source type',
      section === 'recipient' ? 'Recipient id' : 'Message type',
      'Deliveries',
      'Median hours to acknowledge',
      'Acknowledged within one working day',
      'Median hours to accept',
    ]),
    ...rows.map((r) => csvRecord([r.label, r.key, r.deliveries, r.medianHoursToAcknowledge, r.acknowledgedWithinOneWorkingDay, r.medianHoursToAccept])),
    csvRecord([PERFORMANCE_NOTE, ...new Array<string>(width - 1).fill('')]),
  ].join('');
}
