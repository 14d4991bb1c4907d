// Generates TypeScript types from the JSON Schemas (committed):
//   schemas/inbound/*   → packages/domain/src/generated/inbound-messages.ts
//   schemas/config/*    → packages/config/src/generated/*.ts
//
//   pnpm gen:types      write the file
//   pnpm check:types    regenerate in memory; exit 1 naming the file if it differs
//
// All schemas are folded into one document first (common $defs, each type's data
// schema and its local $defs, all under their titles), so shared shapes such as Person
// are declared once and every $ref resolves locally.

import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, compileFromFile } from 'json-schema-to-typescript';
import { COMMON_SCHEMA_ID, loadInboundSchemas } from '../src/schema-files.ts';
import type { JsonSchema } from '../src/schema-files.ts';

const OUTPUT = fileURLToPath(new URL('../../domain/src/generated/inbound-messages.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const BANNER = `/* eslint-disable */
// GENERATED FILE - DO NOT EDIT.
// Generated from schemas/inbound/*.json by packages/validation/scripts/generate-types.ts.
// Run \`pnpm gen:types\` after changing a schema; \`pnpm check:types\` fails when this file is stale.`;

/** Keywords with no effect on the TypeScript shape; dropped so the output stays plain and stable. */
const DROPPED_KEYWORDS = new Set([
  '$schema',
  '$id',
  'if',
  'then',
  'else',
  'contains',
  'minContains',
  'maxContains',
  'prefixItems',
  'discriminator',
  'unevaluatedProperties',
]);
/** Keywords that, beside a $ref, only annotate; anything else beside a $ref adds constraints. */
const ANNOTATION_KEYWORDS = new Set(['description', 'title', 'examples']);

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function titleOf(schema: Json, fallback: string): string {
  return isObject(schema) && typeof schema.title === 'string' ? schema.title : fallback;
}

/**
 * Rewrites one schema for the combined document: refs point at `#/$defs/<Title>`, x-*
 * annotations and shape-free keywords go, and a $ref with constraining siblings becomes
 * allOf [$ref, siblings] (json-schema-to-typescript would otherwise let the siblings
 * overwrite the target).
 */
function rewrite(node: Json, resolveRef: (ref: string) => string): Json {
  if (Array.isArray(node)) return node.map((item) => rewrite(item, resolveRef));
  if (!isObject(node)) return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || DROPPED_KEYWORDS.has(key) || key === '$defs') continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, rewrite(sub, resolveRef)]));
    } else if (key === '$ref' && typeof value === 'string') {
      out.$ref = resolveRef(value);
    } else {
      out[key] = rewrite(value, resolveRef);
    }
  }
  if (Array.isArray(out.allOf) && (out.properties !== undefined || out.required !== undefined)) {
    // json-schema-to-typescript ignores properties beside allOf; make them an allOf member.
    const own: Record<string, Json> = { type: 'object' };
    for (const key of ['properties', 'required'] as const) {
      if (out[key] !== undefined) own[key] = out[key];
      delete out[key];
    }
    out.allOf = [...out.allOf, own];
  }
  if (typeof out.$ref === 'string') {
    const siblings = Object.fromEntries(Object.entries(out).filter(([key]) => key !== '$ref' && !ANNOTATION_KEYWORDS.has(key)));
    if (Object.keys(siblings).length === 0) return { $ref: out.$ref };
    return { allOf: [{ $ref: out.$ref }, siblings] };
  }
  return out;
}

function combinedSchema(): { schema: JsonSchema; types: string[] } {
  const { common, types } = loadInboundSchemas();
  const defs: Record<string, Json> = {};
  const addDef = (name: string, schema: Json): void => {
    if (name in defs) throw new Error(`Two inbound schemas use the title ${name}; titles name the generated types and must be unique`);
    defs[name] = schema;
  };

  const commonDefs = isObject(common.$defs) ? common.$defs : {};
  const commonTitles = new Map(Object.entries(commonDefs).map(([key, schema]) => [key, titleOf(schema, key)]));
  const commonRef = (ref: string, base: string): string | null => {
    const url = new URL(ref, base);
    const fragment = url.hash.replace(/^#\/\$defs\//, '');
    url.hash = '';
    if (url.href !== COMMON_SCHEMA_ID) return null;
    const title = commonTitles.get(fragment);
    if (!title) throw new Error(`Unknown common definition in ${ref}`);
    return `#/$defs/${title}`;
  };
  for (const [key, schema] of Object.entries(commonDefs)) {
    addDef(titleOf(schema, key), rewrite(schema, (ref) => commonRef(ref, COMMON_SCHEMA_ID) ?? ref));
  }

  const properties: Record<string, Json> = {};
  for (const [type, schema] of types) {
    const base = String(schema.$id);
    const localDefs = isObject(schema.$defs) ? schema.$defs : {};
    const localTitles = new Map(Object.entries(localDefs).map(([key, sub]) => [key, titleOf(sub, key)]));
    const resolveRef = (ref: string): string => {
      const shared = commonRef(ref, base);
      if (shared) return shared;
      const url = new URL(ref, base);
      const fragment = url.hash.replace(/^#\/\$defs\//, '');
      const title = localTitles.get(fragment);
      if (!title) throw new Error(`Unresolvable $ref ${ref} in ${type}`);
      return `#/$defs/${title}`;
    };
    for (const [key, sub] of Object.entries(localDefs)) addDef(titleOf(sub, key), rewrite(sub, resolveRef));
    const title = titleOf(schema, type);
    addDef(title, rewrite(schema, resolveRef));
    properties[type] = { $ref: `#/$defs/${title}` };
  }

  const typeNames = [...types.keys()];
  return {
    types: typeNames,
    schema: {
      title: 'InboundDataByType',
      description: 'The `data` of each inbound message type, keyed by type.',
      type: 'object',
      additionalProperties: false,
      required: typeNames,
      properties,
      $defs: defs,
    },
  };
}

export async function generateInboundTypes(): Promise<string> {
  const { schema } = combinedSchema();
  const body = await compile(schema as Parameters<typeof compile>[0], 'InboundDataByType', {
    bannerComment: BANNER,
    additionalProperties: false,
    unreachableDefinitions: true,
    declareExternallyReferenced: true,
    strictIndexSignatures: true,
    maxItems: -1,
    format: true,
    style: { singleQuote: true, printWidth: 120, trailingComma: 'all' },
  });
  const extras = `
/** Every inbound message type. */
export type InboundMessageType = keyof InboundDataByType;

/** A request body whose \`data\` is typed by its \`type\`. */
export interface InboundMessageEnvelope<T extends InboundMessageType = InboundMessageType> {
  type: T;
  timestamp: string;
  data: InboundDataByType[T];
}

/** Any inbound request body, discriminated on \`type\`. */
export type InboundMessage = { [T in InboundMessageType]: InboundMessageEnvelope<T> }[InboundMessageType];
`;
  return `${body.trimEnd()}\n${extras}`;
}

/** Config schemas are small and self-contained: one generated file each. */
const CONFIG_TARGETS = [
  { schema: 'schemas/config/partners.v1.json', output: 'packages/config/src/generated/partners.ts' },
  { schema: 'schemas/config/retention.v1.json', output: 'packages/config/src/generated/retention.ts' },
];

async function generateConfigTypes(schemaPath: string): Promise<string> {
  return compileFromFile(`${REPO_ROOT}${schemaPath}`, {
    bannerComment: `/* Generated from ${schemaPath} by \`pnpm gen:types\`. Do not edit. */`,
    additionalProperties: false,
    unreachableDefinitions: false,
  });
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const targets: { output: string; source: string; generated: string }[] = [{ output: OUTPUT, source: 'schemas/inbound', generated: await generateInboundTypes() }];
  for (const t of CONFIG_TARGETS) targets.push({ output: `${REPO_ROOT}${t.output}`, source: t.schema, generated: await generateConfigTypes(t.schema) });
  let stale = 0;
  for (const { output, source, generated } of targets) {
    const shown = relative(REPO_ROOT, output);
    if (!check) {
      writeFileSync(output, generated);
      process.stdout.write(`Wrote ${shown}.` + '\n');
      continue;
    }
    let current = '';
    try {
      current = readFileSync(output, 'utf8');
    } catch {
      // A missing file is reported as out of date below.
    }
    if (current !== generated) {
      console.error(`${shown} is out of date with ${source}; run \`pnpm gen:types\` and commit the result.`);
      stale += 1;
    } else {
      process.stdout.write(`${shown} is up to date.` + '\n');
    }
  }
  if (stale > 0) process.exit(1);
}

await main();
