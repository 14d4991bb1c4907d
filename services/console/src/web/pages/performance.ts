// GET /performance — performance against targets (DESIGN §8): time from the hub's receipt of a
// referral to each recipient's acknowledgement and acceptance, the share acknowledged within one
// working day (Working Together 2023), per recipient and per source type, and the Operation
// Encompass on-time rate; CSV per section. Open to every role: counts are suppressed and medians or
// rates based on 1–7 values are hidden (@hub/statistics performance.ts).
import {
  buildPerformanceReport,
  ENCOMPASS_NOTE,
  PERFORMANCE_NOTE,
  PERFORMANCE_SECTIONS,
  performanceCsv,
  sourceTypeLabel,
  type EncompassRow,
  type Period,
  type PerformanceReport,
  type PerformanceRow,
  type PerformanceSection,
} from '@hub/statistics';
import { ALL_ROLES, type ConsoleDeps, type ConsoleRole, type PageRoute } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { first, partnerName, queryOf, sendPage, time } from './common.ts';
import { barChart, periodForm, periodQuery, readPeriod } from './statistics.ts';

export const PERFORMANCE_ROLES: readonly ConsoleRole[] = ALL_ROLES;

async function buildReport(deps: ConsoleDeps, period: Period): Promise<PerformanceReport> {
  const timings = await deps.store.deliveryTimings({ from: period.start, to: period.end });
  return buildPerformanceReport({
    from: period.from,
    to: period.to,
    asAt: deps.now(),
    timings,
    recipientLabel: (id) => partnerName(deps, id),
    sourceLabel: sourceTypeLabel,
  });
}

function performanceTable(caption: string, firstHeader: string, rows: readonly PerformanceRow[]): SafeHtml {
  return html`<table>
<caption>${caption}</caption>
<thead><tr><th scope="col">${firstHeader}</th><th scope="col">Deliveries</th><th scope="col">Median hours to acknowledge</th><th scope="col">Acknowledged within one working day</th><th scope="col">Median hours to accept</th></tr></thead>
<tbody>${rows.map(
    (r) => html`<tr${r.key === '' ? html` class="total"` : ''}><th scope="row">${r.key === '' ? html`<strong>${r.label}</strong>` : r.label}</th><td>${r.deliveries}</td><td>${r.medianHoursToAcknowledge}</td><td>${r.acknowledgedWithinOneWorkingDay}</td><td>${r.medianHoursToAccept}</td></tr>`,
  )}</tbody>
</table>`;
}

function encompassTable(rows: readonly EncompassRow[]): SafeHtml {
  return html`<table>
<caption>Operation Encompass notifications delivered before the start of the next school day</caption>
<thead><tr><th scope="col">School or recipient</th><th scope="col">Notifications judged</th><th scope="col">Delivered on time</th></tr></thead>
<tbody>${rows.map((r) => html`<tr><th scope="row">${r.key === '' ? html`<strong>${r.label}</strong>` : r.label}</th><td>${r.notifications}</td><td>${r.onTime}</td></tr>`)}</tbody>
</table>`;
}

function csvLink(period: Period, section: PerformanceSection): SafeHtml {
  return html`<a href="/performance.csv?${periodQuery(period, { section })}" download>Download CSV</a>`;
}

function reportBody(report: PerformanceReport, period: Period): SafeHtml {
  const named = report.byRecipient.filter((r) => r.key !== '');
  return html`<p class="notice">${PERFORMANCE_NOTE}</p>
<p>Figures as at ${time(report.asAt)}: acknowledgement windows and deadlines still open then are not judged yet.</p>
<section aria-labelledby="h-recipient"><h2 id="h-recipient">By recipient</h2>
<p>${csvLink(period, 'recipient')}</p>
${named.length > 0 ? barChart('chart-ack', 'Acknowledged within one working day, by recipient', named.map((r) => ({ label: r.label, shown: r.acknowledgedWithinOneWorkingDay })), { max: 100 }) : ''}
${performanceTable('Acknowledgement and acceptance by recipient', 'Recipient', report.byRecipient)}
</section>
<section aria-labelledby="h-source"><h2 id="h-source">By source</h2>
<p>${csvLink(period, 'source')}</p>
${performanceTable('Acknowledgement and acceptance by the type of referral', 'Source type', report.bySource)}
</section>
<section aria-labelledby="h-encompass"><h2 id="h-encompass">Operation Encompass</h2>
<p>${ENCOMPASS_NOTE} ${csvLink(period, 'encompass')}</p>
${encompassTable(report.encompass)}
</section>`;
}

export function performanceRoutes(deps: ConsoleDeps): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/performance',
      roles: PERFORMANCE_ROLES,
      async handler(request, reply) {
        const { period, errors } = readPeriod(deps, queryOf(request));
        const form = periodForm('/performance', period);
        if (errors.length > 0) return sendPage(request, reply, { title: 'Performance against targets', body: form, errors }, 400);
        const report = await buildReport(deps, period);
        const intro = html`<p>Deliveries of referrals received from ${period.from} up to (not including) ${period.to}, London time.</p>`;
        return sendPage(request, reply, { title: 'Performance against targets', body: html`${intro}${form}${reportBody(report, period)}` });
      },
    },
    {
      method: 'GET',
      url: '/performance.csv',
      roles: PERFORMANCE_ROLES,
      async handler(request, reply) {
        const query = queryOf(request);
        const { period, errors } = readPeriod(deps, query);
        const section = first(query.section) ?? 'recipient';
        if (!(PERFORMANCE_SECTIONS as readonly string[]).includes(section)) errors.push(`Section: choose one of ${PERFORMANCE_SECTIONS.join(', ')}`);
        if (errors.length > 0) return sendPage(request, reply, { title: 'Performance against targets', body: periodForm('/performance', period), errors }, 400);
        const report = await buildReport(deps, period);
        await deps.audit(request, { action: 'performance.export', targetType: 'performance', targetId: section, details: { from: period.from, to: period.to } });
        return reply
          .code(200)
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="performance-${section}-${period.from}-to-${period.to}.csv"`)
          .header('cache-control', 'no-store')
          .send(performanceCsv(report, section as PerformanceSection));
      },
    },
  ];
}
