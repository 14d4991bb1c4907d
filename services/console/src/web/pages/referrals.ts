// GET /referrals (search), GET /referrals/:id (facts, masked people and family data, timeline)
// and POST /referrals/:id/reveal (the same page unmasked for this response only, after a stated
// reason has been written to the audit trail).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { maskedReferralView, maskText } from '@hub/domain';
import { ALL_ROLES, OPERATE_ROLES, REVEAL_ROLES, type ConsoleDeps, type PageRoute } from '../context.ts';
import { html, raw, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import {
  DATE_PATTERN,
  first,
  formOf,
  isPartner,
  londonMidnight,
  mayUse,
  nextDate,
  noticeText,
  pageNumber,
  pagination,
  paramOf,
  partnerCell,
  partnerName,
  partnerOptions,
  queryOf,
  reasonField,
  reasonOf,
  reasonProblem,
  redirectWithNotice,
  sendNotFound,
  sendPage,
  tag,
  time,
  UUID_PATTERN,
} from './common.ts';
import { rectificationsTable } from './rights.ts';
import { SIGNPOST_NOTICES, SIGNPOST_REASON_MIN, shareableUrl, signpostingSection, suggestionsFor } from './signposting.ts';
import { FAMILY_MESSAGE_NOTICES, OPT_OUT_REASON_MIN, familyMessagesFor, familyMessagesSection, messageRecipients } from './family-messages.ts';
import { renderReferralView } from './view-data.ts';

export const SEARCH_PAGE_SIZE = 25;
/** A reveal needs a reason of at least this many characters. */
export const REVEAL_REASON_MIN = 10;
export const REVEAL_NOTICE = 'Revealed for this view only; recorded in the audit trail.';

type SearchQuery = Parameters<ConsoleDeps['store']['searchReferrals']>[0];
type SearchStatus = NonNullable<SearchQuery['status']>;
type TimelineEvent = NonNullable<Awaited<ReturnType<ConsoleDeps['store']['referralTimeline']>>>[number];
type StoredReferral = NonNullable<Awaited<ReturnType<ConsoleDeps['store']['readReferral']>>>;

const STATUSES: readonly { value: SearchStatus; label: string }[] = [
  { value: 'routed', label: 'Routed (referral)' },
  { value: 'held', label: 'Held for review (referral)' },
  { value: 'closed', label: 'Closed (referral or delivery)' },
  { value: 'pending', label: 'Delivery pending' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'dead', label: 'Dead letter' },
];

interface SearchForm {
  referralId?: string;
  sourceReference?: string;
  partner?: string;
  from?: string;
  to?: string;
  status?: SearchStatus;
}

/** Reads and checks the search form; errors name the field, never the value. */
function readSearch(deps: ConsoleDeps, query: Record<string, string | string[] | undefined>): { form: SearchForm; errors: string[] } {
  const errors: string[] = [];
  const form: SearchForm = {};
  const referralId = first(query.referralId)?.trim();
  if (referralId) {
    if (UUID_PATTERN.test(referralId)) form.referralId = referralId.toLowerCase();
    else errors.push('Hub referral id: enter a referral id in the form 0190a1b2-…, 36 characters');
  }
  const sourceReference = first(query.sourceReference)?.trim();
  if (sourceReference) {
    if (sourceReference.length <= 128 && !sourceReference.includes('\u0000')) form.sourceReference = sourceReference;
    else errors.push('Source reference: enter at most 128 characters');
  }
  const partner = first(query.partner);
  if (partner) {
    if (isPartner(deps, partner)) form.partner = partner;
    else errors.push('Partner: choose a partner from the list');
  }
  for (const key of ['from', 'to'] as const) {
    const value = first(query[key]);
    if (!value) continue;
    if (DATE_PATTERN.test(value) && londonMidnight(value)) form[key] = value;
    else errors.push(`${key === 'from' ? 'Received from' : 'Received to'}: enter a date as YYYY-MM-DD`);
  }
  if (form.from && form.to && form.from > form.to) errors.push('Received to: the date must be on or after the from date');
  const status = first(query.status);
  if (status) {
    const known = STATUSES.find((s) => s.value === status);
    if (known) form.status = known.value;
    else errors.push('Status: choose a status from the list');
  }
  return { form, errors };
}

function searchForm(deps: ConsoleDeps, form: SearchForm): SafeHtml {
  // The source reference is never written back into the page (it can identify a family).
  return html`<form method="get" action="/referrals" class="filters" role="search" aria-label="Referral search">
<div><label for="q-referralId">Hub referral id</label><input type="text" id="q-referralId" name="referralId" value="${form.referralId ?? ''}" size="38" spellcheck="false" autocomplete="off"></div>
<div><label for="q-sourceReference">Source reference</label><input type="text" id="q-sourceReference" name="sourceReference" value="" size="20" spellcheck="false" autocomplete="off"></div>
<div><label for="q-partner">Partner (source or recipient)</label><select id="q-partner" name="partner">${partnerOptions(deps, form.partner)}</select></div>
<div><label for="q-from">Received from</label><input type="date" id="q-from" name="from" value="${form.from ?? ''}"></div>
<div><label for="q-to">Received to</label><input type="date" id="q-to" name="to" value="${form.to ?? ''}"></div>
<div><label for="q-status">Status</label><select id="q-status" name="status"><option value="">Any status</option>${STATUSES.map((s) => html`<option value="${s.value}"${s.value === form.status ? raw(' selected') : ''}>${s.label}</option>`)}</select></div>
<div><button type="submit">Search</button></div>
</form>`;
}

function resultsTable(deps: ConsoleDeps, items: Awaited<ReturnType<ConsoleDeps['store']['searchReferrals']>>['items']): SafeHtml {
  if (items.length === 0) return html`<p>No referral matches.</p>`;
  return html`<table>
<caption>Referrals, newest first</caption>
<thead><tr><th scope="col">Referral</th><th scope="col">Received</th><th scope="col">Source</th><th scope="col">Message type</th><th scope="col">Urgency</th><th scope="col">Status</th><th scope="col">Deliveries</th></tr></thead>
<tbody>${items.map(
    (r) => html`<tr><td><a href="/referrals/${r.referralId}">${r.referralId}</a></td><td>${time(r.receivedAt)}</td><td>${partnerCell(deps, r.sourcePartnerId)}</td><td>${r.sourceType}</td><td>${r.urgency}</td><td>${tag(r.status)}</td>
<td>${r.deliveries.length === 0 ? 'none' : html`<ul>${r.deliveries.map((d) => html`<li>${partnerName(deps, d.recipientPartnerId)}: ${tag(d.status)}</li>`)}</ul>`}</td></tr>`,
  )}</tbody>
</table>`;
}

/** Reasons operators typed are free text: masked like the referral's own free text until revealed. */
function typed(reason: string, reveal: boolean): string {
  return reveal ? reason : maskText(reason);
}

function describeEvent(deps: ConsoleDeps, e: TimelineEvent, referralId: string, reveal: boolean): { what: string; detail: SafeHtml } {
  switch (e.kind) {
    case 'received':
      return { what: 'Received', detail: html`Message <span class="tag">${e.messageId}</span> (${e.sourceType}) from ${partnerCell(deps, e.sourcePartnerId)}` };
    case 'decision':
      return {
        what: e.decision === 'share' ? 'Decision: share' : e.decision === 'not-share' ? 'Decision: do not share' : 'Decision: hold',
        detail: html`${e.recipientPartnerId ? html`Recipient ${partnerCell(deps, e.recipientPartnerId)}. ` : ''}${e.purpose ? html`Purpose ${e.purpose}. ` : ''}${e.ruleId ? html`By rule <span class="tag">${e.ruleId}</span>. ` : ''}${e.operatorId ? html`By operator ${e.operatorId}. ` : ''}${e.reason}`,
      };
    case 'held':
      return { what: 'Held for review', detail: html`${e.reasons.map((r, i) => html`${i > 0 ? '; ' : ''}${holdReasonText(r)}`)}` };
    case 'hold-resolved':
      return { what: e.resolution === 'shared' ? 'Hold resolved: shared' : 'Hold resolved: closed without sharing', detail: html`${e.operatorId ? html`By ${e.operatorId}. ` : ''}${e.reason ? html`Reason: ${typed(e.reason, reveal)}` : ''}` };
    case 'delivery-created':
      return { what: 'Delivery created', detail: html`<span class="tag">${e.deliveryId}</span> to ${partnerCell(deps, e.recipientPartnerId)} by ${e.channel}, priority ${e.priority}${e.deadlineAt ? html`, deadline ${time(e.deadlineAt)}` : ''}` };
    case 'attempt':
      return {
        what: `Attempt ${e.attempt}`,
        detail: html`To ${partnerCell(deps, e.recipientPartnerId)}: ${tag(e.outcome === 'delivered' ? 'delivered' : 'failed', e.outcome)}${e.httpStatus !== null ? html`, HTTP ${e.httpStatus}` : ''}${e.errorCode ? html`, ${e.errorCode}` : ''}, ${e.durationMs} ms`,
      };
    case 'delivery-action':
      return { what: `Delivery ${e.action}`, detail: html`<span class="tag">${e.deliveryId}</span> to ${partnerCell(deps, e.recipientPartnerId)}${e.operatorId ? html` by ${e.operatorId}` : ''}. Reason: ${typed(e.reason, reveal)}` };
    case 'delivered':
      return { what: 'Delivered', detail: html`<span class="tag">${e.deliveryId}</span> to ${partnerCell(deps, e.recipientPartnerId)}` };
    case 'dead-lettered':
      return { what: 'Dead letter', detail: html`<span class="tag">${e.deliveryId}</span> to ${partnerCell(deps, e.recipientPartnerId)}${e.errorCode ? html`: ${e.errorCode}` : ''}` };
    case 'deadline-missed':
      return { what: 'Deadline missed', detail: html`<span class="tag">${e.deliveryId}</span> to ${partnerCell(deps, e.recipientPartnerId)}` };
    case 'feedback':
      return { what: `Feedback: ${e.feedback}`, detail: html`From ${partnerCell(deps, e.recipientPartnerId)} about <span class="tag">${e.deliveryId}</span>` };
    case 'ledger':
      return {
        what: e.outcome === 'disclosed' ? 'Ledger: disclosed' : 'Ledger: not disclosed',
        detail: html`Row ${e.seq}${e.recipientPartnerId ? html`, recipient ${partnerCell(deps, e.recipientPartnerId)}` : ''}${e.fields.length > 0 ? html`, ${e.fields.length} fields` : ''}. <a href="/ledger?referralId=${referralId}">Ledger rows</a>`,
      };
  }
}

function timelineTable(deps: ConsoleDeps, events: TimelineEvent[], referralId: string, reveal: boolean): SafeHtml {
  if (events.length === 0) return html`<p>No events.</p>`;
  return html`<table>
<caption>What happened to the referral, oldest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Detail</th></tr></thead>
<tbody>${events.map((e) => {
    const { what, detail } = describeEvent(deps, e, referralId, reveal);
    return html`<tr class="event-${e.kind}"><td>${time(e.at)}</td><th scope="row">${what}</th><td>${detail}</td></tr>`;
  })}</tbody>
</table>`;
}

/** Plain-English text for a hold reason code (codes from @hub/sharing HOLD_REASONS). */
export function holdReasonText(code: string): string {
  switch (code) {
    case 'no-rule':
      return 'No sharing rule covers this referral (or none shares it with anyone but the referrer).';
    case 'no-consent':
      return 'Consent was not given, and no rule allows sharing without it with a recorded reason.';
    case 'recipient-not-found':
      return "A rule's recipient could not be found (an unknown school, GP practice or area, or a child with no school).";
    case 'no-agreement':
      return 'A recipient has no data-sharing agreement for the purpose, or no delivery channel.';
    case 'subject-restricted':
      return 'A person on the referral has restricted processing (UK GDPR Art 18): nothing is shared unless a safeguarding override is recorded on the Rights page.';
    case 'subject-objected':
      return 'A person on the referral has objected to processing (UK GDPR Art 21): nothing is shared unless a safeguarding override is recorded on the Rights page.';
    default:
      return `Other reason (code ${code}).`;
  }
}

function factsList(deps: ConsoleDeps, stored: StoredReferral): SafeHtml {
  return html`<dl class="facts">
<dt>Referral id</dt><dd>${stored.referralId}</dd>
<dt>Message id</dt><dd>${stored.messageId}</dd>
<dt>Source</dt><dd>${partnerCell(deps, stored.sourcePartnerId)}</dd>
<dt>Message type</dt><dd>${stored.sourceType}</dd>
<dt>Urgency</dt><dd>${stored.urgency}</dd>
<dt>Status</dt><dd>${tag(stored.status)}</dd>
<dt>Received</dt><dd>${time(stored.receivedAt)}</dd>
<dt>Routed</dt><dd>${time(stored.routedAt)}</dd>
</dl>
<table>
<caption>People on the referral (hub ids are pseudonymous)</caption>
<thead><tr><th scope="col">Reference</th><th scope="col">Role</th><th scope="col">Hub person id</th></tr></thead>
<tbody>${stored.people.map((p) => html`<tr><td>${p.personRef}</td><td>${p.role}</td><td><a href="/ledger?personId=${p.hubPersonId}">${p.hubPersonId}</a></td></tr>`)}</tbody>
</table>`;
}

function revealForm(request: FastifyRequest, referralId: string): SafeHtml {
  return html`<section aria-labelledby="reveal-h"><h2 id="reveal-h">Reveal personal data</h2>
<p>Personal data is masked. To see it, state why you need it: your reason, name and the time are recorded in the audit trail, and the data is shown for this one view only.</p>
<form method="post" action="/referrals/${referralId}/reveal">${csrfField(request)}
${reasonField('reveal-reason', 'Why do you need to see this personal data?', REVEAL_REASON_MIN)}
<p><button type="submit">Reveal personal data</button></p>
</form></section>`;
}

async function renderReferral(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, stored: StoredReferral | null, opts: { reveal: boolean; errors?: string[]; status?: number; notice?: string }): Promise<FastifyReply> {
  if (!stored) return sendNotFound(request, reply, 'referral');
  const referralId = stored.referralId;
  const events = await deps.store.referralTimeline(referralId);
  const rectifications = await deps.store.listRectifications({ referralId });
  const canonical: unknown = JSON.parse(stored.canonical.toString('utf8'));
  const view = maskedReferralView(canonical as Parameters<typeof maskedReferralView>[0], opts.reveal);
  const suggestions = await suggestionsFor(deps, canonical);
  const shares = await deps.store.listSignpostShares(referralId);
  const messages = await familyMessagesFor(deps, stored);
  const body = html`${factsList(deps, stored)}
<p>${opts.reveal ? html`<strong>Personal data is shown unmasked.</strong> <a href="/referrals/${referralId}">Mask it again</a>` : html`<span class="tag">masked</span> Personal data below is masked.`}</p>
${renderReferralView(view)}
<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>${timelineTable(deps, events ?? [], referralId, opts.reveal)}</section>
${signpostingSection(request, referralId, suggestions, shares)}
${familyMessagesSection(request, deps, referralId, messages)}
<section aria-labelledby="rectifications-h"><h2 id="rectifications-h">Rectifications</h2>${rectificationsTable(deps, rectifications, { showReferral: false })}</section>
${!opts.reveal && mayUse(request, REVEAL_ROLES) ? revealForm(request, referralId) : ''}`;
  return sendPage(request, reply, { title: `Referral ${referralId}`, body, ...(opts.reveal ? { notice: REVEAL_NOTICE } : opts.notice ? { notice: opts.notice } : {}), ...(opts.errors ? { errors: opts.errors } : {}) }, opts.status ?? 200);
}

/** The referral a form posts to: null when the id is not a uuid or there is no such referral (answer 404). */
async function postedReferral(deps: ConsoleDeps, request: FastifyRequest): Promise<{ referralId: string; stored: StoredReferral } | null> {
  const id = paramOf(request, 'id');
  if (!UUID_PATTERN.test(id)) return null;
  const referralId = id.toLowerCase();
  const stored = await deps.store.readReferral(referralId);
  return stored ? { referralId, stored } : null;
}

export function referralRoutes(deps: ConsoleDeps): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/referrals',
      roles: ALL_ROLES,
      async handler(request, reply) {
        const query = queryOf(request);
        const { form, errors } = readSearch(deps, query);
        const page = pageNumber(query);
        let results: SafeHtml = html``;
        if (errors.length === 0) {
          const found = await deps.store.searchReferrals({
            ...(form.referralId ? { referralId: form.referralId } : {}),
            ...(form.sourceReference ? { sourceReference: form.sourceReference } : {}),
            ...(form.partner ? { partnerId: form.partner } : {}),
            ...(form.from ? { from: londonMidnight(form.from) as Date } : {}),
            ...(form.to ? { to: londonMidnight(nextDate(form.to)) as Date } : {}),
            ...(form.status ? { status: form.status } : {}),
            limit: SEARCH_PAGE_SIZE,
            offset: (page - 1) * SEARCH_PAGE_SIZE,
          });
          const keep = { referralId: form.referralId, partner: form.partner, from: form.from, to: form.to, status: form.status };
          results = html`<h2>Results</h2>${form.sourceReference ? html`<p>Filtered by the source reference you entered (not shown).</p>` : ''}
<p>${found.total} ${found.total === 1 ? 'referral' : 'referrals'} found.</p>
${resultsTable(deps, found.items)}
${form.sourceReference ? '' : pagination('/referrals', keep, page, SEARCH_PAGE_SIZE, found.total)}`;
        }
        return sendPage(request, reply, { title: 'Referrals', body: html`${searchForm(deps, form)}${results}`, ...(errors.length > 0 ? { errors } : {}) }, errors.length > 0 ? 400 : 200);
      },
    },
    {
      method: 'GET',
      url: '/referrals/:id',
      roles: ALL_ROLES,
      async handler(request, reply) {
        const id = paramOf(request, 'id');
        if (!UUID_PATTERN.test(id)) return sendNotFound(request, reply, 'referral');
        const notice = noticeText(queryOf(request), { ...SIGNPOST_NOTICES, ...FAMILY_MESSAGE_NOTICES });
        return renderReferral(deps, request, reply, await deps.store.readReferral(id.toLowerCase()), { reveal: false, ...(notice ? { notice } : {}) });
      },
    },
    {
      method: 'POST',
      url: '/referrals/:id/reveal',
      roles: REVEAL_ROLES,
      async handler(request, reply) {
        const posted = await postedReferral(deps, request);
        // Nothing is revealed for a referral that does not exist, and nothing is audited for it.
        if (!posted) return sendNotFound(request, reply, 'referral');
        const { referralId, stored } = posted;
        const form = formOf(request);
        const problem = reasonProblem(form.reason, REVEAL_REASON_MIN);
        if (problem) return renderReferral(deps, request, reply, stored, { reveal: false, errors: [`Reason: ${problem}`], status: 422 });
        // The audit row is written before anything is shown: if it fails, nothing is revealed.
        await deps.audit(request, { action: 'reveal', targetType: 'referral', targetId: referralId, reason: reasonOf(form) });
        return renderReferral(deps, request, reply, stored, { reveal: true });
      },
    },
    {
      method: 'POST',
      url: '/referrals/:id/signposting',
      roles: OPERATE_ROLES,
      async handler(request, reply) {
        const posted = await postedReferral(deps, request);
        if (!posted) return sendNotFound(request, reply, 'referral');
        const { referralId, stored } = posted;
        const form = formOf(request);
        // Only a service suggested for this referral now can be recorded (the id is never echoed).
        const serviceId = first(form.serviceId);
        const suggestions = (await suggestionsFor(deps, JSON.parse(stored.canonical.toString('utf8')))) ?? [];
        const suggestion = suggestions.find((s) => s.service.id === serviceId);
        if (!suggestion) return renderReferral(deps, request, reply, stored, { reveal: false, errors: ['Service: choose a service from the suggestions for this referral'], status: 422 });
        const problem = reasonProblem(form.reason, SIGNPOST_REASON_MIN);
        if (problem) return renderReferral(deps, request, reply, stored, { reveal: false, errors: [`Reason: ${problem}`], status: 422 });
        const operatorId = request.user?.username as string;
        const serviceUrl = shareableUrl(suggestion);
        const share = await deps.store.recordSignpostShare({ referralId, serviceId: suggestion.service.id, serviceName: suggestion.service.name, operatorId, at: deps.now(), ...(serviceUrl ? { serviceUrl } : {}) });
        if (!share) return sendNotFound(request, reply, 'referral');
        await deps.audit(request, { action: 'signpost.shared', targetType: 'referral', targetId: referralId, reason: reasonOf(form), outcome: 'ok', details: { serviceId: suggestion.service.id, shareId: share.id } });
        return redirectWithNotice(reply, `/referrals/${referralId}`, 'signposted');
      },
    },
    {
      method: 'POST',
      url: '/referrals/:id/message-opt-out',
      roles: OPERATE_ROLES,
      async handler(request, reply) {
        const posted = await postedReferral(deps, request);
        if (!posted) return sendNotFound(request, reply, 'referral');
        const { referralId, stored } = posted;
        const form = formOf(request);
        const problem = reasonProblem(form.reason, OPT_OUT_REASON_MIN);
        if (problem) return renderReferral(deps, request, reply, stored, { reveal: false, errors: [`Reason: ${problem}`], status: 422 });
        // Everyone on the referral the hub may write to (its adults); the first record of each stays.
        const personIds = messageRecipients(stored).map((p) => p.hubPersonId);
        const already = new Set((await deps.store.messageOptOuts(personIds)).map((o) => o.personId));
        const at = deps.now();
        const recordedBy = request.user?.username as string;
        for (const personId of personIds) if (!already.has(personId)) await deps.store.recordMessageOptOut({ personId, source: 'console', recordedBy, at });
        const added = personIds.filter((p) => !already.has(p));
        await deps.audit(request, {
          action: 'family.opted-out',
          targetType: 'referral',
          targetId: referralId,
          reason: reasonOf(form),
          outcome: 'ok',
          details: { people: personIds.length, newlyOptedOut: added.length, personIds: added.join(',') },
        });
        return redirectWithNotice(reply, `/referrals/${referralId}`, 'opted-out', added.length);
      },
    },
  ];
}
