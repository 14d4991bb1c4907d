import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { OFFENCE_DATA_PATHS, PERSON_ROLES, SPECIAL_CATEGORY_PATHS } from './canonical.ts';
import { CANONICAL_CONTAINERS, CANONICAL_FIELDS, NEVER_SHARED_FIELDS } from './field-catalogue.ts';
import { FULL_SAMPLE_REFERRAL } from './sample-referral.ts';
import { REPO_ROOT } from './test-support/demo.ts';

type Schema = Record<string, unknown>;
const schema = JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas/canonical/referral.v1.json'), 'utf8')) as Schema;
const defs = schema.$defs as Record<string, Schema>;

function deref(node: Schema): Schema {
  return typeof node.$ref === 'string' ? (defs[node.$ref.replace('#/$defs/', '')] as Schema) : node;
}

interface SchemaLeaf {
  path: string;
  special?: string;
  offence: boolean;
}

/** Leaves of the canonical schema (scalars and arrays of scalars), with inherited annotations. */
function schemaLeaves(node: Schema, at: string, special: string | undefined, offence: boolean, out: SchemaLeaf[]): SchemaLeaf[] {
  const own = deref(node);
  const sp = (node['x-special-category'] ?? own['x-special-category'] ?? special) as string | undefined;
  const off = offence || node['x-offence-data'] === true || own['x-offence-data'] === true;
  if (own.type === 'object' && own.properties) {
    for (const [key, child] of Object.entries(own.properties as Record<string, Schema>)) schemaLeaves(child, at === '' ? key : `${at}.${key}`, sp, off, out);
    return out;
  }
  if (own.type === 'array') {
    const items = deref(own.items as Schema);
    if (items.type === 'object') return schemaLeaves(own.items as Schema, `${at}[]`, sp, off, out);
  }
  out.push({ path: at, ...(sp ? { special: sp } : {}), offence: off });
  return out;
}

const leaves = schemaLeaves(schema, '', undefined, false, []);

/** Catalogue shape paths a value sets (arrays of objects as `[]`). */
function setLeaves(value: unknown, at: string, out: Set<string>): Set<string> {
  if (CANONICAL_FIELDS.has(at) || NEVER_SHARED_FIELDS.includes(at)) {
    out.add(at);
    return out;
  }
  if (Array.isArray(value)) for (const item of value) setLeaves(item, `${at}[]`, out);
  else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) setLeaves(v, at === '' ? k : `${at}.${k}`, out);
  else out.add(`UNKNOWN:${at}`);
  return out;
}

describe('the canonical field catalogue', () => {
  it('lists exactly the leaves of schemas/canonical/referral.v1.json, less the never-shared ones', () => {
    const fromSchema = leaves.map((l) => l.path).filter((p) => !NEVER_SHARED_FIELDS.includes(p));
    expect([...CANONICAL_FIELDS.keys()].sort()).toEqual(fromSchema.sort());
    for (const never of NEVER_SHARED_FIELDS) expect(leaves.map((l) => l.path)).toContain(never);
  });

  it('classifies special-category and offence data as the schema annotates it', () => {
    for (const leaf of leaves) {
      const cls = CANONICAL_FIELDS.get(leaf.path);
      if (!cls) continue;
      expect(cls.special, leaf.path).toBe(leaf.special);
      expect(cls.offence === true, leaf.path).toBe(leaf.offence);
    }
  });

  it("names every path of @hub/domain's SPECIAL_CATEGORY_PATHS and OFFENCE_DATA_PATHS", () => {
    for (const p of [...Object.keys(SPECIAL_CATEGORY_PATHS), ...OFFENCE_DATA_PATHS]) {
      expect(CANONICAL_FIELDS.has(p) || CANONICAL_CONTAINERS.has(p), p).toBe(true);
    }
  });

  it('has a full sample referral that sets every field, has a person in every role and is a valid canonical referral', () => {
    const set = setLeaves(FULL_SAMPLE_REFERRAL, '', new Set());
    expect([...set].filter((p) => p.startsWith('UNKNOWN:'))).toEqual([]);
    for (const leaf of CANONICAL_FIELDS.keys()) expect(set, leaf).toContain(leaf);
    expect(FULL_SAMPLE_REFERRAL.people.map((p) => p.role).sort()).toEqual([...PERSON_ROLES].sort());

    const ajv = new Ajv2020({ strict: true, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
    for (const keyword of ['x-pii', 'x-special-category', 'x-offence-data']) ajv.addKeyword({ keyword });
    const validate = ajv.compile(schema);
    expect(validate(FULL_SAMPLE_REFERRAL), JSON.stringify(validate.errors)).toBe(true);
  });
});
