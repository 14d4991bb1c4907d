// GET /retention — the retention schedule applied (issue 5; docs/data-protection.md "Retention",
// "Legal holds"): the latest report (what is past its period and why, by class and rule, the first
// ids, what legal holds keep), retention runs with their progress, and the legal holds.
// POST /retention/dry-run (dpo, admin) and /retention/run (admin) queue a run for the scheduler's
// retention job; POST /retention/holds and /retention/holds/:id/release (dpo, admin) place and
// release legal holds. Every action is in the audit trail. Ids, codes and counts only: no date
// that could be a child's birthday is shown (a "25th birthday" date is one moved on 25 years).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { retentionRun } from '@hub/queues';
import { requestRetentionRun, type RetentionReport } from '@hub/retention';
import { NotFoundError, type LegalHold, type RetentionRunRecord } from '@hub/store';
import type { ConsoleDeps, ConsoleRole, PageRoute } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import { DATE_PATTERN, formOf, londonMidnight, noticeText, paramOf, queryOf, reasonField, reasonOf, reasonProblem, redirectWithNotice, sendNotFound, sendPage, tag, time, userOf, UUID_PATTERN } from './common.ts';

/** Who sees the retention page, asks for dry runs and places or releases legal holds. */
export const RETENTION_ROLES: readonly ConsoleRole[] = ['dpo', 'admin'];
/** Who may start a run that erases. */
export const RETENTION_RUN_ROLES: readonly ConsoleRole[] = ['admin'];
export const LEGAL_HOLD_REASON_MIN = 5;
export const RETENTION_RUN_REASON_MIN = 5;
/** Runs listed on the page. */
const RUNS_SHOWN = 10;
/** Report rows shown on the page (the stored report holds up to REPORT_ITEM_LIMIT). */
const ITEMS_SHOWN = 50;

const NOTICES: Record<string, (n: number) => string> = {
  'dry-run-queued': () => 'Dry run queued: the scheduler works it out now. This page shows its progress.',
  'run-queued': () => 'Retention run queued: it erases what is past its period, except what legal holds keep. This page shows its progress.',
  'hold-placed': () => 'Legal hold placed: nothing under it will be erased until it is released. Recorded in the audit trail.',
  'hold-released': () => 'Legal hold released. Recorded in the audit trail.',
};

const CLASS_TEXT: Record<string, string> = {
  referral: 'Family record (referral)',
  'inbound-message': 'Message that never became a referral',
  'family-feedback': "A family's feedback answer (free text and person; ratings stay)",
  ledger: 'Disclosure ledger row',
  audit: 'Audit trail row',
};

function reportOf(run: RetentionRunRecord): RetentionReport | null {
  return run.report ? (run.report as unknown as RetentionReport) : null;
}

function progressCell(run: RetentionRunRecord): SafeHtml {
  if (run.status === 'done') return html`${tag('ok', 'done')}`;
  if (run.status === 'failed') return html`${tag('failed', 'failed')}${run.errorCode ? html` <span class="tag">${run.errorCode}</span>` : ''}`;
  if (run.status === 'queued') return html`${tag('pending', 'queued')}`;
  const total = run.total ?? 0;
  return html`${tag('pending', run.phase ?? 'running')} <progress max="${Math.max(total, 1)}" value="${Math.min(run.done, total)}" aria-label="Progress of run ${run.id}">${run.done} of ${total}</progress> ${run.done} of ${total}`;
}

function runsTable(runs: RetentionRunRecord[]): SafeHtml {
  if (runs.length === 0) return html`<p>No retention run yet.</p>`;
  return html`<table>
<caption>Latest retention runs, newest first</caption>
<thead><tr><th scope="col">Run</th><th scope="col">Kind</th><th scope="col">As of</th><th scope="col">Started by</th><th scope="col">Created</th><th scope="col">Finished</th><th scope="col">Progress</th><th scope="col">Result</th></tr></thead>
<tbody>${runs.map((run) => {
    const report = reportOf(run);
    return html`<tr><th scope="row"><a href="/retention/runs/${run.id}">${run.id}</a></th>
<td>${run.mode === 'erase' ? 'erase' : 'dry run'}</td><td>${run.asOf}</td>
<td>${run.trigger === 'schedule' ? 'the schedule' : html`${run.requestedBy ?? '—'} <span class="tag">${run.trigger}</span>`}</td>
<td>${time(run.createdAt)}</td><td>${time(run.finishedAt)}</td><td>${progressCell(run)}</td>
<td>${report ? html`${report.counts.due} past their period, ${report.counts.held} held${report.counts.erased !== undefined ? html`, <strong>${report.counts.erased} erased</strong>` : ''}` : '—'}</td></tr>`;
  })}</tbody>
</table>`;
}

function reportSection(report: RetentionReport, run: RetentionRunRecord, itemsShown: number): SafeHtml {
  const erase = report.mode === 'erase';
  const items = report.items.slice(0, itemsShown);
  return html`<div class="cards">
<div class="card"><span>Past their period</span><strong>${report.counts.due}</strong></div>
<div class="card${report.counts.held > 0 ? ' warn' : ''}"><span>Kept by legal holds</span><strong>${report.counts.held}</strong></div>
<div class="card ok"><span>${erase ? 'Erased' : 'Would be erased'}</span><strong>${erase ? (report.counts.erased ?? 0) : report.counts.toErase}</strong></div>
<div class="card${report.counts.unreadable > 0 ? ' warn' : ''}"><span>Could not be read (never erased on a guess)</span><strong>${report.counts.unreadable}</strong></div>
</div>
<p>Run <a href="/retention/runs/${run.id}">${run.id}</a>, ${erase ? 'an erasing run' : 'a dry run'} as of ${report.asOf}, finished ${time(run.finishedAt)}. Records scanned: ${Object.entries(report.counts.scanned)
    .map(([cls, n]) => `${n} ${cls === 'referral' ? 'referrals' : 'unrouted messages'}`)
    .join(', ')}.</p>
<table>
<caption>By record class and rule</caption>
<thead><tr><th scope="col">Rule</th><th scope="col">Class</th><th scope="col">Why</th><th scope="col">Past their period</th><th scope="col">Held</th>${erase ? html`<th scope="col">Erased</th><th scope="col">Skipped</th>` : ''}</tr></thead>
<tbody>${report.byRule.length === 0 ? html`<tr><td colspan="${erase ? 7 : 5}">Nothing is past its period.</td></tr>` : report.byRule.map(
    (r) => html`<tr><th scope="row"><span class="tag">${r.rule}</span></th><td>${CLASS_TEXT[r.class] ?? r.class}</td><td>${r.description}</td><td>${r.due}</td><td>${r.held}</td>${erase ? html`<td>${r.erased ?? 0}</td><td>${r.skipped ?? 0}</td>` : ''}</tr>`,
  )}
${report.reportOnly.map(
    (r) => html`<tr><th scope="row"><span class="tag">${r.rule}</span></th><td>${CLASS_TEXT[r.class] ?? r.class}</td><td>${r.description}</td><td>${r.count}</td><td colspan="${erase ? 3 : 1}">report only: the hub never deletes these rows</td></tr>`,
  )}</tbody>
</table>
${items.length === 0 ? '' : html`<table>
<caption>${report.items.length > items.length || report.truncated ? `The first ${items.length} records past their period` : 'Records past their period'}</caption>
<thead><tr><th scope="col">Record</th><th scope="col">Class</th><th scope="col">Rule</th><th scope="col">Why</th><th scope="col">Outcome</th></tr></thead>
<tbody>${items.map(
    (item) => html`<tr><th scope="row">${item.class === 'referral' ? html`<a href="/referrals/${item.id}">${item.id}</a>` : item.id}</th><td>${CLASS_TEXT[item.class] ?? item.class}</td><td><span class="tag">${item.rule}</span></td><td>${item.reason}</td>
<td>${item.held ? tag('held', 'kept: legal hold') : item.outcome === 'erased' ? tag('ok', 'erased') : item.outcome ? tag('', item.outcome) : 'would be erased'}</td></tr>`,
  )}</tbody>
</table>`}
${report.held.length === 0 ? '' : html`<h3>Kept by legal holds</h3><ul>${report.held.slice(0, itemsShown).map((h) => html`<li>${h.id} (${h.rule}): hold ${h.holdIds.map((id) => html`<span class="tag">${id}</span> `)}</li>`)}</ul>`}
${report.unreadable.length === 0 ? '' : html`<h3>Could not be read</h3><p>Their canonical form did not decrypt (a master key missing from the ring, or tampering), so no child's date of birth could be read. They are kept; check the keyring.</p><ul>${report.unreadable.slice(0, itemsShown).map((id) => html`<li>${id}</li>`)}</ul>`}`;
}

function holdsTable(holds: LegalHold[], request: FastifyRequest): SafeHtml {
  if (holds.length === 0) return html`<p>No legal hold has been placed.</p>`;
  return html`<table>
<caption>Legal holds, active first</caption>
<thead><tr><th scope="col">Hold</th><th scope="col">Covers</th><th scope="col">Reason</th><th scope="col">Placed</th><th scope="col">Released</th><th scope="col">Action</th></tr></thead>
<tbody>${holds.map(
    (h, i) => html`<tr><th scope="row"><span class="tag">${h.id}</span></th>
<td>${h.scope === 'referral' ? html`referral <a href="/referrals/${h.targetId}">${h.targetId}</a>` : html`every referral of person <a href="/ledger?personId=${h.targetId}">${h.targetId}</a>`}</td>
<td>${h.reason}</td><td>${time(h.placedAt)} by ${h.placedBy}</td>
<td>${h.releasedAt ? html`${time(h.releasedAt)} by ${h.releasedBy}: ${h.releaseReason}` : tag('held', 'active')}</td>
<td>${h.releasedAt ? '' : html`<form method="post" action="/retention/holds/${h.id}/release">${csrfField(request)}${reasonField(`release-${i}`, 'Why release it', LEGAL_HOLD_REASON_MIN)}<button type="submit" class="secondary">Release hold</button></form>`}</td></tr>`,
  )}</tbody>
</table>`;
}

function holdForm(request: FastifyRequest): SafeHtml {
  return html`<form method="post" action="/retention/holds">${csrfField(request)}
<fieldset><legend>Place a legal hold</legend>
<label for="hold-scope">Covers</label>
<select id="hold-scope" name="scope"><option value="referral">one referral (its id)</option><option value="person">every referral of a hub person (their hub person id)</option></select>
<label for="hold-target">Referral id or hub person id</label>
<input type="text" id="hold-target" name="targetId" size="38" spellcheck="false" autocomplete="off" required>
${reasonField('hold-reason', 'Reason (a case or matter reference)', LEGAL_HOLD_REASON_MIN)}
<p><button type="submit">Place legal hold</button></p></fieldset></form>`;
}

function runForms(deps: ConsoleDeps, request: FastifyRequest): SafeHtml {
  const admin = request.user?.role === 'admin';
  const { schedule, file } = deps.config.retention;
  return html`<p>Schedule (${file}): ${schedule.enabled ? html`<code>${schedule.cron}</code> (${schedule.timezone}), each run ${schedule.action === 'erase' ? 'erases what is due' : 'is a dry run'}` : 'no scheduled runs'}.</p>
<form method="post" action="/retention/dry-run" class="filters">${csrfField(request)}
<div><label for="dry-as-of">As of (optional; a later date shows what will go by then)</label><input type="date" id="dry-as-of" name="asOf"></div>
<div><button type="submit" class="secondary">Produce a dry-run report now</button></div></form>
${admin
    ? html`<form method="post" action="/retention/run">${csrfField(request)}
<fieldset><legend>Run retention now</legend>
<p>Erases, by destroying their data keys, the records past their period today, except what legal holds keep. It cannot be undone.</p>
<label for="run-confirm"><input type="checkbox" id="run-confirm" name="confirm" value="yes" required> I have checked the latest dry-run report</label>
${reasonField('run-reason', 'Reason', RETENTION_RUN_REASON_MIN)}
<p><button type="submit" class="danger">Run retention now (erase)</button></p></fieldset></form>`
    : html`<p>An admin starts a run that erases; the schedule runs it too.</p>`}`;
}

async function renderRetention(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, opts: { errors?: string[]; status?: number; notice?: string } = {}): Promise<FastifyReply> {
  const [runs, holds] = await Promise.all([deps.store.listRetentionRuns(RUNS_SHOWN), deps.store.listLegalHolds({ includeReleased: true, limit: 100 })]);
  const latest = runs.find((run) => run.status === 'done' && run.report);
  const busy = runs.some((run) => run.status === 'queued' || run.status === 'running');
  const body = html`<section aria-labelledby="report-h"><h2 id="report-h">Latest report</h2>
${latest ? reportSection(reportOf(latest) as RetentionReport, latest, ITEMS_SHOWN) : html`<p>No report yet: produce a dry run.</p>`}</section>
<section aria-labelledby="runs-h"><h2 id="runs-h">Runs</h2>${runForms(deps, request)}${runsTable(runs)}${busy ? html`<p>This page refreshes every 5 seconds while a run is queued or running.</p>` : ''}</section>
<section aria-labelledby="holds-h"><h2 id="holds-h">Legal holds</h2>
<p>While a legal hold is active, nothing it covers is erased, by retention or by an operator.</p>
${holdForm(request)}${holdsTable(holds, request)}</section>`;
  return sendPage(
    request,
    reply,
    { title: 'Retention and legal holds', body, ...(busy ? { refreshSeconds: 5 } : {}), ...(opts.errors ? { errors: opts.errors } : {}), ...(opts.notice ? { notice: opts.notice } : {}) },
    opts.status ?? 200,
  );
}

export function retentionRoutes(deps: ConsoleDeps): PageRoute[] {
  const queue = (): ReturnType<ConsoleDeps['enqueuer']['queue']> => deps.enqueuer.queue(retentionRun.queue);

  async function requestRun(request: FastifyRequest, reply: FastifyReply, mode: 'dry-run' | 'erase', opts: { reason?: string; asOf?: string } = {}): Promise<FastifyReply> {
    const { reason, asOf } = opts;
    const user = userOf(request);
    let run: RetentionRunRecord;
    try {
      run = await requestRetentionRun({ store: deps.store, queue: queue() }, { mode, trigger: 'console', requestedBy: user.username, ...(asOf ? { asOf } : {}) });
    } catch {
      await deps.audit(request, { action: mode === 'erase' ? 'retention.request-run' : 'retention.request-dry-run', targetType: 'retention-run', outcome: 'failed', ...(reason ? { reason } : {}), details: { errorCode: 'queue-unavailable' } });
      return renderRetention(deps, request, reply, { errors: ['The run could not be queued (the queue is not answering). Nothing was done; try again shortly.'], status: 503 });
    }
    await deps.audit(request, { action: mode === 'erase' ? 'retention.request-run' : 'retention.request-dry-run', targetType: 'retention-run', targetId: run.id, outcome: 'ok', ...(reason ? { reason } : {}), details: { asOf: run.asOf } });
    return redirectWithNotice(reply, '/retention', mode === 'erase' ? 'run-queued' : 'dry-run-queued');
  }

  return [
    {
      method: 'GET',
      url: '/retention',
      roles: RETENTION_ROLES,
      async handler(request, reply) {
        const notice = noticeText(queryOf(request), NOTICES);
        return renderRetention(deps, request, reply, notice ? { notice } : {});
      },
    },
    {
      method: 'GET',
      url: '/retention/runs/:id',
      roles: RETENTION_ROLES,
      async handler(request, reply) {
        const id = paramOf(request, 'id');
        const run = UUID_PATTERN.test(id) ? await deps.store.getRetentionRun(id.toLowerCase()) : null;
        if (!run) return sendNotFound(request, reply, 'retention run');
        const report = reportOf(run);
        const body = html`<p><a href="/retention">Back to retention</a></p>
<p>${run.mode === 'erase' ? 'Erasing run' : 'Dry run'} as of ${run.asOf}, started by ${run.trigger === 'schedule' ? 'the schedule' : (run.requestedBy ?? '—')}: ${progressCell(run)}</p>
${report ? reportSection(report, run, Number.MAX_SAFE_INTEGER) : html`<p>No report yet.</p>`}`;
        return sendPage(request, reply, { title: `Retention run ${run.id}`, body, ...(run.status === 'queued' || run.status === 'running' ? { refreshSeconds: 5 } : {}) });
      },
    },
    {
      method: 'POST',
      url: '/retention/dry-run',
      roles: RETENTION_ROLES,
      async handler(request, reply) {
        const asOf = formOf(request).asOf;
        if (asOf === undefined || asOf === '') return requestRun(request, reply, 'dry-run');
        if (typeof asOf !== 'string' || !DATE_PATTERN.test(asOf) || !londonMidnight(asOf)) {
          return renderRetention(deps, request, reply, { errors: ['As of: enter a date as YYYY-MM-DD, or leave it empty for today'], status: 422 });
        }
        return requestRun(request, reply, 'dry-run', { asOf });
      },
    },
    {
      method: 'POST',
      url: '/retention/run',
      roles: RETENTION_RUN_ROLES,
      async handler(request, reply) {
        const form = formOf(request);
        const errors: string[] = [];
        if (form.confirm !== 'yes') errors.push('Run retention now: confirm that you have checked the latest dry-run report');
        const problem = reasonProblem(form.reason, RETENTION_RUN_REASON_MIN);
        if (problem) errors.push(`Reason: ${problem}`);
        if (errors.length > 0) return renderRetention(deps, request, reply, { errors, status: 422 });
        return requestRun(request, reply, 'erase', { reason: reasonOf(form) });
      },
    },
    {
      method: 'POST',
      url: '/retention/holds',
      roles: RETENTION_ROLES,
      async handler(request, reply) {
        const form = formOf(request);
        const errors: string[] = [];
        const scope = form.scope === 'referral' || form.scope === 'person' ? form.scope : undefined;
        if (!scope) errors.push('Covers: choose one referral or every referral of a person');
        const targetId = typeof form.targetId === 'string' ? form.targetId.trim().toLowerCase() : '';
        if (!UUID_PATTERN.test(targetId)) errors.push('Referral id or hub person id: enter an id of 36 characters in the form 0190a1b2-…');
        const problem = reasonProblem(form.reason, LEGAL_HOLD_REASON_MIN);
        if (problem) errors.push(`Reason: ${problem}`);
        if (errors.length > 0 || !scope) return renderRetention(deps, request, reply, { errors, status: 422 });
        const user = userOf(request);
        try {
          // The store records the hold and its audit row in one transaction.
          await deps.store.placeLegalHold({ scope, targetId, reason: reasonOf(form), by: { actor: user.username, role: user.role, ip: request.ip ?? null } });
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
          return renderRetention(deps, request, reply, { errors: [scope === 'referral' ? 'Referral id: there is no such referral, or it is erased already. No hold was placed.' : 'Hub person id: there is no such person. No hold was placed.'], status: 404 });
        }
        return redirectWithNotice(reply, '/retention', 'hold-placed');
      },
    },
    {
      method: 'POST',
      url: '/retention/holds/:id/release',
      roles: RETENTION_ROLES,
      async handler(request, reply) {
        const id = paramOf(request, 'id').toLowerCase();
        const form = formOf(request);
        const problem = reasonProblem(form.reason, LEGAL_HOLD_REASON_MIN);
        if (problem) return renderRetention(deps, request, reply, { errors: [`Why release it: ${problem}`], status: 422 });
        const user = userOf(request);
        const released = UUID_PATTERN.test(id) ? await deps.store.releaseLegalHold(id, { reason: reasonOf(form), by: { actor: user.username, role: user.role, ip: request.ip ?? null } }) : null;
        if (!released) return renderRetention(deps, request, reply, { errors: ['That legal hold is not active (any more): nothing was changed.'], status: 409 });
        return redirectWithNotice(reply, '/retention', 'hold-released');
      },
    },
  ];
}
