// The hub's need vocabulary for directory taxonomy terms. A feed tags a service with one
// `service_taxonomys[].taxonomy` per need it meets, with `vocabulary: "hub-need"` and
// `id: "hub-need:<code>"`, where <code> is one of the hub's need codes (the ten Supporting
// Families headline outcomes plus `employment`). Terms from other vocabularies (LGA
// esdServiceTypes, Open Eligibility, …) are kept by the publisher but ignored here.

import { NEED_CODES } from '@hub/domain';
import type { NeedCode } from '@hub/domain';

export const HUB_NEED_VOCABULARY = 'hub-need';
export const HUB_NEED_TERM_PREFIX = 'hub-need:';

const NEEDS = new Set<string>(NEED_CODES);

export type TaxonomyTermReading = { kind: 'need'; need: NeedCode } | { kind: 'unknown-need' } | { kind: 'other-vocabulary' };

/** What one taxonomy term says about needs: a hub need, a `hub-need` term with an unknown code, or nothing. */
export function readTaxonomyTerm(term: { id: string; vocabulary?: string }): TaxonomyTermReading {
  const inHubVocabulary = term.vocabulary === HUB_NEED_VOCABULARY || term.id.startsWith(HUB_NEED_TERM_PREFIX);
  if (!inHubVocabulary) return { kind: 'other-vocabulary' };
  const code = term.id.startsWith(HUB_NEED_TERM_PREFIX) ? term.id.slice(HUB_NEED_TERM_PREFIX.length) : term.id;
  return NEEDS.has(code) ? { kind: 'need', need: code as NeedCode } : { kind: 'unknown-need' };
}

/** The taxonomy term a feed uses for a need. */
export function hubNeedTerm(need: NeedCode): { id: string; name: string; vocabulary: string } {
  return { id: `${HUB_NEED_TERM_PREFIX}${need}`, name: need, vocabulary: HUB_NEED_VOCABULARY };
}
