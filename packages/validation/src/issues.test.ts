import { describe, expect, it } from 'vitest';
import { createAjv } from './ajv.ts';
import { MAX_ISSUES, issuesFromAjv } from './issues.ts';

function validate(schema: object, data: unknown) {
  const ajv = createAjv();
  const check = ajv.compile(schema);
  check(data);
  return issuesFromAjv(check.errors, { basePointer: '/data' });
}

const closed = (properties: object, required: string[] = []) => ({ type: 'object', additionalProperties: false, required, properties });

describe('issuesFromAjv', () => {
  it('names a missing property where it should be and an unknown one by its name', () => {
    const issues = validate(closed({ a: { type: 'string', maxLength: 5 } }, ['a']), { b: 'SECRET-VALUE-1' });
    expect(issues).toEqual([
      { pointer: '/data/a', code: 'schema.required', message: 'A required property is missing.' },
      { pointer: '/data/b', code: 'schema.additional-property', message: 'This property is not allowed here.' },
    ]);
  });

  it('escapes ~ and / in pointers (RFC 6901)', () => {
    const issues = validate(closed({ 'a/b': closed({}) }), { 'a/b': { 'c~d': 1 } });
    expect(issues).toEqual([expect.objectContaining({ pointer: '/data/a~1b/c~0d', code: 'schema.additional-property' })]);
  });

  it('does not echo property names that are not identifier-like', () => {
    const issues = validate(closed({}), { 'Jane Smith 9434765919': 1, ['k'.repeat(500)]: 2 });
    // Both point at the enclosing object with the same code, so they collapse into one issue.
    expect(issues.map((i) => `${i.pointer} ${i.code}`)).toEqual(['/data schema.additional-property']);
  });

  it('never includes the submitted value, even with verbose Ajv errors', () => {
    const secret = 'SECRET-9434765918-M1 1AEE';
    const issues = validate(
      closed({
        nhs: { type: 'string', format: 'nhs-number', maxLength: 12 },
        postcode: { type: 'string', format: 'uk-postcode', maxLength: 40 },
        name: { type: 'string', maxLength: 3 },
        code: { type: 'string', enum: ['a'] },
        pattern: { type: 'string', maxLength: 50, pattern: '^[0-9]+$' },
      }),
      { nhs: secret, postcode: secret, name: secret, code: secret, pattern: secret },
    );
    expect(issues.length).toBeGreaterThanOrEqual(5);
    expect(JSON.stringify(issues)).not.toContain('SECRET');
  });

  it('refines format failures into domain codes', () => {
    const schema = closed({
      nhs: { type: 'array', maxItems: 5, items: { type: 'string', format: 'nhs-number', maxLength: 12 } },
      postcode: { type: 'array', maxItems: 5, items: { type: 'string', format: 'uk-postcode', maxLength: 20 } },
      phone: { type: 'string', format: 'uk-phone', maxLength: 32 },
      email: { type: 'string', format: 'email', maxLength: 254 },
      language: { type: 'string', format: 'iso639', maxLength: 8 },
      country: { type: 'string', format: 'iso3166', maxLength: 8 },
      date: { type: 'string', format: 'date', maxLength: 20 },
      uri: { type: 'string', format: 'uri', maxLength: 20 },
    });
    const issues = validate(schema, {
      nhs: ['9434765918', '9991234560', '0000000000', '12345'],
      postcode: ['AB12', 'M1 1AEE', 'DROP TABLE; M1 1AE'],
      phone: '12345',
      email: 'nope',
      language: 'english',
      country: 'UK',
      date: '2026-02-30',
      uri: 'not a uri',
    });
    expect(issues.map((i) => `${i.pointer} ${i.code}`)).toEqual([
      '/data/nhs/0 nhs-number.check-digit',
      '/data/nhs/1 nhs-number.check-digit',
      '/data/nhs/2 nhs-number.range',
      '/data/nhs/3 nhs-number.format',
      '/data/postcode/0 postcode.outward-only',
      '/data/postcode/1 postcode.format',
      '/data/postcode/2 postcode.format',
      '/data/phone phone.format',
      '/data/email email.format',
      '/data/language language.format',
      '/data/country country.format',
      '/data/date date.format',
      '/data/uri schema.format',
    ]);
  });

  it('drops if/then summaries and contains-item noise, and de-duplicates', () => {
    const schema = {
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { type: 'string', enum: ['given', 'other'] },
        at: { type: 'string', maxLength: 5 },
        list: { type: 'array', maxItems: 5, items: { type: 'string', maxLength: 5 }, contains: { const: 'must' } },
      },
      if: { properties: { status: { const: 'given' } } },
      then: { properties: { at: true }, required: ['at'] },
    };
    expect(validate(schema, { status: 'given', list: ['x', 'y'] }).map((i) => `${i.pointer} ${i.code}`).sort()).toEqual([
      '/data/at schema.required',
      '/data/list schema.contains',
    ]);
  });

  it(`caps the list at ${MAX_ISSUES} and says so`, () => {
    const schema = closed({ list: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 1 } } });
    const issues = validate(schema, { list: new Array(500).fill('toolong') });
    expect(issues).toHaveLength(MAX_ISSUES + 1);
    expect(issues.at(-1)).toEqual(expect.objectContaining({ pointer: '/data', code: 'validation.too-many-issues' }));
  });

  it('handles null and undefined', () => {
    expect(issuesFromAjv(null)).toEqual([]);
    expect(issuesFromAjv(undefined)).toEqual([]);
  });
});
