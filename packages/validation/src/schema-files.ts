// Loads the inbound schemas from disk (once, at start-up) and checks the naming
// conventions the rest of the hub relies on.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCHEMA_ID_BASE = 'https://schemas.early-help-hub.org/inbound/';
export const COMMON_SCHEMA_ID = `${SCHEMA_ID_BASE}common/v1.json`;
export const ENVELOPE_SCHEMA_ID = `${SCHEMA_ID_BASE}envelope/v1.json`;

/** `<repo>/schemas/inbound`, found relative to this file. */
export const DEFAULT_INBOUND_SCHEMA_DIR = fileURLToPath(new URL('../../../schemas/inbound/', import.meta.url));

export type JsonSchema = Record<string, unknown>;

export interface InboundSchemaSet {
  common: JsonSchema;
  envelope: JsonSchema;
  /** Type schemas by message type, sorted by type. */
  types: ReadonlyMap<string, JsonSchema>;
}

const TYPE_FILE = /^(.+)\.v1\.json$/;

export function typeSchemaId(type: string): string {
  return `${SCHEMA_ID_BASE}${type}/v1.json`;
}

function readJson(path: string): JsonSchema {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${path} is not a JSON Schema object`);
  return parsed as JsonSchema;
}

export function loadInboundSchemas(dir: string = DEFAULT_INBOUND_SCHEMA_DIR): InboundSchemaSet {
  const common = readJson(join(dir, 'common.json'));
  const envelope = readJson(join(dir, 'envelope.json'));
  if (common.$id !== COMMON_SCHEMA_ID) throw new Error(`common.json must have $id ${COMMON_SCHEMA_ID}`);
  if (envelope.$id !== ENVELOPE_SCHEMA_ID) throw new Error(`envelope.json must have $id ${ENVELOPE_SCHEMA_ID}`);

  const types = new Map<string, JsonSchema>();
  for (const file of readdirSync(dir).sort()) {
    const match = TYPE_FILE.exec(file);
    if (!match?.[1]) continue;
    const type = match[1];
    const schema = readJson(join(dir, file));
    if (schema.$id !== typeSchemaId(type)) throw new Error(`${file} must have $id ${typeSchemaId(type)}`);
    if (schema['x-message-type'] !== type) throw new Error(`${file} must carry "x-message-type": "${type}"`);
    types.set(type, schema);
  }

  const envelopeTypes = ((envelope.properties as Record<string, { enum?: unknown[] }> | undefined)?.type?.enum ?? []).map(String).sort();
  const schemaTypes = [...types.keys()];
  if (envelopeTypes.join('\n') !== schemaTypes.join('\n')) {
    throw new Error('envelope.json lists different message types from the <type>.v1.json files beside it');
  }
  return { common, envelope, types };
}
