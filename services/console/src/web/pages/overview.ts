// GET / — the overview: queues, the last hour's throughput, holds, dead letters, partners that
// need attention and today's Operation Encompass deadlines. Refreshes itself every 15 s.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { snapshotQueues, type QueueSnapshot } from '@hub/queues';
import { DEADLINE_AT_RISK_WINDOW_MS } from '@hub/store';
import { ALL_ROLES, type ConsoleDeps, type PageRoute } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { duration, mayUse, partnerCell, sendPage, tag, time, within } from './common.ts';
import { londonToday } from '../../sar/requests.ts';

/** How long the overview waits for Redis before showing the page without queue figures. */
export const QUEUE_SNAPSHOT_TIMEOUT_MS = 1_000;
const BAR_WIDTH = 160;

type Overview = Awaited<ReturnType<ConsoleDeps['store']['overview']>>;
type Health = Awaited<ReturnType<ConsoleDeps['store']['partnerHealth']>>[number];

function queueTable(snapshots: QueueSnapshot[] | undefined): SafeHtml {
  if (!snapshots) {
    return html`<p class="notice" role="status">Queue figures unavailable: Redis did not answer in time. The other figures come from the database and are current.</p>`;
  }
  return html`<table>
<caption>Jobs per queue</caption>
<thead><tr><th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Prioritized</th><th scope="col">Active</th><th scope="col">Delayed</th><th scope="col">Failed</th><th scope="col">Oldest waiting</th></tr></thead>
<tbody>${snapshots.map(
    (q) => html`<tr><th scope="row">${q.queue}</th><td>${q.waiting}</td><td>${q.prioritized}</td><td>${q.active}</td><td>${q.delayed}</td><td>${q.failed}</td><td>${q.waiting + q.prioritized > 0 ? duration(q.oldestWaitingAgeMs) : '—'}</td></tr>`,
  )}</tbody>
</table>`;
}

/** A bar drawn in SVG (allowed by any style CSP); hidden from screen readers, the number is beside it. */
function bar(value: number, max: number, colour: string): SafeHtml {
  const width = max > 0 ? Math.round((value / max) * BAR_WIDTH) : 0;
  return html`<svg width="${BAR_WIDTH}" height="12" aria-hidden="true" focusable="false"><rect x="0" y="0" width="${width}" height="12" fill="${colour}"></rect></svg>`;
}

function throughputTable(overview: Overview): SafeHtml {
  const max = Math.max(0, ...overview.throughput.flatMap((b) => [b.received, b.delivered, b.failedAttempts]));
  const totals = overview.throughput.reduce((t, b) => ({ received: t.received + b.received, delivered: t.delivered + b.delivered, failed: t.failed + b.failedAttempts }), { received: 0, delivered: 0, failed: 0 });
  return html`<p>In the last hour: <strong>${totals.received}</strong> received, <strong>${totals.delivered}</strong> delivered, <strong>${totals.failed}</strong> failed attempts.</p>
<table class="throughput">
<caption>Throughput in five-minute intervals, oldest first</caption>
<thead><tr><th scope="col">From</th><th scope="col">Received</th><th scope="col">Delivered</th><th scope="col">Failed attempts</th></tr></thead>
<tbody>${overview.throughput.map(
    (b) => html`<tr><th scope="row">${time(b.bucketStart)}</th>
<td>${bar(b.received, max, '#1d70b8')} ${b.received}</td>
<td>${bar(b.delivered, max, '#00703c')} ${b.delivered}</td>
<td>${bar(b.failedAttempts, max, '#d4351c')} ${b.failedAttempts}</td></tr>`,
  )}</tbody>
</table>`;
}

function attentionList(deps: ConsoleDeps, health: Health[]): SafeHtml {
  const attention = health.filter((h) => h.breakerState !== 'closed' || h.endpoint);
  if (attention.length === 0) return html`<p>No partner has an open circuit breaker or a disabled endpoint.</p>`;
  return html`<ul>${attention.map(
    (h) => html`<li>${partnerCell(deps, h.partnerId)}: ${h.breakerState !== 'closed' ? html`breaker ${tag(h.breakerState)}` : ''}${h.breakerState !== 'closed' && h.endpoint ? '; ' : ''}${h.endpoint ? html`endpoint ${tag('dead', 'disabled')} since ${time(h.endpoint.disabledAt)}${h.endpoint.reasonCode ? html` (${h.endpoint.reasonCode})` : ''}` : ''}. <a href="/partners">Partners</a></li>`,
  )}</ul>`;
}

/** The same classes as the store's counts: met, missed (or late), at risk (close, or past but not yet marked), due. */
function deadlineStatus(d: Overview['deadlines'][number], now: Date): SafeHtml {
  if (d.deliveredAt) return d.deliveredAt <= d.deadlineAt ? tag('delivered', 'met') : tag('missed', 'missed (delivered late)');
  if (d.missedAt) return tag('missed', 'missed');
  const dead = d.status === 'dead' ? ', dead letter' : '';
  if (d.deadlineAt <= now) return tag('missed', `at risk (past, not delivered${dead})`);
  if (d.deadlineAt.getTime() < now.getTime() + DEADLINE_AT_RISK_WINDOW_MS) return tag('pending', `at risk${dead ? ` (${dead.slice(2)})` : ''}`);
  return tag('pending', `due${dead ? ` (${dead.slice(2)})` : ''}`);
}

function deadlinesSection(deps: ConsoleDeps, overview: Overview, now: Date): SafeHtml {
  const t = overview.deadlinesToday;
  return html`<div class="cards">
<div class="card"><span>Due today</span><strong>${t.due}</strong></div>
<div class="card ok"><span>Met</span><strong>${t.met}</strong></div>
<div class="card ${t.missed > 0 ? 'warn' : ''}"><span>Missed</span><strong>${t.missed}</strong></div>
<div class="card ${t.atRisk > 0 ? 'warn' : ''}"><span>At risk</span><strong>${t.atRisk}</strong></div>
</div>
${overview.deadlines.length === 0
    ? html`<p>No delivery has a deadline today.</p>`
    : html`<table>
<caption>Deliveries with a deadline today</caption>
<thead><tr><th scope="col">Deadline</th><th scope="col">Recipient</th><th scope="col">Referral</th><th scope="col">Status</th><th scope="col">Delivered</th></tr></thead>
<tbody>${overview.deadlines.map(
        (d) => html`<tr><td>${time(d.deadlineAt)}</td><td>${partnerCell(deps, d.recipientPartnerId)}</td><td><a href="/referrals/${d.referralId}">${d.referralId}</a></td><td>${deadlineStatus(d, now)}</td><td>${time(d.deliveredAt)}</td></tr>`,
      )}</tbody>
</table>`}`;
}

export function overviewRoutes(deps: ConsoleDeps): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/',
      roles: ALL_ROLES,
      async handler(request: FastifyRequest, reply: FastifyReply) {
        const now = deps.now();
        const recipients = deps.config.partners.all().filter((p) => p.delivery).map((p) => p.id);
        const [snapshots, overview, health] = await Promise.all([
          within(snapshotQueues(deps.queues(), now.getTime()), QUEUE_SNAPSHOT_TIMEOUT_MS),
          deps.store.overview(now),
          deps.store.partnerHealth(recipients, now),
        ]);
        const attention = health.filter((h) => h.breakerState !== 'closed' || h.endpoint).length;
        // Subject access deadlines (DPO and administrators only): open requests past their due date.
        const sarOverdue = mayUse(request, ['dpo', 'admin']) ? await deps.store.countOverdueSubjectAccessRequests(londonToday(now)) : undefined;
        const body = html`<p>Figures at ${time(now)} (London time); this page refreshes every 15 seconds.</p>
<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>
<div class="cards">
<div class="card ${overview.openHolds > 0 ? 'warn' : 'ok'}"><span>Referrals held for review</span><strong>${overview.openHolds}</strong><a href="/holds">Review hold</a></div>
<div class="card ${overview.deadLetters > 0 ? 'warn' : 'ok'}"><span>Dead letters</span><strong>${overview.deadLetters}</strong><a href="/dead-letters">Dead letters</a></div>
<div class="card ${attention > 0 ? 'warn' : 'ok'}"><span>Partners needing attention</span><strong>${attention}</strong><a href="/partners">Partners</a></div>
${sarOverdue === undefined ? '' : html`<div class="card ${sarOverdue > 0 ? 'warn' : 'ok'}"><span>Subject access requests overdue</span><strong>${sarOverdue}</strong><a href="/sar">Subject access</a></div>`}
</div></section>
<section aria-labelledby="queues-h"><h2 id="queues-h">Queues</h2>${queueTable(snapshots)}</section>
<section aria-labelledby="throughput-h"><h2 id="throughput-h">Throughput, last hour</h2>${throughputTable(overview)}</section>
<section aria-labelledby="partners-h"><h2 id="partners-h">Partners needing attention</h2>${attentionList(deps, health)}</section>
<section aria-labelledby="deadlines-h"><h2 id="deadlines-h">Operation Encompass deadlines today</h2>${deadlinesSection(deps, overview, now)}</section>`;
        return sendPage(request, reply, { title: 'Overview', body, refreshSeconds: 15 });
      },
    },
  ];
}
