import { describe, expect, it } from 'vitest';
import { UUID, uuidv7 } from './uuid.ts';

describe('uuidv7', () => {
  it('is an RFC 9562 version 7 UUID whose prefix is the time', () => {
    const id = uuidv7(0x0191_2345_6789);
    expect(id).toMatch(UUID);
    expect(id.startsWith('01912345-6789-7')).toBe(true);
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });

  it('sorts by creation time and does not repeat', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => uuidv7())).size).toBe(10_000);
  });
});
