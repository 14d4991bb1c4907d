// GET /partners — every configured partner's delivery health; POST /partners/:id/enable — an
// admin re-enables an endpoint disabled after 410 Gone, and the deliveries parked meanwhile go.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { deliverReferral } from '@hub/queues';
import { ALL_ROLES, type ConsoleDeps, type ConsoleRole, type PageRoute } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import { formOf, mayUse, noticeText, paramOf, queryOf, reasonField, reasonOf, reasonProblem, redirectWithNotice, sendNotFound, sendPage, tag, time } from './common.ts';

export const ENABLE_ROLES: readonly ConsoleRole[] = ['admin'];
export const ENABLE_REASON_MIN = 3;
/** How many parked (delayed) jobs an enable promotes at most. */
const MAX_PROMOTE = 10_000;

type Health = Awaited<ReturnType<ConsoleDeps['store']['partnerHealth']>>[number];
type Partner = ReturnType<ConsoleDeps['config']['partners']['all']>[number];

const NOTICES: Record<string, (n: number) => string> = {
  enabled: (n) => `Endpoint enabled; ${n} waiting ${n === 1 ? 'delivery was' : 'deliveries were'} released to be sent now.`,
};

function percent(rate: number): string {
  return `${(Math.round(rate * 1000) / 10).toFixed(1)} %`;
}

function endpointCell(request: FastifyRequest, p: Partner, h: Health | undefined, i: number): SafeHtml {
  if (!p.delivery) return html`—`;
  if (!h?.endpoint) return tag('ok', 'enabled');
  return html`${tag('dead', 'disabled')} since ${time(h.endpoint.disabledAt)}${h.endpoint.reasonCode ? html` (${h.endpoint.reasonCode})` : ''}
${mayUse(request, ENABLE_ROLES)
  ? html`<form method="post" action="/partners/${p.id}/enable">${csrfField(request)}
${reasonField(`enable-${i}-reason`, `Reason to re-enable ${p.displayName}`, ENABLE_REASON_MIN)}
<button type="submit">Re-enable endpoint</button></form>`
  : ''}`;
}

async function renderPartners(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, opts: { errors?: string[]; status?: number; notice?: string } = {}): Promise<FastifyReply> {
  const now = deps.now();
  const partners = deps.config.partners
    .all()
    .slice()
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  const health = new Map((await deps.store.partnerHealth(partners.map((p) => p.id), now)).map((h) => [h.partnerId, h]));
  const body = html`<p>Figures at ${time(now)}. Error rate and attempts cover the last 24 hours; "today" starts at midnight, London time.</p>
<table>
<caption>Partners (${partners.length})</caption>
<thead><tr><th scope="col">Partner</th><th scope="col">Type</th><th scope="col">Channel</th><th scope="col">Breaker</th><th scope="col">Last success</th><th scope="col">Error rate, 24 h</th><th scope="col">Delivered today</th><th scope="col">Pending</th><th scope="col">Dead letters</th><th scope="col">Endpoint</th></tr></thead>
<tbody>${partners.map((p, i) => {
    const h = health.get(p.id);
    return html`<tr id="partner-${p.id}"><th scope="row">${p.displayName} <span class="tag">${p.id}</span></th>
<td>${p.organisationType}</td>
<td>${p.delivery ? p.delivery.channel : 'sends only'}</td>
<td>${p.delivery ? tag(h?.breakerState === 'closed' || !h ? 'closed-breaker' : h.breakerState, h?.breakerState ?? 'closed') : '—'}${h?.breakerChangedAt && h.breakerState !== 'closed' ? html` since ${time(h.breakerChangedAt)}` : ''}</td>
${p.delivery
  ? html`<td>${time(h?.lastSuccessAt)}</td>
<td>${h && h.attempts24h > 0 ? html`${percent(h.errorRate24h)} <span>(${h.failures24h} of ${h.attempts24h} ${h.attempts24h === 1 ? 'attempt' : 'attempts'})</span>` : 'no attempts'}</td>
<td>${h?.deliveredToday ?? 0}</td>
<td>${h?.pendingDeliveries ?? 0}</td>
<td>${h && h.deadLetters > 0 ? html`<a href="/dead-letters?partner=${p.id}">${h.deadLetters}</a>` : (h?.deadLetters ?? 0)}</td>`
  : html`<td>—</td><td>—</td><td>—</td><td>—</td><td>—</td>`}
<td>${endpointCell(request, p, h, i)}</td></tr>`;
  })}</tbody>
</table>`;
  return sendPage(request, reply, { title: 'Partners', body, ...(opts.errors ? { errors: opts.errors } : {}), ...(opts.notice ? { notice: opts.notice } : {}) }, opts.status ?? 200);
}

export function partnerRoutes(deps: ConsoleDeps): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/partners',
      roles: ALL_ROLES,
      async handler(request, reply) {
        const notice = noticeText(queryOf(request), NOTICES);
        return renderPartners(deps, request, reply, notice ? { notice } : {});
      },
    },
    {
      method: 'POST',
      url: '/partners/:id/enable',
      roles: ENABLE_ROLES,
      async handler(request, reply) {
        const partnerId = paramOf(request, 'id');
        const partner = deps.config.partners.get(partnerId);
        if (!partner?.delivery) return sendNotFound(request, reply, 'partner endpoint');
        const form = formOf(request);
        const problem = reasonProblem(form.reason, ENABLE_REASON_MIN);
        if (problem) return renderPartners(deps, request, reply, { errors: [`Reason to re-enable ${partner.displayName}: ${problem}`], status: 422 });
        await deps.store.enableEndpoint(partnerId, request.user?.username as string);
        // Deliveries parked while the endpoint was disabled wait on a timer: send them now.
        let woken = 0;
        const parked = await deps.enqueuer
          .queue(deliverReferral.queue(partnerId))
          .getDelayed(0, MAX_PROMOTE - 1)
          .catch(() => []);
        for (const job of parked) {
          if (await job.promote().then(() => true, () => false)) woken += 1;
        }
        await deps.audit(request, { action: 'endpoint.enable', targetType: 'partner', targetId: partnerId, reason: reasonOf(form), outcome: 'ok', details: { resumedDeliveries: woken } });
        return redirectWithNotice(reply, '/partners', 'enabled', woken);
      },
    },
  ];
}
