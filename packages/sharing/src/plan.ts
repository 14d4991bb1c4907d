// planSharing: apply the written sharing rules to one canonical referral. Pure and
// deterministic: the same referral and config always give the same plan (no clock — deadlines
// count from referral.receivedAt).
//
// A rule covers a referral when its message type is in covers.messageTypes (if given) AND one of
// its needs is in covers.needs (if given) AND it is at least minUrgency (if given). Each covering
// rule names or finds recipients; for each, consent decides share / not-share:
//   - consent given → share;
//   - consent not sought, a reason recorded (consent.reasonNotSought) and the rule has
//     shareWithoutConsent → share (unless the recipient's agreement itself relies on consent);
//   - otherwise → not-share, recorded with the rule id. A refusal is never overridden by a rule.
// One decision per recipient: a share beats a not-share, then the higher priority, then the
// earlier rule; the winner's rule id is recorded. The referral is held for an operator when no
// rule covers it (or none shares it with anyone but its source: `no-rule`), when consent stopped
// every share (`no-consent`), when a recipient cannot be found (`recipient-not-found`), or when a
// found recipient has no agreement for the purpose or no delivery channel (`no-agreement`).

import type { AgreementIndex } from './agreements.ts';
import { reliesOnConsent } from './agreements.ts';
import type { CanonicalPerson, CanonicalReferral, Urgency } from './canonical.ts';
import { CHILD_ROLES } from './canonical.ts';
import type { SharingRule } from './generated/sharing-rules.ts';
import type { PartnerLookup, SharingPartner } from './partners.ts';
import { nextSchoolDayDeadline, type SchoolCalendar } from './school-calendar.ts';

export type SharingPriority = 'urgent' | 'high' | 'routine';

export type DecisionReasonCode =
  | 'consent-given'
  | 'shared-without-consent'
  | 'consent-refused'
  | 'consent-not-sought'
  | 'agreement-relies-on-consent'
  | 'recipient-is-source'
  | 'recipient-not-found'
  | 'no-agreement';

/** Fixed text for each decision reason: never personal data. */
export const DECISION_REASONS: Readonly<Record<DecisionReasonCode, string>> = {
  'consent-given': 'A sharing rule covers the referral and consent was given.',
  'shared-without-consent': 'A sharing rule covers the referral and allows sharing without consent; the referrer recorded why consent was not sought (safeguarding, DPA 2018 Sch 1 para 18).',
  'consent-refused': 'Consent was refused; a rule never overrides a refusal.',
  'consent-not-sought': 'Consent was not given and the rule does not allow sharing without it (or no reason for not seeking it was recorded).',
  'agreement-relies-on-consent': "The recipient's data-sharing agreement relies on consent, which was not given.",
  'recipient-is-source': 'The recipient is the organisation that made the referral.',
  'recipient-not-found': 'No partner matches the recipient lookup.',
  'no-agreement': 'The recipient has no data-sharing agreement for this purpose, or no delivery channel.',
};

export interface SharingDecision {
  /** The recipient partner's id; `unresolved:<by>:<key>` when a lookup found no partner. */
  recipientPartnerId: string;
  decision: 'share' | 'not-share';
  /** The rule that made the decision (for one recipient found by several rules, the winner). */
  ruleId: string;
  purpose: string;
  priority: SharingPriority;
  deadlineAt?: Date;
  reasonCode: DecisionReasonCode;
  /** Fixed text, no personal data. */
  reason: string;
  /** The agreement a share is made under (look it up with agreements.byId). */
  agreementId?: string;
  /** personRefs the recipient was found for (a child's school, a person's GP); absent = the whole referral. Pass to minimise. */
  subjects?: string[];
  /** How a rule found the recipient (not personal: a school URN, an ODS code, a postcode district). */
  lookup?: { by: 'school-urn' | 'gp-ods' | 'area'; key: string };
}

export type HoldReasonCode = 'no-rule' | 'no-consent' | 'recipient-not-found' | 'no-agreement';

export const HOLD_REASONS: Readonly<Record<HoldReasonCode, string>> = {
  'no-rule': 'No sharing rule covers the referral, or none shares it with anyone but the referrer.',
  'no-consent': 'Consent was not given and no rule allows sharing without it with a recorded reason.',
  'recipient-not-found': "A rule's recipient could not be found (an unknown school URN, GP practice or area, or a child with no school).",
  'no-agreement': 'A recipient has no data-sharing agreement for the purpose, or no delivery channel.',
};

export interface HoldReason {
  code: HoldReasonCode;
  /** The rule concerned, when there is one. */
  ruleId?: string;
  /** Fixed text, no personal data. */
  message: string;
}

export interface SharingPlan {
  decisions: SharingDecision[];
  hold?: { reasons: HoldReason[] };
}

export interface SharingContext {
  rules: readonly SharingRule[];
  agreements: AgreementIndex;
  partners: PartnerLookup;
  calendar: SchoolCalendar;
}

const URGENCY_RANK: Readonly<Record<Urgency, number>> = { routine: 0, medium: 1, high: 2, urgent: 3 };
const PRIORITY_RANK: Readonly<Record<SharingPriority, number>> = { urgent: 0, high: 1, routine: 2 };

/** Whether a rule covers a referral (message type AND need AND urgency, each only when given). */
export function ruleCovers(rule: SharingRule, referral: CanonicalReferral): boolean {
  const { messageTypes, needs } = rule.covers;
  if (messageTypes && !messageTypes.includes(referral.sourceType)) return false;
  if (needs && !needs.some((n) => referral.needs.includes(n))) return false;
  if (rule.minUrgency && URGENCY_RANK[referral.urgency] < URGENCY_RANK[rule.minUrgency]) return false;
  return true;
}

/** The outward code of a postcode (`M14 5RX` → `M14`). */
export function postcodeDistrictOf(postcode: string | undefined): string | undefined {
  if (!postcode) return undefined;
  const compact = postcode.replace(/\s+/g, '').toUpperCase();
  return compact.length > 3 ? compact.slice(0, -3) : undefined;
}

/** The family's postcode district: as normalised, else from the family address, else the first person with an address. */
export function familyDistrict(referral: CanonicalReferral): string | undefined {
  return referral.family.postcodeDistrict ?? postcodeDistrictOf(referral.family.address?.postcode) ?? postcodeDistrictOf(referral.people.find((p) => p.address?.postcode)?.address?.postcode);
}

interface Found {
  partner?: SharingPartner;
  lookup?: SharingDecision['lookup'];
  subjects?: string[];
}

interface Resolution {
  found: Found[];
  /** The rule could not find every recipient it should have. */
  notFound: boolean;
}

function isChild(person: CanonicalPerson): boolean {
  return (CHILD_ROLES as readonly string[]).includes(person.role);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

function resolveRecipients(rule: SharingRule, referral: CanonicalReferral, partners: PartnerLookup): Resolution {
  const recipient = rule.recipient;
  if ('partner' in recipient) {
    const partner = partners.get(recipient.partner);
    return partner ? { found: [{ partner }], notFound: false } : { found: [{ lookup: undefined }], notFound: true };
  }
  const all = partners.all();
  switch (recipient.by) {
    case 'school-urn': {
      const children = referral.people.filter(isChild);
      const byUrn = groupBy(children, (c) => c.schoolUrn);
      const missing = recipient.everyChild === true && children.some((c) => !c.schoolUrn);
      const found = [...byUrn].map(([urn, kids]): Found => {
        const partner = all.find((p) => p.organisationType === 'education' && p.identifiers.schoolUrn === urn);
        return { ...(partner ? { partner } : {}), lookup: { by: 'school-urn', key: urn }, subjects: kids.map((k) => k.personRef) };
      });
      return { found, notFound: missing || found.some((f) => !f.partner) };
    }
    case 'gp-ods': {
      const practice = referral.health?.practiceOdsCode;
      const byCode = groupBy(referral.people, (p) => p.gpOdsCode ?? practice);
      const found = [...byCode].map(([code, people]): Found => {
        const partner = all.find((p) => p.organisationType === 'gp' && p.identifiers.odsCode === code);
        return { ...(partner ? { partner } : {}), lookup: { by: 'gp-ods', key: code }, subjects: people.map((p) => p.personRef) };
      });
      return { found, notFound: found.some((f) => !f.partner) };
    }
    case 'area': {
      const district = familyDistrict(referral);
      if (!district) return { found: [], notFound: false };
      const serving = all.filter((p) => p.organisationType === recipient.organisationType && p.areas.includes(district));
      if (serving.length === 0) return { found: [{ lookup: { by: 'area', key: district } }], notFound: true };
      return { found: serving.map((partner) => ({ partner, lookup: { by: 'area', key: district } })), notFound: false };
    }
  }
}

interface Candidate {
  decision: SharingDecision;
  ruleIndex: number;
}

function consentOutcome(rule: SharingRule, referral: CanonicalReferral): DecisionReasonCode {
  const { status, reasonNotSought } = referral.consent;
  if (status === 'given') return 'consent-given';
  if (status === 'refused') return 'consent-refused';
  if (rule.shareWithoutConsent === true && typeof reasonNotSought === 'string' && reasonNotSought !== '') return 'shared-without-consent';
  return 'consent-not-sought';
}

const CONSENT_BLOCKS: ReadonlySet<DecisionReasonCode> = new Set(['consent-refused', 'consent-not-sought', 'agreement-relies-on-consent']);

/** Applies the sharing rules to a referral: one decision per recipient, and a hold when a person must decide. */
export function planSharing(referral: CanonicalReferral, ctx: SharingContext): SharingPlan {
  const holds: HoldReason[] = [];
  const hold = (code: HoldReasonCode, ruleId?: string): void => {
    if (!holds.some((h) => h.code === code && h.ruleId === ruleId)) holds.push({ code, ...(ruleId ? { ruleId } : {}), message: HOLD_REASONS[code] });
  };
  const covering = ctx.rules.map((rule, index) => ({ rule, index })).filter(({ rule }) => ruleCovers(rule, referral));
  if (covering.length === 0) return { decisions: [], hold: { reasons: [{ code: 'no-rule', message: HOLD_REASONS['no-rule'] }] } };

  const candidates: Candidate[] = [];
  for (const { rule, index } of covering) {
    const { found, notFound } = resolveRecipients(rule, referral, ctx.partners);
    if (notFound) hold('recipient-not-found', rule.id);
    for (const f of found) {
      const base = {
        ruleId: rule.id,
        purpose: rule.purpose,
        priority: rule.priority,
        ...(f.subjects ? { subjects: f.subjects } : {}),
        ...(f.lookup ? { lookup: f.lookup } : {}),
      };
      const notShare = (recipientPartnerId: string, reasonCode: DecisionReasonCode): void => {
        candidates.push({ ruleIndex: index, decision: { recipientPartnerId, decision: 'not-share', ...base, reasonCode, reason: DECISION_REASONS[reasonCode] } });
      };
      if (!f.partner) {
        const key = f.lookup ? `${f.lookup.by}:${f.lookup.key}` : `partner:${'partner' in rule.recipient ? rule.recipient.partner : 'unknown'}`;
        notShare(`unresolved:${key}`, 'recipient-not-found');
        continue;
      }
      const partner = f.partner;
      if (partner.id === referral.sourcePartnerId) {
        notShare(partner.id, 'recipient-is-source');
        continue;
      }
      const agreement = ctx.agreements.get(partner.id, rule.purpose);
      if (!agreement || !partner.delivery) {
        hold('no-agreement', rule.id);
        notShare(partner.id, 'no-agreement');
        continue;
      }
      let outcome = consentOutcome(rule, referral);
      if (outcome === 'shared-without-consent' && reliesOnConsent(agreement)) outcome = 'agreement-relies-on-consent';
      if (outcome !== 'consent-given' && outcome !== 'shared-without-consent') {
        notShare(partner.id, outcome);
        continue;
      }
      const deadlineAt = rule.deadline === 'next-school-day' ? nextSchoolDayDeadline(new Date(referral.receivedAt), ctx.calendar) : undefined;
      candidates.push({
        ruleIndex: index,
        decision: { recipientPartnerId: partner.id, decision: 'share', ...base, ...(deadlineAt ? { deadlineAt } : {}), reasonCode: outcome, reason: DECISION_REASONS[outcome], agreementId: agreement.id },
      });
    }
  }

  // One decision per recipient: share over not-share, then priority, then rule order.
  const better = (a: Candidate, b: Candidate): boolean => {
    if (a.decision.decision !== b.decision.decision) return a.decision.decision === 'share';
    if (a.decision.priority !== b.decision.priority) return PRIORITY_RANK[a.decision.priority] < PRIORITY_RANK[b.decision.priority];
    return a.ruleIndex < b.ruleIndex;
  };
  const winners = new Map<string, Candidate>();
  for (const c of candidates) {
    const current = winners.get(c.decision.recipientPartnerId);
    if (!current || better(c, current)) winners.set(c.decision.recipientPartnerId, c);
  }
  const decisions = [...winners.values()]
    .map((c) => c.decision)
    .sort((a, b) => PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] || (a.decision === b.decision ? 0 : a.decision === 'share' ? -1 : 1) || (a.recipientPartnerId < b.recipientPartnerId ? -1 : a.recipientPartnerId > b.recipientPartnerId ? 1 : 0));

  const shared = decisions.some((d) => d.decision === 'share');
  if (!shared && decisions.some((d) => CONSENT_BLOCKS.has(d.reasonCode))) hold('no-consent');
  // Never let a covered referral go nowhere silently.
  if (!shared && holds.length === 0) hold(decisions.length === 0 ? 'recipient-not-found' : 'no-rule');
  return holds.length > 0 ? { decisions, hold: { reasons: holds } } : { decisions };
}
