// Checks a subject access search before it reaches the store (console form and CLI alike). Errors
// name the field and never quote what was typed.
import { nhsNumberProblem, parseCalendarDate } from '@hub/domain';
import { normaliseNamePart } from '@hub/store';

export const NAME_MAX = 100;

export type SubjectSearch = { method: 'nhs-number'; nhsNumber: string } | { method: 'name-dob'; givenName: string; familyName: string; dateOfBirth: string };

const NHS_PROBLEMS: Record<string, string> = {
  format: 'NHS number: enter the 10 digits (spaces allowed as 3 3 4)',
  'check-digit': 'NHS number: the check digit does not match; check the number',
  range: 'NHS number: this number is never issued',
  'test-range': 'NHS number: numbers in the 999 test range are not accepted by this hub',
};

/**
 * `raw.method` picks the search: `nhs-number` (NHS number checked with Modulus 11; the 999 test
 * range only when `allowTestRange`), or `name-dob` (given and family names with a letter or
 * digit, a real date of birth not after `today`).
 */
export function checkSubjectSearch(raw: Record<string, unknown>, opts: { allowTestRange: boolean; today: string }): { search?: SubjectSearch; errors: string[] } {
  const text = (name: string): string => (typeof raw[name] === 'string' ? (raw[name] as string).trim() : '');
  if (raw.method === 'nhs-number') {
    const nhsNumber = text('nhsNumber');
    if (!nhsNumber) return { errors: ['NHS number: enter the NHS number'] };
    const problem = nhsNumberProblem(nhsNumber, { allowTestRange: opts.allowTestRange });
    if (problem) return { errors: [NHS_PROBLEMS[problem] ?? 'NHS number: enter a valid NHS number'] };
    return { search: { method: 'nhs-number', nhsNumber: nhsNumber.replace(/ /g, '') }, errors: [] };
  }
  if (raw.method === 'name-dob') {
    const errors: string[] = [];
    const givenName = text('givenName');
    const familyName = text('familyName');
    const dateOfBirth = text('dateOfBirth');
    for (const [value, label] of [
      [givenName, 'Given name'],
      [familyName, 'Family name'],
    ] as const) {
      if (!value) errors.push(`${label}: enter the name`);
      else if (value.length > NAME_MAX || normaliseNamePart(value).length === 0) errors.push(`${label}: enter a name of at most ${NAME_MAX} characters with at least one letter`);
    }
    if (!dateOfBirth) errors.push('Date of birth: enter the date of birth');
    else if (parseCalendarDate(dateOfBirth) === null) errors.push('Date of birth: enter a real date as YYYY-MM-DD');
    else if (dateOfBirth > opts.today) errors.push('Date of birth: the date cannot be in the future');
    return errors.length > 0 ? { errors } : { search: { method: 'name-dob', givenName, familyName, dateOfBirth }, errors };
  }
  return { errors: ['Search: choose how to search (NHS number, or name and date of birth)'] };
}
