// Ethnicity code sets. Every coded ethnicity travels with the name of its system, because
// the three sets do not line up one to one (the NHS set has no Roma or Arab code).

export const ETHNICITY_SYSTEMS = ['census-2021', 'nhs-ethnic-category', 'dfe-ethnicity'] as const;
export type EthnicitySystem = (typeof ETHNICITY_SYSTEMS)[number];

export interface CodedConcept<C extends string = string> {
  readonly code: C;
  readonly display: string;
}

/**
 * The 19 tick-boxes of the 2021 Census (England & Wales). The codes are ours (the
 * census publishes labels, not a code list): stable, lower-case, grouped by the
 * high-level group they sit under. Never renumber or reuse one.
 */
export const CENSUS_2021_ETHNICITY = [
  { code: 'white-british', display: 'White: English, Welsh, Scottish, Northern Irish or British' },
  { code: 'white-irish', display: 'White: Irish' },
  { code: 'white-gypsy-or-irish-traveller', display: 'White: Gypsy or Irish Traveller' },
  { code: 'white-roma', display: 'White: Roma' },
  { code: 'white-other', display: 'White: Any other White background' },
  { code: 'mixed-white-and-black-caribbean', display: 'Mixed or Multiple: White and Black Caribbean' },
  { code: 'mixed-white-and-black-african', display: 'Mixed or Multiple: White and Black African' },
  { code: 'mixed-white-and-asian', display: 'Mixed or Multiple: White and Asian' },
  { code: 'mixed-other', display: 'Mixed or Multiple: Any other Mixed or Multiple background' },
  { code: 'asian-indian', display: 'Asian or Asian British: Indian' },
  { code: 'asian-pakistani', display: 'Asian or Asian British: Pakistani' },
  { code: 'asian-bangladeshi', display: 'Asian or Asian British: Bangladeshi' },
  { code: 'asian-chinese', display: 'Asian or Asian British: Chinese' },
  { code: 'asian-other', display: 'Asian or Asian British: Any other Asian background' },
  { code: 'black-caribbean', display: 'Black, Black British, Caribbean or African: Caribbean' },
  { code: 'black-african', display: 'Black, Black British, Caribbean or African: African' },
  { code: 'black-other', display: 'Black, Black British, Caribbean or African: Any other Black background' },
  { code: 'other-arab', display: 'Other ethnic group: Arab' },
  { code: 'other-any', display: 'Other ethnic group: Any other ethnic group' },
] as const satisfies readonly CodedConcept[];
export type Census2021EthnicityCode = (typeof CENSUS_2021_ETHNICITY)[number]['code'];

/** FHIR system URL of the NHS Ethnic Category (England) code system used by UK Core. */
export const NHS_ETHNIC_CATEGORY_SYSTEM_URL = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland';

/** NHS Ethnic Category (England), 2001-census based: A–Z plus 99. No Roma, no Arab. */
export const NHS_ETHNIC_CATEGORY = [
  { code: 'A', display: 'White - British' },
  { code: 'B', display: 'White - Irish' },
  { code: 'C', display: 'White - Any other White background' },
  { code: 'D', display: 'Mixed - White and Black Caribbean' },
  { code: 'E', display: 'Mixed - White and Black African' },
  { code: 'F', display: 'Mixed - White and Asian' },
  { code: 'G', display: 'Mixed - Any other mixed background' },
  { code: 'H', display: 'Asian or Asian British - Indian' },
  { code: 'J', display: 'Asian or Asian British - Pakistani' },
  { code: 'K', display: 'Asian or Asian British - Bangladeshi' },
  { code: 'L', display: 'Asian or Asian British - Any other Asian background' },
  { code: 'M', display: 'Black or Black British - Caribbean' },
  { code: 'N', display: 'Black or Black British - African' },
  { code: 'P', display: 'Black or Black British - Any other Black background' },
  { code: 'R', display: 'Other Ethnic Groups - Chinese' },
  { code: 'S', display: 'Other Ethnic Groups - Any other ethnic group' },
  { code: 'Z', display: 'Not stated' },
  { code: '99', display: 'Not known' },
] as const satisfies readonly CodedConcept[];
export type NhsEthnicCategoryCode = (typeof NHS_ETHNIC_CATEGORY)[number]['code'];

/** DfE school/AP census main ethnicity codes (extended codes roll up to these). */
export const DFE_ETHNICITY = [
  { code: 'WBRI', display: 'White - British' },
  { code: 'WIRI', display: 'White - Irish' },
  { code: 'WIRT', display: 'Traveller of Irish heritage' },
  { code: 'WOTH', display: 'Any other White background' },
  { code: 'WROM', display: 'Gypsy/Roma' },
  { code: 'MWBC', display: 'White and Black Caribbean' },
  { code: 'MWBA', display: 'White and Black African' },
  { code: 'MWAS', display: 'White and Asian' },
  { code: 'MOTH', display: 'Any other mixed background' },
  { code: 'AIND', display: 'Indian' },
  { code: 'APKN', display: 'Pakistani' },
  { code: 'ABAN', display: 'Bangladeshi' },
  { code: 'AOTH', display: 'Any other Asian background' },
  { code: 'BCRB', display: 'Black Caribbean' },
  { code: 'BAFR', display: 'Black - African' },
  { code: 'BOTH', display: 'Any other Black background' },
  { code: 'CHNE', display: 'Chinese' },
  { code: 'OOTH', display: 'Any other ethnic group' },
  { code: 'REFU', display: 'Refused' },
  { code: 'NOBT', display: 'Information not yet obtained' },
] as const satisfies readonly CodedConcept[];
export type DfeEthnicityCode = (typeof DFE_ETHNICITY)[number]['code'];

const CODES_BY_SYSTEM: Readonly<Record<EthnicitySystem, ReadonlySet<string>>> = {
  'census-2021': new Set(CENSUS_2021_ETHNICITY.map((c) => c.code)),
  'nhs-ethnic-category': new Set(NHS_ETHNIC_CATEGORY.map((c) => c.code)),
  'dfe-ethnicity': new Set(DFE_ETHNICITY.map((c) => c.code)),
};

export function isEthnicitySystem(system: string): system is EthnicitySystem {
  return (ETHNICITY_SYSTEMS as readonly string[]).includes(system);
}

/** True when `code` belongs to the named ethnicity code system. */
export function isEthnicityCodeInSystem(system: string, code: string): boolean {
  return isEthnicitySystem(system) && CODES_BY_SYSTEM[system].has(code);
}

/**
 * Census 2021 → NHS Ethnic Category. Lossy and explicit: Gypsy/Irish Traveller and Roma
 * become C (any other White), Arab becomes S (any other ethnic group).
 */
export const CENSUS_2021_TO_NHS_ETHNIC_CATEGORY: Readonly<Record<Census2021EthnicityCode, NhsEthnicCategoryCode>> = {
  'white-british': 'A',
  'white-irish': 'B',
  'white-gypsy-or-irish-traveller': 'C',
  'white-roma': 'C',
  'white-other': 'C',
  'mixed-white-and-black-caribbean': 'D',
  'mixed-white-and-black-african': 'E',
  'mixed-white-and-asian': 'F',
  'mixed-other': 'G',
  'asian-indian': 'H',
  'asian-pakistani': 'J',
  'asian-bangladeshi': 'K',
  'asian-chinese': 'R',
  'asian-other': 'L',
  'black-caribbean': 'M',
  'black-african': 'N',
  'black-other': 'P',
  'other-arab': 'S',
  'other-any': 'S',
};

/** Census 2021 → DfE main code. Lossy: Arab rolls up to OOTH. */
export const CENSUS_2021_TO_DFE_ETHNICITY: Readonly<Record<Census2021EthnicityCode, DfeEthnicityCode>> = {
  'white-british': 'WBRI',
  'white-irish': 'WIRI',
  'white-gypsy-or-irish-traveller': 'WIRT',
  'white-roma': 'WROM',
  'white-other': 'WOTH',
  'mixed-white-and-black-caribbean': 'MWBC',
  'mixed-white-and-black-african': 'MWBA',
  'mixed-white-and-asian': 'MWAS',
  'mixed-other': 'MOTH',
  'asian-indian': 'AIND',
  'asian-pakistani': 'APKN',
  'asian-bangladeshi': 'ABAN',
  'asian-chinese': 'CHNE',
  'asian-other': 'AOTH',
  'black-caribbean': 'BCRB',
  'black-african': 'BAFR',
  'black-other': 'BOTH',
  'other-arab': 'OOTH',
  'other-any': 'OOTH',
};
