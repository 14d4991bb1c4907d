import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULE_MESSAGES } from './rule-codes.ts';

const doc = readFileSync(new URL('../../../docs/validation-rules.md', import.meta.url), 'utf8');
const documented = [...doc.matchAll(/^\| `([a-z0-9.-]+)` \|/gm)].map((m) => m[1]);

describe('docs/validation-rules.md', () => {
  it('has one row per rule code, both ways', () => {
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(RULE_MESSAGES).sort());
  });

  it('gives every code an example pointer', () => {
    for (const code of Object.keys(RULE_MESSAGES)) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, code).toMatch(/\| `\/[^`]*` \|$/);
    }
  });
});
