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
  postcode?: string;
}

export interface CanonicalContact {
  /** E.164 */
  phone?: string;
  email?: string;
  /** False when contacting this person could put someone at risk. */
  safeToContact?: boolean;
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
  upn?: string;
  niNumber?: string;
  ethnicity?: CodedValue; // special category
  religion?: string; // special category
  sexualOrientation?: string; // special category
  language?: string;
  interpreterRequired?: boolean;
  contact?: CanonicalContact;
  address?: CanonicalAddress;
  noFixedAbode?: boolean;
  schoolUrn?: string;
  gpOdsCode?: string;
  sen?: boolean;
  careLeaver?: boolean;
  lookedAfter?: boolean;
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
  /** A short, non-identifying statement of need written by the referrer (free text; personal). */
  needSummary?: string;
  consent: { status: 'given' | 'refused' | 'not-sought'; capturedAt?: string; reasonNotSought?: string };
  lawfulBasis: { art6: string; art9?: string; sch1Paragraph?: string; art10?: string };
  family: {
    address?: CanonicalAddress;
    /** Outward code of the family's postcode (e.g. M14), used to find area partners. */
    postcodeDistrict?: string;
    householdSize?: number;
    /** False when any contact with the family could be unsafe (e.g. domestic abuse). */
    contactSafe: boolean;
  };
  people: CanonicalPerson[];
  /** Type-specific detail; each block is optional. */
  police?: {
    reference?: string;
    incidentAt?: string;
    incidentLocation?: string;
    circumstances?: string; // offence data
    riskLevel?: string;
    childrenPresent?: { personRef: string; present: boolean; whereabouts?: string; voiceOfChild?: string }[];
    concernType?: string;
    safeguardingInformation?: string;
  };
  education?: { schoolUrn?: string; attendancePercent?: number; exclusions?: number; senStatus?: string; designatedSafeguardingLead?: { name: string; phone?: string; email?: string } };
  health?: { practiceOdsCode?: string; concern?: string; reasonCodes?: CodedValue[]; priority?: string };
  housing?: { tenancyReference?: string; arrearsPence?: number; noticeType?: string; noticeDate?: string; evictionDate?: string };
  employment?: { goal?: string; barriers?: string[] };
  victim?: { crimeType?: string; safeContact?: CanonicalContact };
  justice?: { order?: string; riskOfSeriousHarm?: string; offenceSummary?: string };
  socialCare?: { caseReference?: string; reason?: string; decidedAt?: string };
  vcs?: { organisation?: string };
}
