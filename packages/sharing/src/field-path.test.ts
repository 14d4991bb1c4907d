import { describe, expect, it } from 'vitest';
import { parseFieldPath, pathCovers, type FieldPath } from './field-path.ts';

function parsed(source: string): FieldPath {
  const result = parseFieldPath(source);
  if ('problem' in result) throw new Error(result.problem);
  return result.path;
}

function problemOf(source: string): string {
  const result = parseFieldPath(source);
  if (!('problem' in result)) throw new Error(`expected a problem for ${source}`);
  return result.problem;
}

describe('agreement field paths', () => {
  it('parses leaves, containers and selectors into shape paths', () => {
    expect(parsed('needs').shape).toBe('needs');
    expect(parsed('family.address').shape).toBe('family.address');
    expect(parsed('people[role=child|young-person].givenName').shape).toBe('people[].givenName');
    expect(parsed('people[*].nhsNumber').shape).toBe('people[].nhsNumber');
    expect(parsed('people[].nhsNumber').shape).toBe('people[].nhsNumber');
    expect(parsed('police.childrenPresent[].voiceOfChild').shape).toBe('police.childrenPresent[].voiceOfChild');
    expect(parsed('people[role=child]').shape).toBe('people[]');
    expect(parsed('people').shape).toBe('people');
    expect([...(parsed('people[role=child|young-person].upn').steps[0]?.roles ?? [])]).toEqual(['child', 'young-person']);
  });

  it('classifies what a path can include', () => {
    expect(parsed('people[role=child].healthConditions').special).toEqual(['health']);
    expect(parsed('people[role=child].ethnicity.code').special).toEqual(['racial-or-ethnic-origin']);
    expect(parsed('people[role=child]').special).toEqual(['health', 'racial-or-ethnic-origin', 'religious-or-philosophical-beliefs', 'sex-life-or-sexual-orientation']);
    expect(parsed('health').special).toEqual(['health']);
    expect(parsed('police.reference').offence).toBe(true);
    expect(parsed('victim.crimeType').offence).toBe(true);
    expect(parsed('victim.safeContact').offence).toBe(false);
    // Every person includes an alleged perpetrator: naming one is offence data.
    expect(parsed('people[*].givenName').offence).toBe(true);
    expect(parsed('people[role=alleged-perpetrator].givenName').offence).toBe(true);
    expect(parsed('people[role=parent|victim].givenName').offence).toBe(false);
    expect(parsed('needs').offence).toBe(false);
  });

  it('refuses unknown fields, never-shared fields, bad selectors and bad syntax', () => {
    expect(problemOf('people[role=child].shoeSize')).toMatch(/not a field of the canonical referral/);
    expect(problemOf('needs[]')).toMatch(/not a field of the canonical referral/);
    expect(problemOf('people.givenName')).toMatch(/not a field of the canonical referral/);
    expect(problemOf('lawfulBasis.art6')).toMatch(/never shared/);
    expect(problemOf('people[*].hubPersonId')).toMatch(/never shared/);
    expect(problemOf('referralId')).toMatch(/never shared/);
    expect(problemOf('people[role=wizard].givenName')).toMatch(/unknown person role "wizard"/);
    expect(problemOf('police.childrenPresent[role=child].present')).toMatch(/only allowed on people/);
    expect(problemOf('people[role=child]..givenName')).toMatch(/not of the form/);
    expect(problemOf('people[0].givenName')).toMatch(/not of the form/);
  });

  it('matches concrete payload positions', () => {
    const childName = parsed('people[role=child].givenName');
    expect(pathCovers(childName, [{ key: 'people', index: 0, role: 'child' }, { key: 'givenName' }])).toBe(true);
    expect(pathCovers(childName, [{ key: 'people', index: 0, role: 'parent' }, { key: 'givenName' }])).toBe(false);
    expect(pathCovers(childName, [{ key: 'people', index: 0, role: 'child' }, { key: 'familyName' }])).toBe(false);
    const address = parsed('family.address');
    expect(pathCovers(address, [{ key: 'family' }, { key: 'address' }, { key: 'lines' }])).toBe(true);
    expect(pathCovers(address, [{ key: 'family' }, { key: 'contactSafe' }])).toBe(false);
    expect(pathCovers(parsed('needs'), [{ key: 'needs' }])).toBe(true);
    const voice = parsed('police.childrenPresent[].voiceOfChild');
    expect(pathCovers(voice, [{ key: 'police' }, { key: 'childrenPresent', index: 1 }, { key: 'voiceOfChild' }])).toBe(true);
    expect(pathCovers(voice, [{ key: 'police' }, { key: 'childrenPresent', index: 1 }, { key: 'present' }])).toBe(false);
    expect(pathCovers(parsed('people[role=child]'), [{ key: 'people', index: 3, role: 'child' }, { key: 'contact' }, { key: 'phone' }])).toBe(true);
  });
});
