import { describe, expect, it } from 'vitest';
import { createAjv } from './ajv.ts';

describe('createAjv', () => {
  it('is strict: unknown keywords are refused', () => {
    expect(() => createAjv().compile({ type: 'string', maxLength: 3, 'x-unknown': true })).toThrow(/strict mode/);
  });

  it('knows the x-* annotation keywords and checks their values', () => {
    const ajv = createAjv();
    expect(() =>
      ajv.compile({
        type: 'object',
        additionalProperties: false,
        'x-message-type': 'family.self-referral.submitted',
        properties: {
          a: { type: 'string', maxLength: 3, 'x-pii': true, 'x-special-category': 'health', 'x-offence-data': true, 'x-not-future': true },
          b: { type: 'object', additionalProperties: false, 'x-shape': 'person', 'x-age-rule': 'under-five', 'x-open': 'why' },
        },
      }),
    ).not.toThrow();
    expect(() => ajv.compile({ type: 'string', maxLength: 3, 'x-special-category': 'favourite-colour' })).toThrow();
  });

  it('registers the UK formats', () => {
    const ajv = createAjv();
    const check = (format: string, value: string) => ajv.validate({ type: 'string', format, maxLength: 40 }, value);
    expect(check('nhs-number', '9434765919')).toBe(true);
    expect(check('nhs-number', '9990000050')).toBe(true); // the test range is a context rule, not a format
    expect(check('nhs-number', '9434765918')).toBe(false);
    expect(check('uk-postcode', 'M1 1AE')).toBe(true);
    expect(check('uk-postcode', 'ZZ99 3VZ')).toBe(true); // allowed only with no fixed abode, by a domain rule
    expect(check('uk-postcode', 'DROP TABLE; M1 1AE')).toBe(false);
    expect(check('uk-phone', '0161 496 0123')).toBe(true);
    expect(check('uk-phone', '0161 496')).toBe(false);
    expect(check('e164', '+441614960123')).toBe(true);
    expect(check('e164', '01614960123')).toBe(false);
    expect(check('iso639', 'pl')).toBe(true);
    expect(check('iso639', 'PL')).toBe(false);
    expect(check('iso3166', 'PL')).toBe(true);
    expect(check('iso3166', 'UK')).toBe(false);
    expect(check('date', '2024-02-29')).toBe(true);
    expect(check('date-time', '2026-11-27T10:00:00')).toBe(false);
  });
});
