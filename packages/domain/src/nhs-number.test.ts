import { describe, expect, it } from 'vitest';
import { isValidNhsNumber, nhsNumberCheckDigit, nhsNumberProblem, normaliseNhsNumber } from './nhs-number.ts';

const live = { allowTestRange: false };
const test = { allowTestRange: true };

describe('NHS number (DOMAIN.md §1 worked examples)', () => {
  it.each(['9434765919', '4010232137'])('accepts %s', (n) => {
    expect(nhsNumberProblem(n, live)).toBeNull();
    expect(isValidNhsNumber(n)).toBe(true);
  });

  it('accepts 9990000050 (11 → 0) only when the test range is allowed', () => {
    expect(nhsNumberCheckDigit('999000005')).toBe(0);
    expect(nhsNumberProblem('9990000050', test)).toBeNull();
    expect(nhsNumberProblem('9990000050', live)).toBe('test-range');
  });

  it('rejects 9434765918: last digit is 8, not 9', () => {
    expect(nhsNumberProblem('9434765918', test)).toBe('check-digit');
  });

  it('rejects 9991234560: the check digit would be 10', () => {
    expect(nhsNumberCheckDigit('999123456')).toBeNull();
    expect(nhsNumberProblem('9991234560', test)).toBe('check-digit');
    expect(nhsNumberProblem('9991234560', live)).toBe('check-digit');
  });

  it('rejects 0000000000 by the range rule although the checksum passes', () => {
    expect(nhsNumberCheckDigit('000000000')).toBe(0);
    expect(nhsNumberProblem('0000000000', test)).toBe('range');
  });

  it('allows spaces only in the 3 3 4 grouping and strips them', () => {
    expect(nhsNumberProblem('943 476 5919', live)).toBeNull();
    expect(normaliseNhsNumber('943 476 5919')).toBe('9434765919');
    expect(nhsNumberProblem('94 34765919', live)).toBe('format');
    expect(nhsNumberProblem('943476591', live)).toBe('format');
    expect(nhsNumberProblem('94347659190', live)).toBe('format');
    expect(nhsNumberProblem('943476591X', live)).toBe('format');
    expect(nhsNumberProblem('', live)).toBe('format');
  });
});
