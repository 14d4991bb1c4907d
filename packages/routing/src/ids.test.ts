import { describe, expect, it } from 'vitest';
import { deliveryIdFor, nameBasedUuid, referralIdFor } from './ids.ts';

describe('name-based ids', () => {
  it('are stable, distinct per name, and shaped as version-5 UUIDs', () => {
    expect(referralIdFor('m1')).toBe(referralIdFor('m1'));
    expect(referralIdFor('m1')).not.toBe(referralIdFor('m2'));
    expect(deliveryIdFor('r1', 'a')).not.toBe(deliveryIdFor('r1', 'b'));
    expect(nameBasedUuid('a', 'bc')).not.toBe(nameBasedUuid('ab', 'c'));
    expect(referralIdFor('m1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
