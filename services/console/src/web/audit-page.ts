// The audit trail page (dpo, admin) and the admin's "reload accounts" action (config.reload).
// Reasons users typed are free text: this is the only page that shows them.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEvent } from '@hub/store';
import type { AccountBook } from './accounts.ts';
import type { ConsoleDeps, ConsoleRole, PageRoute } from './context.ts';
import { html, type SafeHtml } from './html.ts';
import { csrfField } from './layout.ts';
import { DATE_PATTERN, first, londonMidnight, nextDate, noticeText, pageNumber, pagination, queryOf, sendPage, tag, time } from './pages/common.ts';

export const AUDIT_ROLES: readonly ConsoleRole[] = ['dpo', 'admin'];
export const RELOAD_ROLES: readonly ConsoleRole[] = ['admin'];
export const AUDIT_PAGE_SIZE = 50;

const ACTOR_PATTERN = /^[A-Za-z0-9()._ -]{1,128}$/;
const ACTION_PATTERN = /^[a-z0-9._-]{1,64}$/;

interface AuditFilters {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
}

function readFilters(query: Record<string, string | string[] | undefined>): { filters: AuditFilters; errors: string[] } {
  const filters: AuditFilters = {};
  const errors: string[] = [];
  const actor = first(query.actor)?.trim();
  if (actor) {
    if (ACTOR_PATTERN.test(actor)) filters.actor = actor;
    else errors.push('Enter a username of letters, digits, dots, dashes or underscores');
  }
  const action = first(query.action)?.trim();
  if (action) {
    if (ACTION_PATTERN.test(action)) filters.action = action;
    else errors.push('Enter an action such as sign-in, hold.share or queue');
  }
  for (const key of ['from', 'to'] as const) {
    const value = first(query[key])?.trim();
    if (!value) continue;
    if (DATE_PATTERN.test(value) && londonMidnight(value)) filters[key] = value;
    else errors.push(`Enter the ${key === 'from' ? 'first' : 'last'} date as YYYY-MM-DD`);
  }
  return { filters, errors };
}

function details(event: AuditEvent): SafeHtml {
  const entries = Object.entries(event.details);
  if (entries.length === 0) return html``;
  return html`${entries.map(([k, v], i) => html`${i > 0 ? ', ' : ''}${k}=${String(v)}`)}`;
}

function auditTable(items: AuditEvent[]): SafeHtml {
  if (items.length === 0) return html`<p>No audit events match.</p>`;
  return html`<table>
<caption class="skip">Audit events, newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Outcome</th><th scope="col">Reason</th><th scope="col">From</th><th scope="col">Details</th></tr></thead>
<tbody>${items.map(
    (e) => html`<tr><td>${time(e.at)}</td><td>${e.actor} <span class="tag">${e.role}</span></td><td>${e.action}</td><td>${e.targetType ? html`${e.targetType} <span class="masked">${e.targetId ?? ''}</span>` : '—'}</td><td>${tag(e.outcome)}</td><td>${e.reason ?? ''}</td><td>${e.ip ?? ''}</td><td>${details(e)}</td></tr>`,
  )}</tbody></table>`;
}

async function sendAuditPage(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, extra: { status?: number; errors?: string[] } = {}): Promise<FastifyReply> {
  const query = queryOf(request);
  const { filters, errors } = readFilters(query);
  const page = pageNumber(query);
  const fromDate = filters.from ? londonMidnight(filters.from) : undefined;
  const toDate = filters.to ? londonMidnight(nextDate(filters.to)) : undefined;
  const list = await deps.store.listAudit({
    ...(filters.actor ? { actor: filters.actor } : {}),
    ...(filters.action ? { action: filters.action } : {}),
    ...(fromDate ? { from: fromDate } : {}),
    ...(toDate ? { to: toDate } : {}),
    limit: AUDIT_PAGE_SIZE,
    offset: (page - 1) * AUDIT_PAGE_SIZE,
  });
  const filterForm = html`<form method="get" action="/audit" class="filters" role="search" aria-label="Filter the audit trail">
<div><label for="actor">Who</label><input type="text" id="actor" name="actor" value="${filters.actor ?? ''}" maxlength="128"></div>
<div><label for="action">Action</label><input type="text" id="action" name="action" value="${filters.action ?? ''}" maxlength="64" aria-describedby="action-hint"><span id="action-hint" class="skip">An action, or a family such as queue or hold</span></div>
<div><label for="from">From</label><input type="date" id="from" name="from" value="${filters.from ?? ''}"></div>
<div><label for="to">To</label><input type="date" id="to" name="to" value="${filters.to ?? ''}"></div>
<div><button type="submit">Filter</button> <a href="/audit">Clear</a></div>
</form>`;
  const reload =
    request.user && RELOAD_ROLES.includes(request.user.role)
      ? html`<h2>Accounts</h2><form method="post" action="/accounts/reload">${csrfField(request)}<p>Re-read the console accounts file after changing it: new accounts can sign in, roles change on each user's next request, removed accounts are signed out. A file with problems is not used.</p><button type="submit" class="secondary">Reload accounts</button></form>`
      : '';
  const notice = noticeText(query, { reloaded: (n) => `Accounts reloaded: ${n} account${n === 1 ? '' : 's'} in force.` });
  const body = html`<p>Every sign-in, refusal and action in the console and the admin API, newest first. Reasons are what users typed.</p>
${filterForm}
${auditTable(list.items)}
${pagination('/audit', { actor: filters.actor, action: filters.action, from: filters.from, to: filters.to }, page, AUDIT_PAGE_SIZE, list.total)}
${reload}`;
  const allErrors = [...(extra.errors ?? []), ...errors];
  return sendPage(request, reply, { title: 'Audit trail', body, ...(notice ? { notice } : {}), ...(allErrors.length > 0 ? { errors: allErrors } : {}) }, extra.status ?? 200);
}

/** GET /audit and POST /accounts/reload. */
export function auditRoutes(deps: ConsoleDeps, accounts: () => AccountBook): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/audit',
      roles: AUDIT_ROLES,
      handler: (request, reply) => sendAuditPage(deps, request, reply),
    },
    {
      method: 'POST',
      url: '/accounts/reload',
      roles: RELOAD_ROLES,
      async handler(request, reply) {
        const result = accounts().reload();
        if (!result.ok) {
          await deps.audit(request, { action: 'config.reload', targetType: 'config', targetId: 'console-accounts', outcome: 'failed', details: { problems: result.problems.length } });
          return sendAuditPage(deps, request, reply, { status: 422, errors: ['The accounts file has problems, so the accounts already loaded stay in force:', ...result.problems] });
        }
        await deps.audit(request, { action: 'config.reload', targetType: 'config', targetId: 'console-accounts', outcome: 'ok', details: { accounts: result.accounts } });
        return reply.code(303).header('location', `/audit?notice=reloaded&n=${result.accounts}`).send();
      },
    },
  ];
}
