// GET /ledger — search the disclosure ledger (DESIGN.md §5); POST /ledger/verify — check its hash
// chain and report the first broken link. Rows carry ids, codes and field pointers, never values.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleDeps, ConsoleRole, PageRoute } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import { DATE_PATTERN, first, isPartner, londonMidnight, nextDate, partnerCell, partnerOptions, queryOf, sendPage, tag, time, UUID_PATTERN } from './common.ts';

export const LEDGER_ROLES: readonly ConsoleRole[] = ['operator', 'dpo', 'admin'];
export const LEDGER_PAGE_SIZE = 100;

type LedgerEntry = Awaited<ReturnType<ConsoleDeps['store']['queryLedger']>>[number];
type Verification = Awaited<ReturnType<ConsoleDeps['store']['verifyLedger']>>;

interface LedgerForm {
  personId?: string;
  referralId?: string;
  recipient?: string;
  from?: string;
  to?: string;
  after?: number;
}

function readForm(deps: ConsoleDeps, query: Record<string, string | string[] | undefined>): { form: LedgerForm; errors: string[] } {
  const form: LedgerForm = {};
  const errors: string[] = [];
  for (const [key, label] of [
    ['personId', 'Hub person id'],
    ['referralId', 'Referral id'],
  ] as const) {
    const value = first(query[key])?.trim();
    if (!value) continue;
    if (UUID_PATTERN.test(value)) form[key] = value.toLowerCase();
    else errors.push(`${label}: enter an id of 36 characters in the form 0190a1b2-…`);
  }
  const recipient = first(query.recipient);
  if (recipient) {
    if (isPartner(deps, recipient)) form.recipient = recipient;
    else errors.push('Recipient: choose a partner from the list');
  }
  for (const key of ['from', 'to'] as const) {
    const value = first(query[key]);
    if (!value) continue;
    if (DATE_PATTERN.test(value) && londonMidnight(value)) form[key] = value;
    else errors.push(`${key === 'from' ? 'From' : 'To'}: enter a date as YYYY-MM-DD`);
  }
  if (form.from && form.to && form.from > form.to) errors.push('To: the date must be on or after the from date');
  const after = Number.parseInt(first(query.after) ?? '', 10);
  if (Number.isSafeInteger(after) && after > 0) form.after = after;
  return { form, errors };
}

function searchForm(deps: ConsoleDeps, form: LedgerForm): SafeHtml {
  return html`<form method="get" action="/ledger" class="filters" role="search" aria-label="Ledger search">
<div><label for="l-personId">Hub person id</label><input type="text" id="l-personId" name="personId" value="${form.personId ?? ''}" size="38" spellcheck="false" autocomplete="off"></div>
<div><label for="l-referralId">Referral id</label><input type="text" id="l-referralId" name="referralId" value="${form.referralId ?? ''}" size="38" spellcheck="false" autocomplete="off"></div>
<div><label for="l-recipient">Recipient</label><select id="l-recipient" name="recipient">${partnerOptions(deps, form.recipient, (p) => Boolean(p.delivery))}</select></div>
<div><label for="l-from">From</label><input type="date" id="l-from" name="from" value="${form.from ?? ''}"></div>
<div><label for="l-to">To</label><input type="date" id="l-to" name="to" value="${form.to ?? ''}"></div>
<div><button type="submit">Search</button></div>
</form>`;
}

function basis(e: LedgerEntry): SafeHtml {
  if (!e.art6 && !e.art9 && !e.sch1Paragraph && !e.art10) return html``;
  return html`Art 6 ${e.art6 ?? '—'}${e.art9 ? html`; Art 9 ${e.art9}` : ''}${e.sch1Paragraph ? html`; Sch 1 para ${e.sch1Paragraph}` : ''}${e.art10 ? html`; Art 10 ${e.art10}` : ''}`;
}

function entriesTable(deps: ConsoleDeps, entries: LedgerEntry[]): SafeHtml {
  if (entries.length === 0) return html`<p>No ledger row matches.</p>`;
  return html`<table>
<caption>Ledger rows in order</caption>
<thead><tr><th scope="col">Row</th><th scope="col">When</th><th scope="col">Outcome</th><th scope="col">Referral and delivery</th><th scope="col">Recipient</th><th scope="col">Purpose and basis</th><th scope="col">Fields disclosed</th><th scope="col">Decided by</th><th scope="col">Hashes</th></tr></thead>
<tbody>${entries.map(
    (e) => html`<tr><th scope="row">${e.seq}</th><td>${time(e.at)}</td>
<td>${tag(e.outcome === 'disclosed' ? 'delivered' : 'held', e.outcome)}</td>
<td><a href="/referrals/${e.referralId}">${e.referralId}</a>${e.deliveryId ? html`<br>delivery <span class="tag">${e.deliveryId}</span>` : ''}${e.channel ? html`<br>by ${e.channel}` : ''}</td>
<td>${partnerCell(deps, e.recipientPartnerId)}</td>
<td>${e.purpose ?? '—'}<br>${basis(e)}</td>
<td>${e.fields.length === 0 ? 'none' : html`<details><summary>${e.fields.length} ${e.fields.length === 1 ? 'field' : 'fields'}</summary><ul>${e.fields.map((f) => html`<li><code>${f}</code></li>`)}</ul></details>`}
${e.subjects.length > 0 ? html`<details><summary>${e.subjects.length} data ${e.subjects.length === 1 ? 'subject' : 'subjects'}</summary><ul>${e.subjects.map((s) => html`<li><a href="/ledger?personId=${s}">${s}</a></li>`)}</ul></details>` : ''}</td>
<td>${e.decidedByRule ? html`rule <span class="tag">${e.decidedByRule}</span>` : ''}${e.decidedByOperator ? html`operator ${e.decidedByOperator}` : ''}</td>
<td><span title="SHA-256 of the row">row <code>${e.hash.slice(0, 12)}…</code></span>${e.payloadSha256 ? html`<br><span title="SHA-256 of the bytes sent">sent <code>${e.payloadSha256.slice(0, 12)}…</code></span>` : ''}</td></tr>`,
  )}</tbody>
</table>`;
}

function verifyForm(request: FastifyRequest): SafeHtml {
  return html`<form method="post" action="/ledger/verify">${csrfField(request)}
<p>Checks every row's hash and its link to the row before it; reports the first broken link. Recorded in the audit trail.</p>
<button type="submit">Verify the ledger's hash chain</button></form>`;
}

function verificationResult(v: Verification): SafeHtml {
  if (v.ok) return html`<div class="notice" role="status"><strong>${tag('ok', 'Verified')}</strong> The hash chain is intact: ${v.checked} ${v.checked === 1 ? 'row' : 'rows'} checked.</div>`;
  const reasons: Record<string, string> = {
    'hash-mismatch': 'the row was changed after it was written (its hash does not match its content)',
    'prev-link-mismatch': 'a row before it was rewritten or removed (its link to the previous row is broken)',
    gap: 'a row is missing before it (its number does not follow on)',
  };
  const b = v.firstBroken;
  return html`<div class="error-summary" role="alert"><h2>${tag('failed', 'Broken')} The hash chain is broken</h2>
<p>${v.checked} ${v.checked === 1 ? 'row was' : 'rows were'} checked and found good before the first broken link.</p>
${b ? html`<p>First broken link: row ${b.seq} (<span class="tag">${b.id}</span>): ${reasons[b.reason] ?? b.reason}.</p>` : ''}</div>`;
}

async function renderLedger(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, verification?: Verification): Promise<FastifyReply> {
  const { form, errors } = readForm(deps, queryOf(request));
  let results: SafeHtml = html``;
  if (errors.length === 0) {
    const entries = await deps.store.queryLedger({
      ...(form.personId ? { personId: form.personId } : {}),
      ...(form.referralId ? { referralId: form.referralId } : {}),
      ...(form.recipient ? { recipientPartnerId: form.recipient } : {}),
      ...(form.from ? { from: londonMidnight(form.from) as Date } : {}),
      ...(form.to ? { to: londonMidnight(nextDate(form.to)) as Date } : {}),
      ...(form.after ? { after: form.after } : {}),
      limit: LEDGER_PAGE_SIZE,
    });
    const last = entries.at(-1);
    const next = new URLSearchParams();
    for (const key of ['personId', 'referralId', 'recipient', 'from', 'to'] as const) if (form[key]) next.set(key, form[key] as string);
    if (last) next.set('after', String(last.seq));
    results = html`<h2>Rows</h2>
<p>${entries.length === 0 ? 'No rows' : html`Rows ${entries[0]?.seq}–${last?.seq}`}${form.after ? html` after row ${form.after}` : ''}, oldest first.</p>
${entriesTable(deps, entries)}
${entries.length === LEDGER_PAGE_SIZE ? html`<nav aria-label="Pages"><p><a href="/ledger?${next.toString()}" rel="next">Next ${LEDGER_PAGE_SIZE} rows</a></p></nav>` : ''}`;
  }
  const body = html`${verification ? verificationResult(verification) : ''}
<section aria-labelledby="verify-h"><h2 id="verify-h">Verify</h2>${verifyForm(request)}</section>
<section aria-labelledby="search-h"><h2 id="search-h">Search</h2>${searchForm(deps, form)}</section>
${results}`;
  return sendPage(request, reply, { title: 'Disclosure ledger', body, ...(errors.length > 0 ? { errors } : {}) }, errors.length > 0 ? 400 : 200);
}

export function ledgerRoutes(deps: ConsoleDeps): PageRoute[] {
  return [
    {
      method: 'GET',
      url: '/ledger',
      roles: LEDGER_ROLES,
      async handler(request, reply) {
        return renderLedger(deps, request, reply);
      },
    },
    {
      method: 'POST',
      url: '/ledger/verify',
      roles: LEDGER_ROLES,
      async handler(request, reply) {
        const verification = await deps.store.verifyLedger();
        await deps.audit(request, {
          action: 'ledger.verify',
          targetType: 'ledger',
          outcome: verification.ok ? 'ok' : 'failed',
          details: { ok: verification.ok, checked: verification.checked, ...(verification.firstBroken ? { brokenSeq: verification.firstBroken.seq, brokenReason: verification.firstBroken.reason } : {}) },
        });
        // The result is shown in this response (a redirect would have to carry it in the URL,
        // where anyone could forge a "verified" page).
        return renderLedger(deps, request, reply, verification);
      },
    },
  ];
}
