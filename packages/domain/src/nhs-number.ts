// NHS number checks (Modulus 11). See DOMAIN.md §1.

/** Why an NHS number is not acceptable; `null` from `nhsNumberProblem` means it is. */
export type NhsNumberProblem = 'format' | 'check-digit' | 'range' | 'test-range';

export interface NhsNumberOptions {
  /** Accept the 999 000 0000–999 999 9999 range reserved for test data. */
  allowTestRange: boolean;
}

const SHAPE = /^[0-9]{3} ?[0-9]{3} ?[0-9]{4}$/;
const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** Removes the spaces allowed on input (`943 476 5919` → `9434765919`). */
export function normaliseNhsNumber(input: string): string {
  return input.replace(/ /g, '');
}

/** The Modulus 11 check digit for the first nine digits, or `null` when the result is 10. */
export function nhsNumberCheckDigit(firstNine: string): number | null {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (WEIGHTS[i] ?? 0);
  const result = 11 - (sum % 11);
  if (result === 11) return 0;
  if (result === 10) return null;
  return result;
}

/** True when the number is in the range reserved for test data (never issued). */
export function isTestRangeNhsNumber(input: string): boolean {
  return normaliseNhsNumber(input).startsWith('999');
}

/**
 * What is wrong with an NHS number, checked in this order: shape (10 digits, spaces
 * allowed only as `3 3 4`), check digit, the all-zero number, the test range.
 */
export function nhsNumberProblem(input: string, options: NhsNumberOptions): NhsNumberProblem | null {
  if (!SHAPE.test(input)) return 'format';
  const digits = normaliseNhsNumber(input);
  const check = nhsNumberCheckDigit(digits.slice(0, 9));
  if (check === null || check !== Number(digits[9])) return 'check-digit';
  if (digits === '0000000000') return 'range';
  if (!options.allowTestRange && isTestRangeNhsNumber(digits)) return 'test-range';
  return null;
}

export function isValidNhsNumber(input: string, options: NhsNumberOptions = { allowTestRange: false }): boolean {
  return nhsNumberProblem(input, options) === null;
}
