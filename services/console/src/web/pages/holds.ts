// GET /holds — referrals held for an operator, with why; POST /holds/:id/share and
// /holds/:id/close — the operator's decision, recorded with their identity (DESIGN.md §4 Router).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NO_PARTNER_LABEL } from '@hub/observability';
import { resolveHeldReferral } from '@hub/routing';
import { ALL_ROLES, OPERATE_ROLES, type ConsoleDeps, type PageRoute } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import { formOf, listOf, mayUse, noticeText, paramOf, partnerCell, partnerName, queryOf, reasonField, reasonOf, reasonProblem, redirectWithNotice, sendPage, time, UUID_PATTERN } from './common.ts';
import { holdReasonText } from './referrals.ts';

export const HOLD_REASON_MIN = 3;

type HeldReferral = Awaited<ReturnType<ConsoleDeps['store']['listHolds']>>[number];
type Agreement = ReturnType<ConsoleDeps['config']['sharing']['agreements']['all']>[number];

const NOTICES: Record<string, (n: number) => string> = {
  shared: (n) => `Shared: ${n} ${n === 1 ? 'delivery' : 'deliveries'} created and queued. The decision is recorded with your name.`,
  closed: () => 'Closed without sharing. The decision is recorded with your name.',
};

/**
 * The recipient + purpose combinations an operator may choose for a referral of this type from
 * this source: every data-sharing agreement whose recipient has a delivery channel and is not the
 * source, for a purpose that some rule covering the message type uses (or that no rule uses, so
 * only an operator can choose it). Each is an agreement; resolveHeldReferral checks it again.
 */
export function holdOptions(deps: ConsoleDeps, sourceType: string, sourcePartnerId: string): Agreement[] {
  const { rules, agreements } = deps.config.sharing;
  const purposesInRules = new Set(rules.map((r) => r.purpose));
  const purposesForType = new Set(rules.filter((r) => !r.covers.messageTypes || r.covers.messageTypes.includes(sourceType)).map((r) => r.purpose));
  return agreements
    .all()
    .filter((a) => a.recipient !== sourcePartnerId && deps.config.partners.get(a.recipient)?.delivery && (purposesForType.has(a.purpose) || !purposesInRules.has(a.purpose)))
    .slice()
    .sort((a, b) => partnerName(deps, a.recipient).localeCompare(partnerName(deps, b.recipient)) || a.purpose.localeCompare(b.purpose));
}

function decisionForm(deps: ConsoleDeps, request: FastifyRequest, hold: HeldReferral, index: number): SafeHtml {
  const options = holdOptions(deps, hold.sourceType, hold.sourcePartnerId);
  const base = `hold-${index}`;
  return html`<form method="post" action="/holds/${hold.referralId}/share">${csrfField(request)}
<fieldset><legend>Share with</legend>
${options.length === 0
    ? html`<p>No recipient has a data-sharing agreement that could apply to this referral.</p>`
    : options.map(
        (a, i) => html`<label for="${base}-r${i}"><input type="checkbox" id="${base}-r${i}" name="recipients" value="${a.id}"> ${partnerName(deps, a.recipient)} — purpose ${a.purpose}</label>`,
      )}
</fieldset>
${reasonField(`${base}-reason`, 'Reason for your decision', HOLD_REASON_MIN)}
<p>${options.length > 0 ? html`<button type="submit">Share with selected recipients</button> ` : ''}<button type="submit" class="danger" formaction="/holds/${hold.referralId}/close">Close without sharing</button></p>
</form>`;
}

async function renderHolds(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, opts: { errors?: string[]; status?: number; notice?: string } = {}): Promise<FastifyReply> {
  const holds = await deps.store.listHolds();
  const operate = mayUse(request, OPERATE_ROLES);
  const body =
    holds.length === 0
      ? html`<p>No referral is held for review.</p>`
      : html`<p>${holds.length} ${holds.length === 1 ? 'referral is' : 'referrals are'} held for review, oldest first. Nothing about ${holds.length === 1 ? 'it' : 'them'} has left the hub.</p>
${holds.map(
  (h, i) => html`<section class="hold" aria-labelledby="hold-${i}-h">
<h2 id="hold-${i}-h">Referral <a href="/referrals/${h.referralId}">${h.referralId}</a></h2>
<dl>
<dt>Source</dt><dd>${partnerCell(deps, h.sourcePartnerId)}</dd>
<dt>Message type</dt><dd>${h.sourceType}</dd>
<dt>Urgency</dt><dd>${h.urgency}</dd>
<dt>Received</dt><dd>${time(h.receivedAt)}</dd>
<dt>Held</dt><dd>${time(h.heldAt)}</dd>
<dt>Why it is held</dt><dd><ul>${h.reasons.map((r) => html`<li>${holdReasonText(r)} <span class="tag">${r}</span></li>`)}</ul></dd>
</dl>
${operate ? decisionForm(deps, request, h, i) : html`<p>An operator or admin decides on held referrals.</p>`}
</section>`,
)}`;
  return sendPage(request, reply, { title: 'Review hold', body, ...(opts.errors ? { errors: opts.errors } : {}), ...(opts.notice ? { notice: opts.notice } : {}) }, opts.status ?? 200);
}

export function holdRoutes(deps: ConsoleDeps): PageRoute[] {
  const routingDeps = { store: deps.store, partners: deps.config.partners, sharing: deps.config.sharing };

  /** Checks the id and reason shared by both decisions; the error re-renders the list. */
  async function checked(request: FastifyRequest, reply: FastifyReply): Promise<{ hold: HeldReferral; reason: string; form: Record<string, unknown> } | FastifyReply> {
    const id = paramOf(request, 'id').toLowerCase();
    const hold = UUID_PATTERN.test(id) ? (await deps.store.listHolds()).find((h) => h.referralId === id) : undefined;
    if (!hold) return renderHolds(deps, request, reply, { errors: ['That referral is not held for review (any more): nothing was changed.'], status: 409 });
    const form = formOf(request);
    const problem = reasonProblem(form.reason, HOLD_REASON_MIN);
    if (problem) return renderHolds(deps, request, reply, { errors: [`Reason for your decision on referral ${hold.referralId}: ${problem}`], status: 422 });
    return { hold, reason: reasonOf(form), form };
  }

  return [
    {
      method: 'GET',
      url: '/holds',
      roles: ALL_ROLES,
      async handler(request, reply) {
        const notice = noticeText(queryOf(request), NOTICES);
        return renderHolds(deps, request, reply, notice ? { notice } : {});
      },
    },
    {
      method: 'POST',
      url: '/holds/:id/share',
      roles: OPERATE_ROLES,
      async handler(request, reply) {
        const ok = await checked(request, reply);
        if (!('hold' in ok)) return ok;
        const { hold, reason, form } = ok;
        const allowed = new Map(holdOptions(deps, hold.sourceType, hold.sourcePartnerId).map((a) => [a.id, a]));
        const chosen = [...new Set(listOf(form, 'recipients'))];
        if (chosen.length === 0) return renderHolds(deps, request, reply, { errors: [`Share with (referral ${hold.referralId}): select at least one recipient, or close without sharing`], status: 422 });
        const agreements = chosen.map((id) => allowed.get(id));
        if (agreements.some((a) => a === undefined)) return renderHolds(deps, request, reply, { errors: [`Share with (referral ${hold.referralId}): choose recipients from the list`], status: 422 });
        const recipients = (agreements as Agreement[]).map((a) => ({ partnerId: a.recipient, purpose: a.purpose }));
        const result = await resolveHeldReferral(routingDeps, hold.referralId, { operatorId: request.user?.username as string, reason, recipients });
        if (result.kind === 'not-held') return renderHolds(deps, request, reply, { errors: ['That referral is not held for review (any more): nothing was changed.'], status: 409 });
        if (result.kind === 'no-agreement') return renderHolds(deps, request, reply, { errors: [`Share with (referral ${hold.referralId}): ${partnerName(deps, result.recipientPartnerId)} has no data-sharing agreement or delivery channel for that purpose`], status: 422 });
        if (result.kind === 'restricted') {
          for (const partnerId of result.notDisclosedTo) deps.metrics?.disclosures.inc({ partner: partnerId, outcome: 'not-disclosed' });
          await deps.audit(request, { action: 'hold.share', targetType: 'referral', targetId: hold.referralId, outcome: 'denied', details: { code: 'subject-restricted', count: result.notDisclosedTo.length } });
          return renderHolds(deps, request, reply, { errors: [`Share with (referral ${hold.referralId}): a person on this referral has restricted processing or objected, and no safeguarding override is active. Nothing was shared (recorded as not shared); the referral stays held. See Rights for the person.`], status: 409 });
        }
        if (result.kind !== 'shared') return renderHolds(deps, request, reply, { errors: ['The decision could not be recorded.'], status: 409 });
        // Fast path; if Redis refuses, the committed outbox rows are queued by the sweeper.
        await deps.enqueuer.addNow(result.jobs).catch(() => undefined);
        await deps.audit(request, { action: 'hold.share', targetType: 'referral', targetId: hold.referralId, reason, outcome: 'ok', details: { recipients: recipients.map((r) => `${r.partnerId}:${r.purpose}`).join(','), count: result.deliveries } });
        return redirectWithNotice(reply, '/holds', 'shared', result.deliveries);
      },
    },
    {
      method: 'POST',
      url: '/holds/:id/close',
      roles: OPERATE_ROLES,
      async handler(request, reply) {
        const ok = await checked(request, reply);
        if (!('hold' in ok)) return ok;
        const { hold, reason } = ok;
        const result = await resolveHeldReferral(routingDeps, hold.referralId, { operatorId: request.user?.username as string, reason, close: true });
        if (result.kind !== 'closed') return renderHolds(deps, request, reply, { errors: ['That referral is not held for review (any more): nothing was changed.'], status: 409 });
        deps.metrics?.disclosures.inc({ partner: NO_PARTNER_LABEL, outcome: 'not-disclosed' });
        await deps.audit(request, { action: 'hold.close', targetType: 'referral', targetId: hold.referralId, reason, outcome: 'ok' });
        return redirectWithNotice(reply, '/holds', 'closed');
      },
    },
  ];
}
