// Generates the TypeScript type of the console accounts file from its JSON Schema (committed):
//   schemas/config/console-accounts.v1.json → services/console/src/web/generated/console-accounts.ts
//
//   pnpm --filter @hub/console gen:types          write the file
//   web/accounts.test.ts                          fails when the committed file is stale
//
// Same generator and options as the root `pnpm gen:types` uses for partners.v1.json.

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileFromFile } from 'json-schema-to-typescript';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const CONSOLE_CONFIG_TARGETS = [{ schema: 'schemas/config/console-accounts.v1.json', output: 'services/console/src/web/generated/console-accounts.ts' }] as const;

export async function generateConsoleConfigType(schemaPath: string): Promise<string> {
  return compileFromFile(`${REPO_ROOT}${schemaPath}`, {
    bannerComment: `/* Generated from ${schemaPath} by \`pnpm --filter @hub/console gen:types\`. Do not edit. */`,
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
  for (const target of CONSOLE_CONFIG_TARGETS) {
    writeFileSync(`${REPO_ROOT}${target.output}`, await generateConsoleConfigType(target.schema));
    process.stdout.write(`Wrote ${target.output}.` + '\n');
  }
}
