// Subject access requests (UK GDPR Art 15; DESIGN.md §8), for the Data Protection Officer:
//   GET  /sar                      the register: open requests by due date, overdue ones flagged (dpo, admin)
//   POST /sar                      a new request, from the date it was received (dpo)
//   GET  /sar/:id                  one request: dates, extension, the person matched, search forms (dpo)
//   POST /sar/:id/search           find candidates by NHS number, or name + date of birth (dpo)
//   POST /sar/:id/match            the DPO's choice of candidate (dpo)
//   POST /sar/:id/extend           an extension by up to two months, with reason and date told (dpo)
//   POST /sar/:id/complete         the response was sent (dpo)
//   GET  /sar/:id/export.json      everything held about the matched person, as JSON (dpo)
//   GET  /sar/:id/export.html      the same as a readable, printable document (dpo)
// Searches and exports are recorded in the audit trail (ids, methods and counts; never a searched
// value). Searched values travel only in POST bodies and are never written back into a page.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EXTENSION_REASONS, SubjectAccessRequestError, type PersonCandidate, type SubjectAccessRequest } from '@hub/store';
import { describeCandidates, type DescribedCandidate } from '../../sar/candidates.ts';
import { renderSubjectAccessHtml, SUBJECT_ACCESS_HTML_CSP } from '../../sar/export-html.ts';
import { buildSubjectAccessExport, type SubjectAccessExport } from '../../sar/export.ts';
import { checkSubjectSearch } from '../../sar/search.ts';
import { EXTENSION_REASON_TEXT, londonToday, planExtension, planNewRequest, requestState, type RequestState } from '../../sar/requests.ts';
import type { ConsoleDeps, ConsoleRole, PageRoute } from '../context.ts';
import { html, raw, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import { formOf, mayUse, noticeText, pageNumber, pagination, paramOf, partnerName, queryOf, redirectWithNotice, sendNotFound, sendPage, tag, time, userOf, UUID_PATTERN } from './common.ts';

/** Everything about one request and the people it concerns: the DPO only. */
export const SAR_ROLES: readonly ConsoleRole[] = ['dpo'];
/** The register (ids, dates, states; no personal data): the DPO, and administrators for oversight. */
export const SAR_LIST_ROLES: readonly ConsoleRole[] = ['dpo', 'admin'];
export const SAR_PAGE_SIZE = 50;

const NOTICES: Record<string, (n: number) => string> = {
  created: () => 'Request recorded. The due date is one calendar month from receipt.',
  matched: () => 'The request is matched to the person you chose.',
  extended: () => 'Extension recorded with its reason and the date the requester was told.',
  completed: () => 'The request is marked completed.',
};

const STATE_TAG: Record<RequestState, SafeHtml> = {
  open: tag('pending', 'open'),
  overdue: tag('missed', 'overdue'),
  completed: tag('delivered', 'completed'),
  'completed-late': tag('missed', 'completed late'),
};

function dateText(date: string | null): string {
  return date ?? '—';
}

// ---------------------------------------------------------------------------------------------
// The register
// ---------------------------------------------------------------------------------------------

function newRequestForm(request: FastifyRequest, today: string): SafeHtml {
  return html`<section aria-labelledby="new-h"><h2 id="new-h">Record a new request</h2>
<p>Keep the requester’s name, contact details, identity checks and correspondence in the case file outside the hub; the hub records only the dates and, once you match it, the hub person.</p>
<form method="post" action="/sar" class="filters">${csrfField(request)}
<div><label for="sar-received">Date received (or date identity, fee or clarification arrived, if later)</label><input type="date" id="sar-received" name="receivedOn" value="${today}" max="${today}" required></div>
<div><button type="submit">Record request</button></div>
</form></section>`;
}

async function renderRegister(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, opts: { errors?: string[]; status?: number } = {}): Promise<FastifyReply> {
  const now = deps.now();
  const today = londonToday(now);
  const query = queryOf(request);
  const page = pageNumber(query);
  const [found, overdue] = await Promise.all([
    deps.store.listSubjectAccessRequests({ limit: SAR_PAGE_SIZE, offset: (page - 1) * SAR_PAGE_SIZE }),
    deps.store.countOverdueSubjectAccessRequests(today),
  ]);
  const open = await deps.store.listSubjectAccessRequests({ status: 'open', limit: 1, offset: 0 });
  const dpo = mayUse(request, SAR_ROLES);
  const rows = found.items.map((r) => {
    const state = requestState(r, today);
    return html`<tr class="sar-${state}"><td>${dpo ? html`<a href="/sar/${r.id}">${r.id}</a>` : r.id}</td><td>${r.receivedOn}</td><td>${r.effectiveDueOn}${r.extendedDueOn ? html` <span class="tag">extended ${r.extensionMonths} mo</span>` : ''}</td><td>${STATE_TAG[state]}</td><td>${r.personId ? 'yes' : 'not yet'}</td><td>${time(r.completedAt)}</td></tr>`;
  });
  const body = html`<p>Requests are due one calendar month from receipt (the last day of the month when it has no matching day), or up to two months later when extended. Dates are UK dates; today is ${today}.</p>
<div class="cards">
<div class="card ${overdue > 0 ? 'warn' : 'ok'}"><span>Overdue</span><strong>${overdue}</strong></div>
<div class="card"><span>Open</span><strong>${open.total}</strong></div>
</div>
${dpo ? newRequestForm(request, today) : ''}
<section aria-labelledby="list-h"><h2 id="list-h">Requests</h2>
${found.total === 0
    ? html`<p>No subject access request is recorded.</p>`
    : html`<table>
<caption>Open requests first, earliest due first; then completed requests</caption>
<thead><tr><th scope="col">Request</th><th scope="col">Received</th><th scope="col">Due</th><th scope="col">State</th><th scope="col">Person matched</th><th scope="col">Completed</th></tr></thead>
<tbody>${rows}</tbody></table>
${pagination('/sar', {}, page, SAR_PAGE_SIZE, found.total)}`}</section>`;
  const notice = noticeText(query, NOTICES);
  return sendPage(request, reply, { title: 'Subject access requests', body, ...(notice ? { notice } : {}), ...(opts.errors ? { errors: opts.errors } : {}) }, opts.status ?? 200);
}

// ---------------------------------------------------------------------------------------------
// One request
// ---------------------------------------------------------------------------------------------

interface SearchResult {
  method: 'nhs-number' | 'name-dob';
  candidates: DescribedCandidate[];
}

function requestFacts(r: SubjectAccessRequest, state: RequestState): SafeHtml {
  return html`<dl class="facts">
<dt>Request id</dt><dd>${r.id}</dd>
<dt>State</dt><dd>${STATE_TAG[state]}</dd>
<dt>Received</dt><dd>${r.receivedOn}</dd>
<dt>Due</dt><dd>${r.dueOn}${r.extendedDueOn ? html` (extended to <strong>${r.extendedDueOn}</strong>)` : ''}</dd>
${r.extendedDueOn
    ? html`<dt>Extension</dt><dd>${r.extensionMonths} further ${r.extensionMonths === 1 ? 'month' : 'months'}: ${r.extensionReason ? EXTENSION_REASON_TEXT[r.extensionReason] : '—'}. Requester told on ${dateText(r.requesterToldOn)}.${r.extensionNote ? html` Note: ${r.extensionNote}` : ''}</dd>`
    : ''}
<dt>Recorded by</dt><dd>${r.createdBy}, ${time(r.createdAt)}</dd>
<dt>Person matched</dt><dd>${r.personId ? html`<a href="/ledger?personId=${r.personId}">${r.personId}</a>` : 'not yet: search below and choose the requester'}</dd>
${r.completedAt ? html`<dt>Completed</dt><dd>${time(r.completedAt)} by ${r.completedBy ?? '—'}</dd>` : ''}
</dl>`;
}

function exportSection(r: SubjectAccessRequest): SafeHtml {
  if (!r.personId) return html``;
  return html`<section aria-labelledby="export-h"><h2 id="export-h">Export</h2>
<p>Everything the hub holds about the matched person: their own details, the household facts that are theirs, other people shown by role only, messages, decisions, deliveries and every disclosure in the ledger. Read the free text marked for review before releasing it. Each export is recorded in the audit trail.</p>
<ul><li><a href="/sar/${r.id}/export.html">View the export as a document</a> (print it, or save it as a PDF from the browser’s print dialogue)</li>
<li><a href="/sar/${r.id}/export.json" download>Download the export as JSON</a></li></ul></section>`;
}

function searchForms(request: FastifyRequest, r: SubjectAccessRequest): SafeHtml {
  // The fields are always empty: a searched value is never written back into the page.
  return html`<section aria-labelledby="search-h"><h2 id="search-h">Find the requester</h2>
<p>People are linked across referrals only by NHS number. A name and date of birth finds everyone recorded with them: different hub people are always shown separately, and you choose.</p>
<form method="post" action="/sar/${r.id}/search" class="filters">${csrfField(request)}<input type="hidden" name="method" value="nhs-number">
<div><label for="s-nhs">NHS number</label><input type="text" id="s-nhs" name="nhsNumber" value="" size="14" inputmode="numeric" spellcheck="false" autocomplete="off"></div>
<div><button type="submit">Search by NHS number</button></div>
</form>
<form method="post" action="/sar/${r.id}/search" class="filters">${csrfField(request)}<input type="hidden" name="method" value="name-dob">
<div><label for="s-given">Given name</label><input type="text" id="s-given" name="givenName" value="" size="20" spellcheck="false" autocomplete="off"></div>
<div><label for="s-family">Family name</label><input type="text" id="s-family" name="familyName" value="" size="20" spellcheck="false" autocomplete="off"></div>
<div><label for="s-dob">Date of birth</label><input type="date" id="s-dob" name="dateOfBirth" value=""></div>
<div><button type="submit">Search by name and date of birth</button></div>
</form></section>`;
}

function candidatesSection(deps: ConsoleDeps, request: FastifyRequest, r: SubjectAccessRequest, result: SearchResult): SafeHtml {
  const by = result.method === 'nhs-number' ? 'NHS number' : 'name and date of birth';
  if (result.candidates.length === 0) return html`<section aria-labelledby="cand-h"><h2 id="cand-h">Candidates</h2><p>No one is recorded with that ${by}.</p></section>`;
  const list = (values: string[]): SafeHtml => (values.length === 0 ? html`—` : html`${values.map((v, i) => html`${i > 0 ? html`<br>` : ''}<span class="masked">${v}</span>`)}`);
  return html`<section aria-labelledby="cand-h"><h2 id="cand-h">Candidates</h2>
<p>${result.candidates.length} ${result.candidates.length === 1 ? 'person' : 'different hub people'} recorded with that ${by}. Names and dates are masked; compare them with the identity evidence in the case file before choosing.${result.candidates.length > 1 ? ' These are separate records: they are not merged.' : ''}</p>
<table>
<caption>Hub people matching the search</caption>
<thead><tr><th scope="col">Hub person id</th><th scope="col">Name</th><th scope="col">Born</th><th scope="col">NHS number</th><th scope="col">Referrals</th><th scope="col">Sources</th><th scope="col">Roles</th><th scope="col">First and last received</th><th scope="col">Choose</th></tr></thead>
<tbody>${result.candidates.map(
    (c, i) => html`<tr><td>${c.personId}${c.linkedByNhsNumber ? html`<br><span class="tag">linked by NHS number</span>` : ''}</td><td>${list(c.maskedNames)}</td><td>${list(c.maskedDatesOfBirth)}</td><td>${list(c.maskedNhsNumbers)}</td><td>${c.referrals}</td>
<td>${c.sources.map((s, j) => html`${j > 0 ? html`<br>` : ''}${partnerName(deps, s)}`)}</td><td>${c.roles.join(', ')}</td><td>${time(c.firstReceivedAt)}<br>${time(c.lastReceivedAt)}</td>
<td>${r.status === 'open'
      ? html`<form method="post" action="/sar/${r.id}/match">${csrfField(request)}<input type="hidden" name="personId" value="${c.personId}"><button type="submit" id="match-${i}"${c.personId === r.personId ? raw(' disabled') : ''}>${c.personId === r.personId ? 'Matched' : 'Match to this request'}</button></form>`
      : '—'}</td></tr>`,
  )}</tbody></table></section>`;
}

function extendForm(request: FastifyRequest, r: SubjectAccessRequest): SafeHtml {
  if (r.status !== 'open' || r.extensionMonths === 2) return html``;
  const options = ([1, 2] as const).filter((m) => r.extensionMonths === null || m > r.extensionMonths);
  return html`<section aria-labelledby="extend-h"><h2 id="extend-h">Extend the deadline</h2>
<p>For a complex request, or where the requester has made a number of requests, the deadline can be extended by up to two further months (counted from receipt). The requester must be told, with the reason, within the first month: by ${r.dueOn}.</p>
<form method="post" action="/sar/${r.id}/extend">${csrfField(request)}
<fieldset><legend>Extend by</legend>${options.map((m) => html`<label for="ext-m${m}"><input type="radio" id="ext-m${m}" name="months" value="${m}"${m === options[options.length - 1] ? raw(' checked') : ''}> ${m} further ${m === 1 ? 'month' : 'months'} in all</label>`)}</fieldset>
<label for="ext-reason">Reason</label><select id="ext-reason" name="reason">${EXTENSION_REASONS.map((reason) => html`<option value="${reason}">${EXTENSION_REASON_TEXT[reason]}</option>`)}</select>
<label for="ext-told">Date the requester was told</label><input type="date" id="ext-told" name="toldOn" min="${r.receivedOn}" max="${r.dueOn}" required>
<label for="ext-note">Note (optional)</label>
<p class="hint" id="ext-note-hint">At most 500 characters. Do not include personal details: they belong in the case file.</p>
<textarea id="ext-note" name="note" rows="2" cols="50" maxlength="500" aria-describedby="ext-note-hint"></textarea>
<p><button type="submit">Record the extension</button></p>
</form></section>`;
}

function completeForm(request: FastifyRequest, r: SubjectAccessRequest): SafeHtml {
  if (r.status !== 'open') return html``;
  return html`<section aria-labelledby="complete-h"><h2 id="complete-h">Complete</h2>
<form method="post" action="/sar/${r.id}/complete">${csrfField(request)}<p>Mark the request completed once the response has been sent to the requester.</p><button type="submit">Mark completed</button></form></section>`;
}

async function renderRequest(
  deps: ConsoleDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  r: SubjectAccessRequest,
  opts: { search?: SearchResult; errors?: string[]; status?: number } = {},
): Promise<FastifyReply> {
  const state = requestState(r, londonToday(deps.now()));
  const body = html`${requestFacts(r, state)}
${exportSection(r)}
${searchForms(request, r)}
${opts.search ? candidatesSection(deps, request, r, opts.search) : ''}
${extendForm(request, r)}
${completeForm(request, r)}
<p><a href="/sar">All subject access requests</a></p>`;
  const notice = noticeText(queryOf(request), NOTICES);
  return sendPage(request, reply, { title: `Subject access request ${r.id}`, body, ...(notice ? { notice } : {}), ...(opts.errors ? { errors: opts.errors } : {}) }, opts.status ?? 200);
}

// ---------------------------------------------------------------------------------------------
// Reading the forms (errors name the field, never its value)
// ---------------------------------------------------------------------------------------------

async function loadRequest(deps: ConsoleDeps, request: FastifyRequest): Promise<SubjectAccessRequest | null> {
  const id = paramOf(request, 'id');
  if (!UUID_PATTERN.test(id)) return null;
  return deps.store.getSubjectAccessRequest(id.toLowerCase());
}

/** The matched person's export, or a page saying why there is none. */
async function exportFor(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, format: 'json' | 'html'): Promise<{ exported: SubjectAccessExport } | { sent: FastifyReply }> {
  const r = await loadRequest(deps, request);
  if (!r) return { sent: sendNotFound(request, reply, 'subject access request') };
  if (!r.personId) {
    return {
      sent: sendPage(request, reply, { title: 'Nothing to export yet', body: html`<p>Match the request to a person first: search for the requester and choose the right candidate.</p><p><a href="/sar/${r.id}">Back to the request</a></p>` }, 409),
    };
  }
  const records = await deps.store.subjectAccessRecords(r.personId);
  if (!records) return { sent: sendNotFound(request, reply, 'person') };
  const exported = buildSubjectAccessExport(records, { generatedAt: deps.now(), partnerName: (id) => deps.config.partners.get(id)?.displayName, request: r });
  // Recorded before anything is sent: if the audit row cannot be written, nothing leaves.
  await deps.audit(request, {
    action: 'sar.export',
    targetType: 'subject-access-request',
    targetId: r.id,
    details: {
      format,
      personId: r.personId,
      referrals: exported.summary.referrals,
      disclosures: exported.completeness.ledgerRowsInExport,
      complete: exported.completeness.complete,
    },
  });
  return { exported };
}

// ---------------------------------------------------------------------------------------------

export function sarRoutes(deps: ConsoleDeps): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/sar',
      roles: SAR_LIST_ROLES,
      handler: (request, reply) => renderRegister(deps, request, reply),
    },
    {
      method: 'POST',
      url: '/sar',
      roles: SAR_ROLES,
      async handler(request, reply) {
        const today = londonToday(deps.now());
        const planned = planNewRequest(formOf(request).receivedOn, today);
        if (!planned.ok) return renderRegister(deps, request, reply, { errors: [planned.problem], status: 422 });
        const created = await deps.store.createSubjectAccessRequest({ receivedOn: planned.receivedOn, dueOn: planned.dueOn, createdBy: userOf(request).username });
        await deps.audit(request, { action: 'sar.create', targetType: 'subject-access-request', targetId: created.id, details: { dueOn: created.dueOn } });
        return redirectWithNotice(reply, `/sar/${created.id}`, 'created');
      },
    },
    {
      method: 'GET',
      url: '/sar/:id',
      roles: SAR_ROLES,
      async handler(request, reply) {
        const r = await loadRequest(deps, request);
        if (!r) return sendNotFound(request, reply, 'subject access request');
        return renderRequest(deps, request, reply, r);
      },
    },
    {
      method: 'POST',
      url: '/sar/:id/search',
      roles: SAR_ROLES,
      async handler(request, reply) {
        const r = await loadRequest(deps, request);
        if (!r) return sendNotFound(request, reply, 'subject access request');
        const { search: input, errors } = checkSubjectSearch(formOf(request), { allowTestRange: deps.config.settings.allowTestNhsNumbers, today: londonToday(deps.now()) });
        if (!input) return renderRequest(deps, request, reply, r, { errors, status: 422 });
        let found: PersonCandidate[];
        if (input.method === 'nhs-number') found = await deps.store.findPeopleByNhsNumber(input.nhsNumber);
        else found = await deps.store.findPeopleByNameAndDob({ givenName: input.givenName, familyName: input.familyName, dateOfBirth: input.dateOfBirth });
        // Before anything is shown; the details carry the method and a count, never what was searched.
        await deps.audit(request, { action: 'sar.search', targetType: 'subject-access-request', targetId: r.id, details: { method: input.method, candidates: found.length } });
        return renderRequest(deps, request, reply, r, { search: { method: input.method, candidates: await describeCandidates(deps.store, found) } });
      },
    },
    {
      method: 'POST',
      url: '/sar/:id/match',
      roles: SAR_ROLES,
      async handler(request, reply) {
        const r = await loadRequest(deps, request);
        if (!r) return sendNotFound(request, reply, 'subject access request');
        const personId = formOf(request).personId;
        if (typeof personId !== 'string' || !UUID_PATTERN.test(personId)) return renderRequest(deps, request, reply, r, { errors: ['Person: choose a candidate from the search results'], status: 422 });
        try {
          await deps.store.matchSubjectAccessRequest(r.id, personId.toLowerCase());
        } catch (err) {
          if (!(err instanceof SubjectAccessRequestError)) throw err;
          return renderRequest(deps, request, reply, r, { errors: [err.field === 'status' ? 'The request is completed: it can no longer be matched' : 'Person: choose a candidate from the search results'], status: 422 });
        }
        await deps.audit(request, { action: 'sar.match', targetType: 'subject-access-request', targetId: r.id, details: { personId: personId.toLowerCase() } });
        return redirectWithNotice(reply, `/sar/${r.id}`, 'matched');
      },
    },
    {
      method: 'POST',
      url: '/sar/:id/extend',
      roles: SAR_ROLES,
      async handler(request, reply) {
        const r = await loadRequest(deps, request);
        if (!r) return sendNotFound(request, reply, 'subject access request');
        const form = formOf(request);
        const planned = planExtension(r, { months: form.months, reason: form.reason, toldOn: form.toldOn, note: form.note }, londonToday(deps.now()));
        if (!planned.ok) return renderRequest(deps, request, reply, r, { errors: [planned.problem], status: 422 });
        try {
          await deps.store.extendSubjectAccessRequest(r.id, {
            months: planned.months,
            extendedDueOn: planned.extendedDueOn,
            reason: planned.reason,
            toldOn: planned.toldOn,
            ...(planned.note ? { note: planned.note } : {}),
          });
        } catch (err) {
          // A concurrent change (another extension, completion) since the page was read.
          if (!(err instanceof SubjectAccessRequestError)) throw err;
          return renderRequest(deps, request, reply, (await deps.store.getSubjectAccessRequest(r.id)) ?? r, { errors: ['Extension: the request changed meanwhile; check it and try again'], status: 409 });
        }
        await deps.audit(request, { action: 'sar.extend', targetType: 'subject-access-request', targetId: r.id, details: { months: planned.months, reason: planned.reason, extendedDueOn: planned.extendedDueOn } });
        return redirectWithNotice(reply, `/sar/${r.id}`, 'extended');
      },
    },
    {
      method: 'POST',
      url: '/sar/:id/complete',
      roles: SAR_ROLES,
      async handler(request, reply) {
        const r = await loadRequest(deps, request);
        if (!r) return sendNotFound(request, reply, 'subject access request');
        if (r.status !== 'open') return renderRequest(deps, request, reply, r, { errors: ['The request is already completed'], status: 409 });
        try {
          await deps.store.completeSubjectAccessRequest(r.id, { by: userOf(request).username, at: deps.now() });
        } catch (err) {
          if (!(err instanceof SubjectAccessRequestError)) throw err;
          return renderRequest(deps, request, reply, r, { errors: ['The request is already completed'], status: 409 });
        }
        await deps.audit(request, { action: 'sar.complete', targetType: 'subject-access-request', targetId: r.id });
        return redirectWithNotice(reply, `/sar/${r.id}`, 'completed');
      },
    },
    {
      method: 'GET',
      url: '/sar/:id/export.json',
      roles: SAR_ROLES,
      async handler(request, reply) {
        const result = await exportFor(deps, request, reply, 'json');
        if ('sent' in result) return result.sent;
        return reply
          .code(200)
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="subject-access-${result.exported.request?.id ?? result.exported.subject.hubPersonId}.json"`)
          .header('cache-control', 'no-store')
          .send(`${JSON.stringify(result.exported, null, 2)}\n`);
      },
    },
    {
      method: 'GET',
      url: '/sar/:id/export.html',
      roles: SAR_ROLES,
      async handler(request, reply) {
        const result = await exportFor(deps, request, reply, 'html');
        if ('sent' in result) return result.sent;
        return reply
          .code(200)
          .header('content-type', 'text/html; charset=utf-8')
          .header('content-security-policy', SUBJECT_ACCESS_HTML_CSP)
          .header('cache-control', 'no-store')
          .send(renderSubjectAccessHtml(result.exported));
      },
    },
  ];
}
