// The referral page's "Messages to the family" section (issue 6): what the hub decided and did
// about the self-referral acknowledgement and the feedback invitations of this referral — status,
// reason and outcome codes and dates only, never tokens, contact details or feedback answers — and
// an operator's record that the family wants no more messages from the hub (opt-out).
import type { FastifyRequest } from 'fastify';
import type { MessageOptOut, StoredAcknowledgement, StoredFeedbackInvitation } from '@hub/store';
import { OPERATE_ROLES, type ConsoleDeps } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfField } from '../layout.ts';
import { mayUse, reasonField, tag, time } from './common.ts';

/** An opt-out needs a reason of at least this many characters. */
export const OPT_OUT_REASON_MIN = 5;

export const FAMILY_MESSAGE_NOTICES: Record<string, (n: number) => string> = {
  'opted-out': (n) =>
    n === 0
      ? 'Everyone the hub could write to had already opted out; nothing changed. Recorded in the audit trail.'
      : `Recorded: the hub sends no more acknowledgements or feedback requests to ${n === 1 ? '1 person' : `${n} people`} on this referral.`,
};

type StoredReferral = NonNullable<Awaited<ReturnType<ConsoleDeps['store']['readReferral']>>>;
type ReferralPerson = StoredReferral['people'][number];

/**
 * The people on a referral the hub may write to: its adults (everyone but children, as
 * planAcknowledgement chooses the recipient), or everyone when nobody else is on it.
 */
export function messageRecipients(stored: StoredReferral): ReferralPerson[] {
  const adults = stored.people.filter((p) => p.role !== 'child');
  return adults.length > 0 ? adults : stored.people;
}

/** Plain English for the reason codes of acknowledgements and feedback invitations. */
export function messageReasonText(code: string): string {
  switch (code) {
    case 'EMAIL':
      return 'To be sent by email.';
    case 'SMS':
      return 'To be sent by text message.';
    case 'CONTACT_UNSAFE':
      return 'Not sent: contact with the family is marked unsafe.';
    case 'MESSAGE_NOT_ALLOWED':
      return 'Not sent: the family asked that no message be left.';
    case 'NO_CONTACT_DETAILS':
      return 'Not sent: no email address or mobile number.';
    case 'RESTRICTED':
      return 'Not sent: a person restricted processing of their data.';
    case 'OBJECTED':
      return 'Not sent: a person objected to processing of their data.';
    case 'OPTED_OUT':
      return 'Not sent: the family asked for no messages from the hub.';
    case 'NOTIFY_NOT_CONFIGURED':
      return 'Not sent: the hub has no message service configured.';
    default:
      return 'See the code.';
  }
}

export interface FamilyMessages {
  acknowledgement: StoredAcknowledgement | null;
  invitations: StoredFeedbackInvitation[];
  recipients: ReferralPerson[];
  optOuts: Map<string, MessageOptOut>;
}

export async function familyMessagesFor(deps: ConsoleDeps, stored: StoredReferral): Promise<FamilyMessages> {
  const recipients = messageRecipients(stored);
  const [acknowledgement, invitations, optOuts] = await Promise.all([
    deps.store.acknowledgementFor(stored.referralId),
    deps.store.listFeedbackInvitations(stored.referralId),
    deps.store.messageOptOuts(recipients.map((p) => p.hubPersonId)),
  ]);
  return { acknowledgement, invitations, recipients, optOuts: new Map(optOuts.map((o) => [o.personId, o])) };
}

function code(value: string | null | undefined): SafeHtml {
  return value ? html`<span class="tag">${value}</span>` : html`none`;
}

function acknowledgementTable(ack: StoredAcknowledgement | null): SafeHtml {
  if (!ack) return html`<p>No acknowledgement: the hub acknowledges self-referrals only.</p>`;
  return html`<table class="acknowledgement">
<caption>Acknowledgement of the self-referral</caption>
<thead><tr><th scope="col">Decided</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Channel</th><th scope="col">Outcome</th><th scope="col">Attempts</th><th scope="col">Finished</th></tr></thead>
<tbody><tr data-acknowledgement-status="${ack.status}"><td>${time(ack.decidedAt)}</td><td>${tag(ack.status)}</td><td>${code(ack.reasonCode)} ${messageReasonText(ack.reasonCode)}</td><td>${ack.channel ?? 'none'}</td><td>${code(ack.outcomeCode)}</td><td>${ack.attempts}</td><td>${ack.finishedAt ? time(ack.finishedAt) : 'not yet'}</td></tr></tbody>
</table>`;
}

function invitationsTable(deps: ConsoleDeps, invitations: StoredFeedbackInvitation[]): SafeHtml {
  if (invitations.length === 0) return html`<p>No feedback invitation: they are decided when a recipient closes the referral.</p>`;
  return html`<table class="feedback-invitations">
<caption>Feedback invitations, one per recipient that closed the referral</caption>
<thead><tr><th scope="col">Decided</th><th scope="col">Delivery</th><th scope="col">Service type</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Channel</th><th scope="col">Due</th><th scope="col">Outcome</th><th scope="col">Finished</th><th scope="col">Link</th></tr></thead>
<tbody>${invitations.map(
    (i) =>
      html`<tr data-invitation-status="${i.status}"><td>${time(i.decidedAt)}</td><td><span class="tag">${i.deliveryId}</span></td><td>${i.serviceType}</td><td>${tag(i.status)}</td><td>${code(i.reasonCode)} ${messageReasonText(i.reasonCode)}</td><td>${i.channel ?? 'none'}</td><td>${i.decision === 'scheduled' ? time(i.dueAt) : 'not sent'}</td><td>${code(i.outcomeCode)}</td><td>${i.finishedAt ? time(i.finishedAt) : 'not yet'}</td><td>${linkState(i, deps.now())}</td></tr>`,
  )}</tbody>
</table>`;
}

/**
 * Until when the invitation's link works: dates only. Whether the family answered is never shown
 * here (feedback is not attributed to a family on any page below the DPO's subject access export),
 * so a used link reads the same as an unused one.
 */
function linkState(i: StoredFeedbackInvitation, now: Date): SafeHtml {
  if (!i.tokenExpiresAt) return html`none`;
  return i.tokenExpiresAt.getTime() <= now.getTime() ? html`expired ${time(i.tokenExpiresAt)}` : html`open until ${time(i.tokenExpiresAt)}`;
}

function optOutTable(messages: FamilyMessages): SafeHtml {
  if (messages.recipients.length === 0) return html`<p>No one on the referral the hub could write to.</p>`;
  return html`<table class="message-opt-outs">
<caption>People the hub may write to (hub ids are pseudonymous)</caption>
<thead><tr><th scope="col">Reference</th><th scope="col">Role</th><th scope="col">Hub person id</th><th scope="col">Messages from the hub</th></tr></thead>
<tbody>${messages.recipients.map((p) => {
    const o = messages.optOuts.get(p.hubPersonId);
    return html`<tr data-person-id="${p.hubPersonId}"><td>${p.personRef}</td><td>${p.role}</td><td>${p.hubPersonId}</td><td>${o ? html`${tag('opted-out', 'opted out')} ${time(o.optedOutAt)} (${o.source === 'console' ? `recorded by ${o.recordedBy ?? 'an operator'}` : 'asked in a feedback answer'})` : 'may be sent'}</td></tr>`;
  })}</tbody>
</table>`;
}

function optOutForm(request: FastifyRequest, referralId: string): SafeHtml {
  return html`<form method="post" action="/referrals/${referralId}/message-opt-out">${csrfField(request)}
${reasonField('opt-out-reason', 'Why the family wants no more messages (for example, how they told you)', OPT_OUT_REASON_MIN)}
<p><button type="submit">Record that the family wants no messages</button></p>
</form>`;
}

export function familyMessagesSection(request: FastifyRequest, deps: ConsoleDeps, referralId: string, messages: FamilyMessages): SafeHtml {
  const remaining = messages.recipients.filter((p) => !messages.optOuts.has(p.hubPersonId));
  const operate = mayUse(request, OPERATE_ROLES);
  return html`<section aria-labelledby="family-messages-h"><h2 id="family-messages-h">Messages to the family</h2>
<p>What the hub sent, or decided not to send, to the family itself: the acknowledgement of a self-referral and the invitations to give feedback after a service closed the referral. Codes and dates only; contact details, links and answers are not shown.</p>
${acknowledgementTable(messages.acknowledgement)}
${invitationsTable(deps, messages.invitations)}
${optOutTable(messages)}
${
  remaining.length === 0
    ? messages.recipients.length > 0
      ? html`<p>${tag('opted-out', 'opted out')} The family has opted out: the hub sends them no acknowledgement or feedback request.</p>`
      : ''
    : operate
      ? optOutForm(request, referralId)
      : html`<p>An operator or admin records that a family wants no messages from the hub.</p>`
}
</section>`;
}
