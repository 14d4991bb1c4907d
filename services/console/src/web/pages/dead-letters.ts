// GET /dead-letters — deliveries that failed for good, with their attempt history;
// POST /dead-letters/replay and /dead-letters/:id/close — an operator's replay or close.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { outboxJob } from '@hub/queues';
import { ALL_ROLES, OPERATE_ROLES, type ConsoleDeps, type PageRoute } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import {
  first,
  formOf,
  isPartner,
  listOf,
  mayUse,
  noticeText,
  pageNumber,
  pagination,
  paramOf,
  partnerCell,
  partnerOptions,
  queryOf,
  reasonField,
  reasonOf,
  reasonProblem,
  redirectWithNotice,
  sendPage,
  tag,
  time,
  UUID_PATTERN,
} from './common.ts';

export const DEAD_LETTER_PAGE_SIZE = 25;
export const DEAD_LETTER_REASON_MIN = 3;
const MAX_REPLAY = 1000;

type DeadLetter = Awaited<ReturnType<ConsoleDeps['store']['listDeadLetters']>>['items'][number];

const NOTICES: Record<string, (n: number) => string> = {
  replayed: (n) => `${n} ${n === 1 ? 'delivery' : 'deliveries'} replayed: queued to be sent again.`,
  closed: () => 'Dead letter closed without sending; recorded in the ledger as not disclosed.',
};

function attemptHistory(d: DeadLetter): SafeHtml {
  if (d.attemptHistory.length === 0) return html`<p>No attempt was recorded.</p>`;
  return html`<table>
<caption>Attempts</caption>
<thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Outcome</th><th scope="col">HTTP status</th><th scope="col">Error code</th><th scope="col">Duration</th></tr></thead>
<tbody>${d.attemptHistory.map((a) => html`<tr><td>${a.attempt}</td><td>${time(a.at)}</td><td>${a.outcome}</td><td>${a.httpStatus ?? '—'}</td><td>${a.errorCode ?? '—'}</td><td>${a.durationMs} ms</td></tr>`)}</tbody>
</table>`;
}

function row(deps: ConsoleDeps, d: DeadLetter, i: number, operate: boolean): SafeHtml {
  return html`<tr>
${operate ? html`<td><label for="dl-${i}"><input type="checkbox" id="dl-${i}" name="ids" value="${d.deliveryId}"> Select</label></td>` : ''}
<td><span class="tag">${d.deliveryId}</span>
<details><summary>Attempt history (${d.attemptHistory.length})</summary>${attemptHistory(d)}</details></td>
<td><a href="/referrals/${d.referralId}">${d.referralId}</a></td>
<td>${partnerCell(deps, d.recipientPartnerId)}</td>
<td>${d.purpose} by ${d.channel}</td>
<td>${tag('dead', d.lastErrorCode ?? 'unknown')}</td>
<td>${d.attempts}</td>
<td>${time(d.createdAt)}</td>
${operate ? html`<td><button type="submit" class="secondary" formaction="/dead-letters/${d.deliveryId}/close" aria-label="Close dead letter ${d.deliveryId} without sending">Close</button></td>` : ''}
</tr>`;
}

async function renderDeadLetters(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, opts: { errors?: string[]; status?: number; notice?: string } = {}): Promise<FastifyReply> {
  const query = queryOf(request);
  const partnerParam = first(query.partner);
  const partner = isPartner(deps, partnerParam) ? partnerParam : undefined;
  const page = pageNumber(query);
  const list = await deps.store.listDeadLetters({ limit: DEAD_LETTER_PAGE_SIZE, offset: (page - 1) * DEAD_LETTER_PAGE_SIZE, ...(partner ? { partnerId: partner } : {}) });
  const operate = mayUse(request, OPERATE_ROLES);
  const filter = html`<form method="get" action="/dead-letters" class="filters" aria-label="Filter dead letters">
<div><label for="f-partner">Recipient partner</label><select id="f-partner" name="partner">${partnerOptions(deps, partner, (p) => Boolean(p.delivery))}</select></div>
<div><button type="submit">Filter</button></div></form>`;
  const table = html`<table>
<caption>Dead letters${partner ? ' for the chosen partner' : ''}, ${list.total} in all</caption>
<thead><tr>${operate ? html`<th scope="col">Replay</th>` : ''}<th scope="col">Delivery</th><th scope="col">Referral</th><th scope="col">Recipient</th><th scope="col">Purpose and channel</th><th scope="col">Last error</th><th scope="col">Attempts</th><th scope="col">Created</th>${operate ? html`<th scope="col">Close</th>` : ''}</tr></thead>
<tbody>${list.items.map((d, i) => row(deps, d, i, operate))}</tbody>
</table>`;
  const content =
    list.items.length === 0
      ? html`<p>No dead letters${partner ? ' for this partner' : ''}.</p>`
      : operate
        ? html`<form method="post" action="/dead-letters/replay">${csrfField(request)}
<p>Replay sends the selected deliveries again with the same delivery id; Close stops a delivery for good (recorded as not disclosed). Either needs a reason.</p>
${reasonField('dl-reason', 'Reason for replaying or closing', DEAD_LETTER_REASON_MIN)}
${table}
<p><button type="submit">Replay selected</button></p>
</form>`
        : table;
  const body = html`${filter}${content}${pagination('/dead-letters', { partner }, page, DEAD_LETTER_PAGE_SIZE, list.total)}`;
  return sendPage(request, reply, { title: 'Dead letters', body, ...(opts.errors ? { errors: opts.errors } : {}), ...(opts.notice ? { notice: opts.notice } : {}) }, opts.status ?? 200);
}

export function deadLetterRoutes(deps: ConsoleDeps): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/dead-letters',
      roles: ALL_ROLES,
      async handler(request, reply) {
        const notice = noticeText(queryOf(request), NOTICES);
        return renderDeadLetters(deps, request, reply, notice ? { notice } : {});
      },
    },
    {
      method: 'POST',
      url: '/dead-letters/replay',
      roles: OPERATE_ROLES,
      async handler(request, reply) {
        const form = formOf(request);
        const ids = [...new Set(listOf(form, 'ids').map((id) => id.toLowerCase()))];
        const errors: string[] = [];
        const problem = reasonProblem(form.reason, DEAD_LETTER_REASON_MIN);
        if (problem) errors.push(`Reason for replaying or closing: ${problem}`);
        if (ids.length === 0) errors.push('Replay: select at least one dead letter');
        else if (ids.length > MAX_REPLAY || !ids.every((id) => UUID_PATTERN.test(id))) errors.push('Replay: select dead letters from the list');
        if (errors.length > 0) return renderDeadLetters(deps, request, reply, { errors, status: 422 });
        const reason = reasonOf(form);
        const outbox = await deps.store.replayDeliveries(ids, { operatorId: request.user?.username as string, reason });
        // Fast path; if Redis refuses, the committed outbox rows are queued by the sweeper.
        await deps.enqueuer.addNow(outbox.map(outboxJob)).catch(() => undefined);
        await deps.audit(request, { action: 'dead-letter.replay', targetType: 'delivery', reason, outcome: 'ok', details: { count: outbox.length, selected: ids.length, deliveryIds: ids.join(',') } });
        return redirectWithNotice(reply, '/dead-letters', 'replayed', outbox.length);
      },
    },
    {
      method: 'POST',
      url: '/dead-letters/:id/close',
      roles: OPERATE_ROLES,
      async handler(request, reply) {
        const id = paramOf(request, 'id').toLowerCase();
        if (!UUID_PATTERN.test(id)) return renderDeadLetters(deps, request, reply, { errors: ['Close: that is not a dead letter (any more): nothing was changed.'], status: 404 });
        const form = formOf(request);
        const problem = reasonProblem(form.reason, DEAD_LETTER_REASON_MIN);
        if (problem) return renderDeadLetters(deps, request, reply, { errors: [`Reason for replaying or closing: ${problem}`], status: 422 });
        const reason = reasonOf(form);
        const closed = await deps.store.closeDeadLetter(id, { operatorId: request.user?.username as string, reason });
        if (!closed) return renderDeadLetters(deps, request, reply, { errors: ['Close: that is not a dead letter (any more): nothing was changed.'], status: 409 });
        const recipient = deps.metrics ? await deps.store.deliveryRecipient(id).catch(() => null) : null;
        if (recipient) deps.metrics?.disclosures.inc({ partner: recipient, outcome: 'not-disclosed' });
        await deps.audit(request, { action: 'dead-letter.close', targetType: 'delivery', targetId: id, reason, outcome: 'ok' });
        return redirectWithNotice(reply, '/dead-letters', 'closed');
      },
    },
  ];
}
