import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/inbound');

/** The valid example request body for a message type, exactly as stored on disk. */
export function fixtureBody(type: string): string {
  return readFileSync(path.join(FIXTURE_DIR, `${type}.json`), 'utf8');
}

export function fixtureTypes(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}
