// GET /extract, POST /extract, GET /extract/:id/manifest.json — the national evaluation extract
// (DESIGN §8; DOMAIN §4), for the DPO and administrators only. POST builds the extract for a
// period, records it (one `disclosed` ledger row to the evaluation recipient, and its
// evaluation_extracts row), writes the audit row, and only then answers with the CSV as a download.
// The CSV is never stored; its manifest (hash and shape, no personal data) can be fetched again
// from the extract's record.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Partner } from '@hub/config';
import {
  createEvaluationExtract,
  evaluationManifest,
  EXTRACT_ART6,
  EXTRACT_COLUMNS,
  EXTRACT_EXCLUDED_ROLES,
  EXTRACT_PURPOSE,
  parsePeriod,
  type Period,
} from '@hub/statistics';
import type { ConsoleDeps, ConsoleRole, PageRoute } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import { formOf, paramOf, partnerCell, sendNotFound, sendPage, time, userOf, UUID_PATTERN } from './common.ts';

export const EXTRACT_ROLES: readonly ConsoleRole[] = ['admin', 'dpo'];
/** Extracts listed on the page (and searched for a manifest). */
const LISTED_EXTRACTS = 200;

/** The configured national evaluation recipient (organisationType `national-evaluation`). */
export function evaluationRecipient(deps: ConsoleDeps): Partner | undefined {
  return deps.config.partners.all().find((p) => p.organisationType === 'national-evaluation');
}

function extractForm(request: FastifyRequest, deps: ConsoleDeps, values: { from?: string; to?: string }): SafeHtml {
  const recipient = evaluationRecipient(deps);
  if (!recipient) return html`<p class="error-summary" role="alert">No national evaluation recipient is configured (a partner with organisationType national-evaluation), so no extract can be made.</p>`;
  return html`<section aria-labelledby="h-new"><h2 id="h-new">Make an extract</h2>
<p>For the families supported (a referral received in the period that at least one service received): each family member’s name, address, date of birth, sex and NI number when known, plus family-level participation. Nothing else. People who have objected or whose processing is restricted are left out, and so are people recorded only as ${EXTRACT_EXCLUDED_ROLES.join(' or ')}.</p>
<p>Recipient: ${partnerCell(deps, recipient.id)}. Purpose: ${EXTRACT_PURPOSE}. Lawful basis: UK GDPR Art 6(1)(e) (${EXTRACT_ART6}).
Making the extract records it in the disclosure ledger as a disclosure to this recipient, then downloads the CSV. Keep it only until it has been sent by secure file transfer with its manifest.</p>
<form method="post" action="/extract" class="filters">${csrfField(request)}
<div><label for="x-from">Referrals received from (London date)</label><input type="date" id="x-from" name="from" value="${values.from ?? ''}" required></div>
<div><label for="x-to">Up to, not including</label><input type="date" id="x-to" name="to" value="${values.to ?? ''}" required></div>
<div><button type="submit">Make the extract and download the CSV</button></div>
</form>
<details><summary>Columns of the CSV</summary><ul>${EXTRACT_COLUMNS.map((c) => html`<li><code>${c}</code></li>`)}</ul></details>
</section>`;
}

async function extractsTable(deps: ConsoleDeps): Promise<SafeHtml> {
  const extracts = await deps.store.listEvaluationExtracts(LISTED_EXTRACTS);
  if (extracts.length === 0) return html`<p>No extract has been made.</p>`;
  return html`<table>
<caption>Extracts made, newest first</caption>
<thead><tr><th scope="col">Made</th><th scope="col">By</th><th scope="col">Period</th><th scope="col">Recipient</th><th scope="col">Families</th><th scope="col">People</th><th scope="col">Left out (objection or restriction)</th><th scope="col">File and SHA-256</th><th scope="col">Manifest</th></tr></thead>
<tbody>${extracts.map(
    (e) => html`<tr><td>${time(e.createdAt)}</td><td>${e.createdBy}</td><td>${e.periodFrom} to ${e.periodTo} (not including)</td><td>${partnerCell(deps, e.recipientPartnerId)}</td><td>${e.families}</td><td>${e.people}</td><td>${e.peopleExcluded}</td>
<td><code>${e.fileName}</code><br><code class="masked">${e.csvSha256}</code></td><td><a href="/extract/${e.extractId}/manifest.json" download>manifest.json</a><br><a href="/ledger?referralId=${e.extractId}">Ledger row</a></td></tr>`,
  )}</tbody>
</table>`;
}

async function renderPage(request: FastifyRequest, reply: FastifyReply, deps: ConsoleDeps, opts: { values?: { from?: string; to?: string }; errors?: string[]; status?: number } = {}): Promise<FastifyReply> {
  const body = html`${extractForm(request, deps, opts.values ?? {})}
<section aria-labelledby="h-made"><h2 id="h-made">Extracts made</h2>${await extractsTable(deps)}</section>`;
  return sendPage(request, reply, { title: 'National evaluation extract', body, ...(opts.errors ? { errors: opts.errors } : {}) }, opts.status ?? 200);
}

export function extractRoutes(deps: ConsoleDeps): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/extract',
      roles: EXTRACT_ROLES,
      async handler(request, reply) {
        return renderPage(request, reply, deps);
      },
    },
    {
      method: 'POST',
      url: '/extract',
      roles: EXTRACT_ROLES,
      async handler(request, reply) {
        const form = formOf(request);
        const parsed = parsePeriod(form.from, form.to);
        if ('problems' in parsed) {
          const labels = { from: 'Referrals received from', to: 'Up to' };
          return renderPage(request, reply, deps, { errors: parsed.problems.map((p) => `${labels[p.field]}: ${p.message}`), status: 422 });
        }
        const period: Period = parsed.period;
        if (period.end.getTime() > deps.now().getTime()) {
          return renderPage(request, reply, deps, { values: { from: period.from }, errors: ['Up to: the period must have ended (choose today’s date or earlier)'], status: 422 });
        }
        const recipient = evaluationRecipient(deps);
        if (!recipient) return renderPage(request, reply, deps, { errors: ['No national evaluation recipient is configured'], status: 409 });
        const { username } = userOf(request);
        let extract;
        try {
          extract = await createEvaluationExtract(deps.store, { period, createdBy: username, recipientPartnerId: recipient.id, now: deps.now() });
        } catch (err) {
          await deps.audit(request, { action: 'evaluation-extract', targetType: 'evaluation-extract', outcome: 'failed', details: { from: period.from, to: period.to } });
          throw err;
        }
        // Recorded in the ledger already; the audit row says who took the file.
        await deps.audit(request, {
          action: 'evaluation-extract',
          targetType: 'evaluation-extract',
          targetId: extract.extractId,
          details: { from: period.from, to: period.to, families: extract.manifest.families, people: extract.manifest.rows, peopleExcluded: extract.manifest.peopleExcluded, sha256: extract.manifest.sha256 },
        });
        return reply
          .code(200)
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${extract.manifest.file}"`)
          .header('cache-control', 'no-store')
          .header('x-extract-id', extract.extractId)
          .header('x-extract-sha256', extract.manifest.sha256)
          .send(extract.csv);
      },
    },
    {
      method: 'GET',
      url: '/extract/:id/manifest.json',
      roles: EXTRACT_ROLES,
      async handler(request, reply) {
        const id = paramOf(request, 'id').toLowerCase();
        if (!UUID_PATTERN.test(id)) return sendNotFound(request, reply, 'extract');
        const found = (await deps.store.listEvaluationExtracts(1000)).find((e) => e.extractId === id);
        if (!found) return sendNotFound(request, reply, 'extract');
        await deps.audit(request, { action: 'evaluation-extract.manifest', targetType: 'evaluation-extract', targetId: id });
        return reply
          .code(200)
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${found.fileName.replace(/\.csv$/, '')}.manifest.json"`)
          .header('cache-control', 'no-store')
          .send(`${JSON.stringify(evaluationManifest(found), null, 2)}\n`);
      },
    },
  ];
}
