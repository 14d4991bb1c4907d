// Supporting Families headline outcomes (framework live from 3 October 2022), used as
// the hub's need codes, plus `employment` as a sub-need of financial stability.

export const SUPPORTING_FAMILIES_OUTCOMES = [
  { code: 'education', display: 'Getting a good education' },
  { code: 'early-years', display: 'Good early years development' },
  { code: 'health', display: 'Improved mental and physical health' },
  { code: 'substance-use', display: 'Better managed substance use' },
  { code: 'family-relationships', display: 'Improved family relationships' },
  { code: 'child-safety', display: 'Children safe from abuse and exploitation' },
  { code: 'crime', display: 'Families diverted from crime' },
  { code: 'domestic-abuse', display: 'Safe from domestic abuse' },
  { code: 'housing', display: 'Secure housing' },
  { code: 'financial-stability', display: 'Financial stability' },
] as const;

export const NEED_CODES = [...SUPPORTING_FAMILIES_OUTCOMES.map((o) => o.code), 'employment'] as const;
export type NeedCode = (typeof SUPPORTING_FAMILIES_OUTCOMES)[number]['code'] | 'employment';

/** The headline outcome a need rolls up to (`employment` → `financial-stability`). */
export function headlineOutcomeOf(need: NeedCode): Exclude<NeedCode, 'employment'> {
  return need === 'employment' ? 'financial-stability' : need;
}

/** A Supporting Families results claim needs at least this many family needs identified. */
export const MIN_NEEDS_FOR_RESULTS_CLAIM = 3;
