/* eslint-disable */
// GENERATED FILE - DO NOT EDIT.
// Generated from schemas/inbound/*.json by packages/validation/scripts/generate-types.ts.
// Run `pnpm gen:types` after changing a schema; `pnpm check:types` fails when this file is stale.

/**
 * The sender's id tying related messages together (not personal data).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "CorrelationId".
 */
export type CorrelationId = string;
/**
 * An ISO 8601 date-time with offset that must not be in the future (5 minutes' clock skew tolerated).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "PastIsoDateTime".
 */
export type PastIsoDateTime = string;
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "PersonRoleCode".
 */
export type PersonRoleCode =
  | 'child'
  | 'young-person'
  | 'parent'
  | 'step-parent'
  | 'carer'
  | 'guardian'
  | 'adult'
  | 'victim'
  | 'alleged-perpetrator'
  | 'other';
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "PersonName".
 */
export type PersonName = string;
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "DateOfBirth".
 */
export type DateOfBirth = string;
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "ShortText".
 */
export type ShortText = string;
/**
 * 10 digits, spaces allowed only as 3 3 4; Modulus 11 checked.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "NhsNumber".
 */
export type NhsNumber = string;
/**
 * DfE Unique Pupil Number: a check letter, 11 digits, then a digit or letter (temporary UPN).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "UniquePupilNumber".
 */
export type UniquePupilNumber = string;
/**
 * National Insurance number without spaces, per HMRC's allocation rules.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "NationalInsuranceNumber".
 */
export type NationalInsuranceNumber = string;
/**
 * 2021 Census religion categories.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Religion".
 */
export type Religion =
  'no-religion' | 'christian' | 'buddhist' | 'hindu' | 'jewish' | 'muslim' | 'sikh' | 'other-religion' | 'not-stated';
/**
 * 2021 Census sexual orientation categories (asked of people aged 16 or over).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "SexualOrientation".
 */
export type SexualOrientation =
  'straight-or-heterosexual' | 'gay-or-lesbian' | 'bisexual' | 'other-sexual-orientation' | 'not-stated';
/**
 * ISO 639-1 two-letter code, lower case.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "LanguageCode".
 */
export type LanguageCode = string;
/**
 * ISO 3166-1 alpha-2 code, upper case (GB for the United Kingdom).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "CountryCode".
 */
export type CountryCode = string;
/**
 * A UK number (0 trunk prefix or +44) or any E.164 number; stored as E.164.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "PhoneNumber".
 */
export type PhoneNumber = string;
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "EmailAddress".
 */
export type EmailAddress = string;
/**
 * UK postcode; normalised before matching. ZZ99 pseudo-postcodes only with no fixed abode.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Postcode".
 */
export type Postcode = string;
/**
 * Get Information about Schools Unique Reference Number.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "SchoolUrn".
 */
export type SchoolUrn = string;
/**
 * @minItems 1
 * @maxItems 11
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Needs".
 */
export type Needs = [Need, ...Need[]];
/**
 * A Supporting Families headline outcome, or employment (a sub-need of financial-stability).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Need".
 */
export type Need =
  | 'education'
  | 'early-years'
  | 'health'
  | 'substance-use'
  | 'family-relationships'
  | 'child-safety'
  | 'crime'
  | 'domestic-abuse'
  | 'housing'
  | 'financial-stability'
  | 'employment';
/**
 * A calendar date that must not be after today.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "PastIsoDate".
 */
export type PastIsoDate = string;
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "FreeText".
 */
export type FreeText = string;
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "FeedbackRating".
 */
export type FeedbackRating = number;
/**
 * NHS Organisation Data Service code.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "OdsCode".
 */
export type OdsCode = string;
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Urgency".
 */
export type Urgency = 'routine' | 'urgent';
/**
 * A partner's own reference for a case, record, tenancy or incident.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "PartnerReference".
 */
export type PartnerReference = string;
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "IsoDate".
 */
export type IsoDate = string;
/**
 * A recipient has accepted a referral.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "ReferralAcceptedData".
 */
export type ReferralAcceptedData = FeedbackBase & {
  leadPractitioner?: StaffContact;
  plannedStartDate?: IsoDate;
};
/**
 * An id issued by the hub (referral id, delivery id).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "HubId".
 */
export type HubId = string;
/**
 * A recipient has received a referral the hub delivered (Working Together 2023: within one working day).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "ReferralAcknowledgedData".
 */
export type ReferralAcknowledgedData = FeedbackBase & {
  expectedDecisionBy?: IsoDate;
};
/**
 * A recipient has closed its work on a referral.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "ReferralClosedData".
 */
export type ReferralClosedData = FeedbackBase & {
  outcome:
    | 'needs-met'
    | 'needs-partly-met'
    | 'family-disengaged'
    | 'moved-away'
    | 'escalated-to-social-care'
    | 'stepped-down'
    | 'other';
  /**
   * @maxItems 11
   */
  needsMet?: Need[];
  note?: FreeText;
};
/**
 * A recipient has declined a referral.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "ReferralDeclinedData".
 */
export type ReferralDeclinedData = FeedbackBase & {
  reason:
    | 'not-eligible'
    | 'no-capacity'
    | 'duplicate'
    | 'insufficient-information'
    | 'consent-withdrawn'
    | 'referred-elsewhere'
    | 'other';
  note?: FreeText;
  signpostedTo?: ShortText;
};

/**
 * The `data` of each inbound message type, keyed by type.
 */
export interface InboundDataByType {
  'dwp.jobcentre.referred': DwpJobcentreReferredData;
  'education.early-help.requested': EducationEarlyHelpRequestedData;
  'family.feedback.submitted': FamilyFeedbackSubmittedData;
  'family.self-referral.submitted': FamilySelfReferralSubmittedData;
  'health.gp.referred': HealthGpReferredData;
  'health.health-visitor.concern-raised': HealthVisitorConcernRaisedData;
  'housing.tenancy-risk.notified': HousingTenancyRiskNotifiedData;
  'justice.youth-justice.notified': JusticeYouthJusticeNotifiedData;
  'police.domestic-abuse.notified': PoliceDomesticAbuseNotifiedData;
  'police.vulnerability.referred': PoliceVulnerabilityReferredData;
  'referral.accepted': ReferralAcceptedData;
  'referral.acknowledged': ReferralAcknowledgedData;
  'referral.closed': ReferralClosedData;
  'referral.declined': ReferralDeclinedData;
  'social-care.step-down.requested': SocialCareStepDownRequestedData;
  'vcs.referral.submitted': VcsReferralSubmittedData;
  'victim-support.referral.submitted': VictimSupportReferralSubmittedData;
}
/**
 * A Jobcentre work coach refers a parent or carer with an employment need.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "DwpJobcentreReferredData".
 */
export interface DwpJobcentreReferredData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  adult: Person;
  householdChildrenCount?: number;
  employmentNeed: {
    currentStatus?: 'unemployed' | 'economically-inactive' | 'employed-seeking-more-hours';
    /**
     * @minItems 1
     * @maxItems 11
     */
    barriers: [
      (
        | 'childcare'
        | 'health'
        | 'skills'
        | 'qualifications'
        | 'confidence'
        | 'transport'
        | 'housing'
        | 'caring-responsibilities'
        | 'language'
        | 'digital-skills'
        | 'other'
      ),
      ...(
        | 'childcare'
        | 'health'
        | 'skills'
        | 'qualifications'
        | 'confidence'
        | 'transport'
        | 'housing'
        | 'caring-responsibilities'
        | 'language'
        | 'digital-skills'
        | 'other'
      )[],
    ];
    goal?: ShortText;
  };
  needs: Needs & unknown[];
  jobcentreOffice?: ShortText;
  workCoach?: StaffContact;
}
/**
 * Art 6 basis; an Art 9 condition when any special-category field is present (with its DPA 2018 Schedule 1 paragraph for substantial public interest); an Art 10 basis when offence data is present.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "LawfulBasis".
 */
export interface LawfulBasis {
  art6: 'public-task' | 'legal-obligation' | 'vital-interests' | 'consent' | 'legitimate-interests' | 'contract';
  art9?: 'substantial-public-interest' | 'social-protection' | 'health-care' | 'vital-interests' | 'explicit-consent';
  /**
   * DPA 2018 Schedule 1 paragraph: Part 1 (1-4) or Part 2 substantial-public-interest conditions (6-28), e.g. 18 safeguarding.
   */
  sch1Paragraph?:
    | '1'
    | '2'
    | '3'
    | '4'
    | '6'
    | '7'
    | '8'
    | '9'
    | '10'
    | '11'
    | '12'
    | '13'
    | '14'
    | '15'
    | '16'
    | '17'
    | '18'
    | '19'
    | '20'
    | '21'
    | '22'
    | '23'
    | '24'
    | '25'
    | '26'
    | '27'
    | '28';
  /**
   * Art 10 basis for criminal-offence data: official authority or a DPA 2018 Schedule 1 condition.
   */
  art10?:
    | 'official-authority'
    | 'dpa2018-sch1-para1'
    | 'dpa2018-sch1-para6'
    | 'dpa2018-sch1-para10'
    | 'dpa2018-sch1-para11'
    | 'dpa2018-sch1-para18'
    | 'dpa2018-sch1-para19'
    | 'dpa2018-sch1-para29'
    | 'dpa2018-sch1-para30'
    | 'dpa2018-sch1-para33';
}
/**
 * Whether the family's consent was sought and given; capturedAt is required once it was sought.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Consent".
 */
export interface Consent {
  status: 'given' | 'refused' | 'not-sought';
  capturedAt?: PastIsoDateTime;
  /**
   * Why consent was not sought (Working Together 2023; DPA 2018 Sch 1 para 18(2)).
   */
  reasonNotSought?: 'child-at-risk' | 'would-prejudice-purpose' | 'cannot-reasonably-be-obtained' | 'emergency';
}
/**
 * Everyone named in a message has this shape, so the domain rules can check people generically.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Person".
 */
export interface Person {
  /**
   * An id for this person within the message, used to link people (e.g. the referrer).
   */
  localId?: string;
  role: PersonRoleCode;
  givenName: PersonName;
  familyName: PersonName;
  preferredName?: PersonName;
  dateOfBirth?: DateOfBirth;
  sex?: Sex;
  genderIdentity?: GenderIdentity;
  nhsNumber?: NhsNumber;
  upn?: UniquePupilNumber;
  niNumber?: NationalInsuranceNumber;
  ethnicity?: Ethnicity;
  religion?: Religion;
  sexualOrientation?: SexualOrientation;
  language?: LanguageCode;
  interpreterRequired?: boolean;
  nationality?: CountryCode;
  countryOfBirth?: CountryCode;
  contact?: ContactDetails;
  address?: Address;
  noFixedAbode?: boolean;
  schoolUrn?: SchoolUrn;
  /**
   * Has special educational needs (SEN support or an EHC plan); extends the child age limit to 25.
   */
  sen?: boolean;
  /**
   * Is a care leaver; extends the child age limit to 25.
   */
  careLeaver?: boolean;
  lookedAfter?: boolean;
  youngCarer?: boolean;
  disability?: boolean;
  /**
   * @maxItems 20
   */
  healthConditions?: ShortText[];
}
/**
 * Sex as DfE (M, F, U) or NHS Person Stated Gender (1, 2, 9, X); gender identity is recorded separately.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Sex".
 */
export interface Sex {
  system: 'dfe-sex' | 'nhs-stated-gender';
  code: string;
}
/**
 * Voluntary, for people aged 16 or over, as in the 2021 Census.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "GenderIdentity".
 */
export interface GenderIdentity {
  sameAsSexRegisteredAtBirth?: boolean;
  description?: ShortText;
}
/**
 * An ethnicity code with the system it comes from; the code must belong to that system.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Ethnicity".
 */
export interface Ethnicity {
  system: 'census-2021' | 'nhs-ethnic-category' | 'dfe-ethnicity';
  code: string;
}
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "ContactDetails".
 */
export interface ContactDetails {
  phone?: PhoneNumber;
  mobile?: PhoneNumber;
  email?: EmailAddress;
  preferredMethod?: 'phone' | 'text' | 'email' | 'letter' | 'in-person';
  /**
   * False when contacting this person could put someone at risk (e.g. a perpetrator shares the phone).
   */
  safeToContact?: boolean;
  safeContactNote?: ShortText;
}
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Address".
 */
export interface Address {
  line1: ShortText;
  line2?: ShortText;
  line3?: ShortText;
  town?: ShortText;
  county?: ShortText;
  postcode: Postcode;
  /**
   * Unique Property Reference Number.
   */
  uprn?: string;
}
/**
 * A named professional (their details are personal data too).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "StaffContact".
 */
export interface StaffContact {
  name: PersonName;
  jobTitle?: ShortText;
  organisation?: ShortText;
  phone?: PhoneNumber;
  email?: EmailAddress;
}
/**
 * A school, nursery or college asks for Early Help for a child.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "EducationEarlyHelpRequestedData".
 */
export interface EducationEarlyHelpRequestedData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  school: {
    urn: SchoolUrn;
    name: ShortText;
    phase?:
      'nursery' | 'primary' | 'secondary' | 'all-through' | 'special' | 'alternative-provision' | 'further-education';
  };
  child: Person & {
    role?: 'child' | 'young-person';
    dateOfBirth: DateOfBirth;
  };
  attendance?: {
    percentage: number;
    periodStart: PastIsoDate;
    periodEnd: PastIsoDate;
    /**
     * Missed 10% or more of possible sessions.
     */
    persistentlyAbsent?: boolean;
  };
  /**
   * @maxItems 50
   */
  exclusions?: {
    category: 'suspension' | 'permanent-exclusion';
    startDate: PastIsoDate;
    sessions?: number;
    reason?: ShortText;
  }[];
  sen?: {
    provision: 'sen-support' | 'ehc-plan';
    /**
     * DfE SEN primary type of need.
     */
    primaryNeed?:
      'SPLD' | 'MLD' | 'SLD' | 'PMLD' | 'SEMH' | 'SLCN' | 'HI' | 'VI' | 'MSI' | 'PD' | 'ASD' | 'OTH' | 'NSA';
  };
  freeSchoolMeals?: boolean;
  designatedSafeguardingLead: StaffContact;
  /**
   * Parents, carers and siblings.
   *
   * @maxItems 20
   */
  people?: Person[];
  needs: Needs;
  reason: FreeText;
  voiceOfChild?: FreeText;
}
/**
 * A family's answer to a feedback invitation. Posted to POST /v1/feedback with the invitation's single-use bearer token, never by a partner's signed webhook. At least one rating is required unless the family only asks not to be asked again (noMoreRequests true).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "FamilyFeedbackSubmittedData".
 */
export interface FamilyFeedbackSubmittedData {
  ratings?: FeedbackRatings;
  /**
   * Anything else the family wants to say, in their own words (free text like common.json's freeText, but at most 2000 characters).
   */
  comment?: string;
  /**
   * "Do not ask me again": the hub sends this family no more messages (acknowledgements or feedback invitations).
   */
  noMoreRequests?: boolean;
}
/**
 * Question id → rating from 1 (poor) to 5 (very good). Every question is optional; at least one is answered.
 */
export interface FeedbackRatings {
  overall?: FeedbackRating;
  listened?: FeedbackRating;
  helpful?: FeedbackRating;
  'easy-to-reach'?: FeedbackRating;
}
/**
 * A family refers itself through the council's Early Help web form.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "FamilySelfReferralSubmittedData".
 */
export interface FamilySelfReferralSubmittedData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  /**
   * Everyone in the household, the person filling in the form included.
   *
   * @minItems 1
   * @maxItems 20
   */
  people: [Person, ...Person[]];
  household: Household;
  /**
   * localId of the person who filled in the form.
   */
  referrerLocalId?: string;
  contact?: ContactDetails;
  bestTimeToContact?: ShortText;
  needs: Needs;
  description?: FreeText;
  /**
   * The family said someone is at risk of harm now; triage escalates it.
   */
  safeguardingConcern?: boolean;
}
/**
 * Where the household lives. With noFixedAbode true the address may carry an NHS ZZ99 pseudo-postcode.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "Household".
 */
export interface Household {
  address: Address;
  noFixedAbode?: boolean;
  tenure?:
    | 'owner-occupier'
    | 'social-rent'
    | 'private-rent'
    | 'temporary-accommodation'
    | 'living-with-family-or-friends'
    | 'other';
  /**
   * Number of people in the household.
   */
  size?: number;
}
/**
 * A GP practice refers a patient: a FHIR R4 Bundle holding a UK Core Patient and a ServiceRequest.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "HealthGpReferredData".
 */
export interface HealthGpReferredData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  /**
   * ODS code of the referring GP practice.
   */
  practiceOdsCode: string;
  bundle: FhirReferralBundle;
}
/**
 * FHIR R4 Bundle restricted to one UK Core Patient and one ServiceRequest (plus the MessageHeader a message Bundle starts with).
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "FhirReferralBundle".
 */
export interface FhirReferralBundle {
  resourceType: 'Bundle';
  id?: string;
  type: 'collection' | 'transaction' | 'message';
  timestamp?: PastIsoDateTime;
  entry: unknown;
}
/**
 * A health visiting team raises a concern about a child aged under five and their family.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "HealthVisitorConcernRaisedData".
 */
export interface HealthVisitorConcernRaisedData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  team?: {
    name: ShortText;
    odsCode?: OdsCode;
  };
  child: Person & {
    role?: 'child';
    dateOfBirth: DateOfBirth;
    nhsNumber: NhsNumber;
  };
  /**
   * @maxItems 4
   */
  parents?: (Person & {
    role?: 'parent' | 'step-parent' | 'carer' | 'guardian';
  })[];
  concern: {
    /**
     * @minItems 1
     * @maxItems 12
     */
    categories: [
      (
        | 'child-development'
        | 'feeding-or-growth'
        | 'parental-mental-health'
        | 'perinatal-mental-health'
        | 'domestic-abuse'
        | 'substance-use'
        | 'home-conditions'
        | 'neglect'
        | 'parenting-support'
        | 'housing'
        | 'financial-hardship'
        | 'other'
      ),
      ...(
        | 'child-development'
        | 'feeding-or-growth'
        | 'parental-mental-health'
        | 'perinatal-mental-health'
        | 'domestic-abuse'
        | 'substance-use'
        | 'home-conditions'
        | 'neglect'
        | 'parenting-support'
        | 'housing'
        | 'financial-hardship'
        | 'other'
      )[],
    ];
    description: FreeText;
    urgency: Urgency;
  };
  needs?: Needs;
  healthVisitor?: StaffContact;
}
/**
 * A housing provider warns that a family's tenancy is at risk; ranked by eviction date.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "HousingTenancyRiskNotifiedData".
 */
export interface HousingTenancyRiskNotifiedData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  tenancyReference: PartnerReference;
  tenancyType?:
    | 'secure'
    | 'assured'
    | 'assured-shorthold'
    | 'introductory'
    | 'starter'
    | 'flexible'
    | 'licence'
    | 'temporary-accommodation'
    | 'other';
  /**
   * @minItems 1
   * @maxItems 4
   */
  tenants: [Person, ...Person[]];
  /**
   * @maxItems 20
   */
  householdMembers?: Person[];
  property: Address;
  householdSize?: number;
  arrears?: {
    amountPence: number;
    weeksInArrears?: number;
    asOf: PastIsoDate;
  };
  notice: {
    type:
      | 'section-8'
      | 'section-21'
      | 'notice-to-quit'
      | 'notice-of-seeking-possession'
      | 'possession-claim'
      | 'possession-order'
      | 'warrant-of-possession';
    servedOn: PastIsoDate;
    expiresOn?: IsoDate;
    hearingDate?: IsoDate;
    evictionDate?: IsoDate;
  };
  /**
   * @maxItems 6
   */
  riskReasons?: (
    'rent-arrears' | 'anti-social-behaviour' | 'property-condition' | 'end-of-fixed-term' | 'landlord-selling' | 'other'
  )[];
  needs?: Needs;
  officer?: StaffContact;
}
/**
 * The Youth Justice Service or Probation tells the hub about a young person on an order; carries an Art 10 basis.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "JusticeYouthJusticeNotifiedData".
 */
export interface JusticeYouthJusticeNotifiedData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  service: 'youth-justice' | 'probation';
  youngPerson: Person & {
    role?: 'young-person' | 'child' | 'adult';
    dateOfBirth: DateOfBirth;
  };
  order: {
    type:
      | 'referral-order'
      | 'youth-rehabilitation-order'
      | 'detention-and-training-order'
      | 'youth-caution'
      | 'youth-conditional-caution'
      | 'community-resolution'
      | 'bail-supervision'
      | 'licence'
      | 'post-sentence-supervision'
      | 'community-order'
      | 'other';
    startDate: PastIsoDate;
    endDate?: IsoDate;
    offenceCategory?:
      | 'violence-against-the-person'
      | 'robbery'
      | 'theft-and-handling'
      | 'burglary'
      | 'criminal-damage'
      | 'drugs'
      | 'public-order'
      | 'sexual-offences'
      | 'motoring'
      | 'breach'
      | 'other';
  };
  risk: {
    riskOfSeriousHarm: 'low' | 'medium' | 'high' | 'very-high';
    safetyAndWellbeing?: 'low' | 'medium' | 'high' | 'very-high';
    likelihoodOfReoffending?: 'low' | 'medium' | 'high';
  };
  /**
   * @maxItems 20
   */
  familyMembers?: Person[];
  summary?: FreeText;
  needs?: Needs;
  caseWorker?: StaffContact;
}
/**
 * Operation Encompass: GMP tells the child's school (via the hub) about a domestic abuse incident before the next school day.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "PoliceDomesticAbuseNotifiedData".
 */
export interface PoliceDomesticAbuseNotifiedData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  policeReference: PartnerReference;
  incident: {
    occurredAt: PastIsoDateTime;
    location?: ShortText;
    locationType?: 'family-home' | 'other-home' | 'public-place' | 'other';
    circumstances: FreeText;
    /**
     * DASH risk assessment grade.
     */
    dashRisk?: 'standard' | 'medium' | 'high';
    crimeRecorded?: boolean;
  };
  /**
   * @minItems 1
   * @maxItems 10
   */
  children: [OperationEncompassChild, ...OperationEncompassChild[]];
  /**
   * Adults involved (victim, alleged perpetrator, other parent or carer).
   *
   * @maxItems 10
   */
  adults?: Person[];
  safeguardingInformation?: FreeText;
  officer?: StaffContact;
}
export interface OperationEncompassChild {
  child: Person & {
    role?: 'child' | 'young-person';
    dateOfBirth: DateOfBirth;
  };
  /**
   * Notify even when the child was not present.
   */
  childPresent: boolean;
  whereaboutsDuringIncident?: ShortText;
  voiceOfChild?: FreeText;
  /**
   * The local authority is notified instead of a school.
   */
  electivelyHomeEducated?: boolean;
}
/**
 * GMP refers people it has found vulnerable; high risk or suspected significant harm goes to the MASH the same day.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "PoliceVulnerabilityReferredData".
 */
export interface PoliceVulnerabilityReferredData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  policeReference: PartnerReference;
  /**
   * @minItems 1
   * @maxItems 20
   */
  people: [Person, ...Person[]];
  /**
   * @minItems 1
   * @maxItems 15
   */
  concernTypes: [
    (
      | 'child-sexual-exploitation'
      | 'child-criminal-exploitation'
      | 'missing-from-home'
      | 'domestic-abuse'
      | 'neglect'
      | 'physical-abuse'
      | 'emotional-abuse'
      | 'sexual-abuse'
      | 'substance-use'
      | 'radicalisation'
      | 'online-harm'
      | 'honour-based-abuse'
      | 'modern-slavery'
      | 'anti-social-behaviour'
      | 'other'
    ),
    ...(
      | 'child-sexual-exploitation'
      | 'child-criminal-exploitation'
      | 'missing-from-home'
      | 'domestic-abuse'
      | 'neglect'
      | 'physical-abuse'
      | 'emotional-abuse'
      | 'sexual-abuse'
      | 'substance-use'
      | 'radicalisation'
      | 'online-harm'
      | 'honour-based-abuse'
      | 'modern-slavery'
      | 'anti-social-behaviour'
      | 'other'
    )[],
  ];
  /**
   * DASH / vulnerability risk grade.
   */
  riskLevel: 'standard' | 'medium' | 'high';
  significantHarmSuspected?: boolean;
  incidentAt?: PastIsoDateTime;
  circumstances: FreeText;
  needs?: Needs;
  officer?: StaffContact;
}
/**
 * Fields every referral.* feedback message carries. Composed with allOf; the type schema closes it with unevaluatedProperties.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "FeedbackBase".
 */
export interface FeedbackBase {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  referralId: HubId;
  deliveryId: HubId;
  occurredAt: PastIsoDateTime;
  recipientReference?: PartnerReference;
}
/**
 * Children's social care steps a family down to Early Help.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "SocialCareStepDownRequestedData".
 */
export interface SocialCareStepDownRequestedData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  caseReference: PartnerReference;
  decision: 'step-down-to-early-help' | 'step-down-to-universal-services';
  decidedAt: PastIsoDateTime;
  previousInvolvement?: 'assessment' | 'child-in-need' | 'child-protection' | 'looked-after';
  /**
   * @minItems 1
   * @maxItems 20
   */
  people: [Person, ...Person[]];
  household?: Household;
  reason: FreeText;
  /**
   * @maxItems 20
   */
  agenciesInvolved?: ShortText[];
  needs?: Needs;
  socialWorker?: StaffContact;
}
/**
 * A voluntary or community organisation refers someone it supports, with their consent.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "VcsReferralSubmittedData".
 */
export interface VcsReferralSubmittedData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  organisation: {
    name: ShortText;
    charityNumber?: string;
  };
  subject: Person;
  /**
   * @maxItems 20
   */
  otherPeople?: Person[];
  needs: Needs;
  description?: FreeText;
  worker?: StaffContact;
}
/**
 * Victim Support refers a victim of crime and their family.
 *
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "VictimSupportReferralSubmittedData".
 */
export interface VictimSupportReferralSubmittedData {
  correlationId: CorrelationId;
  lawfulBasis: LawfulBasis;
  consent: Consent;
  victim: Person;
  safeContact: {
    phone?: PhoneNumber;
    email?: EmailAddress;
    safeTimes?: ShortText;
    canLeaveMessage?: boolean;
  };
  crimeType:
    | 'domestic-abuse'
    | 'violence'
    | 'sexual-violence'
    | 'stalking-or-harassment'
    | 'hate-crime'
    | 'burglary'
    | 'robbery'
    | 'fraud'
    | 'criminal-damage'
    | 'exploitation'
    | 'other';
  crimeReference?: PartnerReference;
  reportedToPolice?: boolean;
  riskLevel?: 'standard' | 'medium' | 'high';
  /**
   * @maxItems 10
   */
  householdChildren?: (Person & {
    role?: 'child' | 'young-person';
  })[];
  summary?: FreeText;
  needs?: Needs;
  caseworker?: StaffContact;
}
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "FhirBundleEntry".
 */
export interface FhirBundleEntry {
  fullUrl?: string;
  /**
   * Dispatched on resourceType; each resource schema is closed.
   */
  resource: UkCorePatient | UkCoreServiceRequest | FhirMessageHeader;
  request?: {
    method: 'POST' | 'PUT';
    url: ShortText;
  };
}
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "UkCorePatient".
 */
export interface UkCorePatient {
  resourceType: 'Patient';
  id?: string;
  meta?: {
    /**
     * @maxItems 1
     */
    profile?: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient'[];
  };
  /**
   * @maxItems 1
   */
  extension?: EthnicCategoryExtension[];
  /**
   * @minItems 1
   * @maxItems 1
   */
  identifier: [NhsNumberIdentifier, ...NhsNumberIdentifier[]];
  /**
   * @minItems 1
   * @maxItems 3
   */
  name: [FhirHumanName, ...FhirHumanName[]];
  gender?: 'male' | 'female' | 'other' | 'unknown';
  birthDate: DateOfBirth;
  /**
   * @maxItems 3
   */
  address?: FhirAddress[];
  /**
   * @maxItems 5
   */
  telecom?: FhirContactPoint[];
  /**
   * @maxItems 1
   */
  generalPractitioner?: {
    identifier: {
      system: 'https://fhir.nhs.uk/Id/ods-organization-code';
      value: OdsCode;
    };
    display?: ShortText;
  }[];
}
export interface EthnicCategoryExtension {
  url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory';
  valueCodeableConcept: {
    /**
     * @minItems 1
     * @maxItems 1
     */
    coding: [EthnicCategoryCoding, ...EthnicCategoryCoding[]];
    text?: ShortText;
  };
}
export interface EthnicCategoryCoding {
  system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland';
  code: 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'J' | 'K' | 'L' | 'M' | 'N' | 'P' | 'R' | 'S' | 'Z' | '99';
  display?: ShortText;
}
export interface NhsNumberIdentifier {
  system: 'https://fhir.nhs.uk/Id/nhs-number';
  value: NhsNumber & string;
  /**
   * @maxItems 1
   */
  extension?: NhsNumberVerificationStatusExtension[];
}
export interface NhsNumberVerificationStatusExtension {
  url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
  valueCodeableConcept: {
    /**
     * @minItems 1
     * @maxItems 1
     */
    coding: [NhsNumberVerificationStatusCoding, ...NhsNumberVerificationStatusCoding[]];
    text?: ShortText;
  };
}
export interface NhsNumberVerificationStatusCoding {
  system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';
  code: '01' | '02' | '03' | '04' | '05' | '06' | '07' | '08';
  display?: ShortText;
}
export interface FhirHumanName {
  use?: 'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'old' | 'maiden';
  family: PersonName;
  /**
   * @minItems 1
   * @maxItems 5
   */
  given?: [PersonName, ...PersonName[]];
  /**
   * @maxItems 3
   */
  prefix?: ShortText[];
}
export interface FhirAddress {
  use?: 'home' | 'work' | 'temp' | 'old' | 'billing';
  type?: 'postal' | 'physical' | 'both';
  /**
   * @maxItems 4
   */
  line?: ShortText[];
  city?: ShortText;
  district?: ShortText;
  postalCode: Postcode;
  country?: CountryCode;
}
export interface FhirContactPoint {
  system: 'phone' | 'email' | 'sms';
  value: string;
  use?: 'home' | 'work' | 'temp' | 'old' | 'mobile';
}
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "UkCoreServiceRequest".
 */
export interface UkCoreServiceRequest {
  resourceType: 'ServiceRequest';
  id?: string;
  meta?: {
    /**
     * @maxItems 1
     */
    profile?: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest'[];
  };
  /**
   * @maxItems 1
   */
  extension?: SourceOfServiceRequestExtension[];
  status: 'draft' | 'active' | 'on-hold' | 'revoked' | 'completed' | 'entered-in-error' | 'unknown';
  intent:
    | 'proposal'
    | 'plan'
    | 'directive'
    | 'order'
    | 'original-order'
    | 'reflex-order'
    | 'filler-order'
    | 'instance-order'
    | 'option';
  priority: 'routine' | 'urgent' | 'asap' | 'stat';
  code?: {
    /**
     * @minItems 1
     * @maxItems 3
     */
    coding: [SnomedCoding, ...SnomedCoding[]];
    text?: ShortText;
  };
  subject: {
    reference: string;
  };
  authoredOn?: PastIsoDateTime;
  requester?: {
    identifier?: {
      system: 'https://fhir.nhs.uk/Id/ods-organization-code' | 'https://fhir.hl7.org.uk/Id/gmp-number';
      value: string;
    };
    display?: ShortText;
  };
  /**
   * @minItems 1
   * @maxItems 5
   */
  reasonCode: [SnomedCodeableConcept, ...SnomedCodeableConcept[]];
  /**
   * @maxItems 5
   */
  note?: {
    text: FreeText;
  }[];
}
export interface SourceOfServiceRequestExtension {
  url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-SourceOfServiceRequest';
  valueCodeableConcept: {
    /**
     * @minItems 1
     * @maxItems 1
     */
    coding: [SnomedCoding, ...SnomedCoding[]];
    text?: ShortText;
  };
}
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "SnomedCoding".
 */
export interface SnomedCoding {
  system: 'http://snomed.info/sct';
  code: string;
  display?: ShortText;
}
export interface SnomedCodeableConcept {
  /**
   * @minItems 1
   * @maxItems 3
   */
  coding: [SnomedCoding, ...SnomedCoding[]];
  text?: ShortText;
}
/**
 * This interface was referenced by `InboundDataByType`'s JSON-Schema
 * via the `definition` "FhirMessageHeader".
 */
export interface FhirMessageHeader {
  resourceType: 'MessageHeader';
  id?: string;
  eventCoding: {
    system: string;
    code: ShortText;
    display?: ShortText;
  };
  source: {
    endpoint: string;
    name?: ShortText;
  };
  /**
   * @minItems 1
   * @maxItems 2
   */
  focus: [FhirFocusReference, ...FhirFocusReference[]];
}
export interface FhirFocusReference {
  reference: string;
}

/** Every inbound message type. */
export type InboundMessageType = keyof InboundDataByType;

/** A request body whose `data` is typed by its `type`. */
export interface InboundMessageEnvelope<T extends InboundMessageType = InboundMessageType> {
  type: T;
  timestamp: string;
  data: InboundDataByType[T];
}

/** Any inbound request body, discriminated on `type`. */
export type InboundMessage = { [T in InboundMessageType]: InboundMessageEnvelope<T> }[InboundMessageType];
