// Lawful-basis vocabularies carried in every message's `lawfulBasis`.

/** UK GDPR Article 6(1) bases. Early Help normally relies on `public-task` (6(1)(e)). */
export const ART6_BASES = [
  { code: 'consent', article: '6(1)(a)' },
  { code: 'contract', article: '6(1)(b)' },
  { code: 'legal-obligation', article: '6(1)(c)' },
  { code: 'vital-interests', article: '6(1)(d)' },
  { code: 'public-task', article: '6(1)(e)' },
  { code: 'legitimate-interests', article: '6(1)(f)' },
] as const;
export type Art6Basis = (typeof ART6_BASES)[number]['code'];

/** UK GDPR Article 9(2) conditions the hub accepts for special-category data. */
export const ART9_CONDITIONS = [
  { code: 'explicit-consent', article: '9(2)(a)' },
  { code: 'social-protection', article: '9(2)(b)' },
  { code: 'vital-interests', article: '9(2)(c)' },
  { code: 'substantial-public-interest', article: '9(2)(g)' },
  { code: 'health-care', article: '9(2)(h)' },
] as const;
export type Art9Condition = (typeof ART9_CONDITIONS)[number]['code'];

/**
 * DPA 2018 Schedule 1 paragraphs. Part 1 (1–4) back Art 9(2)(b), (h), (i), (j);
 * Part 2 (6–28) are the substantial-public-interest conditions for Art 9(2)(g).
 * Paragraph 5 is the Appropriate Policy Document requirement, not a condition.
 */
export const SCHEDULE_1_PARAGRAPHS = [
  { paragraph: '1', part: 1, title: 'Employment, social security and social protection' },
  { paragraph: '2', part: 1, title: 'Health or social care purposes' },
  { paragraph: '3', part: 1, title: 'Public health' },
  { paragraph: '4', part: 1, title: 'Research etc' },
  { paragraph: '6', part: 2, title: 'Statutory and government purposes' },
  { paragraph: '7', part: 2, title: 'Administration of justice and parliamentary purposes' },
  { paragraph: '8', part: 2, title: 'Equality of opportunity or treatment' },
  { paragraph: '9', part: 2, title: 'Racial and ethnic diversity at senior levels of organisations' },
  { paragraph: '10', part: 2, title: 'Preventing or detecting unlawful acts' },
  { paragraph: '11', part: 2, title: 'Protecting the public' },
  { paragraph: '12', part: 2, title: 'Regulatory requirements' },
  { paragraph: '13', part: 2, title: 'Journalism etc in connection with unlawful acts' },
  { paragraph: '14', part: 2, title: 'Preventing fraud' },
  { paragraph: '15', part: 2, title: 'Suspicion of terrorist financing or money laundering' },
  { paragraph: '16', part: 2, title: 'Support for individuals with a particular disability or medical condition' },
  { paragraph: '17', part: 2, title: 'Counselling etc' },
  { paragraph: '18', part: 2, title: 'Safeguarding of children and of individuals at risk' },
  { paragraph: '19', part: 2, title: 'Safeguarding of economic well-being of certain individuals' },
  { paragraph: '20', part: 2, title: 'Insurance' },
  { paragraph: '21', part: 2, title: 'Occupational pensions' },
  { paragraph: '22', part: 2, title: 'Political parties' },
  { paragraph: '23', part: 2, title: 'Elected representatives responding to requests' },
  { paragraph: '24', part: 2, title: 'Disclosure to elected representatives' },
  { paragraph: '25', part: 2, title: 'Informing elected representatives about prisoners' },
  { paragraph: '26', part: 2, title: 'Publication of legal judgments' },
  { paragraph: '27', part: 2, title: 'Anti-doping in sport' },
  { paragraph: '28', part: 2, title: 'Standards of behaviour in sport' },
] as const;
export type Schedule1Paragraph = (typeof SCHEDULE_1_PARAGRAPHS)[number]['paragraph'];

/**
 * Article 10 bases for criminal-offence data: either processing under the control of
 * official authority, or a DPA 2018 Schedule 1 condition (s10(5)), coded
 * `dpa2018-sch1-para<N>`.
 */
export const ART10_BASES = [
  { code: 'official-authority', title: 'UK GDPR Art 10: under the control of official authority' },
  { code: 'dpa2018-sch1-para1', title: 'DPA 2018 Sch 1 para 1: employment, social security and social protection' },
  { code: 'dpa2018-sch1-para6', title: 'DPA 2018 Sch 1 para 6: statutory and government purposes' },
  { code: 'dpa2018-sch1-para10', title: 'DPA 2018 Sch 1 para 10: preventing or detecting unlawful acts' },
  { code: 'dpa2018-sch1-para11', title: 'DPA 2018 Sch 1 para 11: protecting the public' },
  { code: 'dpa2018-sch1-para18', title: 'DPA 2018 Sch 1 para 18: safeguarding of children and of individuals at risk' },
  { code: 'dpa2018-sch1-para19', title: 'DPA 2018 Sch 1 para 19: safeguarding of economic well-being of certain individuals' },
  { code: 'dpa2018-sch1-para29', title: 'DPA 2018 Sch 1 para 29: consent' },
  { code: 'dpa2018-sch1-para30', title: "DPA 2018 Sch 1 para 30: protecting an individual's vital interests" },
  { code: 'dpa2018-sch1-para33', title: 'DPA 2018 Sch 1 para 33: legal claims' },
] as const;
export type Art10Basis = (typeof ART10_BASES)[number]['code'];

/** Bases that only hold when the data subject's consent was actually given. */
export const CONSENT_DEPENDENT_BASES = {
  art6: ['consent'],
  art9: ['explicit-consent'],
  art10: ['dpa2018-sch1-para29'],
} as const satisfies { art6: readonly Art6Basis[]; art9: readonly Art9Condition[]; art10: readonly Art10Basis[] };
