import { describe, expect, it } from 'vitest';
import type { CanonicalReferral } from '../canonical/referral.ts';
import { planAcknowledgement, shortReference } from './acknowledgement.ts';

function referral(change?: (r: CanonicalReferral) => void): CanonicalReferral {
  const r = {
    referralId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    sourceType: 'family.self-referral.submitted',
    family: { contactSafe: true, contact: { phone: '+447700900001' } },
    people: [
      { personRef: 'p1', role: 'child', givenName: 'Child', familyName: 'X', contact: { email: 'child@example.org' } },
      { personRef: 'p2', role: 'parent', givenName: 'Alex', preferredName: 'Al', familyName: 'X', contact: { email: 'al@example.org', phone: '+447700900002', preferredMethod: 'email', safeToContact: true } },
    ],
  } as unknown as CanonicalReferral;
  change?.(r);
  return r;
}

describe('planAcknowledgement', () => {
  it('writes to the first adult, by their preferred method, with their preferred name', () => {
    expect(planAcknowledgement(referral())).toEqual({ decision: 'send', recipient: { personRef: 'p2', channel: 'email', emailAddress: 'al@example.org', firstName: 'Al' } });
    expect(planAcknowledgement(referral((r) => (r.people[1]!.contact!.preferredMethod = 'text')))).toEqual({ decision: 'send', recipient: { personRef: 'p2', channel: 'sms', phoneNumber: '+447700900002', firstName: 'Al' } });
  });

  it('names the person written to, with their hub person id once linked', () => {
    const linked = referral((r) => void (r.people[1]!.hubPersonId = '0190a6b2-1111-7000-8000-000000000002'));
    expect(planAcknowledgement(linked)).toMatchObject({ recipient: { personRef: 'p2', hubPersonId: '0190a6b2-1111-7000-8000-000000000002' } });
  });

  it('falls back to the other channel, then to the family contact', () => {
    expect(planAcknowledgement(referral((r) => void delete r.people[1]!.contact!.email))).toMatchObject({ recipient: { channel: 'sms' } });
    expect(planAcknowledgement(referral((r) => void delete r.people[1]!.contact))).toEqual({ decision: 'send', recipient: { personRef: 'p2', channel: 'sms', phoneNumber: '+447700900001', firstName: 'Al' } });
  });

  const suppressed: [string, (r: CanonicalReferral) => void, string][] = [
    ['family contact unsafe', (r) => void (r.family.contactSafe = false), 'CONTACT_UNSAFE'],
    ['family contact flag', (r) => void (r.family.contact!.safeToContact = false), 'CONTACT_UNSAFE'],
    ['any person unsafe (even a child)', (r) => void (r.people[0]!.contact!.safeToContact = false), 'CONTACT_UNSAFE'],
    ['no message may be left', (r) => void (r.people[1]!.contact!.canLeaveMessage = false), 'MESSAGE_NOT_ALLOWED'],
    ['family says no message', (r) => void (r.family.contact!.canLeaveMessage = false), 'MESSAGE_NOT_ALLOWED'],
    [
      'no email or phone anywhere for an adult',
      (r) => {
        delete r.people[1]!.contact;
        delete r.family.contact;
      },
      'NO_CONTACT_DETAILS',
    ],
  ];
  for (const [when, change, reasonCode] of suppressed) {
    it(`suppresses when ${when}`, () => {
      expect(planAcknowledgement(referral(change))).toEqual({ decision: 'suppress', reasonCode });
    });
  }

  it('gives a short reference from the referral id', () => {
    expect(shortReference('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe('0F8FAD5B');
  });
});
