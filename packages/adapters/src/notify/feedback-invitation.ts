import { planFamilyMessage, type AcknowledgementRecipient, type CanonicalReferral, type FamilyMessageChecks } from '@hub/domain';
import type { AcknowledgementSend } from './acknowledgement.ts';
import type { NotifyClient } from './notify-client.ts';

// Feedback invitations (issue 6 item 4; docs/data-protection.md "Feedback from families"): the
// Notify side. The token is made by the caller for the person chosen here and only ever travels
// inside the link, to Notify, over TLS.

export interface FeedbackInvitationTemplates {
  emailTemplateId: string;
  smsTemplateId: string;
}

/** What the caller prepares for the chosen recipient just before the send: the link and until when it works. */
export interface FeedbackInvitationLink {
  link: string;
  expiresAt: Date;
}

const EXPIRY_FORMAT = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });

/** The link's last day as plain text in London time, e.g. "12 April 2026". */
export function expiryDateText(expiresAt: Date): string {
  return EXPIRY_FORMAT.format(expiresAt);
}

/**
 * Sends a family's feedback invitation: whether and to whom by `planFamilyMessage` (contact
 * unsafe, restriction, objection, opt-out, no message may be left, no contact details all
 * suppress), then `prepare(recipient)` — the caller issues the token for that person — then the
 * send. Personalisation is the first name, the link and the expiry date only. `reference` is the
 * hub's invitation id (never personal data).
 */
export async function sendFeedbackInvitation(
  client: NotifyClient,
  templates: FeedbackInvitationTemplates,
  referral: CanonicalReferral,
  input: { reference: string; checks: FamilyMessageChecks; prepare: (recipient: AcknowledgementRecipient) => Promise<FeedbackInvitationLink>; signal?: AbortSignal },
): Promise<AcknowledgementSend> {
  const plan = planFamilyMessage(referral, input.checks);
  if (plan.decision === 'suppress') return { kind: 'suppressed', reasonCode: plan.reasonCode };
  const { link, expiresAt } = await input.prepare(plan.recipient);
  const personalisation = { first_name: plan.recipient.firstName, link, expiry_date: expiryDateText(expiresAt) };
  const common = { personalisation, reference: input.reference, ...(input.signal ? { signal: input.signal } : {}) };
  const outcome =
    plan.recipient.channel === 'email'
      ? await client.sendEmail({ ...common, templateId: templates.emailTemplateId, emailAddress: plan.recipient.emailAddress as string })
      : await client.sendSms({ ...common, templateId: templates.smsTemplateId, phoneNumber: plan.recipient.phoneNumber as string });
  return { kind: 'attempted', channel: plan.recipient.channel, outcome };
}
