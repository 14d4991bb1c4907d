import { describe, expect, it } from 'vitest';
import type { PersonRightsFlags } from '@hub/store';
import { blockedCodes, blockedReason, overriddenReason, rightsCheck } from './rights.ts';

const override = { since: new Date(), until: null, by: 'dpo', historyId: 'h-1' };

describe('rightsCheck', () => {
  it('blocks on a restricted or objected person without an override, and lets an override through', () => {
    const flags = new Map<string, PersonRightsFlags>([
      ['a', { restricted: true, objected: false }],
      ['b', { restricted: false, objected: true, safeguardingOverride: override }],
      ['c', { restricted: false, objected: false }],
    ]);
    expect(rightsCheck(flags, ['a', 'b', 'c', 'd'])).toEqual({ blocked: [{ personId: 'a', restricted: true, objected: false }], overridden: [{ personId: 'b', historyId: 'h-1' }] });
    expect(rightsCheck(flags, ['b', 'c'])).toEqual({ blocked: [], overridden: [{ personId: 'b', historyId: 'h-1' }] });
    expect(rightsCheck(flags, ['c', 'd'])).toEqual({ blocked: [], overridden: [] });
  });

  it('names restriction first, with fixed texts', () => {
    const check = rightsCheck(
      new Map<string, PersonRightsFlags>([
        ['a', { restricted: false, objected: true }],
        ['b', { restricted: true, objected: false }],
      ]),
      ['a', 'b'],
    );
    expect(blockedCodes(check)).toEqual(['subject-restricted', 'subject-objected']);
    expect(blockedReason(check)).toMatch(/^subject-restricted: /);
  });

  it('keeps the override note whole within 512 characters', () => {
    const reason = overriddenReason('x'.repeat(600), { blocked: [], overridden: [{ personId: 'b', historyId: 'h-1' }] });
    expect(reason.length).toBeLessThanOrEqual(512);
    expect(reason).toContain('safeguarding override recorded as h-1.');
  });
});
