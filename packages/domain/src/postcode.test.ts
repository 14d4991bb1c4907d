import { describe, expect, it } from 'vitest';
import { isPseudoPostcode, normalisePostcode, postcodeOutwardCode, postcodeProblem } from './postcode.ts';

describe('normalisePostcode', () => {
  it('trims, upper-cases, collapses spaces and puts one space before the inward code', () => {
    expect(normalisePostcode('  m1  1ae ')).toBe('M1 1AE');
    expect(normalisePostcode('m145rx')).toBe('M14 5RX');
    expect(normalisePostcode('M 1 4 5 R X')).toBe('M14 5RX');
    expect(normalisePostcode('zz993vz')).toBe('ZZ99 3VZ');
  });
});

describe('postcodeProblem (DOMAIN.md §2)', () => {
  it.each(['M1 1AE', 'M14 5RX', 'M13 9PL', 'm20 2lr', 'SW1A 1AA', 'EC1A 1BB', 'W1A 0AX', 'B33 8TH', 'CR2 6XH', 'DN55 1PT', 'GIR 0AA'])(
    'accepts %s',
    (p) => expect(postcodeProblem(p)).toBeNull(),
  );

  it('rejects an outward code on its own', () => {
    expect(postcodeProblem('AB12')).toBe('outward-only');
    expect(postcodeProblem('M1')).toBe('outward-only');
    expect(postcodeProblem('m14')).toBe('outward-only');
  });

  it.each(['M1 1AEE', 'DROP TABLE; M1 1AE', 'M1 1AE; DROP TABLE', 'QQ1 1AA', 'M1 1CI', 'BFPO 1234', '', '   ', 'M1 1AE\nX', '12345'])(
    'rejects %j as a format problem (whole-string match)',
    (p) => expect(postcodeProblem(p)).toBe('format'),
  );

  it('accepts ZZ99 pseudo-postcodes as well-formed but flags them separately', () => {
    expect(postcodeProblem('ZZ99 3VZ')).toBeNull();
    expect(isPseudoPostcode('ZZ99 3VZ')).toBe(true);
    expect(isPseudoPostcode('zz99 3wz')).toBe(true);
    expect(isPseudoPostcode('M1 1AE')).toBe(false);
  });

  it('gives the outward code of a valid postcode', () => {
    expect(postcodeOutwardCode('m14 5rx')).toBe('M14');
    expect(postcodeOutwardCode('AB12')).toBeNull();
  });
});
