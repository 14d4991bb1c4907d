import { describe, expect, it } from 'vitest';
import {
  ART10_BASES,
  ART6_BASES,
  ART9_CONDITIONS,
  CONSENT_STATUSES,
  ETHNICITY_SYSTEMS,
  FHIR_ADMINISTRATIVE_GENDER,
  NEED_CODES,
  NHS_ETHNIC_CATEGORY,
  PERSON_ROLES,
  SCHEDULE_1_PARAGRAPHS,
  SEX_SYSTEMS,
} from '@hub/domain';
import { createAjv } from './ajv.ts';
import { loadInboundSchemas, typeSchemaId } from './schema-files.ts';
import type { JsonSchema } from './schema-files.ts';

const schemas = loadInboundSchemas();
const all: [string, JsonSchema][] = [
  ['common.json', schemas.common],
  ['envelope.json', schemas.envelope],
  ...[...schemas.types].map(([type, schema]): [string, JsonSchema] => [`${type}.v1.json`, schema]),
];

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Calls `visit` for every subschema that defines a shape (skipping pure conditions). */
function eachShapeSchema(schema: unknown, path: string, visit: (node: Node, path: string) => void): void {
  if (!isNode(schema)) return;
  visit(schema, path);
  for (const [key, value] of Object.entries(schema)) {
    // if/contains/not only test a value; then/else only narrow one the shape already declares.
    if (['if', 'then', 'else', 'contains', 'not', 'const', 'enum', 'examples', 'default'].includes(key)) continue;
    if (key === 'properties' || key === '$defs') {
      for (const [name, sub] of Object.entries(value as Node)) eachShapeSchema(sub, `${path}/${key}/${name}`, visit);
    } else if (Array.isArray(value)) {
      value.forEach((sub, i) => eachShapeSchema(sub, `${path}/${key}/${i}`, visit));
    } else if (isNode(value)) {
      eachShapeSchema(value, `${path}/${key}`, visit);
    }
  }
}

function typesOf(node: Node): string[] {
  return Array.isArray(node.type) ? (node.type as string[]) : typeof node.type === 'string' ? [node.type] : [];
}

function enumAt(schema: JsonSchema, ...path: string[]): unknown[] {
  let node: unknown = schema;
  for (const key of path) node = isNode(node) ? node[key] : undefined;
  return (node as unknown[]) ?? [];
}

describe('inbound schemas follow the house conventions', () => {
  it('compile under strict Ajv', () => {
    const ajv = createAjv();
    ajv.addSchema(schemas.common);
    expect(() => ajv.compile(schemas.envelope)).not.toThrow();
    for (const schema of schemas.types.values()) expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('cover the 17 message types, with $id and x-message-type matching the file', () => {
    expect(schemas.types.size).toBe(17);
    for (const [type, schema] of schemas.types) {
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toBe(typeSchemaId(type));
      expect(schema['x-message-type']).toBe(type);
      expect(schema.type).toBe('object');
    }
  });

  it.each(all)('%s: every object is closed, every string and array is bounded', (_file, schema) => {
    const problems: string[] = [];
    eachShapeSchema(schema, '#', (node, path) => {
      const types = typesOf(node);
      const closed =
        node.additionalProperties === false ||
        node.unevaluatedProperties === false ||
        typeof node.$ref === 'string' ||
        Array.isArray(node.oneOf) ||
        typeof node['x-open'] === 'string';
      if (types.includes('object') && !closed) problems.push(`${path}: object not closed`);
      const boundedString = typeof node.maxLength === 'number' || node.enum !== undefined || node.const !== undefined || typeof node.$ref === 'string';
      if (types.includes('string') && !boundedString) problems.push(`${path}: string without maxLength`);
      const boundedArray = typeof node.maxItems === 'number' || typeof node.$ref === 'string';
      if (types.includes('array') && !boundedArray) problems.push(`${path}: array without maxItems`);
    });
    expect(problems).toEqual([]);
  });

  it('every data schema carries correlationId and lawfulBasis; source types carry consent', () => {
    for (const [type, schema] of schemas.types) {
      const text = JSON.stringify(schema);
      // A family's feedback answer is not a partner's message: no sender correlation, no lawful
      // basis asserted by a sender (the hub's own is documented), only ratings and a comment.
      if (type === 'family.feedback.submitted') {
        expect(schema.required).toBeUndefined();
        expect(JSON.stringify((schema.properties as Record<string, unknown>).comment)).toContain('"x-pii":true');
        continue;
      }
      if (type.startsWith('referral.')) {
        expect(text).toContain('feedbackBase');
        continue;
      }
      expect(schema.required).toEqual(expect.arrayContaining(['correlationId', 'lawfulBasis', 'consent']));
    }
  });

  it('police and youth-justice content is marked as offence data', () => {
    for (const type of ['police.domestic-abuse.notified', 'police.vulnerability.referred', 'justice.youth-justice.notified', 'victim-support.referral.submitted']) {
      expect(JSON.stringify(schemas.types.get(type))).toContain('"x-offence-data":true');
    }
  });
});

describe('schema code lists agree with @hub/domain', () => {
  const defs = schemas.common.$defs as Record<string, JsonSchema>;
  const sorted = (values: readonly unknown[]) => [...values].map(String).sort();

  it('needs, roles and consent statuses', () => {
    expect(sorted(enumAt(defs.need!, 'enum'))).toEqual(sorted(NEED_CODES));
    expect(sorted(enumAt(defs.personRole!, 'enum'))).toEqual(sorted(PERSON_ROLES));
    expect(sorted(enumAt(defs.consent!, 'properties', 'status', 'enum'))).toEqual(sorted(CONSENT_STATUSES));
  });

  it('lawful-basis vocabularies', () => {
    expect(sorted(enumAt(defs.lawfulBasis!, 'properties', 'art6', 'enum'))).toEqual(sorted(ART6_BASES.map((b) => b.code)));
    expect(sorted(enumAt(defs.lawfulBasis!, 'properties', 'art9', 'enum'))).toEqual(sorted(ART9_CONDITIONS.map((b) => b.code)));
    expect(sorted(enumAt(defs.lawfulBasis!, 'properties', 'art10', 'enum'))).toEqual(sorted(ART10_BASES.map((b) => b.code)));
    expect(sorted(enumAt(defs.lawfulBasis!, 'properties', 'sch1Paragraph', 'enum'))).toEqual(sorted(SCHEDULE_1_PARAGRAPHS.map((p) => p.paragraph)));
  });

  it('ethnicity and sex systems, FHIR gender and NHS ethnic categories', () => {
    expect(sorted(enumAt(defs.ethnicity!, 'properties', 'system', 'enum'))).toEqual(sorted(ETHNICITY_SYSTEMS));
    expect(sorted(enumAt(defs.sex!, 'properties', 'system', 'enum'))).toEqual(sorted(SEX_SYSTEMS));
    const gp = JSON.stringify(schemas.types.get('health.gp.referred'));
    expect(gp).toContain(JSON.stringify(FHIR_ADMINISTRATIVE_GENDER));
    expect(gp).toContain(JSON.stringify(NHS_ETHNIC_CATEGORY.map((c) => c.code)));
  });
});
