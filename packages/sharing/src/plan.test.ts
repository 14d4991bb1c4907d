import { describe, expect, it } from 'vitest';
import type { CanonicalReferral } from './canonical.ts';
import type { SharingRule } from './generated/sharing-rules.ts';
import { DECISION_REASONS, HOLD_REASONS, planSharing, type SharingContext, type SharingPlan } from './plan.ts';
import { demoPartners, demoSharing, fixtureReferral, REFERRAL_FIXTURE_TYPES } from './test-support/demo.ts';

const partners = demoPartners();
const sharing = demoSharing(partners);
const ctx: SharingContext = { ...sharing, partners };

const plan = (referral: CanonicalReferral, context: SharingContext = ctx): SharingPlan => planSharing(referral, context);
const shares = (p: SharingPlan): string[] => p.decisions.filter((d) => d.decision === 'share').map((d) => d.recipientPartnerId).sort();
const notShares = (p: SharingPlan): Record<string, string> => Object.fromEntries(p.decisions.filter((d) => d.decision === 'not-share').map((d) => [d.recipientPartnerId, d.reasonCode]));

/** Who each fixture reaches under the demo rules, and why not the others. */
const EXPECTED: Record<string, { share: string[]; notShare?: Record<string, string> }> = {
  'family.self-referral.submitted': { share: ['citizens-advice-manchester', 'northside-community-trust', 'st-marys-primary'] },
  'police.domestic-abuse.notified': { share: ['brookside-primary', 'manchester-childrens-social-care', 'oakfield-primary'], notShare: { 'victim-support-gm': 'consent-not-sought' } },
  'police.vulnerability.referred': { share: ['manchester-childrens-social-care'], notShare: { 'manchester-yjs': 'consent-not-sought' } },
  'education.early-help.requested': { share: ['northside-community-trust'] },
  'health.gp.referred': { share: ['manchester-family-counselling', 'mft-health-visiting'], notShare: { 'ardwick-medical-practice': 'recipient-is-source' } },
  'health.health-visitor.concern-raised': { share: ['manchester-family-counselling'], notShare: { 'mft-health-visiting': 'recipient-is-source' } },
  'housing.tenancy-risk.notified': { share: ['citizens-advice-manchester'], notShare: { 'one-city-homes': 'recipient-is-source' } },
  'dwp.jobcentre.referred': { share: ['citizens-advice-manchester'], notShare: { 'jobcentre-manchester-central': 'recipient-is-source' } },
  'victim-support.referral.submitted': { share: ['manchester-childrens-social-care'], notShare: { 'victim-support-gm': 'recipient-is-source' } },
  'justice.youth-justice.notified': { share: ['northside-academy'], notShare: { 'manchester-yjs': 'recipient-is-source' } },
  'social-care.step-down.requested': { share: ['northside-community-trust'] },
  'vcs.referral.submitted': { share: ['citizens-advice-manchester', 'one-city-homes'] },
};

describe('planSharing over every inbound referral fixture (normalised)', () => {
  it('covers every referral fixture', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...REFERRAL_FIXTURE_TYPES].sort());
  });

  for (const type of REFERRAL_FIXTURE_TYPES) {
    it(`${type} reaches at least one recipient and is not held`, () => {
      const result = plan(fixtureReferral(type));
      const expected = EXPECTED[type] as (typeof EXPECTED)[string];
      expect(result.hold).toBeUndefined();
      expect(shares(result)).toEqual(expected.share);
      expect(notShares(result)).toEqual(expected.notShare ?? {});
      for (const d of result.decisions) {
        expect(d.reason).toBe(DECISION_REASONS[d.reasonCode]);
        expect(sharing.rules.some((r) => r.id === d.ruleId)).toBe(true);
        if (d.decision === 'share') expect(sharing.agreements.byId(d.agreementId ?? '')?.purpose).toBe(d.purpose);
      }
    });
  }

  it('is deterministic', () => {
    for (const type of REFERRAL_FIXTURE_TYPES) expect(plan(fixtureReferral(type))).toEqual(plan(fixtureReferral(type)));
  });
});

describe('Operation Encompass', () => {
  const referral = fixtureReferral('police.domestic-abuse.notified');
  const result = plan(referral);

  it("goes to each child's school by URN, urgently, due at 08:30 on the next school day, without consent", () => {
    const kai = referral.people.find((p) => p.givenName === 'Kai');
    const ella = referral.people.find((p) => p.givenName === 'Ella');
    const oakfield = result.decisions.find((d) => d.recipientPartnerId === 'oakfield-primary');
    const brookside = result.decisions.find((d) => d.recipientPartnerId === 'brookside-primary');
    for (const [d, child] of [
      [oakfield, kai],
      [brookside, ella],
    ] as const) {
      expect(d).toMatchObject({ decision: 'share', ruleId: 'operation-encompass', purpose: 'operation-encompass', priority: 'urgent', reasonCode: 'shared-without-consent' });
      expect(d?.deadlineAt?.toISOString()).toBe('2026-11-27T08:30:00.000Z'); // received Fri 02:10 GMT
      expect(d?.subjects).toEqual([child?.personRef]);
      expect(d?.lookup?.by).toBe('school-urn');
      expect(d?.agreementId).toBe(`${d?.recipientPartnerId}/operation-encompass`);
    }
  });

  it('lists urgent decisions first, one per recipient (the MASH once, under the first urgent rule)', () => {
    expect(result.decisions.map((d) => d.priority)).toEqual(['urgent', 'urgent', 'urgent', 'high']);
    const mash = result.decisions.filter((d) => d.recipientPartnerId === 'manchester-childrens-social-care');
    expect(mash).toHaveLength(1);
    expect(mash[0]?.ruleId).toBe('high-risk-police-health-to-mash');
    expect(mash[0]?.deadlineAt).toBeUndefined();
  });

  it('rolls a Saturday notification to Monday 08:30', () => {
    const saturday = { ...referral, receivedAt: '2026-11-28T13:00:00.000Z' };
    const d = plan(saturday).decisions.find((x) => x.recipientPartnerId === 'oakfield-primary');
    expect(d?.deadlineAt?.toISOString()).toBe('2026-11-30T08:30:00.000Z');
  });
});

describe('held referrals', () => {
  it('holds a referral no rule covers (no-rule), and feedback', () => {
    const base = fixtureReferral('vcs.referral.submitted');
    const onlySubstance: CanonicalReferral = { ...base, needs: ['substance-use'] };
    expect(plan(onlySubstance)).toEqual({ decisions: [], hold: { reasons: [{ code: 'no-rule', message: HOLD_REASONS['no-rule'] }] } });
    expect(plan({ ...base, sourceType: 'referral.accepted', needs: [] }).hold?.reasons.map((r) => r.code)).toEqual(['no-rule']);
  });

  it('holds when consent was refused: every covered recipient gets a not-share (no-consent)', () => {
    const refused: CanonicalReferral = { ...fixtureReferral('family.self-referral.submitted'), consent: { status: 'refused', capturedAt: '2026-11-27T19:41:55Z' } };
    const result = plan(refused);
    expect(shares(result)).toEqual([]);
    expect(notShares(result)).toEqual({ 'citizens-advice-manchester': 'consent-refused', 'northside-community-trust': 'consent-refused', 'st-marys-primary': 'consent-refused' });
    expect(result.hold?.reasons.map((r) => r.code)).toEqual(['no-consent']);
  });

  it('never overrides a refusal, even for a safeguarding rule', () => {
    const refused: CanonicalReferral = { ...fixtureReferral('police.vulnerability.referred'), consent: { status: 'refused', capturedAt: '2026-11-25T16:00:00Z', reasonNotSought: 'child-at-risk' } };
    const result = plan(refused);
    expect(notShares(result)['manchester-childrens-social-care']).toBe('consent-refused');
    expect(result.hold?.reasons.map((r) => r.code)).toEqual(['no-consent']);
  });

  it('holds when consent was not sought and no reason was recorded', () => {
    const { consent: _consent, ...rest } = fixtureReferral('police.vulnerability.referred');
    const noReason: CanonicalReferral = { ...rest, consent: { status: 'not-sought' } };
    const result = plan(noReason);
    expect(shares(result)).toEqual([]);
    expect(notShares(result)['manchester-childrens-social-care']).toBe('consent-not-sought');
    expect(result.hold?.reasons.map((r) => r.code)).toEqual(['no-consent']);
  });

  it('holds for an unknown school URN, with a not-share for it, and still shares with the known school', () => {
    const referral = fixtureReferral('police.domestic-abuse.notified');
    const unknown: CanonicalReferral = { ...referral, people: referral.people.map((p) => (p.schoolUrn === '105434' ? { ...p, schoolUrn: '999999' } : p)) };
    const result = plan(unknown);
    expect(result.hold?.reasons).toEqual([{ code: 'recipient-not-found', ruleId: 'operation-encompass', message: HOLD_REASONS['recipient-not-found'] }]);
    const missing = result.decisions.find((d) => d.recipientPartnerId === 'unresolved:school-urn:999999');
    expect(missing).toMatchObject({ decision: 'not-share', ruleId: 'operation-encompass', reasonCode: 'recipient-not-found', lookup: { by: 'school-urn', key: '999999' } });
    expect(shares(result)).toContain('oakfield-primary');
  });

  it('holds an Operation Encompass notification when a child has no school (every child must be covered)', () => {
    const referral = fixtureReferral('police.domestic-abuse.notified');
    const ehe: CanonicalReferral = {
      ...referral,
      people: referral.people.map((p) => {
        if (p.schoolUrn !== '105434') return p;
        const { schoolUrn: _urn, ...rest } = p;
        return { ...rest, electivelyHomeEducated: true };
      }),
    };
    const result = plan(ehe);
    expect(result.hold?.reasons.map((r) => [r.code, r.ruleId])).toEqual([['recipient-not-found', 'operation-encompass']]);
    expect(shares(result)).toEqual(['manchester-childrens-social-care', 'oakfield-primary']);
  });

  it('holds for an unknown GP practice and for a family with no known area when nothing else is found', () => {
    const base = fixtureReferral('family.self-referral.submitted');
    const gp: CanonicalReferral = { ...base, needs: ['health'], people: base.people.map((p) => ({ ...p, gpOdsCode: 'Y99999' })) };
    const gpResult = plan(gp);
    expect(gpResult.hold?.reasons.map((r) => [r.code, r.ruleId])).toEqual([['recipient-not-found', 'health-need-to-gp']]);
    expect(notShares(gpResult)['unresolved:gp-ods:Y99999']).toBe('recipient-not-found');
    expect(shares(gpResult)).toEqual(['manchester-family-counselling']);

    const { address: _a, postcodeDistrict: _d, ...family } = base.family;
    const nowhere: CanonicalReferral = { ...base, needs: ['health'], family, people: base.people.map(({ address: _x, ...p }) => p) };
    expect(plan(nowhere)).toEqual({ decisions: [], hold: { reasons: [{ code: 'recipient-not-found', message: HOLD_REASONS['recipient-not-found'] }] } });
  });

  it('records a not-share when the recipient agreement relies on consent that a safeguarding rule did not need', () => {
    const rule: SharingRule = { id: 'test-vs-without-consent', description: 't', covers: { needs: ['domestic-abuse'] }, recipient: { partner: 'victim-support-gm' }, purpose: 'victim-support', priority: 'high', shareWithoutConsent: true };
    const result = plan(fixtureReferral('police.domestic-abuse.notified'), { ...ctx, rules: [rule] });
    expect(notShares(result)).toEqual({ 'victim-support-gm': 'agreement-relies-on-consent' });
    expect(result.hold?.reasons.map((r) => r.code)).toEqual(['no-consent']);
  });

  it('holds (no-agreement) when a found recipient has no agreement for the purpose', () => {
    const rule: SharingRule = { id: 'test-no-agreement', description: 't', covers: { needs: ['housing'] }, recipient: { partner: 'one-city-homes' }, purpose: 'unheard-of', priority: 'routine' };
    const result = plan(fixtureReferral('vcs.referral.submitted'), { ...ctx, rules: [rule] });
    expect(result.decisions).toMatchObject([{ recipientPartnerId: 'one-city-homes', decision: 'not-share', reasonCode: 'no-agreement' }]);
    expect(result.hold?.reasons.map((r) => r.code)).toEqual(['no-agreement']);
  });
});

describe('reachability', () => {
  const RECIPIENT_TYPES = ['education', 'social-care', 'gp', 'health-visiting', 'counselling', 'housing', 'jobcentre', 'financial-advice', 'police', 'victim-support', 'youth-justice', 'voluntary-community'];

  it('reaches a recipient of every type in DESIGN.md §2 (but the national evaluation)', () => {
    const self = fixtureReferral('family.self-referral.submitted');
    const everything: CanonicalReferral = {
      ...self,
      urgency: 'urgent',
      needs: ['education', 'early-years', 'health', 'family-relationships', 'child-safety', 'crime', 'domestic-abuse', 'housing', 'financial-stability', 'employment'],
      people: self.people.map((p) => ({ ...p, gpOdsCode: 'P84999' })),
    };
    const yjs = fixtureReferral('justice.youth-justice.notified');
    const highRiskYjs: CanonicalReferral = { ...yjs, urgency: 'high' };
    const reached = new Set([...shares(plan(everything)), ...shares(plan(highRiskYjs))].map((id) => partners.get(id)?.organisationType));
    expect([...reached].sort()).toEqual([...RECIPIENT_TYPES].sort());
  });
});
