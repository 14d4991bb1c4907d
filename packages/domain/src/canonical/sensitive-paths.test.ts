import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OFFENCE_DATA_PATHS, SPECIAL_CATEGORY_PATHS } from './sensitive-paths.ts';

type Schema = Record<string, unknown>;

const schema = JSON.parse(readFileSync(new URL('../../../../schemas/canonical/referral.v1.json', import.meta.url), 'utf8')) as Schema;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolveLocalRef(ref: string): Schema {
  if (!ref.startsWith('#/$defs/')) throw new Error(`only local $defs refs are expected, got ${ref}`);
  const target = (schema.$defs as Record<string, unknown>)[ref.slice('#/$defs/'.length)];
  if (!isSchema(target)) throw new Error(`unresolved ${ref}`);
  return target;
}

/** Every field path (`a.b`, `a[].b`) whose schema node, or a $ref'd node, carries `keyword`, with the keyword's value. */
function annotatedPaths(keyword: string): Map<string, unknown> {
  const found = new Map<string, unknown>();
  const visit = (node: Schema, path: string, seen: ReadonlySet<string>): void => {
    if (path !== '' && keyword in node) found.set(path, node[keyword]);
    if (typeof node.$ref === 'string') {
      if (seen.has(node.$ref)) return;
      visit(resolveLocalRef(node.$ref), path, new Set([...seen, node.$ref]));
    }
    if (isSchema(node.properties)) {
      for (const [name, child] of Object.entries(node.properties)) if (isSchema(child)) visit(child, path === '' ? name : `${path}.${name}`, seen);
    }
    if (isSchema(node.items)) visit(node.items, `${path}[]`, seen);
  };
  visit(schema, '', new Set());
  return found;
}

describe('SPECIAL_CATEGORY_PATHS and OFFENCE_DATA_PATHS', () => {
  it('SPECIAL_CATEGORY_PATHS lists exactly the x-special-category annotations, with their categories', () => {
    expect(Object.fromEntries(annotatedPaths('x-special-category'))).toEqual(SPECIAL_CATEGORY_PATHS);
  });

  it('OFFENCE_DATA_PATHS lists exactly the x-offence-data annotations', () => {
    const annotated = [...annotatedPaths('x-offence-data')].filter(([, value]) => value === true).map(([path]) => path);
    expect([...annotated].sort()).toEqual([...OFFENCE_DATA_PATHS].sort());
    expect(new Set(OFFENCE_DATA_PATHS).size).toBe(OFFENCE_DATA_PATHS.length);
  });

  it('uses the documented path syntax', () => {
    expect(SPECIAL_CATEGORY_PATHS['people[].healthConditions']).toBe('health');
    expect(SPECIAL_CATEGORY_PATHS['people[].ethnicity']).toBe('racial-or-ethnic-origin');
    expect(OFFENCE_DATA_PATHS).toContain('police.circumstances');
    expect(OFFENCE_DATA_PATHS).toContain('police.childrenPresent[].voiceOfChild');
    expect(OFFENCE_DATA_PATHS.filter((path) => path.startsWith('justice.'))).toHaveLength(
      Object.keys((((schema.properties as Schema).justice as Schema).properties as Schema)).length,
    );
  });

  it('marks every special-category and offence field as personal data too', () => {
    const pii = annotatedPaths('x-pii');
    const specialWithoutPii = Object.keys(SPECIAL_CATEGORY_PATHS).filter((path) => pii.get(path) !== true);
    expect(specialWithoutPii).toEqual([]);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(SPECIAL_CATEGORY_PATHS)).toBe(true);
    expect(Object.isFrozen(OFFENCE_DATA_PATHS)).toBe(true);
  });
});
