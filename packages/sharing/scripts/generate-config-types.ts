// Generates the TypeScript types of the sharing config files from their JSON Schemas (committed):
//   schemas/config/{sharing-rules,agreements,school-calendar}.v1.json → packages/sharing/src/generated/*.ts
//
//   pnpm --filter @hub/sharing gen:types          write the files
//   generated-types.test.ts                       fails when a committed file is stale
//
// Same generator and options as the root `pnpm gen:types` uses for partners.v1.json.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileFromFile } from 'json-schema-to-typescript';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const SHARING_CONFIG_TARGETS = [
  { schema: 'schemas/config/sharing-rules.v1.json', output: 'packages/sharing/src/generated/sharing-rules.ts' },
  { schema: 'schemas/config/agreements.v1.json', output: 'packages/sharing/src/generated/agreements.ts' },
  { schema: 'schemas/config/school-calendar.v1.json', output: 'packages/sharing/src/generated/school-calendar.ts' },
] as const;

export async function generateSharingConfigType(schemaPath: string): Promise<string> {
  return compileFromFile(`${REPO_ROOT}${schemaPath}`, {
    bannerComment: `/* Generated from ${schemaPath} by \`pnpm --filter @hub/sharing gen:types\`. Do not edit. */`,
    additionalProperties: false,
    unreachableDefinitions: false,
  });
}

export function readCommitted(output: string): string {
  try {
    return readFileSync(`${REPO_ROOT}${output}`, 'utf8');
  } catch {
    return '';
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const target of SHARING_CONFIG_TARGETS) {
    writeFileSync(`${REPO_ROOT}${target.output}`, await generateSharingConfigType(target.schema));
    process.stdout.write(`Wrote ${target.output}.` + '\n');
  }
}
