import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUTBOUND_SCHEMA_DIR, outboundSchemaId, outboundValidator } from './outbound-schemas.ts';
import { demoPartners } from './test-support/demo.ts';

type Node = Record<string, unknown>;

/** Every object schema in a document (properties given) must forbid unknown properties. */
function openObjects(node: unknown, at: string, out: string[]): string[] {
  if (Array.isArray(node)) node.forEach((n, i) => openObjects(n, `${at}/${i}`, out));
  else if (typeof node === 'object' && node !== null) {
    const n = node as Node;
    if ((n.type === 'object' || n.properties) && n.additionalProperties !== false) out.push(at);
    for (const [k, v] of Object.entries(n)) openObjects(v, `${at}/${k}`, out);
  }
  return out;
}

const files = readdirSync(OUTBOUND_SCHEMA_DIR).filter((f) => f.endsWith('.v1.json'));

describe('outbound schemas', () => {
  it('exist for every organisation type that receives deliveries in the demo registry', () => {
    const types = new Set(demoPartners().all().filter((p) => p.delivery).map((p) => p.organisationType));
    for (const type of types) expect(files, type).toContain(`${type}.v1.json`);
  });

  for (const file of files) {
    const type = file.replace('.v1.json', '');
    it(`${file}: named by $id, closed everywhere, compiles`, () => {
      const schema = JSON.parse(readFileSync(path.join(OUTBOUND_SCHEMA_DIR, file), 'utf8')) as Node;
      expect(schema.$id).toBe(outboundSchemaId(type));
      expect(openObjects(schema, '', [])).toEqual([]);
      expect(typeof outboundValidator(type)).toBe('function');
      expect(outboundValidator(type)).toBe(outboundValidator(type)); // compiled once
    });
  }

  it('refuse an unknown or missing type', () => {
    expect(() => outboundValidator('wizardry')).toThrow(/no outbound schema for organisation type wizardry/);
    expect(() => outboundValidator('../partners')).toThrow(/not an organisation type/);
  });
});
