// One outbound JSON Schema per recipient organisation type (schemas/outbound/<type>.v1.json),
// `additionalProperties: false` everywhere. It is a second, independent fence around the
// agreements: whatever an agreement allows, a school's payload can never carry a parent's
// health or ethnicity, because the education schema has no place for them.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/** Absolute path of `schemas/outbound/`. */
export const OUTBOUND_SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schemas/outbound');

export function outboundSchemaId(organisationType: string): string {
  return `https://schemas.early-help-hub.org/outbound/${organisationType}/v1.json`;
}

export function outboundSchemaFile(organisationType: string): string {
  return path.join(OUTBOUND_SCHEMA_DIR, `${organisationType}.v1.json`);
}

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

/**
 * The compiled validator for a recipient type's outbound schema, compiled once and cached.
 * Reads the file the first time only: loadSharingConfig warms it for every type in use, so
 * minimising never touches the disk after start-up. Throws when the schema is missing or invalid.
 */
export function outboundValidator(organisationType: string): ValidateFunction {
  const cached = validators.get(organisationType);
  if (cached) return cached;
  if (!/^[a-z][a-z-]{1,40}$/.test(organisationType)) throw new Error(`not an organisation type: ${organisationType}`);
  const file = outboundSchemaFile(organisationType);
  if (!existsSync(file)) throw new Error(`no outbound schema for organisation type ${organisationType} (expected schemas/outbound/${organisationType}.v1.json)`);
  const schema = JSON.parse(readFileSync(file, 'utf8')) as { $id?: string };
  if (schema.$id !== outboundSchemaId(organisationType)) throw new Error(`schemas/outbound/${organisationType}.v1.json must have $id ${outboundSchemaId(organisationType)}`);
  ajv ??= new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(schema);
  validators.set(organisationType, validate);
  return validate;
}

/** Schema errors as `pointer: message` lines (no values). */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? `/${String((e.params as { additionalProperty?: string }).additionalProperty)}` : '';
    return `${e.instancePath}${extra || ''}: ${e.message ?? 'is invalid'}`;
  });
}
