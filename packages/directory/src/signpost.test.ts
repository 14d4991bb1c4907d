import { describe, expect, it } from 'vitest';
import type { NeedCode } from '@hub/domain';
import type { DirectoryService } from './import-directory.ts';
import { suggestServices } from './signpost.ts';

function service(id: string, needs: NeedCode[], districts: string[], eligibility: DirectoryService['eligibility'] = {}): DirectoryService {
  return {
    id,
    name: `Service ${id}`,
    organisation: { id: 'org', name: 'Org' },
    needs,
    districts,
    locations: districts.map((d) => ({ postcode: `${d} 1AA`, district: d })),
    eligibility,
    contact: {},
  };
}

const directory: DirectoryService[] = [
  service('housing-far', ['housing'], ['SK4']),
  service('housing-area', ['housing'], ['M1']),
  service('housing-district', ['housing'], ['M14']),
  service('housing-phone', ['housing'], []),
  service('two-needs-area', ['housing', 'financial-stability'], ['M20']),
  service('health-only', ['health'], ['M14']),
  service('kids', ['financial-stability'], ['M14'], { minAge: 0, maxAge: 5 }),
  service('teens', ['financial-stability'], ['M14'], { minAge: 13, maxAge: 18 }),
  service('all-ages', ['financial-stability'], ['M14'], { minAge: 0, maxAge: 18 }),
];

describe('suggestServices', () => {
  it('ranks by need match, then distance band, then eligibility, with a reason for each', () => {
    const result = suggestServices(directory, { needs: ['housing', 'financial-stability'], district: 'M14', childAges: [3, 15] });
    expect(result.map((s) => s.service.id)).toEqual(['two-needs-area', 'all-ages', 'housing-district', 'kids', 'teens', 'housing-area', 'housing-phone']);
    const [first] = result;
    expect(first?.matchedNeeds).toEqual(['housing', 'financial-stability']);
    expect(first?.reasons).toEqual([
      "Covers 2 of the referral's 2 needs: Secure housing; Financial stability.",
      "Has a location in the family's postcode area (M: M20), not in M14 itself.",
      'No age limit is listed.',
    ]);
    const byId = new Map(result.map((s) => [s.service.id, s]));
    expect(byId.get('housing-district')?.reasons[1]).toBe("Has a location in the family's postcode district (M14).");
    expect(byId.get('housing-phone')?.reasons[1]).toBe('No location listed: offered by phone or online, so it covers the area.');
    expect(byId.get('all-ages')?.reasons[2]).toBe('Age range 0–18 includes all 2 children on the referral.');
    expect(byId.get('teens')?.reasons[2]).toBe('Age range 13–18 includes 1 of the 2 children on the referral.');
    // Reasons never repeat the children's ages.
    for (const s of result) expect(s.reasons.join(' ')).not.toMatch(/\b(3|15)\b/);
  });

  it('never suggests a service covering none of the needs, nor one outside the family’s postcode area', () => {
    const ids = suggestServices(directory, { needs: ['housing'], district: 'M14' }).map((s) => s.service.id);
    expect(ids).not.toContain('health-only');
    expect(ids).not.toContain('housing-far');
    expect(ids).toEqual(['housing-district', 'housing-area', 'two-needs-area', 'housing-phone']);
  });

  it('suggests nothing for needs no service covers', () => {
    expect(suggestServices(directory, { needs: ['domestic-abuse', 'crime'], district: 'M14', childAges: [4] })).toEqual([]);
    expect(suggestServices(directory, { needs: [], district: 'M14' })).toEqual([]);
    expect(suggestServices([], { needs: ['housing'], district: 'M14' })).toEqual([]);
  });

  it('compares no location when the district is unknown, and says so', () => {
    const result = suggestServices(directory, { needs: ['health'] });
    expect(result.map((s) => s.service.id)).toEqual(['health-only']);
    expect(result[0]?.band).toBe('unknown-area');
    expect(result[0]?.reasons[1]).toMatch(/postcode district is not known/);
  });

  it('ranks eligibility only after need and distance, and keeps a child outside every range visible', () => {
    const result = suggestServices(directory, { needs: ['financial-stability'], district: 'M14', childAges: [9] });
    expect(result.map((s) => [s.service.id, s.eligibility])).toEqual([
      ['all-ages', 'all-children'],
      ['kids', 'no-children'],
      ['teens', 'no-children'],
      ['two-needs-area', 'no-age-limit'],
    ]);
    expect(result[1]?.reasons[2]).toBe('Age range 0–5 includes none of the children on the referral (it may still help the adults).');
    expect(suggestServices(directory, { needs: ['financial-stability'], district: 'M14' }).find((s) => s.service.id === 'kids')?.reasons[2]).toBe("Age range 0–5; no child's age is known on the referral.");
  });

  it('caps the list', () => {
    expect(suggestServices(directory, { needs: ['housing', 'financial-stability'], district: 'M14' }, { limit: 2 })).toHaveLength(2);
  });
});
