// Restriction (UK GDPR Art 18) and objection (Art 21) in disclosure decisions: a referral about a
// restricted or objected person is not disclosed, unless a safeguarding override is active for
// every such person (then it is, and the decision records the override). Pure: the flags come
// from Store.personRights.
import type { PersonRightsFlags } from '@hub/store';

export type RightsReasonCode = 'subject-restricted' | 'subject-objected';

/** Fixed decision texts (no personal data); the code leads so the ledger's decisions can be searched by it. */
export const RIGHTS_DECISION_REASONS: Readonly<Record<RightsReasonCode, string>> = {
  'subject-restricted': 'subject-restricted: a person on the referral has restricted processing (UK GDPR Art 18); not disclosed without a safeguarding override.',
  'subject-objected': 'subject-objected: a person on the referral has objected to processing (UK GDPR Art 21); not disclosed without a safeguarding override.',
};

export interface RightsCheck {
  /** Restricted or objected people without an active override: nothing may be disclosed. */
  blocked: { personId: string; restricted: boolean; objected: boolean }[];
  /** Restricted or objected people whose active safeguarding override allows disclosure. */
  overridden: { personId: string; historyId: string }[];
}

/** Which of `personIds` block a disclosure, and which are allowed by an override. */
export function rightsCheck(flags: ReadonlyMap<string, PersonRightsFlags>, personIds: readonly string[]): RightsCheck {
  const check: RightsCheck = { blocked: [], overridden: [] };
  for (const personId of [...new Set(personIds)].sort()) {
    const f = flags.get(personId);
    if (!f || (!f.restricted && !f.objected)) continue;
    if (f.safeguardingOverride) check.overridden.push({ personId, historyId: f.safeguardingOverride.historyId });
    else check.blocked.push({ personId, restricted: f.restricted, objected: f.objected });
  }
  return check;
}

/** The reason codes of a blocked check: restriction first (it is the stronger claim). */
export function blockedCodes(check: RightsCheck): RightsReasonCode[] {
  const codes: RightsReasonCode[] = [];
  if (check.blocked.some((b) => b.restricted)) codes.push('subject-restricted');
  if (check.blocked.some((b) => b.objected)) codes.push('subject-objected');
  return codes;
}

/** The decision text for a share a restriction or objection stopped. */
export function blockedReason(check: RightsCheck): string {
  return RIGHTS_DECISION_REASONS[blockedCodes(check)[0] ?? 'subject-restricted'];
}

/** The decision text for a share made under safeguarding overrides (ids of their history rows, which hold the reasons). */
export function overriddenReason(reason: string, check: RightsCheck): string {
  const ids = check.overridden.map((o) => o.historyId).join(', ');
  const note = ` safeguarding-override: shared although a person on the referral restricted processing or objected, under the safeguarding override recorded as ${ids}.`;
  // Decision reasons are at most 512 characters: the override note is what must survive.
  return `${reason.slice(0, Math.max(0, 512 - note.length))}${note}`;
}
