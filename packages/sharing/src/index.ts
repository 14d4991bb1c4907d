// @hub/sharing: the written sharing rules, data-sharing agreements, minimisation and the school
// calendar. Pure functions; the only I/O is loadSharingConfig (and the outbound schemas it
// compiles once at start-up).

export { loadSharingConfig } from './load.ts';
export type { SharingConfig, LoadSharingOptions } from './load.ts';

export { planSharing, ruleCovers, familyDistrict, postcodeDistrictOf, DECISION_REASONS, HOLD_REASONS } from './plan.ts';
export type { SharingPlan, SharingDecision, SharingContext, SharingPriority, HoldReason, HoldReasonCode, DecisionReasonCode } from './plan.ts';

export { minimise, checkPayloadAgainstAllowList, projectAllowed, envelopeOf, MinimisationError, ENVELOPE_KEYS } from './minimise.ts';
export type { OutboundPayload, OutboundPerson, MinimiseMeta, MinimiseResult, MinimisationFailure } from './minimise.ts';

export { compileAgreement, agreementIndex, lawfulBasisOf, reliesOnConsent } from './agreements.ts';
export type { Agreement, AgreementEntry, AgreementIndex, OutboundLawfulBasis } from './agreements.ts';

export { OUTBOUND_SCHEMA_DIR, outboundSchemaId, outboundSchemaFile, outboundValidator } from './outbound-schemas.ts';

export { nextSchoolDayDeadline, isSchoolDay, schoolCalendarFrom, zonedTimeToInstant } from './school-calendar.ts';
export type { SchoolCalendar } from './school-calendar.ts';

export { parseFieldPath, pathCovers } from './field-path.ts';
export type { FieldPath, PathStep, ConcreteStep } from './field-path.ts';
export { CANONICAL_FIELDS, CANONICAL_CONTAINERS, NEVER_SHARED_FIELDS, OFFENCE_ROLES, leavesUnder } from './field-catalogue.ts';
export type { FieldClass, SpecialCategory } from './field-catalogue.ts';
export { FULL_SAMPLE_REFERRAL } from './sample-referral.ts';

export type { SharingPartner, PartnerLookup } from './partners.ts';
export type { SharingRule, SharingRulesFile, RuleRecipient, RuleCovers } from './generated/sharing-rules.ts';
export type { AgreementsFile } from './generated/agreements.ts';
export type { SchoolCalendarFile } from './generated/school-calendar.ts';

export {
  CORRECTABLE_PERSON_FIELDS,
  RECTIFICATION_REASON_CATEGORIES,
  RECTIFIED_MESSAGE_TYPE,
  RECTIFIED_SCHEMA_TYPE,
  RectifiedPayloadError,
  applyCorrection,
  correctableField,
  correctedValue,
  deliveredPointer,
  rectifiedPayload,
} from './rectified.ts';
export type { CorrectableField, CorrectedValue, RectificationReasonCategory, RectifiedPayload } from './rectified.ts';
