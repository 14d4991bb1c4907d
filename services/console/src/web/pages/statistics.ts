// GET /statistics — anonymised statistics (DESIGN §8): referrals by source, need, area and outcome
// per month, every figure small-number suppressed (1–7 shown as *, others rounded to 5, secondary
// suppression), with bar charts drawn from the SHOWN figures only; CSV and JSON exports. Open to
// every role: nothing here is about a person, and no true count leaves @hub/statistics.
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  buildStatisticsReport,
  defaultPeriod,
  monthBuckets,
  monthLabel,
  parsePeriod,
  reportJson,
  reportTableCsv,
  STATISTICS_TABLE_IDS,
  SUPPRESSED,
  SUPPRESSION_NOTE,
  type Period,
  type StatisticsReport,
  type StatisticsTable,
  type StatisticsTableId,
} from '@hub/statistics';
import { ALL_ROLES, type ConsoleDeps, type ConsoleRole, type PageRoute } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { first, queryOf, sendPage } from './common.ts';

export const STATISTICS_ROLES: readonly ConsoleRole[] = ALL_ROLES;

const CHART_WIDTH = 640;
const LABEL_WIDTH = 260;
const BAR_AREA = CHART_WIDTH - LABEL_WIDTH - 60;
const ROW_HEIGHT = 22;

/** Reads `from`/`to` (London dates, `to` not included); neither given → the last twelve months. Errors name the field, never the value. */
export function readPeriod(deps: ConsoleDeps, query: Record<string, string | string[] | undefined>): { period: Period; errors: string[]; asked: { from?: string; to?: string } } {
  const from = first(query.from)?.trim();
  const to = first(query.to)?.trim();
  const fallback = defaultPeriod(deps.now());
  if (!from && !to) return { period: fallback, errors: [], asked: {} };
  const parsed = parsePeriod(from ?? fallback.from, to ?? fallback.to);
  if ('period' in parsed) return { period: parsed.period, errors: [], asked: { from: parsed.period.from, to: parsed.period.to } };
  const labels = { from: 'From', to: 'Up to' };
  return { period: fallback, errors: parsed.problems.map((p) => `${labels[p.field]}: ${p.message}`), asked: {} };
}

/** The period form (GET): only validated dates are written back. */
export function periodForm(action: string, period: Period, extra: SafeHtml = html``): SafeHtml {
  return html`<form method="get" action="${action}" class="filters" aria-label="Period">
<div><label for="p-from">From (London date)</label><input type="date" id="p-from" name="from" value="${period.from}"></div>
<div><label for="p-to">Up to, not including</label><input type="date" id="p-to" name="to" value="${period.to}"></div>
${extra}<div><button type="submit">Show</button></div>
</form>`;
}

export function periodQuery(period: Period, extra: Record<string, string> = {}): string {
  return new URLSearchParams({ from: period.from, to: period.to, ...extra }).toString();
}

async function buildReport(deps: ConsoleDeps, period: Period): Promise<StatisticsReport> {
  const buckets = monthBuckets(period);
  const counts = await deps.store.statisticsCounts({ from: period.start, to: period.end, buckets: buckets.starts });
  return buildStatisticsReport({ from: period.from, to: period.to, months: buckets.labels, counts });
}

/** A shown figure as a number for a chart: `*` and anything else not a plain count → undefined. */
function shownNumber(shown: string): number | undefined {
  return /^[0-9]+$/.test(shown) ? Number(shown) : undefined;
}

/**
 * A horizontal bar chart of shown figures (never true counts): a `*` gets no bar and says so.
 * The SVG has a text alternative; the same figures are in the table after it.
 */
export function barChart(id: string, caption: string, bars: readonly { label: string; shown: string }[], options: { max?: number } = {}): SafeHtml {
  const max = options.max ?? Math.max(0, ...bars.map((b) => shownNumber(b.shown.replace(/%$/, '')) ?? 0));
  const height = bars.length * ROW_HEIGHT + 8;
  const rows = bars.map((b, i) => {
    const y = i * ROW_HEIGHT + 4;
    const value = shownNumber(b.shown.replace(/%$/, ''));
    const width = value !== undefined && max > 0 ? Math.max(value > 0 ? 2 : 0, Math.round((value / max) * BAR_AREA)) : 0;
    const text = b.shown === SUPPRESSED ? '* (1–7 or hidden)' : b.shown;
    return html`<g><text x="${LABEL_WIDTH - 6}" y="${y + 15}" text-anchor="end" font-size="12">${b.label.length > 40 ? `${b.label.slice(0, 39)}…` : b.label}</text>
<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${width}" height="${ROW_HEIGHT - 8}" fill="#1d70b8"></rect>
<text x="${LABEL_WIDTH + width + 6}" y="${y + 15}" font-size="12">${text}</text></g>`;
  });
  const alt = bars.map((b) => `${b.label}: ${b.shown}`).join('; ');
  return html`<figure class="chart" id="${id}">
<svg width="${CHART_WIDTH}" height="${height}" viewBox="0 0 ${CHART_WIDTH} ${height}" role="img" aria-labelledby="${id}-title" focusable="false"><title id="${id}-title">${caption}. ${alt}</title>${rows}</svg>
<figcaption>${caption} (figures as published, after suppression; the table below has the same figures).</figcaption>
</figure>`;
}

function statisticsTable(report: StatisticsReport, t: StatisticsTable): SafeHtml {
  const { table } = t;
  return html`<table>
<caption>${t.title}: ${t.counts}, by month received</caption>
<thead><tr><th scope="col">${table.rowHeader}</th>${report.months.map((m) => html`<th scope="col"><abbr title="${m}">${monthLabel(m)}</abbr></th>`)}<th scope="col">Total</th></tr></thead>
<tbody>${table.rows.map(
    (label, r) => html`<tr><th scope="row">${label}</th>${(table.cells[r] as string[]).map((v) => html`<td>${v}</td>`)}<td><strong>${table.rowTotals[r]}</strong></td></tr>`,
  )}
<tr><th scope="row">Total</th>${table.columnTotals.map((v) => html`<td><strong>${v}</strong></td>`)}<td><strong>${table.grandTotal}</strong></td></tr></tbody>
</table>`;
}

function tableSection(report: StatisticsReport, t: StatisticsTable, period: Period): SafeHtml {
  const bars = t.table.rows.map((label, r) => ({ label, shown: t.table.rowTotals[r] as string }));
  return html`<section aria-labelledby="h-${t.id}"><h2 id="h-${t.id}">${t.title}</h2>
<p>Counts ${t.counts}. <a href="/statistics.csv?${periodQuery(period, { table: t.id })}" download>Download CSV</a></p>
${barChart(`chart-${t.id}`, `${t.title} in the period`, bars)}
${statisticsTable(report, t)}
</section>`;
}

function reportBody(report: StatisticsReport, period: Period): SafeHtml {
  const source = report.tables.find((t) => t.id === 'source-type') as StatisticsTable;
  const months = report.months.map((m, i) => ({ label: monthLabel(m), shown: source.table.columnTotals[i] as string }));
  return html`<p class="notice">${SUPPRESSION_NOTE}</p>
${report.dimensionsIncomplete ? html`<p class="notice" role="status">Some referrals in this period have no recorded needs or area yet (routed before these were recorded, or erased). They are counted under "No need recorded" and "Unknown". An administrator can fill them in with <code>pnpm hub stats backfill</code>.</p>` : ''}
<p><a href="/statistics.json?${periodQuery(period)}" download>Download all tables as JSON</a> · <a href="/statistics/feedback?${periodQuery(period)}">Feedback from families</a></p>
<section aria-labelledby="h-months"><h2 id="h-months">Referrals per month</h2>
${barChart('chart-months', 'Referrals received per month', months)}
</section>
${report.tables.map((t) => tableSection(report, t, period))}`;
}

function download(reply: FastifyReply, type: string, name: string, body: string): FastifyReply {
  return reply.code(200).header('content-type', `${type}; charset=utf-8`).header('content-disposition', `attachment; filename="${name}"`).header('cache-control', 'no-store').send(body);
}

async function sendBadPeriod(request: FastifyRequest, reply: FastifyReply, title: string, errors: string[], form: SafeHtml): Promise<FastifyReply> {
  return sendPage(request, reply, { title, body: form, errors }, 400);
}

export function statisticsRoutes(deps: ConsoleDeps): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/statistics',
      roles: STATISTICS_ROLES,
      async handler(request, reply) {
        const { period, errors } = readPeriod(deps, queryOf(request));
        const form = periodForm('/statistics', period);
        if (errors.length > 0) return sendBadPeriod(request, reply, 'Statistics', errors, form);
        const report = await buildReport(deps, period);
        const intro = html`<p>Anonymised counts of referrals received from ${period.from} up to (not including) ${period.to}, London time. Figures are small-number suppressed before they reach this page.</p>`;
        return sendPage(request, reply, { title: 'Statistics', body: html`${intro}${form}${reportBody(report, period)}` });
      },
    },
    {
      method: 'GET',
      url: '/statistics.csv',
      roles: STATISTICS_ROLES,
      async handler(request, reply) {
        const query = queryOf(request);
        const { period, errors } = readPeriod(deps, query);
        const table = first(query.table) ?? 'source-type';
        if (!(STATISTICS_TABLE_IDS as readonly string[]).includes(table)) errors.push(`Table: choose one of ${STATISTICS_TABLE_IDS.join(', ')}`);
        if (errors.length > 0) return sendBadPeriod(request, reply, 'Statistics', errors, periodForm('/statistics', period));
        const report = await buildReport(deps, period);
        await deps.audit(request, { action: 'statistics.export', targetType: 'statistics', targetId: table, details: { from: period.from, to: period.to, format: 'csv' } });
        return download(reply, 'text/csv', `statistics-${table}-${period.from}-to-${period.to}.csv`, reportTableCsv(report, table as StatisticsTableId));
      },
    },
    {
      method: 'GET',
      url: '/statistics.json',
      roles: STATISTICS_ROLES,
      async handler(request, reply) {
        const { period, errors } = readPeriod(deps, queryOf(request));
        if (errors.length > 0) return sendBadPeriod(request, reply, 'Statistics', errors, periodForm('/statistics', period));
        const report = await buildReport(deps, period);
        await deps.audit(request, { action: 'statistics.export', targetType: 'statistics', targetId: 'all', details: { from: period.from, to: period.to, format: 'json' } });
        return download(reply, 'application/json', `statistics-${period.from}-to-${period.to}.json`, `${reportJson(report)}\n`);
      },
    },
  ];
}
