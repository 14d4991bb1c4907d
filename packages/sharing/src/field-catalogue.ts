// The canonical referral fields an agreement may name, written out as code so loading and
// minimising need no schema walk. field-catalogue.test.ts checks this list both ways against
// schemas/canonical/referral.v1.json and against a fully populated CanonicalReferral
// (sample-referral.ts), so a field added to the canonical shape cannot be shared until it is
// listed here. Which fields are special-category or offence data comes from @hub/domain
// (SPECIAL_CATEGORY_PATHS / OFFENCE_DATA_PATHS, themselves checked against the schema's
// x-special-category / x-offence-data annotations): one classification, not two.
//
// Shape paths name array elements as `[]` (e.g. `people[].givenName`); a leaf is a scalar or an
// array of scalars (`needs`, `people[].healthConditions`).

import { OFFENCE_DATA_PATHS, SPECIAL_CATEGORY_PATHS } from './canonical.ts';

/** UK GDPR Art 9 special categories, as the canonical schema names them. */
export type SpecialCategory = 'racial-or-ethnic-origin' | 'religious-or-philosophical-beliefs' | 'sex-life-or-sexual-orientation' | 'health';

export interface FieldClass {
  /** Art 9 special category of this field, if it is one. */
  special?: SpecialCategory;
  /** Criminal-offence data (Art 10). */
  offence?: true;
  /**
   * Carried whenever anything of its element is shared, so recipients can tell people apart:
   * a person's `personRef` (p1, p2… — meaningful only inside this referral) and `role`, and the
   * `personRef` of a police.childrenPresent entry. Structural, not personal.
   */
  structural?: true;
}

const ADDRESS = ['lines', 'town', 'county', 'postcode', 'uprn'] as const;
const CONTACT = ['phone', 'otherPhone', 'email', 'preferredMethod', 'contactTimes', 'canLeaveMessage', 'safeToContact', 'safeContactNote'] as const;
const STAFF = ['name', 'jobTitle', 'organisation', 'phone', 'email'] as const;

function under(prefix: string, names: readonly string[]): string[] {
  return names.map((name) => `${prefix}.${name}`);
}

/** Every shareable leaf of the canonical referral, in schema order. */
const LEAVES: readonly string[] = [
  'sourcePartnerId',
  'sourceReference',
  'receivedAt',
  'needs',
  'needSummary',
  ...under('referrer', STAFF),
  ...under('leadPractitioner', STAFF),
  'agenciesInvolved',
  'safeguardingConcern',
  ...under('consent', ['status', 'capturedAt', 'reasonNotSought']),
  ...under('family.address', ADDRESS),
  ...under('family', ['postcodeDistrict', 'householdSize', 'noFixedAbode', 'tenure']),
  ...under('family.contact', CONTACT),
  'family.contactSafe',
  ...under('people[]', ['personRef', 'role', 'givenName', 'familyName', 'preferredName', 'dateOfBirth']),
  ...under('people[].sex', ['system', 'code']),
  ...under('people[]', ['genderIdentity', 'nhsNumber', 'nhsNumberVerificationStatus', 'upn', 'niNumber']),
  ...under('people[].ethnicity', ['system', 'code']),
  ...under('people[]', ['religion', 'sexualOrientation', 'language', 'interpreterRequired', 'nationality', 'countryOfBirth']),
  ...under('people[].contact', CONTACT),
  ...under('people[].address', ADDRESS),
  ...under('people[]', ['noFixedAbode', 'schoolUrn', 'electivelyHomeEducated', 'gpOdsCode', 'sen', 'careLeaver', 'lookedAfter', 'youngCarer', 'healthConditions', 'disability']),
  ...under('police', ['reference', 'incidentAt', 'incidentLocation', 'locationType', 'circumstances', 'riskLevel', 'crimeRecorded']),
  ...under('police.childrenPresent[]', ['personRef', 'present', 'whereabouts', 'voiceOfChild']),
  ...under('police', ['concernType', 'concernTypes', 'significantHarmSuspected', 'safeguardingInformation']),
  ...under('education', ['schoolUrn', 'schoolName', 'attendancePercent', 'persistentlyAbsent', 'exclusions', 'senStatus', 'senPrimaryNeed', 'freeSchoolMeals']),
  ...under('education.designatedSafeguardingLead', ['name', 'phone', 'email']),
  'education.voiceOfChild',
  ...under('health', ['practiceOdsCode', 'teamName', 'teamOdsCode', 'concern', 'concernCategories']),
  ...under('health.reasonCodes[]', ['system', 'code']),
  'health.priority',
  ...under('housing', ['tenancyReference', 'tenancyType', 'arrearsPence', 'weeksInArrears', 'noticeType', 'noticeDate', 'noticeExpiresOn', 'hearingDate', 'evictionDate', 'riskReasons']),
  ...under('employment', ['goal', 'barriers', 'currentStatus', 'jobcentreOffice', 'householdChildrenCount']),
  ...under('victim', ['crimeType', 'crimeReference', 'reportedToPolice', 'riskLevel']),
  ...under('victim.safeContact', CONTACT),
  'victim.summary',
  ...under('justice', ['service', 'order', 'orderStartDate', 'orderEndDate', 'offenceCategory', 'riskOfSeriousHarm', 'safetyAndWellbeing', 'likelihoodOfReoffending', 'offenceSummary', 'summary']),
  ...under('socialCare', ['caseReference', 'reason', 'decidedAt', 'decision', 'previousInvolvement']),
  ...under('vcs', ['organisation', 'charityNumber']),
];

const STRUCTURAL: ReadonlySet<string> = new Set(['people[].personRef', 'people[].role', 'police.childrenPresent[].personRef']);

/** The entry of a domain path list that is `leaf` or one of its ancestors (`people[].ethnicity` for `people[].ethnicity.code`). */
function classifiedAncestor(leaf: string, classified: Iterable<string>): string | undefined {
  for (const path of classified) if (leaf === path || leaf.startsWith(`${path}.`) || leaf.startsWith(`${path}[].`)) return path;
  return undefined;
}

function classify(leaf: string): FieldClass {
  const cls: FieldClass = {};
  const special = classifiedAncestor(leaf, Object.keys(SPECIAL_CATEGORY_PATHS));
  if (special) cls.special = SPECIAL_CATEGORY_PATHS[special] as SpecialCategory;
  if (classifiedAncestor(leaf, OFFENCE_DATA_PATHS)) cls.offence = true;
  if (STRUCTURAL.has(leaf)) cls.structural = true;
  return cls;
}

/** Every shareable leaf of the canonical referral, in schema order, with its classification. */
export const CANONICAL_FIELDS: ReadonlyMap<string, FieldClass> = new Map(LEAVES.map((leaf) => [leaf, classify(leaf)]));

/**
 * Canonical leaves no agreement may name: the envelope carries the ids, type, urgency and the
 * agreement's own lawful basis; internal ids (messageId, correlationId, hubPersonId) never leave.
 */
export const NEVER_SHARED_FIELDS: readonly string[] = [
  'referralId',
  'messageId',
  'correlationId',
  'sourceType',
  'urgency',
  'lawfulBasis.art6',
  'lawfulBasis.art9',
  'lawfulBasis.sch1Paragraph',
  'lawfulBasis.art10',
  'people[].hubPersonId',
];

/**
 * A person in this role is alleged to have committed an offence, so anything shared about them
 * (even their role) is criminal-offence data and needs an Art 10 basis.
 */
export const OFFENCE_ROLES: readonly string[] = ['alleged-perpetrator'];

/** Containers (objects and arrays of objects) that hold catalogue leaves, e.g. `people[]`, `family.address`. */
export const CANONICAL_CONTAINERS: ReadonlySet<string> = new Set(
  [...CANONICAL_FIELDS.keys()].flatMap((leaf) => {
    const out: string[] = [];
    const parts = leaf.split('.');
    for (let i = 1; i < parts.length; i += 1) {
      const prefix = parts.slice(0, i).join('.');
      out.push(prefix);
      if (prefix.endsWith('[]')) out.push(prefix.slice(0, -2));
    }
    return out;
  }),
);

/** The catalogue leaves at or under a shape path (a leaf itself, or every leaf of a container). */
export function leavesUnder(shapePath: string): string[] {
  const bare = shapePath.endsWith('[]') ? shapePath.slice(0, -2) : shapePath;
  return [...CANONICAL_FIELDS.keys()].filter((leaf) => leaf === bare || leaf.startsWith(`${bare}.`) || leaf.startsWith(`${bare}[].`));
}
