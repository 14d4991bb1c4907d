/**
 * A message that cannot become a canonical referral (a feedback type, an unknown type, data of the
 * wrong shape). Permanent: retrying the same message cannot succeed. Messages name types and
 * fields, never submitted values.
 */
export class ReferralNormaliseError extends Error {
  override readonly name = 'ReferralNormaliseError';
}
