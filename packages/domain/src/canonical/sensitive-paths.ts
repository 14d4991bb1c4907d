// Which canonical fields are special-category (UK GDPR Art 9) or criminal-offence (Art 10) data.
// Written out as code so the minimiser needs no schema at run time; sensitive-paths.test.ts checks
// both lists against the x-special-category / x-offence-data annotations in
// schemas/canonical/referral.v1.json. Paths name array elements as `[]`.

export const CANONICAL_SCHEMA_ID = 'https://schemas.early-help-hub.org/canonical/referral/v1.json';

/** Canonical field path → its Art 9 special category. Frozen: mutating it throws. */
export const SPECIAL_CATEGORY_PATHS: Record<string, string> = Object.freeze({
  'people[].ethnicity': 'racial-or-ethnic-origin',
  'people[].religion': 'religious-or-philosophical-beliefs',
  'people[].sexualOrientation': 'sex-life-or-sexual-orientation',
  'people[].healthConditions': 'health',
  'people[].disability': 'health',
  'education.senPrimaryNeed': 'health',
  'health.concern': 'health',
  'health.concernCategories': 'health',
  'health.reasonCodes': 'health',
});

/** Canonical field paths holding criminal-offence data (police, victim-of-crime and justice detail). Frozen. */
export const OFFENCE_DATA_PATHS: string[] = Object.freeze([
  'police.reference',
  'police.incidentAt',
  'police.incidentLocation',
  'police.locationType',
  'police.circumstances',
  'police.riskLevel',
  'police.crimeRecorded',
  'police.childrenPresent[].personRef',
  'police.childrenPresent[].present',
  'police.childrenPresent[].whereabouts',
  'police.childrenPresent[].voiceOfChild',
  'police.concernType',
  'police.concernTypes',
  'police.significantHarmSuspected',
  'police.safeguardingInformation',
  'victim.crimeType',
  'victim.crimeReference',
  'victim.reportedToPolice',
  'victim.summary',
  'justice.service',
  'justice.order',
  'justice.orderStartDate',
  'justice.orderEndDate',
  'justice.offenceCategory',
  'justice.riskOfSeriousHarm',
  'justice.safetyAndWellbeing',
  'justice.likelihoodOfReoffending',
  'justice.offenceSummary',
  'justice.summary',
]) as string[];
