// UK postcode normalisation and format checks. See DOMAIN.md §2.
//
// Format is not existence: a postcode that passes may still not be in PAF/ONSPD.

export type PostcodeProblem = 'format' | 'outward-only';

const MAX_CHARS_WITHOUT_SPACES = 7;

// BS 7666 letter rules: position 1 never Q V X; position 2 never I J Z; the letter in
// A9A outward codes from ABCDEFGHJKPSTUW; the letter in AA9A from ABEHMNPRVWXY; the
// inward letters never C I K M O V.
const P1 = '[A-PR-UWYZ]';
const P2 = '[A-HK-Y]';
const P3 = '[A-HJKPSTUW]';
const P4 = '[ABEHMNPRVWXY]';
const OUTWARD = `(?:${P1}[0-9]{1,2}|${P1}${P2}[0-9]{1,2}|${P1}[0-9]${P3}|${P1}${P2}[0-9]${P4})`;
const INWARD = '[0-9][ABD-HJLNP-UW-Z]{2}';

/** Whole-string match of a normalised postcode (`OUT IN`); `GIR 0AA` is the one legacy exception. */
export const UK_POSTCODE_PATTERN = new RegExp(`^(?:${OUTWARD} ${INWARD}|GIR 0AA)$`);
const OUTWARD_ONLY_PATTERN = new RegExp(`^(?:${OUTWARD})$`);
/** NHS pseudo-postcodes such as `ZZ99 3VZ` (no fixed abode); they fail the strict pattern by design. */
export const PSEUDO_POSTCODE_PATTERN = /^(?:ZZ99 [0-9][A-Z]Z)$/;

/**
 * Trims, upper-cases, removes inner spaces and puts one space before the inward code
 * (the last three characters): ` m1  1ae ` → `M1 1AE`. Strings too short to have an
 * inward code come back upper-cased without spaces.
 */
export function normalisePostcode(input: string): string {
  const compact = input.trim().toUpperCase().replace(/\s+/g, '');
  if (compact.length < 5) return compact;
  return `${compact.slice(0, -3)} ${compact.slice(-3)}`;
}

/** True for an NHS `ZZ99 nXZ` pseudo-postcode, after normalisation. */
export function isPseudoPostcode(input: string): boolean {
  return PSEUDO_POSTCODE_PATTERN.test(normalisePostcode(input));
}

/**
 * What is wrong with a postcode, or `null` when it is a well-formed full postcode.
 * Pseudo-postcodes return `null` here; callers decide (with `isPseudoPostcode`) whether
 * the person's circumstances allow one.
 */
export function postcodeProblem(input: string): PostcodeProblem | null {
  const compact = input.trim().toUpperCase().replace(/\s+/g, '');
  if (compact.length === 0 || compact.length > MAX_CHARS_WITHOUT_SPACES) return 'format';
  if (OUTWARD_ONLY_PATTERN.test(compact)) return 'outward-only';
  const normalised = normalisePostcode(input);
  if (UK_POSTCODE_PATTERN.test(normalised) || PSEUDO_POSTCODE_PATTERN.test(normalised)) return null;
  return 'format';
}

export function isValidPostcode(input: string): boolean {
  return postcodeProblem(input) === null;
}

/** The outward code (`M14` of `M14 5RX`) of a valid postcode, for routing by district. */
export function postcodeOutwardCode(input: string): string | null {
  if (postcodeProblem(input) !== null) return null;
  return normalisePostcode(input).split(' ')[0] ?? null;
}
