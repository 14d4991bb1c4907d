// Phone numbers: accepted in common written forms, stored in E.164. See DOMAIN.md §2.

const SEPARATORS = /[\s\-().]/g;
const E164 = /^\+[1-9][0-9]{7,14}$/;

/**
 * Converts a UK national number (`0161 496 0123`, `07700 900123`), a +44/0044 number
 * (a `(0)` after the country code is tolerated) or any other international number to
 * E.164. Returns `null` when the input is not a plausible number.
 *
 * UK rules: 9 or 10 digits after the trunk 0; mobiles (07 except 070 and 076) exactly 10.
 */
export function toE164(input: string): string | null {
  if (input.length > 32) return null;
  let compact = input.trim().replace(/\+44\s*\(0\)/, '+44').replace(SEPARATORS, '');
  if (compact.startsWith('00')) compact = `+${compact.slice(2)}`;
  if (compact.startsWith('+44')) return ukNationalToE164(`0${compact.slice(3)}`);
  if (compact.startsWith('+')) return E164.test(compact) ? compact : null;
  if (compact.startsWith('0')) return ukNationalToE164(compact);
  return null;
}

function ukNationalToE164(national: string): string | null {
  if (!/^0[1-9][0-9]+$/.test(national)) return null;
  const significant = national.slice(1);
  if (significant.length < 9 || significant.length > 10) return null;
  const isMobile = significant.startsWith('7') && !significant.startsWith('70') && !significant.startsWith('76');
  if (isMobile && significant.length !== 10) return null;
  return `+44${significant}`;
}

export function isValidPhoneNumber(input: string): boolean {
  return toE164(input) !== null;
}

/** True for an already-normalised E.164 number. */
export function isE164(input: string): boolean {
  return E164.test(input);
}
