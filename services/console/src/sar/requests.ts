// Subject access request dates (UK GDPR Art 12(3)): the rules the console page and the CLI apply
// before the store records anything. The dates come from @hub/domain; the database checks them again.
import { extendDueDate, isOverdue, parseCalendarDate, subjectAccessDueDate } from '@hub/domain';
import type { ExtensionReason, SubjectAccessRequest } from '@hub/store';
import { EXTENSION_REASONS } from '@hub/store';

const LONDON_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's calendar date in the UK (`YYYY-MM-DD`): deadlines are UK calendar dates. */
export function londonToday(now: Date): string {
  const parts = Object.fromEntries(LONDON_DATE.formatToParts(now).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** The due date of a request received on `receivedOn`, and the dates with one or two further months (for `hub sar due`). */
export function subjectAccessDates(receivedOn: string): { receivedOn: string; dueOn: string; extendedByOneMonth: string; extendedByTwoMonths: string } {
  const dueOn = subjectAccessDueDate(receivedOn);
  return { receivedOn, dueOn, extendedByOneMonth: extendDueDate(dueOn, 1, receivedOn), extendedByTwoMonths: extendDueDate(dueOn, 2, receivedOn) };
}

export type Planned<T> = ({ ok: true } & T) | { ok: false; field: string; problem: string };

/** A new request received on `receivedOn` (not in the future): its due date, one calendar month later. */
export function planNewRequest(receivedOn: unknown, today: string): Planned<{ receivedOn: string; dueOn: string }> {
  if (typeof receivedOn !== 'string' || parseCalendarDate(receivedOn.trim()) === null) {
    return { ok: false, field: 'receivedOn', problem: 'Date received: enter a real date as YYYY-MM-DD' };
  }
  const date = receivedOn.trim();
  if (date > today) return { ok: false, field: 'receivedOn', problem: 'Date received: the date cannot be in the future' };
  return { ok: true, receivedOn: date, dueOn: subjectAccessDueDate(date) };
}

export interface ExtensionForm {
  months: unknown;
  reason: unknown;
  toldOn: unknown;
  note?: unknown;
}

/**
 * An extension by one or two further months (two at most in all, counted from receipt), for a
 * coded reason, with the date the requester was told: within the first month (on or after
 * receipt, on or before the first due date) and not in the future. An extension can be lengthened
 * from one month to two, never shortened.
 */
export function planExtension(
  request: Pick<SubjectAccessRequest, 'status' | 'receivedOn' | 'dueOn' | 'extensionMonths'>,
  form: ExtensionForm,
  today: string,
): Planned<{ months: 1 | 2; reason: ExtensionReason; toldOn: string; extendedDueOn: string; note?: string }> {
  if (request.status !== 'open') return { ok: false, field: 'status', problem: 'The request is completed: it can no longer be extended' };
  const months = form.months === '1' || form.months === 1 ? 1 : form.months === '2' || form.months === 2 ? 2 : null;
  if (months === null) return { ok: false, field: 'months', problem: 'Extension: choose one or two further months' };
  if (request.extensionMonths !== null && months <= request.extensionMonths) {
    return { ok: false, field: 'months', problem: 'Extension: the request is already extended by that much; an extension can only be lengthened, to two months at most' };
  }
  if (typeof form.reason !== 'string' || !(EXTENSION_REASONS as readonly string[]).includes(form.reason)) {
    return { ok: false, field: 'reason', problem: 'Reason: choose why the request needs longer' };
  }
  const toldOn = typeof form.toldOn === 'string' ? form.toldOn.trim() : '';
  if (parseCalendarDate(toldOn) === null) return { ok: false, field: 'toldOn', problem: 'Date the requester was told: enter a real date as YYYY-MM-DD' };
  if (toldOn > today) return { ok: false, field: 'toldOn', problem: 'Date the requester was told: the date cannot be in the future' };
  if (toldOn < request.receivedOn || toldOn > request.dueOn) {
    return { ok: false, field: 'toldOn', problem: 'Date the requester was told: the requester must be told within the first month (on or after the date received, on or before the first due date)' };
  }
  const note = typeof form.note === 'string' ? form.note.trim() : '';
  if (note.length > 500 || note.includes('\u0000')) return { ok: false, field: 'note', problem: 'Note: enter at most 500 characters' };
  return {
    ok: true,
    months,
    reason: form.reason as ExtensionReason,
    toldOn,
    extendedDueOn: extendDueDate(request.dueOn, months, request.receivedOn),
    ...(note ? { note } : {}),
  };
}

export type RequestState = 'open' | 'overdue' | 'completed' | 'completed-late';

/** Where a request stands on `today` (UK date): a response on the due date itself is on time. */
export function requestState(request: Pick<SubjectAccessRequest, 'status' | 'effectiveDueOn' | 'completedAt'>, today: string): RequestState {
  if (request.status === 'completed') {
    return request.completedAt && isOverdue(request.effectiveDueOn, londonToday(request.completedAt)) ? 'completed-late' : 'completed';
  }
  return isOverdue(request.effectiveDueOn, today) ? 'overdue' : 'open';
}

export const EXTENSION_REASON_TEXT: Readonly<Record<ExtensionReason, string>> = {
  complex: 'The request is complex',
  numerous: 'The requester has made a number of requests',
};
