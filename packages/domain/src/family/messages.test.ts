import { describe, expect, it } from 'vitest';
import type { CanonicalReferral } from '../canonical/referral.ts';
import { planFamilyMessage } from './messages.ts';

const PARENT = '0190a6b2-1111-7000-8000-000000000002';
const CHILD = '0190a6b2-1111-7000-8000-000000000001';

function referral(change?: (r: CanonicalReferral) => void): CanonicalReferral {
  const r = {
    referralId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    sourceType: 'family.self-referral.submitted',
    family: { contactSafe: true, contact: { phone: '+447700900001' } },
    people: [
      { personRef: 'p1', hubPersonId: CHILD, role: 'child', givenName: 'Child', familyName: 'X' },
      { personRef: 'p2', hubPersonId: PARENT, role: 'parent', givenName: 'Al', familyName: 'X', contact: { email: 'al@example.org', preferredMethod: 'email' } },
    ],
  } as unknown as CanonicalReferral;
  change?.(r);
  return r;
}

const none = { rights: new Map(), optedOut: [] };

describe('planFamilyMessage', () => {
  it('sends when nothing stands in the way, naming the person written to', () => {
    expect(planFamilyMessage(referral(), none)).toEqual({ decision: 'send', recipient: { personRef: 'p2', hubPersonId: PARENT, channel: 'email', emailAddress: 'al@example.org', firstName: 'Al' } });
    // Flags that are all false are no obstacle.
    expect(planFamilyMessage(referral(), { rights: new Map([[CHILD, { restricted: false, objected: false }]]), optedOut: new Set<string>() }).decision).toBe('send');
  });

  it('suppresses for anyone restricted or objected (the child too) and for an opt-out; contact unsafe wins over all', () => {
    expect(planFamilyMessage(referral(), { rights: new Map([[CHILD, { restricted: true, objected: false }]]), optedOut: [] })).toEqual({ decision: 'suppress', reasonCode: 'RESTRICTED' });
    expect(planFamilyMessage(referral(), { rights: new Map([[PARENT, { restricted: false, objected: true }]]), optedOut: [] })).toEqual({ decision: 'suppress', reasonCode: 'OBJECTED' });
    expect(planFamilyMessage(referral(), { rights: new Map([[PARENT, { restricted: true, objected: true }]]), optedOut: [PARENT] })).toEqual({ decision: 'suppress', reasonCode: 'RESTRICTED' });
    expect(planFamilyMessage(referral(), { rights: new Map(), optedOut: new Set([PARENT]) })).toEqual({ decision: 'suppress', reasonCode: 'OPTED_OUT' });
    const unsafe = referral((r) => void (r.family.contactSafe = false));
    expect(planFamilyMessage(unsafe, { rights: new Map([[PARENT, { restricted: true, objected: true }]]), optedOut: [PARENT] })).toEqual({ decision: 'suppress', reasonCode: 'CONTACT_UNSAFE' });
  });

  it('rights and opt-out come before "no message may be left" and "no contact details"', () => {
    const noMessage = referral((r) => void (r.people[1]!.contact!.canLeaveMessage = false));
    expect(planFamilyMessage(noMessage, none)).toEqual({ decision: 'suppress', reasonCode: 'MESSAGE_NOT_ALLOWED' });
    expect(planFamilyMessage(noMessage, { rights: new Map(), optedOut: [PARENT] })).toEqual({ decision: 'suppress', reasonCode: 'OPTED_OUT' });
    const unreachable = referral((r) => {
      delete r.people[1]!.contact;
      delete r.family.contact;
    });
    expect(planFamilyMessage(unreachable, none)).toEqual({ decision: 'suppress', reasonCode: 'NO_CONTACT_DETAILS' });
    expect(planFamilyMessage(unreachable, { rights: new Map([[CHILD, { restricted: false, objected: true }]]), optedOut: [] })).toEqual({ decision: 'suppress', reasonCode: 'OBJECTED' });
  });
});
