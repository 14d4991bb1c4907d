import type { CanonicalContact, CanonicalPerson, CanonicalReferral } from '../canonical/referral.ts';

// Acknowledging families who self-refer (issue 6 item 3; docs/data-protection.md
// "Acknowledging self-referrals"): whether to write, to whom and how. Pure: the router records the
// decision, the notify worker applies the same function to the decrypted referral when it sends.

/** Whom to write to and how: read from the decrypted referral, never stored or queued. */
export interface AcknowledgementRecipient {
  /** The person written to (their `personRef` on the referral; the hub's person id once linked). */
  personRef: string;
  hubPersonId?: string;
  channel: 'email' | 'sms';
  emailAddress?: string;
  phoneNumber?: string;
  firstName: string;
}

export type AcknowledgementPlan =
  | { decision: 'send'; recipient: AcknowledgementRecipient }
  | { decision: 'suppress'; reasonCode: 'CONTACT_UNSAFE' | 'MESSAGE_NOT_ALLOWED' | 'NO_CONTACT_DETAILS' };

function unsafe(contact: CanonicalContact | undefined): boolean {
  return contact?.safeToContact === false;
}

/**
 * Whether (and how) to acknowledge a self-referral. Suppressed when anyone's contact — or the
 * family's — is marked unsafe (the normaliser also sets `family.contactSafe` false for domestic
 * abuse), when a message must not be left (`canLeaveMessage` false: an email or text IS a message
 * left), or when there is no email address or mobile number. The recipient is the first adult
 * with contact details; the channel follows their preferred method (email; text/phone → SMS),
 * else whatever they gave, email first.
 */
export function planAcknowledgement(referral: CanonicalReferral): AcknowledgementPlan {
  if (referral.family.contactSafe === false || unsafe(referral.family.contact) || referral.people.some((p) => unsafe(p.contact))) return { decision: 'suppress', reasonCode: 'CONTACT_UNSAFE' };
  if (referral.family.contact?.canLeaveMessage === false || referral.people.some((p) => p.contact?.canLeaveMessage === false)) return { decision: 'suppress', reasonCode: 'MESSAGE_NOT_ALLOWED' };
  const adults = referral.people.filter((p) => p.role !== 'child');
  const reachable = (c: CanonicalContact | undefined): boolean => Boolean(c?.email || c?.phone);
  const person: CanonicalPerson | undefined = adults.find((p) => reachable(p.contact)) ?? adults[0] ?? referral.people[0];
  const contact = reachable(person?.contact) ? person?.contact : referral.family.contact;
  if (!person || !contact || !reachable(contact)) return { decision: 'suppress', reasonCode: 'NO_CONTACT_DETAILS' };
  const wantsSms = contact.preferredMethod === 'text' || contact.preferredMethod === 'phone';
  const channel: 'email' | 'sms' = wantsSms && contact.phone ? 'sms' : contact.email ? 'email' : 'sms';
  const firstName = (person.preferredName ?? person.givenName).trim();
  const who = { personRef: person.personRef, ...(person.hubPersonId ? { hubPersonId: person.hubPersonId } : {}) };
  return {
    decision: 'send',
    recipient: channel === 'email' ? { ...who, channel, emailAddress: contact.email as string, firstName } : { ...who, channel, phoneNumber: contact.phone as string, firstName },
  };
}

/** The hub's reference number a family can quote: the referral id's first 8 hex digits, upper case. */
export function shortReference(referralId: string): string {
  return referralId.replace(/-/g, '').slice(0, 8).toUpperCase();
}
