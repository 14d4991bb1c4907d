import { describe, expect, it } from 'vitest';
import {
  CENSUS_2021_ETHNICITY,
  CENSUS_2021_TO_DFE_ETHNICITY,
  CENSUS_2021_TO_NHS_ETHNIC_CATEGORY,
  DFE_ETHNICITY,
  NHS_ETHNIC_CATEGORY,
  isEthnicityCodeInSystem,
} from './code-lists/ethnicity.ts';
import { ISO_3166_1_ALPHA2_CODES, isIso3166Alpha2 } from './code-lists/countries.ts';
import { ISO_639_1_CODES, isIso639_1 } from './code-lists/languages.ts';
import { NEED_CODES, headlineOutcomeOf } from './code-lists/needs.ts';
import { isSexCodeInSystem } from './code-lists/sex.ts';
import { isChildRole, isParentRole } from './code-lists/people.ts';

describe('code lists', () => {
  it('has the 19 census categories, 18 NHS categories and 20 DfE main codes, all unique', () => {
    for (const [list, size] of [[CENSUS_2021_ETHNICITY, 19], [NHS_ETHNIC_CATEGORY, 18], [DFE_ETHNICITY, 20]] as const) {
      expect(list).toHaveLength(size);
      expect(new Set(list.map((c) => c.code)).size).toBe(size);
    }
  });

  it('has no Roma or Arab code in the NHS set, and maps them explicitly', () => {
    expect(isEthnicityCodeInSystem('census-2021', 'white-roma')).toBe(true);
    expect(isEthnicityCodeInSystem('nhs-ethnic-category', 'white-roma')).toBe(false);
    expect(isEthnicityCodeInSystem('nhs-ethnic-category', 'WROM')).toBe(false);
    expect(isEthnicityCodeInSystem('dfe-ethnicity', 'WROM')).toBe(true);
    expect(CENSUS_2021_TO_NHS_ETHNIC_CATEGORY['white-roma']).toBe('C');
    expect(CENSUS_2021_TO_DFE_ETHNICITY['white-roma']).toBe('WROM');
    expect(CENSUS_2021_TO_NHS_ETHNIC_CATEGORY['other-arab']).toBe('S');
    expect(isEthnicityCodeInSystem('made-up', 'A')).toBe(false);
  });

  it('keeps sex codes per system', () => {
    expect(isSexCodeInSystem('dfe-sex', 'F')).toBe(true);
    expect(isSexCodeInSystem('dfe-sex', '2')).toBe(false);
    expect(isSexCodeInSystem('nhs-stated-gender', 'X')).toBe(true);
    expect(isSexCodeInSystem('nhs-stated-gender', 'U')).toBe(false);
  });

  it('has 183 ISO 639-1 and 249 ISO 3166-1 alpha-2 codes, unique and well-formed', () => {
    expect(ISO_639_1_CODES).toHaveLength(183);
    expect(new Set(ISO_639_1_CODES).size).toBe(183);
    expect(ISO_639_1_CODES.every((c) => /^[a-z]{2}$/.test(c))).toBe(true);
    expect(ISO_3166_1_ALPHA2_CODES).toHaveLength(249);
    expect(new Set(ISO_3166_1_ALPHA2_CODES).size).toBe(249);
    expect(ISO_3166_1_ALPHA2_CODES.every((c) => /^[A-Z]{2}$/.test(c))).toBe(true);
    expect(isIso639_1('ur')).toBe(true);
    expect(isIso639_1('EN')).toBe(false);
    expect(isIso639_1('bh')).toBe(false);
    expect(isIso3166Alpha2('GB')).toBe(true);
    expect(isIso3166Alpha2('UK')).toBe(false);
  });

  it('has the ten Supporting Families outcomes plus employment', () => {
    expect(NEED_CODES).toHaveLength(11);
    expect(headlineOutcomeOf('employment')).toBe('financial-stability');
  });

  it('groups roles for the age rules', () => {
    expect(isChildRole('young-person')).toBe(true);
    expect(isChildRole('parent')).toBe(false);
    expect(isParentRole('carer')).toBe(true);
  });
});
