// The one configured Ajv: strict, all errors, standard and UK formats, and the x-*
// annotation keywords the inbound schemas use.

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { isE164, isIso3166Alpha2, isIso639_1, nhsNumberProblem, postcodeProblem, toE164 } from '@hub/domain';

/** Context-free format checks. Context-dependent ones (test range, ZZ99 with no fixed abode) are domain rules. */
const UK_FORMATS: Record<string, (value: string) => boolean> = {
  'nhs-number': (value) => nhsNumberProblem(value, { allowTestRange: true }) === null,
  'uk-postcode': (value) => postcodeProblem(value) === null,
  'uk-phone': (value) => toE164(value) !== null,
  e164: isE164,
  iso639: isIso639_1,
  iso3166: isIso3166Alpha2,
};

export const SPECIAL_CATEGORIES = [
  'racial-or-ethnic-origin',
  'political-opinions',
  'religious-or-philosophical-beliefs',
  'trade-union-membership',
  'genetic',
  'biometric',
  'health',
  'sex-life-or-sexual-orientation',
] as const;

/** Shapes the generic domain rules recognise (see domain-rules.ts). */
export const SHAPES = ['person', 'address', 'ethnicity', 'sex', 'date-of-birth'] as const;

/** Age rules a use site can add to a person (`x-age-rule`). */
export const AGE_RULES = ['under-five'] as const;

const ANNOTATION_KEYWORDS: { keyword: string; metaSchema: object }[] = [
  { keyword: 'x-pii', metaSchema: { type: 'boolean', const: true } },
  { keyword: 'x-special-category', metaSchema: { type: 'string', enum: [...SPECIAL_CATEGORIES] } },
  { keyword: 'x-offence-data', metaSchema: { type: 'boolean', const: true } },
  { keyword: 'x-message-type', metaSchema: { type: 'string', pattern: '^[a-z]+(?:[.-][a-z]+)+$' } },
  { keyword: 'x-shape', metaSchema: { type: 'string', enum: [...SHAPES] } },
  { keyword: 'x-not-future', metaSchema: { type: 'boolean', const: true } },
  { keyword: 'x-age-rule', metaSchema: { type: 'string', enum: [...AGE_RULES] } },
  { keyword: 'x-open', metaSchema: { type: 'string', minLength: 1 } },
];

export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    // Errors carry the offending value so issue mapping can pick a precise rule code;
    // the value itself never leaves issuesFromAjv.
    verbose: true,
    discriminator: true,
  });
  addFormats(ajv);
  for (const [name, validate] of Object.entries(UK_FORMATS)) ajv.addFormat(name, { type: 'string', validate });
  for (const { keyword, metaSchema } of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword, metaSchema });
  return ajv;
}
