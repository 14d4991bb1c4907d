// GET /statistics/feedback — anonymised feedback from families (issue 6): how families rated the
// services that supported them, by type of service and by area (postcode district), per month.
// Every figure is small-number suppressed in @hub/statistics (1–7 shown as *, others rounded to 5,
// secondary suppression) and a mean is shown only beside figures that are all shown; CSV and JSON
// exports. Open to the same roles as /statistics: the page holds codes, months, districts and
// numbers only — no answer, id, person or comment ever reaches it (the store does not select them).
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  buildFeedbackReport,
  feedbackReportJson,
  feedbackTableCsv,
  FEEDBACK_DIMENSIONS,
  FEEDBACK_MEAN_NOTE,
  FEEDBACK_TABLE_IDS,
  monthBuckets,
  monthLabel,
  SUPPRESSION_NOTE,
  type FeedbackAnswersTable,
  type FeedbackDimension,
  type FeedbackQuestionTable,
  type FeedbackReport,
  type Period,
} from '@hub/statistics';
import type { ConsoleDeps, PageRoute } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { first, queryOf, sendPage } from './common.ts';
import { barChart, periodForm, periodQuery, readPeriod, STATISTICS_ROLES } from './statistics.ts';

export const FEEDBACK_STATISTICS_ROLES = STATISTICS_ROLES;

const TITLE = 'Feedback from families';
const DIMENSION_HEADINGS: Readonly<Record<FeedbackDimension, string>> = { 'service-type': 'By type of service', area: 'By area' };

async function buildReport(deps: ConsoleDeps, period: Period): Promise<FeedbackReport> {
  const months = monthBuckets(period).labels;
  const rows = await deps.store.feedbackStatistics({ from: months[0] as string, to: months.at(-1) as string });
  return buildFeedbackReport({ from: period.from, to: period.to, months, rows });
}

function csvLink(period: Period, id: string): SafeHtml {
  return html`<a href="/statistics/feedback.csv?${periodQuery(period, { table: id })}" download>Download CSV</a>`;
}

function answersSection(report: FeedbackReport, t: FeedbackAnswersTable, period: Period): SafeHtml {
  const { table } = t;
  const bars = table.rows.map((label, r) => ({ label, shown: table.rowTotals[r] as string }));
  return html`<h3 id="h-${t.id}">${t.title}</h3>
<p>Counts ${t.counts}. ${csvLink(period, t.id)}</p>
${barChart(`chart-${t.id}`, `${t.title} in the period`, bars)}
<table>
<caption>${t.title}: ${t.counts}</caption>
<thead><tr><th scope="col">${table.rowHeader}</th>${report.months.map((m) => html`<th scope="col"><abbr title="${m}">${monthLabel(m)}</abbr></th>`)}<th scope="col">Total</th></tr></thead>
<tbody>${table.rows.map(
    (label, r) => html`<tr><th scope="row">${label}</th>${(table.cells[r] as string[]).map((v) => html`<td>${v}</td>`)}<td><strong>${table.rowTotals[r]}</strong></td></tr>`,
  )}
<tr><th scope="row">Total</th>${table.columnTotals.map((v) => html`<td><strong>${v}</strong></td>`)}<td><strong>${table.grandTotal}</strong></td></tr></tbody>
</table>`;
}

function questionSection(t: FeedbackQuestionTable, period: Period): SafeHtml {
  const { table } = t;
  return html`<h3 id="h-${t.id}">${t.title}</h3>
<p>Counts ${t.counts}. ${csvLink(period, t.id)}</p>
${
  t.rowKeys.length === 0
    ? html`<p>No answers in this period.</p>`
    : html`<table>
<caption>${t.title}, with the mean rating</caption>
<thead><tr><th scope="col">Month</th><th scope="col">${table.rowHeader}</th>${table.columns.map((c) => html`<th scope="col">Rated ${c}</th>`)}<th scope="col">Answered</th><th scope="col">Mean</th></tr></thead>
<tbody>${t.rowKeys.map(
        (key, r) =>
          html`<tr><td><abbr title="${t.rowMonths[r]}">${monthLabel(t.rowMonths[r] as string)}</abbr></td><th scope="row">${key}</th>${(table.cells[r] as string[]).map((v) => html`<td>${v}</td>`)}<td><strong>${table.rowTotals[r]}</strong></td><td>${t.means[r] === '' ? '—' : t.means[r]}</td></tr>`,
      )}
<tr><td></td><th scope="row">Total</th>${table.columnTotals.map((v) => html`<td><strong>${v}</strong></td>`)}<td><strong>${table.grandTotal}</strong></td><td><strong>${t.totalMean === '' ? '—' : t.totalMean}</strong></td></tr></tbody>
</table>`
}`;
}

function reportBody(report: FeedbackReport, period: Period): SafeHtml {
  return html`<p class="notice">${SUPPRESSION_NOTE}</p>
<p class="notice">${FEEDBACK_MEAN_NOTE}</p>
<p><a href="/statistics/feedback.json?${periodQuery(period)}" download>Download all tables as JSON</a> · <a href="/statistics?${periodQuery(period)}">Referral statistics</a></p>
${FEEDBACK_DIMENSIONS.map((dimension) => {
  const tables = report.tables.filter((t) => t.dimension === dimension);
  return html`<section aria-labelledby="h-${dimension}"><h2 id="h-${dimension}">${DIMENSION_HEADINGS[dimension]}</h2>
${tables.map((t) => (t.kind === 'answers' ? answersSection(report, t, period) : questionSection(t, period)))}
</section>`;
})}`;
}

function download(reply: FastifyReply, type: string, name: string, body: string): FastifyReply {
  return reply.code(200).header('content-type', `${type}; charset=utf-8`).header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(body);
}

async function sendBadRequest(request: FastifyRequest, reply: FastifyReply, errors: string[], period: Period): Promise<FastifyReply> {
  return sendPage(request, reply, { title: TITLE, body: periodForm('/statistics/feedback', period), errors }, 400);
}

export function feedbackStatisticsRoutes(deps: ConsoleDeps): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/statistics/feedback',
      roles: FEEDBACK_STATISTICS_ROLES,
      async handler(request, reply) {
        const { period, errors } = readPeriod(deps, queryOf(request));
        if (errors.length > 0) return sendBadRequest(request, reply, errors, period);
        const report = await buildReport(deps, period);
        const intro = html`<p>How families rated the support they had, from the short feedback form the hub invites them to fill in after a service closes their referral. Answers from ${period.from} up to (not including) ${period.to}, counted by the calendar month they arrived in (London time): a period that starts or ends in the middle of a month includes the whole month. Figures are small-number suppressed before they reach this page, and no answer can be traced to a family here.</p>`;
        return sendPage(request, reply, { title: TITLE, body: html`${intro}${periodForm('/statistics/feedback', period)}${reportBody(report, period)}` });
      },
    },
    {
      method: 'GET',
      url: '/statistics/feedback.csv',
      roles: FEEDBACK_STATISTICS_ROLES,
      async handler(request, reply) {
        const query = queryOf(request);
        const { period, errors } = readPeriod(deps, query);
        const table = first(query.table) ?? 'service-type-answers';
        if (!FEEDBACK_TABLE_IDS.includes(table)) errors.push(`Table: choose one of ${FEEDBACK_TABLE_IDS.join(', ')}`);
        if (errors.length > 0) return sendBadRequest(request, reply, errors, period);
        const report = await buildReport(deps, period);
        await deps.audit(request, { action: 'statistics.export', targetType: 'statistics', targetId: `feedback-${table}`, details: { from: period.from, to: period.to, format: 'csv' } });
        return download(reply, 'text/csv', `feedback-${table}-${period.from}-to-${period.to}.csv`, feedbackTableCsv(report, table));
      },
    },
    {
      method: 'GET',
      url: '/statistics/feedback.json',
      roles: FEEDBACK_STATISTICS_ROLES,
      async handler(request, reply) {
        const { period, errors } = readPeriod(deps, queryOf(request));
        if (errors.length > 0) return sendBadRequest(request, reply, errors, period);
        const report = await buildReport(deps, period);
        await deps.audit(request, { action: 'statistics.export', targetType: 'statistics', targetId: 'feedback', details: { from: period.from, to: period.to, format: 'json' } });
        return download(reply, 'application/json', `feedback-${period.from}-to-${period.to}.json`, `${feedbackReportJson(report)}\n`);
      },
    },
  ];
}
