// Shared helpers of the console's pages: sending a page, reading forms and query strings,
// formatting times, partner names, pagination. Nothing here ever echoes what a user typed back
// into a page, except ids and codes that were validated against a fixed shape first.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleDeps, ConsoleRole } from '../context.ts';
import { html, raw, type SafeHtml } from '../html.ts';
import { renderPage, type PageOptions } from '../layout.ts';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
/** Partner ids and purpose codes in config are short lower-case slugs. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const REASON_MAX = 500;
export const LONDON = 'Europe/London';

/** Sends a whole console page. Console pages are never cached: they show live operational state. */
export function sendPage(request: FastifyRequest, reply: FastifyReply, opts: PageOptions, status = 200): FastifyReply {
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(renderPage(request, opts));
}

/** A 404 page that names nothing from the request. */
export function sendNotFound(request: FastifyRequest, reply: FastifyReply, what = 'page'): FastifyReply {
  return sendPage(request, reply, { title: 'Not found', body: html`<p>There is no such ${what}.</p><p><a href="/">Back to the overview</a></p>` }, 404);
}

/** Redirect after a successful POST; the notice is a fixed code the GET page turns into text. */
export function redirectWithNotice(reply: FastifyReply, path: string, notice: string, count?: number): FastifyReply {
  const params = new URLSearchParams({ notice });
  if (count !== undefined) params.set('n', String(count));
  return reply.code(303).header('location', `${path}?${params.toString()}`).header('cache-control', 'no-store').send();
}

/** The fixed text for a notice code from the query string (unknown codes show nothing). */
export function noticeText(query: Record<string, string | string[] | undefined>, texts: Record<string, (n: number) => string>): string | undefined {
  const code = first(query.notice);
  if (!code || !Object.hasOwn(texts, code)) return undefined;
  const n = Number.parseInt(first(query.n) ?? '', 10);
  return (texts[code] as (n: number) => string)(Number.isFinite(n) && n >= 0 && n < 1_000_000 ? n : 0);
}

export function first(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  return undefined;
}

export function queryOf(request: FastifyRequest): Record<string, string | string[] | undefined> {
  return (request.query ?? {}) as Record<string, string | string[] | undefined>;
}

export function paramOf(request: FastifyRequest, name: string): string {
  return String((request.params as Record<string, unknown> | undefined)?.[name] ?? '');
}

/** The urlencoded form body (repeated fields arrive as arrays). */
export function formOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  return body && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : {};
}

/** Every value of a repeated field (`name` or `name[]`). */
export function listOf(form: Record<string, unknown>, name: string): string[] {
  const values = [form[name], form[`${name}[]`]].flatMap((v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]));
  return values.filter((v): v is string => typeof v === 'string');
}

/** Checks a typed reason; returns an error message (fixed text, never the input) or undefined. */
export function reasonProblem(value: unknown, min: number): string | undefined {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length === 0) return 'Enter a reason';
  if (text.length < min) return `Enter a reason of at least ${min} characters`;
  if (text.length > REASON_MAX) return `Enter a reason of at most ${REASON_MAX} characters`;
  if (text.includes('\u0000')) return 'Enter a reason without control characters';
  return undefined;
}

export function reasonOf(form: Record<string, unknown>): string {
  return typeof form.reason === 'string' ? form.reason.trim() : '';
}

export function userOf(request: FastifyRequest): { username: string; role: ConsoleRole } {
  const user = request.user;
  if (!user) throw new Error('console page reached without a signed-in user');
  return user;
}

export function mayUse(request: FastifyRequest, roles: readonly ConsoleRole[]): boolean {
  return request.user !== undefined && roles.includes(request.user.role);
}

const DATE_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: LONDON, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

function partsOf(format: Intl.DateTimeFormat, at: Date): Record<string, string> {
  return Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
}

/** `2026-11-23 15:20:05` in London time. */
export function londonText(at: Date): string {
  const p = partsOf(DATE_TIME, at);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** A time element (machine-readable UTC, human London time); a dash when there is none. */
export function time(at: Date | null | undefined): SafeHtml {
  if (!at) return html`<span aria-label="none">—</span>`;
  return html`<time datetime="${at.toISOString()}">${londonText(at)}</time>`;
}

/** The instant London's clock shows midnight starting the calendar date `YYYY-MM-DD`. */
export function londonMidnight(date: string): Date | undefined {
  if (!DATE_PATTERN.test(date)) return undefined;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const utc = Date.UTC(y, m - 1, d);
  const check = new Date(utc);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return undefined;
  // London is UTC+0 or UTC+1: try both and keep the one whose local time is midnight of that date.
  for (const offsetHours of [0, 1]) {
    const candidate = new Date(utc - offsetHours * 3_600_000);
    const p = partsOf(DATE_TIME, candidate);
    if (`${p.year}-${p.month}-${p.day}` === date && p.hour === '00' && p.minute === '00') return candidate;
  }
  return undefined;
}

/** The calendar date after `YYYY-MM-DD`. */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** `4 min 05 s`, `2 h 03 min`, `3 d 4 h`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

export function partnerName(deps: ConsoleDeps, partnerId: string | null | undefined): string {
  if (!partnerId) return '—';
  return deps.config.partners.get(partnerId)?.displayName ?? partnerId;
}

/** A partner's display name with its id (ids are what operators search with). */
export function partnerCell(deps: ConsoleDeps, partnerId: string | null | undefined): SafeHtml {
  if (!partnerId) return html`—`;
  const partner = deps.config.partners.get(partnerId);
  return partner ? html`${partner.displayName} <span class="tag">${partnerId}</span>` : html`<span class="tag">${partnerId}</span>`;
}

/** `<option>`s of every configured partner, the chosen one selected. */
export function partnerOptions(deps: ConsoleDeps, selected: string | undefined, filter: (p: { delivery?: unknown }) => boolean = () => true): SafeHtml {
  const partners = deps.config.partners
    .all()
    .filter(filter)
    .slice()
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  return html`<option value="">Any partner</option>${partners.map((p) => html`<option value="${p.id}"${p.id === selected ? raw(' selected') : ''}>${p.displayName}</option>`)}`;
}

export function isPartner(deps: ConsoleDeps, id: string | undefined): id is string {
  return typeof id === 'string' && deps.config.partners.get(id) !== undefined;
}

export function tag(state: string, text: string = state): SafeHtml {
  return html`<span class="tag ${state}">${text}</span>`;
}

/** The page number from `?page=` (1-based, at least 1). */
export function pageNumber(query: Record<string, string | string[] | undefined>): number {
  const n = Number.parseInt(first(query.page) ?? '1', 10);
  return Number.isFinite(n) && n >= 1 && n <= 100_000 ? n : 1;
}

/** "Showing 26–50 of 120" with previous/next links that keep the given (validated) filters. */
export function pagination(path: string, params: Record<string, string | undefined>, page: number, pageSize: number, total: number): SafeHtml {
  if (total === 0) return html``;
  const from = (page - 1) * pageSize + 1;
  const to = Math.min(total, page * pageSize);
  const link = (p: number): string => {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
    search.set('page', String(p));
    return `${path}?${search.toString()}`;
  };
  return html`<nav aria-label="Pages"><p>Showing ${from}–${to} of ${total}.
${page > 1 ? html` <a href="${link(page - 1)}" rel="prev">Previous page</a>` : ''}
${to < total ? html` <a href="${link(page + 1)}" rel="next">Next page</a>` : ''}</p></nav>`;
}

/** A textarea for the reason a user states for an action, with its label and hint. */
export function reasonField(id: string, label: string, min: number): SafeHtml {
  return html`<label for="${id}">${label}</label>
<p class="hint" id="${id}-hint">At least ${min} characters. Recorded in the audit trail; do not include personal details.</p>
<textarea id="${id}" name="reason" rows="2" cols="50" required minlength="${min}" maxlength="${REASON_MAX}" aria-describedby="${id}-hint"></textarea>`;
}

/** Waits at most `ms` for a promise; undefined when it did not settle in time or failed. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
