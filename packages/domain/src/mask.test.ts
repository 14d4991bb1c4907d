import { describe, expect, it } from 'vitest';
import type { CanonicalContact, CanonicalReferral } from './canonical/referral.ts';
import {
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

describe('masks', () => {
  it('names: first letter of each word and of each hyphenated or apostrophised part', () => {
    expect(maskName('Jane Smith')).toBe('J*** S****');
    expect(maskName("  Mary-Jane   O'Neil ")).toBe("M***-J*** O'N***");
    expect(maskName('Zoë Ōkafor')).toBe('Z** Ō*****');
    expect(maskName('Al')).toBe('A*');
    expect(maskName('')).toBe('');
  });

  it('NHS numbers: first three digits', () => {
    expect(maskNhsNumber('9434765919')).toBe('943 *** ****');
    expect(maskNhsNumber('943 476 5919')).toBe('943 *** ****');
    expect(maskNhsNumber('94347659')).toBe('*** *** ****');
  });

  it('dates: the year only', () => {
    expect(maskDateOfBirth('2015-03-02')).toBe('**/**/2015');
    expect(maskDate('2026-11-26T21:40:00+00:00')).toBe('**/**/2026');
    expect(maskDate('02/03/2015')).toBe('**/**/****');
  });

  it('postcodes: the outward code', () => {
    expect(maskPostcode('LS6 2AB')).toBe('LS6 ***');
    expect(maskPostcode('m145rx')).toBe('M14 ***');
    expect(maskPostcode('not a postcode')).toBe('*** ***');
  });

  it('phones: the last three digits', () => {
    expect(maskPhone('+447700900123')).toBe('+44 **** ***123');
    expect(maskPhone('+44 161 496 0001')).toBe('+44 **** ***001');
    expect(maskPhone('07700 900123')).toBe('**** ****123');
    expect(maskPhone('+33612345678')).toBe('+********678');
    expect(maskPhone('12345')).toBe('***');
    expect(maskPhone('call me')).toBe('***');
  });

  it('emails: initials, the top-level domain kept', () => {
    expect(maskEmail('jane.smith@example.org')).toBe('j***@e******.org');
    expect(maskEmail('a@b.co')).toBe('a***@b.co');
    expect(maskEmail('dsl@school.sch.uk')).toBe('d***@s*****.sch.uk');
    expect(maskEmail('x@mail.example.com')).toBe('x***@m***.e******.com');
    expect(maskEmail('nope')).toBe('***@***');
  });

  it('free text: its length only', () => {
    const text = 'x'.repeat(123);
    expect(maskText(text)).toBe('[hidden: 123 characters]');
    expect(maskText('a')).toBe('[hidden: 1 character]');
    expect(maskText('')).toBe('[hidden: 0 characters]');
  });

  it('address lines, identifiers and sensitive codes', () => {
    expect(maskAddressLine('1 Sample Street')).toBe('1 S***** S*****');
    expect(maskAddressLine(' Flat 2B ')).toBe('F*** 2*');
    expect(maskIdentifier('QQ123456C')).toBe('QQ*******');
    expect(maskIdentifier('H801200001001')).toBe('H8***********');
    expect(maskIdentifier('12345')).toBe('*****');
    expect(maskCode('GB')).toBe(HIDDEN);
  });
});

/** Every optional field required, all the way down: the fixture below must set every field. */
type DeepRequired<T> = T extends (infer U)[] ? DeepRequired<U>[] : T extends object ? { [K in keyof T]-?: DeepRequired<T[K]> } : T;

function contact(tag: string, n: number): DeepRequired<CanonicalContact> {
  return {
    phone: `+4477009${n}0${n}23`,
    otherPhone: `+4416149${n}0${n}45`,
    email: `canary.${tag}@canary-${tag}-mail.org`,
    preferredMethod: 'text',
    contactTimes: `CANARY ${tag} contact times`,
    canLeaveMessage: false,
    safeToContact: false,
    safeContactNote: `CANARY ${tag} safe contact note`,
  };
}

function address(tag: string, n: number): DeepRequired<CanonicalReferral['family']>['address'] {
  return {
    lines: [`${n}7 Canary${tag}line Street`, `Flat Canary${tag}flat`],
    town: `Canary${tag}town`,
    county: `Canary${tag}county`,
    postcode: `LS${n} 2AB`,
    uprn: `10009${n}00${n}`,
  };
}

const staff = (tag: string, n: number): DeepRequired<NonNullable<CanonicalReferral['referrer']>> => ({
  name: `Canary${tag}given Canary${tag}family`,
  jobTitle: `CANARY ${tag} job title`,
  organisation: `CANARY ${tag} organisation`,
  phone: `+4411749${n}0${n}67`,
  email: `canary.${tag}@canary-${tag}-staff.org`,
});

/** A referral with a distinct value in every field (canaries where the format allows any text). */
const CANARY: DeepRequired<CanonicalReferral> = {
  referralId: 'ref-code-1',
  messageId: 'msg-code-1',
  sourcePartnerId: 'partner-code-1',
  sourceType: 'police.domestic-abuse.notified',
  sourceReference: 'CANARY-SOURCE-REF-0001',
  correlationId: 'corr-code-1',
  receivedAt: '2026-11-27T02:10:00.000Z',
  urgency: 'urgent',
  needs: ['education', 'domestic-abuse'],
  needSummary: 'CANARY need summary about the family',
  referrer: staff('referrer', 1),
  leadPractitioner: staff('lead', 2),
  agenciesInvolved: ['CANARY agency one', 'CANARY agency two'],
  safeguardingConcern: true,
  consent: { status: 'not-sought', capturedAt: '2026-11-27T02:00:00.000Z', reasonNotSought: 'child-at-risk' },
  lawfulBasis: { art6: 'public-task', art9: 'substantial-public-interest', sch1Paragraph: '18', art10: 'dpa2018-sch1-para18' },
  family: {
    address: address('family', 3),
    postcodeDistrict: 'LS3',
    householdSize: 4,
    noFixedAbode: false,
    tenure: 'social-rent',
    contact: contact('family', 4),
    contactSafe: false,
  },
  people: [
    {
      personRef: 'p1',
      hubPersonId: 'hub-person-code-1',
      role: 'child',
      givenName: 'Canarygiven',
      familyName: 'Canaryfamily',
      preferredName: 'Canarypreferred',
      dateOfBirth: '2015-03-02',
      sex: { system: 'CANARY-sex-system', code: 'CANARY-sex-code' },
      genderIdentity: 'CANARY gender identity',
      nhsNumber: '9434765919',
      nhsNumberVerificationStatus: '01',
      upn: 'H801200001001',
      niNumber: 'QQ123456C',
      ethnicity: { system: 'CANARY-ethnicity-system', code: 'CANARY-ethnicity-code' },
      religion: 'CANARY religion',
      sexualOrientation: 'CANARY sexual orientation',
      language: 'cy',
      interpreterRequired: true,
      nationality: 'CANARY-nationality',
      countryOfBirth: 'CANARY-country-of-birth',
      contact: contact('person', 5),
      address: address('person', 6),
      noFixedAbode: false,
      schoolUrn: '105432',
      electivelyHomeEducated: false,
      gpOdsCode: 'P84999',
      sen: true,
      careLeaver: false,
      lookedAfter: true,
      youngCarer: false,
      healthConditions: ['CANARY health condition one', 'CANARY health condition two'],
      disability: true,
    },
  ],
  police: {
    reference: 'CANARY-POLICE-REF-77',
    incidentAt: '2026-11-26T21:40:00+00:00',
    incidentLocation: 'CANARY incident location',
    locationType: 'CANARY location type',
    circumstances: 'CANARY circumstances of the incident',
    riskLevel: 'CANARY risk level',
    crimeRecorded: true,
    childrenPresent: [{ personRef: 'p1', present: true, whereabouts: 'CANARY whereabouts', voiceOfChild: 'CANARY police voice of child' }],
    concernType: 'CANARY concern type',
    concernTypes: ['CANARY concern types entry'],
    significantHarmSuspected: true,
    safeguardingInformation: 'CANARY safeguarding information',
  },
  education: {
    schoolUrn: '105433',
    schoolName: 'CANARY school name',
    attendancePercent: 84.5,
    persistentlyAbsent: true,
    exclusions: 1,
    senStatus: 'CANARY sen status',
    senPrimaryNeed: 'CANARY sen primary need',
    freeSchoolMeals: true,
    designatedSafeguardingLead: { name: 'Canarydslgiven Canarydslfamily', phone: '+441614960456', email: 'canary.dsl@canary-dsl-school.sch.uk' },
    voiceOfChild: 'CANARY education voice of child',
  },
  health: {
    practiceOdsCode: 'P84998',
    teamName: 'CANARY team name',
    teamOdsCode: 'RW3',
    concern: 'CANARY health concern',
    concernCategories: ['CANARY concern category'],
    reasonCodes: [{ system: 'CANARY-reason-system', code: 'CANARY-reason-code' }],
    priority: 'urgent',
  },
  housing: {
    tenancyReference: 'CANARY-TENANCY-REF-1',
    tenancyType: 'CANARY tenancy type',
    arrearsPence: 184250,
    weeksInArrears: 9,
    noticeType: 'CANARY notice type',
    noticeDate: '2026-11-10',
    noticeExpiresOn: '2026-12-08',
    hearingDate: '2027-01-11',
    evictionDate: '2027-02-01',
    riskReasons: ['CANARY risk reason'],
  },
  employment: {
    goal: 'CANARY employment goal',
    barriers: ['CANARY barrier'],
    currentStatus: 'CANARY current status',
    jobcentreOffice: 'CANARY jobcentre office',
    householdChildrenCount: 2,
  },
  victim: {
    crimeType: 'CANARY crime type',
    crimeReference: 'CANARY-CRIME-REF-2',
    reportedToPolice: true,
    riskLevel: 'CANARY victim risk level',
    safeContact: contact('victim', 7),
    summary: 'CANARY victim summary',
  },
  justice: {
    service: 'CANARY justice service',
    order: 'CANARY order',
    orderStartDate: '2026-11-02',
    orderEndDate: '2027-05-03',
    offenceCategory: 'CANARY offence category',
    riskOfSeriousHarm: 'CANARY risk of serious harm',
    safetyAndWellbeing: 'CANARY safety and wellbeing',
    likelihoodOfReoffending: 'CANARY likelihood of reoffending',
    offenceSummary: 'CANARY offence summary',
    summary: 'CANARY justice summary',
  },
  socialCare: {
    caseReference: 'CANARY-CASE-REF-3',
    reason: 'CANARY social care reason',
    decidedAt: '2026-11-21T15:00:00Z',
    decision: 'CANARY decision',
    previousInvolvement: 'CANARY previous involvement',
  },
  vcs: { organisation: 'CANARY vcs organisation', charityNumber: 'CANARY-CHARITY-1234567' },
};

/** Codes, hub ids and the hub's own times: shown even when masked. Paths with array indexes as `[]`. */
const SHOWN = new Set([
  'referralId',
  'messageId',
  'sourcePartnerId',
  'sourceType',
  'correlationId',
  'receivedAt',
  'urgency',
  'needs[]',
  'consent.status',
  'consent.capturedAt',
  'consent.reasonNotSought',
  'lawfulBasis.art6',
  'lawfulBasis.art9',
  'lawfulBasis.sch1Paragraph',
  'lawfulBasis.art10',
  'family.postcodeDistrict',
  'family.tenure',
  'family.contact.preferredMethod',
  'people[].personRef',
  'people[].hubPersonId',
  'people[].role',
  'people[].nhsNumberVerificationStatus',
  'people[].language',
  'people[].schoolUrn',
  'people[].gpOdsCode',
  'people[].contact.preferredMethod',
  'police.childrenPresent[].personRef',
  'education.schoolUrn',
  'health.practiceOdsCode',
  'health.teamOdsCode',
  'health.priority',
  'victim.safeContact.preferredMethod',
]);

function stringLeaves(value: unknown, path = ''): [string, string][] {
  if (typeof value === 'string') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item) => stringLeaves(item, `${path}[]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => stringLeaves(item, path ? `${path}.${key}` : key));
  }
  return [];
}

/** How a revealed value is written: calendar dates DD/MM/YYYY, coded values `code (system)`, lists joined. */
function revealedForms(value: string): string[] {
  const date = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(value);
  return date ? [`${date[3]}/${date[2]}/${date[1]}`] : [value];
}

describe('maskedReferralView', () => {
  const leaves = stringLeaves(CANARY);

  it('the fixture has a canary or distinct value in every string field', () => {
    expect(leaves.length).toBeGreaterThan(100);
    const masked = leaves.filter(([path]) => !SHOWN.has(path)).map(([, value]) => value);
    expect(new Set(masked).size).toBe(masked.length);
    for (const path of SHOWN) expect(leaves.some(([p]) => p === path)).toBe(true);
  });

  it('masked: no personal value appears anywhere, codes do', () => {
    const json = JSON.stringify(maskedReferralView(CANARY, false));
    expect(json).not.toMatch(/canary/i);
    for (const [path, value] of leaves) {
      if (SHOWN.has(path)) expect(json, path).toContain(JSON.stringify(value).slice(1, -1));
      else for (const form of [value, ...revealedForms(value)]) expect(json, `${path} leaks`).not.toContain(form);
    }
  });

  it('revealed: every value is there', () => {
    const view = maskedReferralView(CANARY, true);
    const json = JSON.stringify(view);
    expect(view.revealed).toBe(true);
    for (const [path, value] of leaves) {
      expect(revealedForms(value).some((form) => json.includes(JSON.stringify(form).slice(1, -1))), path).toBe(true);
    }
  });

  it('builds the referral page: facts shown, people and contacts masked, flags kept', () => {
    const view = maskedReferralView(CANARY, false);
    expect(view).toMatchObject({
      revealed: false,
      referralId: 'ref-code-1',
      sourceType: 'police.domestic-abuse.notified',
      urgency: 'urgent',
      needs: ['education', 'domestic-abuse'],
      consentStatus: 'not-sought',
      consentReasonNotSought: 'child-at-risk',
      lawfulBasis: { art6: 'public-task', art9: 'substantial-public-interest', sch1Paragraph: '18', art10: 'dpa2018-sch1-para18' },
      sourceReference: 'CA********************',
      needSummary: '[hidden: 36 characters]',
      family: {
        address: { lines: ['3* C*************** S*****', 'F*** C***************'], postcode: 'LS3 ***', uprn: '10*******' },
        postcode: 'LS3 ***',
        postcodeDistrict: 'LS3',
        tenure: 'social-rent',
        contactSafe: false,
        contact: { phone: '+44 **** ***423', email: 'c***@c*****************.org', preferredMethod: 'text', safeToContact: false },
      },
      referrer: { name: 'C****************** C*******************', phone: '+44 **** ***167', email: 'c***@c********************.org', organisation: '[hidden: 28 characters]' },
    });
    expect(view.people[0]).toMatchObject({
      personRef: 'p1',
      role: 'child',
      name: 'C********** C***********',
      dateOfBirth: '**/**/2015',
      nhsNumber: '943 *** ****',
      upn: 'H8***********',
      niNumber: 'QQ*******',
      sex: HIDDEN,
      ethnicity: HIDDEN,
      nationality: HIDDEN,
      postcode: 'LS6 ***',
      phone: '+44 **** ***523',
      safeToContact: false,
      canLeaveMessage: false,
      lookedAfter: true,
      language: 'cy',
      schoolUrn: '105432',
    });
    expect(view.details).toContainEqual({ section: 'police', field: 'police.circumstances', value: '[hidden: 36 characters]' });
    expect(view.details).toContainEqual({ section: 'police', field: 'police.incidentAt', value: '**/**/2026' });
    expect(view.details).toContainEqual({ section: 'police', field: 'police.crimeRecorded', value: 'yes' });
    expect(view.details).toContainEqual({ section: 'health', field: 'health.priority', value: 'urgent' });
    expect(view.details).toContainEqual({ section: 'victim', field: 'victim.safeContact.safeToContact', value: 'no' });
    expect(view.details).toContainEqual({ section: 'housing', field: 'housing.arrearsPence', value: '184250' });

    const revealed = maskedReferralView(CANARY, true);
    expect(revealed.people[0]).toMatchObject({ name: 'Canarygiven Canaryfamily', dateOfBirth: '02/03/2015', nhsNumber: '9434765919', sex: 'CANARY-sex-code (CANARY-sex-system)' });
    expect(revealed.details).toContainEqual({ section: 'police', field: 'police.circumstances', value: 'CANARY circumstances of the incident' });
  });

  it('leaves out what the referral does not have', () => {
    const minimal: CanonicalReferral = {
      referralId: 'r',
      messageId: 'm',
      sourcePartnerId: 's',
      sourceType: 'family.self-referral.submitted',
      correlationId: 'c',
      receivedAt: '2026-01-01T00:00:00Z',
      urgency: 'routine',
      needs: [],
      consent: { status: 'given' },
      lawfulBasis: { art6: 'consent' },
      family: { contactSafe: true },
      people: [{ personRef: 'p1', role: 'adult', givenName: 'Jane', familyName: 'Smith' }],
    };
    const view = maskedReferralView(minimal, false);
    expect(view.details).toEqual([]);
    expect(view.referrer).toBeNull();
    expect(view.family.address).toBeNull();
    expect(view.people[0]).toMatchObject({ name: 'J*** S****', dateOfBirth: null, nhsNumber: null, contact: null, healthConditions: [] });
  });
});
