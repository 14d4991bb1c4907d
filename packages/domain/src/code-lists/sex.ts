// Sex is recorded separately from gender identity, always with its code system.

import type { CodedConcept } from './ethnicity.ts';

export const SEX_SYSTEMS = ['dfe-sex', 'nhs-stated-gender'] as const;
export type SexSystem = (typeof SEX_SYSTEMS)[number];

/** DfE census sex codes. */
export const DFE_SEX = [
  { code: 'M', display: 'Male' },
  { code: 'F', display: 'Female' },
  { code: 'U', display: 'Unknown' },
] as const satisfies readonly CodedConcept[];
export type DfeSexCode = (typeof DFE_SEX)[number]['code'];

/** NHS Data Dictionary "Person Stated Gender". */
export const NHS_STATED_GENDER = [
  { code: '1', display: 'Male' },
  { code: '2', display: 'Female' },
  { code: '9', display: 'Indeterminate (unable to be classified as either male or female)' },
  { code: 'X', display: 'Not known (not recorded)' },
] as const satisfies readonly CodedConcept[];
export type NhsStatedGenderCode = (typeof NHS_STATED_GENDER)[number]['code'];

/** FHIR administrative gender (used inside the GP's FHIR Bundle). */
export const FHIR_ADMINISTRATIVE_GENDER = ['male', 'female', 'other', 'unknown'] as const;
export type FhirAdministrativeGender = (typeof FHIR_ADMINISTRATIVE_GENDER)[number];

const CODES_BY_SYSTEM: Readonly<Record<SexSystem, ReadonlySet<string>>> = {
  'dfe-sex': new Set(DFE_SEX.map((c) => c.code)),
  'nhs-stated-gender': new Set(NHS_STATED_GENDER.map((c) => c.code)),
};

export function isSexSystem(system: string): system is SexSystem {
  return (SEX_SYSTEMS as readonly string[]).includes(system);
}

/** True when `code` belongs to the named sex code system. */
export function isSexCodeInSystem(system: string, code: string): boolean {
  return isSexSystem(system) && CODES_BY_SYSTEM[system].has(code);
}
