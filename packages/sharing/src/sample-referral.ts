// A canonical referral with every field set and one person in every role (fictional values).
// Loading minimises it with each agreement and validates the result against the recipient
// type's outbound schema, so an agreement that allows more than its recipient type may ever
// receive stops the hub at start-up rather than at the first delivery. Tests use it as the
// "rich referral", and check that it sets every catalogue leaf.

import type { CanonicalPerson, CanonicalReferral, PersonRole } from './canonical.ts';
import { PERSON_ROLES } from './canonical.ts';

const ADDRESS = { lines: ['1 Sample Street', 'Flat 2'], town: 'Manchester', county: 'Greater Manchester', postcode: 'M14 5RX', uprn: '77000001' };

function contact(n: number): NonNullable<CanonicalPerson['contact']> {
  return {
    phone: `+4477009000${String(n).padStart(2, '0')}`,
    otherPhone: `+4416149600${String(n).padStart(2, '0')}`,
    email: `person${n}@example.org`,
    preferredMethod: 'text',
    contactTimes: 'Weekday mornings',
    canLeaveMessage: true,
    safeToContact: true,
    safeContactNote: 'Use the mobile only',
  };
}

function person(role: PersonRole, n: number): CanonicalPerson {
  return {
    personRef: `p${n}`,
    hubPersonId: `hp_sample_${n}`,
    role,
    givenName: `Given${n}`,
    familyName: 'Sample',
    preferredName: `Pref${n}`,
    dateOfBirth: role === 'child' || role === 'young-person' ? '2015-06-21' : '1988-03-02',
    sex: { system: 'dfe-sex', code: 'F' },
    genderIdentity: 'woman',
    nhsNumber: '9990000050',
    nhsNumberVerificationStatus: '01',
    upn: 'H801200001001',
    niNumber: 'QQ123456C',
    ethnicity: { system: 'census-2021', code: 'white-british' },
    religion: 'No religion',
    sexualOrientation: 'Prefer not to say',
    language: 'en',
    interpreterRequired: false,
    nationality: 'GB',
    countryOfBirth: 'GB',
    contact: contact(n),
    address: ADDRESS,
    noFixedAbode: false,
    schoolUrn: '105432',
    electivelyHomeEducated: false,
    gpOdsCode: 'P84999',
    sen: true,
    careLeaver: false,
    lookedAfter: false,
    youngCarer: false,
    healthConditions: ['Asthma'],
    disability: false,
  };
}

const STAFF = { name: 'A. Example', jobTitle: 'Practitioner', organisation: 'Example Org', phone: '+441614960001', email: 'practitioner@example.org' };

/** Every canonical field set; people p1…p10, one per role in PERSON_ROLES order. */
export const FULL_SAMPLE_REFERRAL: CanonicalReferral = Object.freeze({
  referralId: 'ref_sample',
  messageId: 'msg_sample',
  sourcePartnerId: 'sample-source',
  sourceType: 'family.self-referral.submitted',
  sourceReference: 'SRC-0001',
  correlationId: 'corr-sample',
  receivedAt: '2026-11-27T02:10:00.000Z',
  urgency: 'urgent',
  needs: ['education', 'health', 'child-safety', 'domestic-abuse', 'housing', 'financial-stability', 'employment'],
  needSummary: 'Sample need summary',
  referrer: STAFF,
  leadPractitioner: STAFF,
  agenciesInvolved: ['Example Primary School'],
  safeguardingConcern: true,
  consent: { status: 'not-sought', capturedAt: '2026-11-27T02:00:00.000Z', reasonNotSought: 'child-at-risk' },
  lawfulBasis: { art6: 'public-task', art9: 'substantial-public-interest', sch1Paragraph: '18', art10: 'dpa2018-sch1-para18' },
  family: {
    address: ADDRESS,
    postcodeDistrict: 'M14',
    householdSize: 4,
    noFixedAbode: false,
    tenure: 'social-rent',
    contact: contact(99),
    contactSafe: false,
  },
  people: PERSON_ROLES.map((role, i) => person(role, i + 1)),
  police: {
    reference: 'GMP/26/000001',
    incidentAt: '2026-11-26T21:40:00+00:00',
    incidentLocation: 'Family home',
    locationType: 'family-home',
    circumstances: 'Sample circumstances',
    riskLevel: 'medium',
    crimeRecorded: true,
    childrenPresent: [
      { personRef: 'p1', present: true, whereabouts: 'Bedroom', voiceOfChild: 'Sample voice' },
      { personRef: 'p2', present: false, whereabouts: 'With grandparent', voiceOfChild: 'Sample voice 2' },
    ],
    concernType: 'child-criminal-exploitation',
    concernTypes: ['child-criminal-exploitation'],
    significantHarmSuspected: true,
    safeguardingInformation: 'Sample safeguarding information',
  },
  education: {
    schoolUrn: '105432',
    schoolName: 'Sample School',
    attendancePercent: 84.5,
    persistentlyAbsent: true,
    exclusions: 1,
    senStatus: 'sen-support',
    senPrimaryNeed: 'SEMH',
    freeSchoolMeals: true,
    designatedSafeguardingLead: { name: 'DSL Example', phone: '+441614960456', email: 'dsl@example.org' },
    voiceOfChild: 'Sample voice',
  },
  health: {
    practiceOdsCode: 'P84999',
    teamName: 'Sample team',
    teamOdsCode: 'RW3',
    concern: 'Sample concern',
    concernCategories: ['perinatal-mental-health'],
    reasonCodes: [{ system: 'http://snomed.info/sct', code: '35489007' }],
    priority: 'routine',
  },
  housing: {
    tenancyReference: 'TEN-000001',
    tenancyType: 'assured',
    arrearsPence: 184250,
    weeksInArrears: 9,
    noticeType: 'section-8',
    noticeDate: '2026-11-10',
    noticeExpiresOn: '2026-12-08',
    hearingDate: '2027-01-10',
    evictionDate: '2027-02-01',
    riskReasons: ['rent-arrears'],
  },
  employment: { goal: 'Part-time work', barriers: ['childcare'], currentStatus: 'unemployed', jobcentreOffice: 'Sample Jobcentre', householdChildrenCount: 2 },
  victim: {
    crimeType: 'domestic-abuse',
    crimeReference: 'GMP/26/000002',
    reportedToPolice: true,
    riskLevel: 'medium',
    safeContact: contact(98),
    summary: 'Sample victim summary',
  },
  justice: {
    service: 'youth-justice',
    order: 'referral-order',
    orderStartDate: '2026-11-02',
    orderEndDate: '2027-05-01',
    offenceCategory: 'criminal-damage',
    riskOfSeriousHarm: 'low',
    safetyAndWellbeing: 'medium',
    likelihoodOfReoffending: 'medium',
    offenceSummary: 'Sample offence summary',
    summary: 'Sample justice summary',
  },
  socialCare: { caseReference: 'CSC-0001', reason: 'Sample reason', decidedAt: '2026-11-21T15:00:00Z', decision: 'step-down-to-early-help', previousInvolvement: 'child-in-need' },
  vcs: { organisation: 'Sample Community Hub', charityNumber: '1234567' },
} satisfies CanonicalReferral);
