import { describe, expect, it } from 'vitest';
import { isE164, toE164 } from './phone.ts';

describe('toE164', () => {
  it.each([
    ['07700 900123', '+447700900123'],
    ['0161 496 0123', '+441614960123'],
    ['01632 960123', '+441632960123'],
    ['+44 7700 900123', '+447700900123'],
    ['+44 (0)161 496 0123', '+441614960123'],
    ['0044 161 496 0123', '+441614960123'],
    ['(0161) 496-0123', '+441614960123'],
    ['+353 1 234 5678', '+35312345678'],
  ])('%s → %s', (input, e164) => expect(toE164(input)).toBe(e164));

  it.each([
    '07700 90012', // mobile with 9 digits after the 0
    '0161 496 01234 5', // too long
    '0161 49', // too short
    '161 496 0123', // no trunk prefix or country code
    '+0 123 456 789',
    'not a number',
    '07700 900abc',
    '',
    '+1234567',
  ])('rejects %j', (input) => expect(toE164(input)).toBeNull());

  it('recognises E.164', () => {
    expect(isE164('+447700900123')).toBe(true);
    expect(isE164('07700900123')).toBe(false);
  });
});
