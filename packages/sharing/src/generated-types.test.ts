import { describe, expect, it } from 'vitest';
import { generateSharingConfigType, readCommitted, SHARING_CONFIG_TARGETS } from '../scripts/generate-config-types.ts';

describe('generated config types', () => {
  for (const target of SHARING_CONFIG_TARGETS) {
    it(`${target.output} is up to date with ${target.schema} (run \`pnpm --filter @hub/sharing gen:types\`)`, async () => {
      expect(readCommitted(target.output)).toBe(await generateSharingConfigType(target.schema));
    });
  }
});
