/**
 * The canonical referral: every inbound source type is normalised into this one shape, which
 * the sharing rules, the minimiser and the delivery adapters work on. Field paths in data-sharing
 * agreements (allow-lists) name fields of this shape, e.g. `people[role=child].givenName`.
 *
 * Values are normalised: NHS numbers bare (10 digits), postcodes `OUT IN`, phones E.164.
 * Fields tagged special-category (health, ethnicity, religion, sexual orientation) and offence
 * data (police/justice details) are listed in SPECIAL_CATEGORY_PATHS / OFFENCE_DATA_PATHS so the
 * minimiser can demand the matching Art 9 / Art 10 basis in the agreement.
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

export type Urgency = 'routine' | 'medium' | 'high' | 'urgent';

export type PersonRole = 'child' | 'young-person' | 'parent' | 'step-parent' | 'carer' | 'guardian' | 'adult' | 'victim' | 'alleged-perpetrator' | 'other';

export interface CodedValue {
  system: string;
  code: string;
}

export interface CanonicalAddress {
  lines: string[];
  town?: string;
  county?: string;
  postcode?: string;
  /** Unique Property Reference Number. */
  uprn?: string;
}

export interface CanonicalContact {
  /** E.164. The main number: the mobile when the source gives one, else the landline. */
  phone?: string;
  /** E.164. The landline when the source gives both a mobile and a landline. */
  otherPhone?: string;
  email?: string;
  preferredMethod?: 'phone' | 'text' | 'email' | 'letter' | 'in-person';
  /** When contact is possible or safe (e.g. a victim's safe times, the family's best time). */
  contactTimes?: string;
  /** False when a message must not be left (a victim's safe-contact arrangement). */
  canLeaveMessage?: boolean;
  /** False when contacting this person could put someone at risk. */
  safeToContact?: boolean;
  safeContactNote?: string;
}

/** A named professional: the referrer, a designated safeguarding lead, a lead practitioner. */
export interface CanonicalStaffContact {
  name: string;
  jobTitle?: string;
  organisation?: string;
  /** E.164 */
  phone?: string;
  email?: string;
}

export interface CanonicalPerson {
  /** Id of this person within the referral (p1, p2…); stable for the referral's lifetime. */
  personRef: string;
  /** The hub's id for the person, set by the router when it links people (exact NHS number). */
  hubPersonId?: string;
  role: PersonRole;
  givenName: string;
  familyName: string;
  preferredName?: string;
  dateOfBirth?: string;
  sex?: CodedValue;
  genderIdentity?: string;
  /** Bare 10 digits. */
  nhsNumber?: string;
  /** UK Core NHSNumberVerificationStatus code (01 = verified) when the source sends one. */
  nhsNumberVerificationStatus?: string;
  upn?: string;
  niNumber?: string;
  ethnicity?: CodedValue; // special category
  religion?: string; // special category
  sexualOrientation?: string; // special category
  language?: string;
  interpreterRequired?: boolean;
  /** ISO 3166-1 alpha-2. */
  nationality?: string;
  /** ISO 3166-1 alpha-2. */
  countryOfBirth?: string;
  contact?: CanonicalContact;
  address?: CanonicalAddress;
  noFixedAbode?: boolean;
  schoolUrn?: string;
  /** The local authority, not a school, is told about an electively home-educated child. */
  electivelyHomeEducated?: boolean;
  gpOdsCode?: string;
  sen?: boolean;
  careLeaver?: boolean;
  lookedAfter?: boolean;
  youngCarer?: boolean;
  /** Special category (health). */
  healthConditions?: string[];
  disability?: boolean;
}

export interface CanonicalReferral {
  referralId: string;
  messageId: string;
  sourcePartnerId: string;
  sourceType: string;
  sourceReference?: string;
  correlationId: string;
  receivedAt: string;
  urgency: Urgency;
  needs: Need[];
  /**
   * A short, non-identifying statement of need written by the referrer (free text; personal).
   * Only taken from source text that the source does not mark special-category or offence data;
   * such text stays in the annotated block (health.concern, police.circumstances, justice.summary,
   * victim.summary) so the minimiser still demands the Art 9 / Art 10 basis for it.
   */
  needSummary?: string;
  /** The professional who made the referral (police officer, DSL, health visitor, work coach…). */
  referrer?: CanonicalStaffContact;
  /** The hub's or a recipient's lead practitioner, once one is known (e.g. from referral.accepted); not set by normalisation. */
  leadPractitioner?: CanonicalStaffContact;
  /** Other agencies already working with the family, as the source names them. */
  agenciesInvolved?: string[];
  /** The family said someone is at risk of harm now (self-referral); for operator triage. */
  safeguardingConcern?: boolean;
  consent: { status: 'given' | 'refused' | 'not-sought'; capturedAt?: string; reasonNotSought?: string };
  lawfulBasis: { art6: string; art9?: string; sch1Paragraph?: string; art10?: string };
  family: {
    address?: CanonicalAddress;
    /** Outward code of the family's postcode (e.g. M14), used to find area partners. */
    postcodeDistrict?: string;
    householdSize?: number;
    noFixedAbode?: boolean;
    tenure?: 'owner-occupier' | 'social-rent' | 'private-rent' | 'temporary-accommodation' | 'living-with-family-or-friends' | 'other';
    /** How to reach the family as a whole (self-referral form). */
    contact?: CanonicalContact;
    /** False when any contact with the family could be unsafe (e.g. domestic abuse). */
    contactSafe: boolean;
  };
  people: CanonicalPerson[];
  /** Type-specific detail; each block is optional. */
  police?: {
    reference?: string;
    incidentAt?: string;
    incidentLocation?: string;
    locationType?: string;
    circumstances?: string; // offence data
    riskLevel?: string;
    crimeRecorded?: boolean;
    childrenPresent?: { personRef: string; present: boolean; whereabouts?: string; voiceOfChild?: string }[];
    /** The first of concernTypes. */
    concernType?: string;
    concernTypes?: string[];
    significantHarmSuspected?: boolean;
    safeguardingInformation?: string;
  };
  education?: {
    schoolUrn?: string;
    schoolName?: string;
    attendancePercent?: number;
    persistentlyAbsent?: boolean;
    exclusions?: number;
    /** `sen-support` or `ehc-plan`. */
    senStatus?: string;
    /** DfE SEN primary type of need (special category: health). */
    senPrimaryNeed?: string;
    freeSchoolMeals?: boolean;
    designatedSafeguardingLead?: { name: string; phone?: string; email?: string };
    voiceOfChild?: string;
  };
  health?: {
    practiceOdsCode?: string;
    teamName?: string;
    teamOdsCode?: string;
    concern?: string;
    /** Health visitor concern categories (special category: health). */
    concernCategories?: string[];
    reasonCodes?: CodedValue[];
    priority?: string;
  };
  housing?: {
    tenancyReference?: string;
    tenancyType?: string;
    arrearsPence?: number;
    weeksInArrears?: number;
    noticeType?: string;
    noticeDate?: string;
    noticeExpiresOn?: string;
    hearingDate?: string;
    evictionDate?: string;
    riskReasons?: string[];
  };
  employment?: { goal?: string; barriers?: string[]; currentStatus?: string; jobcentreOffice?: string; householdChildrenCount?: number };
  victim?: {
    crimeType?: string;
    crimeReference?: string;
    reportedToPolice?: boolean;
    riskLevel?: string;
    safeContact?: CanonicalContact;
    /** Victim Support's summary; offence data at source. */
    summary?: string;
  };
  justice?: {
    service?: string;
    order?: string;
    orderStartDate?: string;
    orderEndDate?: string;
    offenceCategory?: string;
    riskOfSeriousHarm?: string;
    safetyAndWellbeing?: string;
    likelihoodOfReoffending?: string;
    offenceSummary?: string;
    /** The service's case summary; offence data at source. */
    summary?: string;
  };
  socialCare?: { caseReference?: string; reason?: string; decidedAt?: string; decision?: string; previousInvolvement?: string };
  vcs?: { organisation?: string; charityNumber?: string };
}
