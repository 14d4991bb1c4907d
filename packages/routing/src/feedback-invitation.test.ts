import type { CanonicalReferral, FamilyMessageChecks } from '@hub/domain';
import { describe, expect, it } from 'vitest';
import { acknowledgementDecision, acknowledgementIdFor } from './acknowledgement.ts';
import { feedbackInvitationDecision, feedbackInvitationIdFor, type FeedbackInvitationFacts } from './feedback-invitation.ts';

const PARENT = '0190a6b2-1111-7000-8000-000000000002';
const CHILD = '0190a6b2-1111-7000-8000-000000000001';
const DELIVERY = '0190a6b2-2222-7000-8000-000000000009';
const CLOSED_AT = new Date('2026-03-01T09:00:00.000Z');
const DAY = 24 * 3600_000;

function referral(change?: (r: CanonicalReferral) => void): CanonicalReferral {
  const r = {
    referralId: '0f8fad5b-d9cb-469f-a165-70867728950e',
    sourceType: 'family.self-referral.submitted',
    family: { contactSafe: true, contact: { phone: '+447700900001' } },
    people: [
      { personRef: 'p1', hubPersonId: CHILD, role: 'child', givenName: 'Child', familyName: 'X' },
      { personRef: 'p2', hubPersonId: PARENT, role: 'parent', givenName: 'Al', familyName: 'X', contact: { phone: '+447700900002', preferredMethod: 'text' } },
    ],
  } as unknown as CanonicalReferral;
  change?.(r);
  return r;
}

function facts(over: Partial<FeedbackInvitationFacts> = {}): FeedbackInvitationFacts {
  return { deliveryId: DELIVERY, serviceType: 'education', closedAt: CLOSED_AT, referral: referral(), checks: { rights: new Map(), optedOut: [] }, invitations: { delayMs: 14 * DAY }, ...over };
}

interface Case {
  unsafe: boolean;
  restricted: boolean;
  objected: boolean;
  optedOut: boolean;
}

const CASES: Case[] = [];
for (const unsafe of [false, true]) for (const restricted of [false, true]) for (const objected of [false, true]) for (const optedOut of [false, true]) CASES.push({ unsafe, restricted, objected, optedOut });

/** The code the rule must give: contact unsafe wins, then restriction, objection, opt-out. */
function expectedCode(c: Case): string | undefined {
  if (c.unsafe) return 'CONTACT_UNSAFE';
  if (c.restricted) return 'RESTRICTED';
  if (c.objected) return 'OBJECTED';
  if (c.optedOut) return 'OPTED_OUT';
  return undefined;
}

function caseFacts(c: Case, override = false): { referral: CanonicalReferral; checks: FamilyMessageChecks } {
  // Restriction on the child, objection on the parent: any person on the referral counts.
  const rights = new Map<string, { restricted: boolean; objected: boolean; safeguardingOverride?: { since: Date; until: null; by: string; historyId: string } }>();
  const flagOverride = override ? { safeguardingOverride: { since: CLOSED_AT, until: null, by: 'dpo', historyId: '0190a6b2-3333-7000-8000-000000000001' } } : {};
  if (c.restricted) rights.set(CHILD, { restricted: true, objected: false, ...flagOverride });
  if (c.objected) rights.set(PARENT, { restricted: false, objected: true, ...flagOverride });
  return { referral: referral((r) => void (c.unsafe && (r.people[1]!.contact!.safeToContact = false))), checks: { rights, optedOut: c.optedOut ? [PARENT] : [] } };
}

const label = (c: Case): string => `unsafe=${c.unsafe} restricted=${c.restricted} objected=${c.objected} opted-out=${c.optedOut}`;

describe('feedbackInvitationDecision', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s', (_name, c) => {
    const decision = feedbackInvitationDecision(facts(caseFacts(c)));
    const code = expectedCode(c);
    const base = { invitationId: feedbackInvitationIdFor(DELIVERY), deliveryId: DELIVERY, serviceType: 'education' };
    if (code) expect(decision).toEqual({ ...base, decision: 'suppressed', reasonCode: code });
    else expect(decision).toEqual({ ...base, decision: 'scheduled', reasonCode: 'SMS', channel: 'sms', dueAt: new Date(CLOSED_AT.getTime() + 14 * DAY) });
  });

  it('ignores a safeguarding override: it allows sharing with agencies, not writing to families', () => {
    for (const c of CASES.filter((x) => x.restricted || x.objected)) {
      expect(feedbackInvitationDecision(facts(caseFacts(c, true))).reasonCode, label(c)).toBe(expectedCode(c));
    }
  });

  it('passes on "no message may be left" and "no contact details", after the rights and opt-out codes', () => {
    const noMessage = referral((r) => void (r.people[1]!.contact!.canLeaveMessage = false));
    expect(feedbackInvitationDecision(facts({ referral: noMessage }))).toMatchObject({ decision: 'suppressed', reasonCode: 'MESSAGE_NOT_ALLOWED' });
    expect(feedbackInvitationDecision(facts({ referral: noMessage, checks: { rights: new Map(), optedOut: [PARENT] } }))).toMatchObject({ reasonCode: 'OPTED_OUT' });
    const unreachable = referral((r) => {
      delete r.people[1]!.contact;
      delete r.family.contact;
    });
    expect(feedbackInvitationDecision(facts({ referral: unreachable }))).toMatchObject({ decision: 'suppressed', reasonCode: 'NO_CONTACT_DETAILS' });
  });

  it('records NOTIFY_NOT_CONFIGURED only when nothing else stops it, and ERASED for an erased referral', () => {
    expect(feedbackInvitationDecision(facts({ invitations: undefined }))).toMatchObject({ decision: 'suppressed', reasonCode: 'NOTIFY_NOT_CONFIGURED' });
    expect(feedbackInvitationDecision(facts({ invitations: undefined, ...caseFacts({ unsafe: true, restricted: false, objected: false, optedOut: false }) }))).toMatchObject({ reasonCode: 'CONTACT_UNSAFE' });
    expect(feedbackInvitationDecision(facts({ referral: 'erased' }))).toMatchObject({ decision: 'suppressed', reasonCode: 'ERASED' });
  });

  it('writes by email when that is preferred, due after the configured delay; the id is stable per delivery', () => {
    const byEmail = referral((r) => void Object.assign(r.people[1]!.contact!, { email: 'al@example.org', preferredMethod: 'email' }));
    expect(feedbackInvitationDecision(facts({ referral: byEmail, invitations: { delayMs: 1500 } }))).toMatchObject({ decision: 'scheduled', reasonCode: 'EMAIL', channel: 'email', dueAt: new Date(CLOSED_AT.getTime() + 1500) });
    expect(feedbackInvitationIdFor(DELIVERY)).toBe(feedbackInvitationIdFor(DELIVERY));
    expect(feedbackInvitationIdFor(DELIVERY)).not.toBe(feedbackInvitationIdFor(CHILD));
  });
});

describe('acknowledgementDecision with rights and opt-outs', () => {
  it.each(CASES.map((c) => [label(c), c] as const))('%s (override active or not)', (_name, c) => {
    for (const override of [false, true]) {
      const { referral: r, checks } = caseFacts(c, override);
      const decision = acknowledgementDecision(r, checks);
      const code = expectedCode(c);
      if (code) expect(decision).toEqual({ acknowledgementId: acknowledgementIdFor(r.referralId), decision: 'suppressed', reasonCode: code });
      else expect(decision).toEqual({ acknowledgementId: acknowledgementIdFor(r.referralId), decision: 'queued', reasonCode: 'SMS', channel: 'sms' });
    }
  });

  it('still decides nothing for other message types, and defaults to no flags', () => {
    expect(acknowledgementDecision(referral((r) => void (r.sourceType = 'vcs.referral.submitted')), { rights: new Map(), optedOut: [PARENT] })).toBeUndefined();
    expect(acknowledgementDecision(referral())).toMatchObject({ decision: 'queued' });
  });
});
