// Signposting: which directory services may help a family, ranked by a simple score a person can
// check — need match first, then distance band, then eligibility by the children's ages — with a
// plain-English reason for each part. Advice to a practitioner only: nothing here contacts anyone.

import type { NeedCode } from '@hub/domain';
import { SUPPORTING_FAMILIES_OUTCOMES } from '@hub/domain';
import type { DirectoryService } from './import-directory.ts';

export interface SignpostQuery {
  /** The referral's need codes. */
  needs: readonly string[];
  /** The family's postcode district (outward code, e.g. `M14`), when known. */
  district?: string | undefined;
  /** Ages in whole years of the children on the referral (never their dates of birth). */
  childAges?: readonly number[];
}

export type DistanceBand = 'same-district' | 'same-area' | 'remote' | 'unknown-area';
export type EligibilityFit = 'all-children' | 'some-children' | 'no-children' | 'no-age-limit' | 'ages-unknown';

export interface Suggestion {
  service: DirectoryService;
  /** Higher is better: 100 per matched need, then 30/20/10 by distance band, then 2/1/0 by eligibility. */
  score: number;
  matchedNeeds: NeedCode[];
  band: DistanceBand;
  eligibility: EligibilityFit;
  reasons: string[];
}

export const MAX_SUGGESTIONS = 10;

const NEED_TEXT: Record<string, string> = {
  ...Object.fromEntries(SUPPORTING_FAMILIES_OUTCOMES.map((o) => [o.code, o.display])),
  employment: 'Employment',
};

/** The display text of a need code (the code itself when unknown). */
export function needText(code: string): string {
  return NEED_TEXT[code] ?? code;
}

/** `M` of `M14`, `SW` of `SW1A`. */
function areaOf(district: string): string {
  return /^[A-Z]{1,2}/.exec(district.toUpperCase())?.[0] ?? '';
}

const BAND_POINTS: Record<DistanceBand, number> = { 'same-district': 30, 'same-area': 20, remote: 10, 'unknown-area': 10 };
const FIT_POINTS: Record<EligibilityFit, number> = { 'all-children': 2, 'no-age-limit': 2, 'some-children': 1, 'ages-unknown': 1, 'no-children': 0 };

function bandOf(service: DirectoryService, district: string | undefined): { band: DistanceBand; reason: string } | null {
  if (service.districts.length === 0) return { band: 'remote', reason: 'No location listed: offered by phone or online, so it covers the area.' };
  if (!district) return { band: 'unknown-area', reason: "The family's postcode district is not known, so the service's location was not compared." };
  const wanted = district.toUpperCase();
  if (service.districts.includes(wanted)) return { band: 'same-district', reason: `Has a location in the family's postcode district (${wanted}).` };
  const area = areaOf(wanted);
  const inArea = service.districts.filter((d) => areaOf(d) === area);
  if (area && inArea.length > 0) return { band: 'same-area', reason: `Has a location in the family's postcode area (${area}: ${inArea.join(', ')}), not in ${wanted} itself.` };
  return null; // every location is in another postcode area: it does not serve the family's area
}

function eligibilityOf(service: DirectoryService, ages: readonly number[] | undefined): { fit: EligibilityFit; reason: string } {
  const { minAge, maxAge } = service.eligibility;
  if (minAge === undefined && maxAge === undefined) return { fit: 'no-age-limit', reason: 'No age limit is listed.' };
  const range = minAge !== undefined && maxAge !== undefined ? `${minAge}–${maxAge}` : minAge !== undefined ? `${minAge} and over` : `up to ${maxAge}`;
  if (!ages || ages.length === 0) return { fit: 'ages-unknown', reason: `Age range ${range}; no child's age is known on the referral.` };
  const inside = ages.filter((a) => (minAge === undefined || a >= minAge) && (maxAge === undefined || a <= maxAge)).length;
  // Counts only: the children's ages themselves are not repeated in the reason.
  if (inside === ages.length) return { fit: 'all-children', reason: `Age range ${range} includes ${ages.length === 1 ? 'the child' : `all ${ages.length} children`} on the referral.` };
  if (inside > 0) return { fit: 'some-children', reason: `Age range ${range} includes ${inside} of the ${ages.length} children on the referral.` };
  return { fit: 'no-children', reason: `Age range ${range} includes none of the children on the referral (it may still help the adults).` };
}

/**
 * Services that cover at least one of the referral's needs and serve the family's area, best
 * first. A service that covers none of the needs is never suggested, so a need no service covers
 * yields nothing. Ties are broken by service name, then id, so the order is stable.
 */
export function suggestServices(services: readonly DirectoryService[], query: SignpostQuery, opts: { limit?: number } = {}): Suggestion[] {
  const wanted = new Set(query.needs);
  const suggestions: Suggestion[] = [];
  for (const service of services) {
    const matchedNeeds = service.needs.filter((n) => wanted.has(n));
    if (matchedNeeds.length === 0) continue;
    const distance = bandOf(service, query.district);
    if (!distance) continue;
    const fit = eligibilityOf(service, query.childAges);
    const needsReason =
      wanted.size === 1
        ? `Covers the referral's need: ${needText(matchedNeeds[0] as string)}.`
        : `Covers ${matchedNeeds.length} of the referral's ${wanted.size} needs: ${matchedNeeds.map(needText).join('; ')}.`;
    suggestions.push({
      service,
      score: matchedNeeds.length * 100 + BAND_POINTS[distance.band] + FIT_POINTS[fit.fit],
      matchedNeeds,
      band: distance.band,
      eligibility: fit.fit,
      reasons: [needsReason, distance.reason, fit.reason],
    });
  }
  suggestions.sort((a, b) => b.score - a.score || a.service.name.localeCompare(b.service.name) || a.service.id.localeCompare(b.service.id));
  return suggestions.slice(0, opts.limit ?? MAX_SUGGESTIONS);
}
