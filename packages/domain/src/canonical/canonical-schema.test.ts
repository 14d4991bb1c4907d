import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { CanonicalReferral } from './referral.ts';
import { CANONICAL_SCHEMA_ID } from './sensitive-paths.ts';

type Schema = Record<string, unknown>;

const readSchema = (path: string): Schema => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Schema;
const schema = readSchema('../../../../schemas/canonical/referral.v1.json');
const inboundCommon = readSchema('../../../../schemas/inbound/common.json');

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(node: Schema, ...path: string[]): Schema {
  let current: unknown = node;
  for (const key of path) current = isSchema(current) ? current[key] : undefined;
  if (!isSchema(current)) throw new Error(`nothing at ${path.join('/')}`);
  return current;
}

function deref(node: Schema): Schema {
  return typeof node.$ref === 'string' ? at(schema, '$defs', node.$ref.replace('#/$defs/', '')) : node;
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
for (const keyword of ['x-pii', 'x-special-category', 'x-offence-data']) ajv.addKeyword({ keyword });

type DeepRequired<T> = T extends (infer U)[] ? DeepRequired<U>[] : T extends object ? { [K in keyof T]-?: DeepRequired<T[K]> } : T;

const contact = {
  phone: '+447700900123',
  otherPhone: '+441614960123',
  email: 'someone@example.org',
  preferredMethod: 'text',
  contactTimes: 'Weekday mornings',
  canLeaveMessage: true,
  safeToContact: true,
  safeContactNote: 'Text first',
} as const;
const staff = { name: 'A. Example', jobTitle: 'Worker', organisation: 'Example', phone: '+441614960001', email: 'worker@example.org' };
const address = { lines: ['1 Example Street'], town: 'Manchester', county: 'Greater Manchester', postcode: 'M1 1AE', uprn: '77001234' };

// Every field of the type filled in: the compiler insists on each one (DeepRequired), and the
// schema (closed everywhere) insists it knows each one — so the type and the schema cannot drift.
const everything: DeepRequired<CanonicalReferral> = {
  referralId: 'ref_1',
  messageId: 'msg_1',
  sourcePartnerId: 'partner',
  sourceType: 'family.self-referral.submitted',
  sourceReference: 'REF-1',
  correlationId: 'corr-1',
  receivedAt: '2026-11-27T10:00:00Z',
  urgency: 'routine',
  needs: ['education'],
  needSummary: 'Needs help',
  referrer: staff,
  leadPractitioner: staff,
  agenciesInvolved: ['School'],
  safeguardingConcern: false,
  consent: { status: 'given', capturedAt: '2026-11-27T09:00:00Z', reasonNotSought: 'emergency' },
  lawfulBasis: { art6: 'public-task', art9: 'substantial-public-interest', sch1Paragraph: '18', art10: 'official-authority' },
  family: { address, postcodeDistrict: 'M1', householdSize: 3, noFixedAbode: false, tenure: 'social-rent', contact, contactSafe: true },
  people: [
    {
      personRef: 'p1',
      hubPersonId: 'per_1',
      role: 'child',
      givenName: 'A',
      familyName: 'B',
      preferredName: 'C',
      dateOfBirth: '2015-01-01',
      sex: { system: 'dfe-sex', code: 'F' },
      genderIdentity: 'same-as-sex-registered-at-birth',
      nhsNumber: '9434765919',
      nhsNumberVerificationStatus: '01',
      upn: 'H801200001001',
      niNumber: 'AB123456C',
      ethnicity: { system: 'census-2021', code: 'white-british' },
      religion: 'no-religion',
      sexualOrientation: 'not-stated',
      language: 'en',
      interpreterRequired: false,
      nationality: 'GB',
      countryOfBirth: 'GB',
      contact,
      address,
      noFixedAbode: false,
      schoolUrn: '105433',
      electivelyHomeEducated: false,
      gpOdsCode: 'P84999',
      sen: false,
      careLeaver: false,
      lookedAfter: false,
      youngCarer: false,
      healthConditions: ['Asthma'],
      disability: false,
    },
  ],
  police: {
    reference: 'GMP/26/1',
    incidentAt: '2026-11-26T21:40:00+00:00',
    incidentLocation: 'Home',
    locationType: 'family-home',
    circumstances: 'Text',
    riskLevel: 'medium',
    crimeRecorded: true,
    childrenPresent: [{ personRef: 'p1', present: true, whereabouts: 'Upstairs', voiceOfChild: 'Text' }],
    concernType: 'neglect',
    concernTypes: ['neglect'],
    significantHarmSuspected: false,
    safeguardingInformation: 'Text',
  },
  education: {
    schoolUrn: '105433',
    schoolName: 'School',
    attendancePercent: 90,
    persistentlyAbsent: false,
    exclusions: 0,
    senStatus: 'sen-support',
    senPrimaryNeed: 'SEMH',
    freeSchoolMeals: false,
    designatedSafeguardingLead: { name: 'DSL', phone: '+441614960456', email: 'dsl@example.org' },
    voiceOfChild: 'Text',
  },
  health: {
    practiceOdsCode: 'P84999',
    teamName: 'Team',
    teamOdsCode: 'RW3',
    concern: 'Text',
    concernCategories: ['parenting-support'],
    reasonCodes: [{ system: 'http://snomed.info/sct', code: '35489007' }],
    priority: 'routine',
  },
  housing: {
    tenancyReference: 'TEN-1',
    tenancyType: 'assured',
    arrearsPence: 100,
    weeksInArrears: 1,
    noticeType: 'section-8',
    noticeDate: '2026-11-10',
    noticeExpiresOn: '2026-12-08',
    hearingDate: '2026-12-20',
    evictionDate: '2027-01-10',
    riskReasons: ['rent-arrears'],
  },
  employment: { goal: 'Work', barriers: ['childcare'], currentStatus: 'unemployed', jobcentreOffice: 'Office', householdChildrenCount: 1 },
  victim: { crimeType: 'burglary', crimeReference: 'GMP/26/2', reportedToPolice: true, riskLevel: 'standard', safeContact: contact, summary: 'Text' },
  justice: {
    service: 'youth-justice',
    order: 'referral-order',
    orderStartDate: '2026-11-02',
    orderEndDate: '2027-05-01',
    offenceCategory: 'criminal-damage',
    riskOfSeriousHarm: 'low',
    safetyAndWellbeing: 'low',
    likelihoodOfReoffending: 'low',
    offenceSummary: 'Text',
    summary: 'Text',
  },
  socialCare: { caseReference: 'CSC-1', reason: 'Text', decidedAt: '2026-11-21T15:00:00Z', decision: 'step-down-to-early-help', previousInvolvement: 'child-in-need' },
  vcs: { organisation: 'Org', charityNumber: '1234567' },
};

/** Paths where the schema names a property the value lacks, or the value has one the schema lacks. */
function keyMismatches(node: Schema, value: unknown, path: string): string[] {
  const resolved = deref(node);
  if (Array.isArray(value)) return isSchema(resolved.items) ? keyMismatches(resolved.items, value[0], `${path}[]`) : [];
  if (!isSchema(value) || !isSchema(resolved.properties)) return [];
  const properties = resolved.properties;
  const schemaKeys = Object.keys(properties);
  const valueKeys = Object.keys(value);
  return [
    ...schemaKeys.filter((key) => !valueKeys.includes(key)).map((key) => `${path}.${key} (schema only)`),
    ...valueKeys.filter((key) => !schemaKeys.includes(key)).map((key) => `${path}.${key} (type only)`),
    ...schemaKeys.flatMap((key) => (isSchema(properties[key]) && key in value ? keyMismatches(properties[key], value[key], `${path}.${key}`) : [])),
  ];
}

describe('canonical referral schema', () => {
  it('has the canonical $id and compiles under a strict Ajv 2020', () => {
    expect(schema.$id).toBe(CANONICAL_SCHEMA_ID);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it('closes every object with additionalProperties: false', () => {
    const open: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (Array.isArray(node)) node.forEach((item, i) => visit(item, `${where}/${i}`));
      if (!isSchema(node)) return;
      if (node.type === 'object' && node.additionalProperties !== false) open.push(where);
      for (const [key, child] of Object.entries(node)) visit(child, `${where}/${key}`);
    };
    visit(schema, '#');
    expect(open).toEqual([]);
  });

  it('describes exactly the CanonicalReferral type, field for field', () => {
    const validate = ajv.compile(schema);
    expect(validate(everything), JSON.stringify(validate.errors)).toBe(true);
    expect(keyMismatches(schema, everything, '$')).toEqual([]);
  });

  it('uses the same code lists as the inbound schemas for needs, roles, consent and lawful basis', () => {
    const props = at(schema, 'properties');
    expect(at(props, 'needs', 'items').enum).toEqual(at(inboundCommon, '$defs', 'need').enum);
    expect(at(schema, '$defs', 'person', 'properties', 'role').enum).toEqual(at(inboundCommon, '$defs', 'personRole').enum);
    for (const field of ['status', 'reasonNotSought']) {
      expect(at(props, 'consent', 'properties', field).enum).toEqual(at(inboundCommon, '$defs', 'consent', 'properties', field).enum);
    }
    for (const field of ['art6', 'art9', 'sch1Paragraph', 'art10']) {
      expect(at(props, 'lawfulBasis', 'properties', field).enum).toEqual(at(inboundCommon, '$defs', 'lawfulBasis', 'properties', field).enum);
    }
    expect(at(props, 'family', 'properties', 'tenure').enum).toEqual(at(inboundCommon, '$defs', 'household', 'properties', 'tenure').enum);
  });
});
