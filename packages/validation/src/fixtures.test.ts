import { describe, expect, it } from 'vitest';
import { validFixtures } from '../../../test/fixtures/bad-input-corpus.ts';
import { createMessageValidator } from './message-validator.ts';

// Fixture dates of birth are chosen to stay valid for years (children aged 0–12 in
// 2026, far from the 18 limit); the first to expire is the health visitor's baby, who
// turns five on 2031-03-08.
describe('valid fixtures', () => {
  const validator = createMessageValidator({ allowTestNhsNumbers: true });

  it('has one fixture per known message type', () => {
    expect([...validFixtures.keys()].sort()).toEqual([...validator.knownTypes()]);
  });

  it.each([...validFixtures.entries()])('%s validates cleanly, today', (type, body) => {
    const envelope = validator.validateEnvelope(body);
    expect(envelope).toMatchObject({ ok: true });
    if (!envelope.ok) return;
    expect(envelope.envelope.type).toBe(type);
    expect(validator.validateMessage(type, envelope.envelope.data)).toEqual([]);
  });

  it('uses only test-range NHS numbers', () => {
    const text = JSON.stringify([...validFixtures.values()]);
    const nhsNumbers = [...text.matchAll(/"(?:nhsNumber|system":"https:\/\/fhir\.nhs\.uk\/Id\/nhs-number","value)":"([^"]*)"/g)].map((m) => m[1]);
    expect(nhsNumbers.length).toBeGreaterThan(5);
    for (const n of nhsNumbers) expect(n?.replace(/ /g, '')).toMatch(/^999/);
  });
});
