// @hub/domain: code lists and pure rule functions. No I/O, no imports of our packages.

export {
  ETHNICITY_SYSTEMS,
  CENSUS_2021_ETHNICITY,
  NHS_ETHNIC_CATEGORY,
  NHS_ETHNIC_CATEGORY_SYSTEM_URL,
  DFE_ETHNICITY,
  CENSUS_2021_TO_NHS_ETHNIC_CATEGORY,
  CENSUS_2021_TO_DFE_ETHNICITY,
  isEthnicitySystem,
  isEthnicityCodeInSystem,
} from './code-lists/ethnicity.ts';
export type {
  EthnicitySystem,
  CodedConcept,
  Census2021EthnicityCode,
  NhsEthnicCategoryCode,
  DfeEthnicityCode,
} from './code-lists/ethnicity.ts';
export {
  SEX_SYSTEMS,
  DFE_SEX,
  NHS_STATED_GENDER,
  FHIR_ADMINISTRATIVE_GENDER,
  isSexSystem,
  isSexCodeInSystem,
} from './code-lists/sex.ts';
export type { SexSystem, DfeSexCode, NhsStatedGenderCode, FhirAdministrativeGender } from './code-lists/sex.ts';
export { ISO_639_1_CODES, isIso639_1 } from './code-lists/languages.ts';
export type { Iso639_1Code } from './code-lists/languages.ts';
export { ISO_3166_1_ALPHA2_CODES, isIso3166Alpha2 } from './code-lists/countries.ts';
export type { Iso3166Alpha2Code } from './code-lists/countries.ts';
export {
  SUPPORTING_FAMILIES_OUTCOMES,
  NEED_CODES,
  MIN_NEEDS_FOR_RESULTS_CLAIM,
  headlineOutcomeOf,
} from './code-lists/needs.ts';
export type { NeedCode } from './code-lists/needs.ts';
export {
  PERSON_ROLES,
  CHILD_ROLES,
  PARENT_ROLES,
  CHILD_AGE_LIMIT_YEARS,
  EXTENDED_CHILD_AGE_LIMIT_YEARS,
  CONSENT_STATUSES,
  isChildRole,
  isParentRole,
} from './code-lists/people.ts';
export type { PersonRole, ConsentStatus } from './code-lists/people.ts';
export {
  ART6_BASES,
  ART9_CONDITIONS,
  ART10_BASES,
  SCHEDULE_1_PARAGRAPHS,
  CONSENT_DEPENDENT_BASES,
} from './code-lists/lawful-basis.ts';
export type { Art6Basis, Art9Condition, Art10Basis, Schedule1Paragraph } from './code-lists/lawful-basis.ts';

export {
  normaliseNhsNumber,
  nhsNumberCheckDigit,
  nhsNumberProblem,
  isValidNhsNumber,
  isTestRangeNhsNumber,
} from './nhs-number.ts';
export type { NhsNumberProblem, NhsNumberOptions } from './nhs-number.ts';
export {
  normalisePostcode,
  postcodeProblem,
  isPseudoPostcode,
  isValidPostcode,
  postcodeOutwardCode,
  UK_POSTCODE_PATTERN,
  PSEUDO_POSTCODE_PATTERN,
} from './postcode.ts';
export type { PostcodeProblem } from './postcode.ts';
export { toE164, isValidPhoneNumber, isE164 } from './phone.ts';
export {
  parseCalendarDate,
  toCalendarDate,
  ageInYears,
  isFutureCalendarDate,
  isFutureDateTime,
  isInFuture,
  FUTURE_TOLERANCE_MS,
} from './dates.ts';
export type { CalendarDate } from './dates.ts';
export {
  HIDDEN,
  maskAddressLine,
  maskCode,
  maskDate,
  maskDateOfBirth,
  maskedReferralView,
  maskEmail,
  maskIdentifier,
  maskName,
  maskNhsNumber,
  maskPhone,
  maskPostcode,
  maskText,
} from './mask.ts';
export type { DetailSection, MaskedAddress, MaskedContact, MaskedDetail, MaskedPerson, MaskedReferralView, MaskedStaffContact } from './mask.ts';
export { subjectAccessDueDate, extendDueDate, isOverdue, nextWorkingDay } from './sar-due-date.ts';
export { planAcknowledgement, shortReference } from './family/acknowledgement.ts';
export type { AcknowledgementPlan, AcknowledgementRecipient } from './family/acknowledgement.ts';
export { planFamilyMessage } from './family/messages.ts';
export type { FamilyMessageChecks, FamilyMessagePlan, FamilyMessageSuppression } from './family/messages.ts';

export type * from './generated/inbound-messages.ts';

export {
  normaliseReferral,
  isFeedbackType,
  isReferralSourceType,
  FEEDBACK_TYPES,
  FAMILY_FEEDBACK_TYPE,
  REFERRAL_SOURCE_TYPES,
  ReferralNormaliseError,
} from './canonical/normalise-referral.ts';
export type { NormaliseReferralInput, FeedbackType, FamilyFeedbackType, ReferralSourceType } from './canonical/normalise-referral.ts';
export { CANONICAL_SCHEMA_ID, SPECIAL_CATEGORY_PATHS, OFFENCE_DATA_PATHS } from './canonical/sensitive-paths.ts';
export type {
  CanonicalReferral,
  CanonicalPerson,
  CanonicalAddress,
  CanonicalContact,
  CanonicalStaffContact,
  CodedValue,
  // Aliased: the generated inbound types (exported above) already use the names Need, Urgency
  // ('routine' | 'urgent' only) and PersonRole.
  Need as CanonicalNeed,
  Urgency as CanonicalUrgency,
  PersonRole as CanonicalPersonRole,
} from './canonical/referral.ts';
