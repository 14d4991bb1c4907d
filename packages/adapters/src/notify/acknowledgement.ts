import { planFamilyMessage, shortReference, type CanonicalReferral, type FamilyMessageChecks } from '@hub/domain';
import type { NotifyClient, NotifyOutcome } from './notify-client.ts';

/** A signposting link an operator shared with this family (issue 6 item 2: the service's public URL). */
export interface AcknowledgementLink {
  name: string;
  url: string;
}

export interface AcknowledgementTemplates {
  emailTemplateId: string;
  smsTemplateId: string;
}

export type AcknowledgementSend =
  | { kind: 'suppressed'; reasonCode: string }
  | { kind: 'attempted'; channel: 'email' | 'sms'; outcome: NotifyOutcome };

/**
 * Renders approved links for the template's `((links))` placeholder: one Markdown bullet per
 * link (Notify formats these in emails; SMS shows them as text), or the empty string. This is the
 * extension point for operator-approved signposting; until that exists callers pass `[]`.
 */
export function renderLinks(links: readonly AcknowledgementLink[]): string {
  return links.map((l) => `* ${l.name.replace(/[\r\n[\]]/g, ' ').trim()}: ${l.url}`).join('\n');
}

/**
 * Sends a self-referral's acknowledgement through Notify: channel and recipient from
 * `planFamilyMessage` (re-checked at send time, so contact marked unsafe — or a person restricted,
 * objected or opted out, given `checks` — since routing is never written to), personalisation only
 * the first name, the hub's reference number and the approved links. `reference` is the hub's
 * acknowledgement id (never personal data).
 */
export async function sendAcknowledgement(
  client: NotifyClient,
  templates: AcknowledgementTemplates,
  referral: CanonicalReferral,
  input: { reference: string; links: readonly AcknowledgementLink[]; checks?: FamilyMessageChecks; signal?: AbortSignal },
): Promise<AcknowledgementSend> {
  const plan = planFamilyMessage(referral, input.checks ?? { rights: new Map(), optedOut: [] });
  if (plan.decision === 'suppress') return { kind: 'suppressed', reasonCode: plan.reasonCode };
  const personalisation = { first_name: plan.recipient.firstName, reference: shortReference(referral.referralId), links: renderLinks(input.links) };
  const common = { personalisation, reference: input.reference, ...(input.signal ? { signal: input.signal } : {}) };
  const outcome =
    plan.recipient.channel === 'email'
      ? await client.sendEmail({ ...common, templateId: templates.emailTemplateId, emailAddress: plan.recipient.emailAddress as string })
      : await client.sendSms({ ...common, templateId: templates.smsTemplateId, phoneNumber: plan.recipient.phoneNumber as string });
  return { kind: 'attempted', channel: plan.recipient.channel, outcome };
}
