// Data subject rights (UK GDPR Art 16, 18, 19, 21; docs/data-protection.md):
//   GET  /rights                       look a person up by hub person id
//   GET  /rights/:personId             their flags, history, referrals and rectifications
//   POST /rights/:personId/restriction set or lift a restriction of processing
//   POST /rights/:personId/objection   record or withdraw an objection
//   POST /rights/:personId/override    set or end a safeguarding override
//   POST /rights/:personId/rectify     correct one field on one referral, propagated to every
//                                      recipient that received it (and to no other)
// Every action needs a typed reason (stored encrypted, never audited or logged) and is audited
// with ids and codes only. The pages show ids, codes and statuses — never a value.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CORRECTABLE_PERSON_FIELDS, RECTIFICATION_REASON_CATEGORIES, rectifyField } from '@hub/routing';
import type { RectificationSummary } from '@hub/store';
import type { ConsoleDeps, ConsoleRole, PageRoute } from '../context.ts';
import { html, raw, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import {
  DATE_PATTERN,
  first,
  formOf,
  londonMidnight,
  nextDate,
  noticeText,
  paramOf,
  partnerCell,
  queryOf,
  REASON_MAX,
  reasonOf,
  reasonProblem,
  redirectWithNotice,
  sendNotFound,
  sendPage,
  tag,
  time,
  UUID_PATTERN,
} from './common.ts';

/** Who may see and change a person's rights flags and correct their data. */
export const RIGHTS_ROLES: readonly ConsoleRole[] = ['operator', 'dpo'];
export const RIGHTS_REASON_MIN = 10;

/** What recipients are told about why a field was corrected (the categories of @hub/sharing). */
const CATEGORY_TEXT: Record<string, string> = {
  'data-subject-request': 'The person asked for the correction',
  'source-correction': 'The referring organisation sent a correction',
  'verified-record': 'Checked against an authoritative record',
  'recording-error': 'A recording error',
  other: 'Other (explain in the reason)',
};

const ACTION_TEXT: Record<string, string> = {
  restrict: 'Restricted processing',
  'lift-restriction': 'Lifted the restriction',
  object: 'Recorded an objection',
  'withdraw-objection': 'Withdrew the objection',
  override: 'Set a safeguarding override',
  'end-override': 'Ended the safeguarding override',
};

const NOTICES: Record<string, (n: number) => string> = {
  restricted: () => 'Processing is restricted: no referral about this person will be disclosed without a safeguarding override. Recorded with your name.',
  'restriction-lifted': () => 'The restriction is lifted. Recorded with your name.',
  objected: () => 'The objection is recorded: no referral about this person will be disclosed without a safeguarding override, and they are left out of the research extract.',
  'objection-withdrawn': () => 'The objection is withdrawn. Recorded with your name.',
  'override-set': () => 'The safeguarding override is recorded: referrals about this person may be disclosed, and each decision records the override.',
  'override-ended': () => 'The safeguarding override has ended.',
  rectified: (n) => `The correction is recorded. ${n === 0 ? 'No recipient had received that field: nothing is sent.' : `It is being sent to the ${n === 1 ? 'recipient' : `${n} recipients`} that received the field, each through its own channel.`}`,
};

function fieldLabel(pointer: string): string {
  return CORRECTABLE_PERSON_FIELDS.find((f) => f.pointer === pointer)?.label ?? pointer;
}

function categoryLabel(value: string): string {
  return CATEGORY_TEXT[value] ?? value;
}

/** Per-recipient propagation of each rectification: the same table on this page and the referral view. */
export function rectificationsTable(deps: ConsoleDeps, rectifications: readonly RectificationSummary[], opts: { showReferral: boolean }): SafeHtml {
  if (rectifications.length === 0) return html`<p>No rectification has been recorded.</p>`;
  return html`<table>
<caption>Rectifications, newest first, and where each was sent (UK GDPR Art 19)</caption>
<thead><tr><th scope="col">When</th>${opts.showReferral ? html`<th scope="col">Referral</th>` : ''}<th scope="col">Person</th><th scope="col">Field</th><th scope="col">Reason category</th><th scope="col">By</th><th scope="col">Propagation</th></tr></thead>
<tbody>${rectifications.map(
    (r) => html`<tr><td>${time(r.at)}</td>${opts.showReferral ? html`<td><a href="/referrals/${r.referralId}">${r.referralId}</a></td>` : ''}<td>${r.personRef} <a href="/rights/${r.personId}"><span class="tag">${r.personId}</span></a></td>
<td>${fieldLabel(r.pointer)} <span class="tag">${r.pointer}</span></td><td>${categoryLabel(r.reasonCategory)}</td><td>${r.actor}</td>
<td>${r.recipients.length === 0
      ? 'No recipient had received this field: nothing sent.'
      : html`<ul>${r.recipients.map(
          (p) => html`<li>${partnerCell(deps, p.recipientPartnerId)} by ${p.channel}: ${tag(p.status)}${p.status === 'delivered' ? html` ${time(p.deliveredAt)}` : ''}${p.lastErrorCode ? html` (${p.lastErrorCode})` : ''} <span class="tag">${p.deliveryId}</span></li>`,
        )}</ul>`}</td></tr>`,
  )}</tbody>
</table>`;
}

/** The reason textarea of these forms: unlike other console reasons, it is not put in the audit trail. */
function rightsReasonField(id: string, hint: string): SafeHtml {
  return html`<label for="${id}">Reason</label>
<p class="hint" id="${id}-hint">At least ${RIGHTS_REASON_MIN} characters. ${hint}</p>
<textarea id="${id}" name="reason" rows="2" cols="50" required minlength="${RIGHTS_REASON_MIN}" maxlength="${REASON_MAX}" aria-describedby="${id}-hint"></textarea>`;
}

const FLAG_REASON_HINT = 'Kept encrypted with the person’s rights history; never written to the audit trail or a log.';
const RECTIFY_REASON_HINT = 'Kept encrypted with the referral; never sent to recipients (they are told the category) or written to the audit trail.';

function lookupForm(value = ''): SafeHtml {
  return html`<form method="get" action="/rights" class="filters" role="search" aria-label="Find a person">
<div><label for="q-personId">Hub person id</label><input type="text" id="q-personId" name="personId" value="${value}" size="38" spellcheck="false" autocomplete="off"></div>
<div><button type="submit">Find</button></div>
</form>
<p class="hint">The hub person id is on the referral view (people on the referral) and in ledger rows. Search referrals first if you only know a referral.</p>`;
}

function flagForm(request: FastifyRequest, personId: string, opts: { action: string; id: string; legend: string; button: string; value: string; danger?: boolean; extra?: SafeHtml }): SafeHtml {
  return html`<form method="post" action="/rights/${personId}/${opts.action}">${csrfField(request)}
<fieldset><legend>${opts.legend}</legend>
<input type="hidden" name="set" value="${opts.value}">
${opts.extra ?? ''}
${rightsReasonField(`${opts.id}-reason`, FLAG_REASON_HINT)}
<p><button type="submit"${opts.danger ? raw(' class="danger"') : ''}>${opts.button}</button></p>
</fieldset></form>`;
}

async function renderPerson(deps: ConsoleDeps, request: FastifyRequest, reply: FastifyReply, personId: string, opts: { errors?: string[]; status?: number; notice?: string } = {}): Promise<FastifyReply> {
  const [state, history, referrals, rectifications] = await Promise.all([
    deps.store.personRightsState(personId),
    deps.store.rightsHistory(personId),
    deps.store.personReferrals(personId),
    deps.store.listRectifications({ personId, limit: 100 }),
  ]);
  const overrideActive = state?.override?.active === true;
  const flags = html`<dl class="facts">
<dt>Hub person id</dt><dd>${personId}</dd>
<dt>Restriction of processing (Art 18)</dt><dd>${state?.restricted ? html`${tag('dead', 'restricted')} since ${time(state.restricted.at)} by ${state.restricted.by}` : 'Not restricted'}</dd>
<dt>Objection (Art 21)</dt><dd>${state?.objected ? html`${tag('dead', 'objected')} since ${time(state.objected.at)} by ${state.objected.by}` : 'No objection'}</dd>
<dt>Safeguarding override</dt><dd>${state?.override ? html`${overrideActive ? tag('delivered', 'active') : tag('closed', 'expired')} set ${time(state.override.at)} by ${state.override.by}${state.override.until ? html`, until ${time(state.override.until)}` : ', until ended'}` : 'None'}</dd>
</dl>
<p>${(state?.restricted || state?.objected) && !overrideActive ? html`<strong>No referral about this person is disclosed</strong>: new referrals are held for review, and queued deliveries are withheld as dead letters.` : ''}</p>`;

  const forms = html`<section aria-labelledby="flags-h"><h2 id="flags-h">Change the flags</h2>
<p class="hint">A restriction or objection stops every further disclosure of referrals about this person; an objection also leaves them out of the national evaluation extract. A safeguarding override lets referrals be disclosed despite them — each decision then records the override.</p>
${state?.restricted
  ? flagForm(request, personId, { action: 'restriction', id: 'restriction', legend: 'Lift the restriction', button: 'Lift the restriction', value: 'false' })
  : flagForm(request, personId, { action: 'restriction', id: 'restriction', legend: 'Restrict processing', button: 'Restrict processing', value: 'true', danger: true })}
${state?.objected
  ? flagForm(request, personId, { action: 'objection', id: 'objection', legend: 'Withdraw the objection', button: 'Withdraw the objection', value: 'false' })
  : flagForm(request, personId, { action: 'objection', id: 'objection', legend: 'Record an objection', button: 'Record the objection', value: 'true', danger: true })}
${overrideActive
  ? flagForm(request, personId, { action: 'override', id: 'override', legend: 'End the safeguarding override', button: 'End the override', value: 'false' })
  : flagForm(request, personId, {
      action: 'override',
      id: 'override',
      legend: 'Safeguarding override',
      button: 'Set the safeguarding override',
      value: 'true',
      danger: true,
      extra: html`<label for="override-until">Until the end of (optional)</label><input type="date" id="override-until" name="until">`,
    })}
</section>`;

  const historyTable =
    history.length === 0
      ? html`<p>No change has been recorded.</p>`
      : html`<table><caption>History, newest first (reasons are kept encrypted and are not shown here)</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">By</th><th scope="col">Until</th></tr></thead>
<tbody>${history.map((h) => html`<tr><td>${time(h.at)}</td><td>${ACTION_TEXT[h.action] ?? h.action}</td><td>${h.actor}</td><td>${h.overrideUntil ? time(h.overrideUntil) : '—'}</td></tr>`)}</tbody></table>`;

  const referralTable =
    referrals.length === 0
      ? html`<p>This person is on no referral.</p>`
      : html`<table><caption>Referrals about this person, newest first</caption>
<thead><tr><th scope="col">Referral</th><th scope="col">Person</th><th scope="col">Role</th><th scope="col">Source</th><th scope="col">Received</th><th scope="col">Status</th></tr></thead>
<tbody>${referrals.map((r) => html`<tr><td><a href="/referrals/${r.referralId}">${r.referralId}</a></td><td>${r.personRef}</td><td>${r.role}</td><td>${partnerCell(deps, r.sourcePartnerId)}</td><td>${time(r.receivedAt)}</td><td>${tag(r.status)}</td></tr>`)}</tbody></table>`;

  const rectifyForm =
    referrals.length === 0
      ? html``
      : html`<form method="post" action="/rights/${personId}/rectify">${csrfField(request)}
<fieldset><legend>Correct a field (rectification)</legend>
<p class="hint">The corrected field is sent, through each recipient's own channel, to every recipient whose delivery of that referral carried it — and to no other — and each is recorded in the disclosure ledger.</p>
<label for="rectify-target">Referral and person</label>
<select id="rectify-target" name="target" required>${referrals.map((r) => html`<option value="${r.referralId}|${r.personRef}">${r.referralId} — ${r.personRef} (${r.role})</option>`)}</select>
<label for="rectify-field">Field</label>
<select id="rectify-field" name="field" required>${CORRECTABLE_PERSON_FIELDS.map((f) => html`<option value="${f.pointer}">${f.label}</option>`)}</select>
<label for="rectify-value">Corrected value</label>
<p class="hint" id="rectify-value-hint">Dates as YYYY-MM-DD; address lines one per line. Leave empty to remove the value (not possible for given and family names).</p>
<textarea id="rectify-value" name="value" rows="3" cols="50" maxlength="1200" aria-describedby="rectify-value-hint" autocomplete="off" spellcheck="false"></textarea>
<label for="rectify-category">Reason category (this is all recipients are told)</label>
<select id="rectify-category" name="reasonCategory" required>${RECTIFICATION_REASON_CATEGORIES.map((c) => html`<option value="${c}">${categoryLabel(c)}</option>`)}</select>
${rightsReasonField('rectify-reason', RECTIFY_REASON_HINT)}
<p><button type="submit">Record and send the correction</button></p>
</fieldset></form>`;

  const body = html`${lookupForm(personId)}
<section aria-labelledby="state-h"><h2 id="state-h">Flags</h2>${flags}</section>
${forms}
<section aria-labelledby="history-h"><h2 id="history-h">History of the flags</h2>${historyTable}</section>
<section aria-labelledby="referrals-h"><h2 id="referrals-h">Referrals</h2>${referralTable}</section>
<section aria-labelledby="rectify-h"><h2 id="rectify-h">Rectification</h2>${rectifyForm}
${rectificationsTable(deps, rectifications, { showReferral: true })}</section>`;
  return sendPage(request, reply, { title: 'Data subject rights', body, ...(opts.errors ? { errors: opts.errors } : {}), ...(opts.notice ? { notice: opts.notice } : {}) }, opts.status ?? 200);
}

/** The person of a POST (or of the page); null when the id is malformed or unknown. */
async function personOf(deps: ConsoleDeps, request: FastifyRequest): Promise<string | null> {
  const id = paramOf(request, 'personId').toLowerCase();
  if (!UUID_PATTERN.test(id)) return null;
  return (await deps.store.personExists(id)) ? id : null;
}

function booleanOf(form: Record<string, unknown>): boolean | undefined {
  const value = first(form.set);
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

export function rightsRoutes(deps: ConsoleDeps): PageRoute[] {
  const flagRoute = (action: 'restriction' | 'objection'): PageRoute => ({
    method: 'POST',
    url: `/rights/:personId/${action}`,
    roles: RIGHTS_ROLES,
    async handler(request, reply) {
      const personId = await personOf(deps, request);
      if (!personId) return sendNotFound(request, reply, 'person');
      const form = formOf(request);
      const set = booleanOf(form);
      const problem = reasonProblem(form.reason, RIGHTS_REASON_MIN);
      if (set === undefined) return renderPerson(deps, request, reply, personId, { errors: ['The form was incomplete: try again.'], status: 422 });
      if (problem) return renderPerson(deps, request, reply, personId, { errors: [`Reason: ${problem}`], status: 422 });
      const actor = request.user?.username as string;
      const reason = reasonOf(form);
      if (action === 'restriction') await deps.store.setRestriction(personId, { restricted: set, reason, actor });
      else await deps.store.setObjection(personId, { objected: set, reason, actor });
      // Ids and codes only: the typed reason is in the (encrypted) rights history, not the audit trail.
      await deps.audit(request, { action: `rights.${action}.${set ? 'set' : 'clear'}`, targetType: 'person', targetId: personId, outcome: 'ok' });
      const notice = action === 'restriction' ? (set ? 'restricted' : 'restriction-lifted') : set ? 'objected' : 'objection-withdrawn';
      return redirectWithNotice(reply, `/rights/${personId}`, notice);
    },
  });

  return [
    {
      method: 'GET',
      url: '/rights',
      roles: RIGHTS_ROLES,
      async handler(request, reply) {
        const typed = first(queryOf(request).personId)?.trim();
        if (!typed) return sendPage(request, reply, { title: 'Data subject rights', body: lookupForm() });
        if (!UUID_PATTERN.test(typed)) return sendPage(request, reply, { title: 'Data subject rights', body: lookupForm(), errors: ['Hub person id: enter an id in the form 0190a1b2-…, 36 characters'] }, 400);
        const personId = typed.toLowerCase();
        if (!(await deps.store.personExists(personId))) return sendPage(request, reply, { title: 'Data subject rights', body: lookupForm(), errors: ['Hub person id: no person has that id'] }, 404);
        return reply.code(303).header('location', `/rights/${personId}`).header('cache-control', 'no-store').send();
      },
    },
    {
      method: 'GET',
      url: '/rights/:personId',
      roles: RIGHTS_ROLES,
      async handler(request, reply) {
        const personId = await personOf(deps, request);
        if (!personId) return sendNotFound(request, reply, 'person');
        const notice = noticeText(queryOf(request), NOTICES);
        return renderPerson(deps, request, reply, personId, notice ? { notice } : {});
      },
    },
    flagRoute('restriction'),
    flagRoute('objection'),
    {
      method: 'POST',
      url: '/rights/:personId/override',
      roles: RIGHTS_ROLES,
      async handler(request, reply) {
        const personId = await personOf(deps, request);
        if (!personId) return sendNotFound(request, reply, 'person');
        const form = formOf(request);
        const set = booleanOf(form);
        const problem = reasonProblem(form.reason, RIGHTS_REASON_MIN);
        if (set === undefined) return renderPerson(deps, request, reply, personId, { errors: ['The form was incomplete: try again.'], status: 422 });
        if (problem) return renderPerson(deps, request, reply, personId, { errors: [`Reason: ${problem}`], status: 422 });
        const actor = request.user?.username as string;
        const reason = reasonOf(form);
        if (!set) {
          await deps.store.endSafeguardingOverride(personId, { reason, actor });
          await deps.audit(request, { action: 'rights.override.clear', targetType: 'person', targetId: personId, outcome: 'ok' });
          return redirectWithNotice(reply, `/rights/${personId}`, 'override-ended');
        }
        const untilText = first(form.until)?.trim();
        let until: Date | undefined;
        if (untilText) {
          // Until the end of that London calendar day.
          const end = DATE_PATTERN.test(untilText) && londonMidnight(untilText) ? londonMidnight(nextDate(untilText)) : undefined;
          if (!end || end.getTime() <= deps.now().getTime()) return renderPerson(deps, request, reply, personId, { errors: ['Until: enter today or a later date as YYYY-MM-DD, or leave it empty'], status: 422 });
          until = end;
        }
        await deps.store.setSafeguardingOverride(personId, { reason, actor, ...(until ? { until } : {}) });
        await deps.audit(request, { action: 'rights.override.set', targetType: 'person', targetId: personId, outcome: 'ok', ...(until ? { details: { until: until.toISOString() } } : {}) });
        return redirectWithNotice(reply, `/rights/${personId}`, 'override-set');
      },
    },
    {
      method: 'POST',
      url: '/rights/:personId/rectify',
      roles: RIGHTS_ROLES,
      async handler(request, reply) {
        const personId = await personOf(deps, request);
        if (!personId) return sendNotFound(request, reply, 'person');
        const form = formOf(request);
        const problem = reasonProblem(form.reason, RIGHTS_REASON_MIN);
        if (problem) return renderPerson(deps, request, reply, personId, { errors: [`Reason: ${problem}`], status: 422 });
        const [referralId, personRef] = (first(form.target) ?? '').split('|');
        // The referral and personRef must be this person's (chosen from the list on the page).
        const target = (await deps.store.personReferrals(personId)).find((r) => r.referralId === referralId?.toLowerCase() && r.personRef === personRef);
        if (!target) return renderPerson(deps, request, reply, personId, { errors: ['Referral and person: choose one from the list'], status: 422 });
        const result = await rectifyField(
          { store: deps.store, allowTestNhsNumbers: deps.config.settings.allowTestNhsNumbers, now: () => deps.now() },
          {
            referralId: target.referralId,
            personRef: target.personRef,
            field: first(form.field) ?? '',
            value: first(form.value) ?? '',
            reasonCategory: first(form.reasonCategory) ?? '',
            reason: reasonOf(form),
            actor: request.user?.username as string,
          },
        );
        switch (result.kind) {
          case 'invalid': {
            const label = { field: 'Field', value: 'Corrected value', reasonCategory: 'Reason category', reason: 'Reason' }[result.field];
            return renderPerson(deps, request, reply, personId, { errors: [`${label}: ${result.problem}`], status: 422 });
          }
          case 'not-found':
            return renderPerson(deps, request, reply, personId, { errors: ['Referral and person: that referral or person is no longer there'], status: 409 });
          case 'unchanged':
            return renderPerson(deps, request, reply, personId, { errors: ['Corrected value: the field already holds that value; nothing was changed'], status: 422 });
          case 'rectified':
            // Fast path; if Redis refuses, the committed outbox rows are queued by the sweeper.
            await deps.enqueuer.addNow(result.jobs).catch(() => undefined);
            await deps.audit(request, {
              action: 'rights.rectify',
              targetType: 'referral',
              targetId: target.referralId,
              outcome: 'ok',
              details: { rectificationId: result.rectificationId, personId, personRef: target.personRef, field: first(form.field) ?? '', reasonCategory: first(form.reasonCategory) ?? '', recipients: result.recipients.length },
            });
            return redirectWithNotice(reply, `/rights/${personId}`, 'rectified', result.recipients.length);
        }
      },
    },
  ];
}
