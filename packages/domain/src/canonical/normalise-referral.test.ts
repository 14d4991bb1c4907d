import { readdirSync, readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  FAMILY_FEEDBACK_TYPE,
  FEEDBACK_TYPES,
  isFeedbackType,
  isReferralSourceType,
  normaliseReferral,
  REFERRAL_SOURCE_TYPES,
  ReferralNormaliseError,
} from './normalise-referral.ts';
import type { CanonicalReferral } from './referral.ts';

interface Fixture {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

const FIXTURE_DIR = new URL('../../../../test/fixtures/inbound/', import.meta.url);
const fixtures = new Map<string, Fixture>(
  readdirSync(FIXTURE_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const fixture = JSON.parse(readFileSync(new URL(file, FIXTURE_DIR), 'utf8')) as Fixture;
      return [fixture.type, fixture];
    }),
);

function fixture(type: string): Fixture {
  const found = fixtures.get(type);
  if (!found) throw new Error(`no fixture for ${type}`);
  return structuredClone(found);
}

const canonicalSchema = JSON.parse(readFileSync(new URL('../../../../schemas/canonical/referral.v1.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
for (const keyword of ['x-pii', 'x-special-category', 'x-offence-data']) ajv.addKeyword({ keyword });
const validateCanonical = ajv.compile(canonicalSchema);

function expectCanonical(referral: CanonicalReferral): void {
  const valid = validateCanonical(referral);
  expect(validateCanonical.errors ?? [], JSON.stringify(validateCanonical.errors)).toEqual([]);
  expect(valid).toBe(true);
}

/** Normalises a fixture (optionally edited first), received at the envelope timestamp unless given. */
function normalise(type: string, edit?: (data: Record<string, unknown>) => void, receivedAt?: string): CanonicalReferral {
  const message = fixture(type);
  edit?.(message.data);
  const referral = normaliseReferral({
    type: message.type,
    data: message.data,
    messageId: 'msg_01JDTEST0000000000000001',
    referralId: 'ref_01JDTEST0000000000000001',
    sourcePartnerId: 'partner-under-test',
    receivedAt: receivedAt ?? message.timestamp,
  });
  expectCanonical(referral);
  return referral;
}

function hasUndefinedMember(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasUndefinedMember);
  if (typeof value === 'object' && value !== null) return Object.values(value).some((v) => v === undefined || hasUndefinedMember(v));
  return false;
}

function person(referral: CanonicalReferral, personRef: string) {
  const found = referral.people.find((p) => p.personRef === personRef);
  if (!found) throw new Error(`no ${personRef}`);
  return found;
}

describe('normaliseReferral on every source fixture', () => {
  it('has a fixture for each of the twelve source types', () => {
    expect(REFERRAL_SOURCE_TYPES).toHaveLength(12);
    for (const type of REFERRAL_SOURCE_TYPES) expect(fixtures.has(type), type).toBe(true);
  });

  it.each([...REFERRAL_SOURCE_TYPES])('%s normalises, validates against the canonical schema and keeps the header', (type) => {
    const message = fixture(type);
    const before = structuredClone(message.data);
    const referral = normalise(type);
    expect(message.data).toEqual(before);
    expect(referral).toMatchObject({
      referralId: 'ref_01JDTEST0000000000000001',
      messageId: 'msg_01JDTEST0000000000000001',
      sourcePartnerId: 'partner-under-test',
      sourceType: type,
      correlationId: message.data.correlationId,
      receivedAt: message.timestamp,
    });
    expect(referral.consent).toEqual(message.data.consent);
    expect(referral.lawfulBasis).toEqual(message.data.lawfulBasis);
    expect(referral.people.map((p) => p.personRef)).toEqual(referral.people.map((_, i) => `p${i + 1}`));
    expect(referral.people.length).toBeGreaterThan(0);
    expect(hasUndefinedMember(referral)).toBe(false);
    for (const p of referral.people) {
      if (p.nhsNumber !== undefined) expect(p.nhsNumber).toMatch(/^[0-9]{10}$/);
      if (p.address?.postcode !== undefined) expect(p.address.postcode).toMatch(/^[A-Z0-9]{2,4} [0-9][A-Z]{2}$/);
      for (const phone of [p.contact?.phone, p.contact?.otherPhone]) if (phone !== undefined) expect(phone).toMatch(/^\+[1-9][0-9]{7,14}$/);
    }
  });
});

describe('the canonical schema check itself', () => {
  it('rejects unnormalised values, unknown fields and a missing contactSafe', () => {
    const good = normalise('family.self-referral.submitted');
    const broken = (edit: (r: CanonicalReferral & Record<string, unknown>) => void): boolean => {
      const copy = structuredClone(good) as CanonicalReferral & Record<string, unknown>;
      edit(copy);
      return validateCanonical(copy);
    };
    expect(broken(() => undefined)).toBe(true);
    expect(broken((r) => (r.people[0]!.nhsNumber = '999 001 0005'))).toBe(false);
    expect(broken((r) => (r.people[0]!.contact = { phone: '07700 900481' }))).toBe(false);
    expect(broken((r) => (r.family.address = { lines: [], postcode: 'm14 5rx' }))).toBe(false);
    expect(broken((r) => (r.surprise = true))).toBe(false);
    expect(broken((r) => delete (r.family as Partial<CanonicalReferral['family']>).contactSafe)).toBe(false);
    expect(broken((r) => (r.needs = ['education', 'education']))).toBe(false);
  });
});

describe('feedback and unknown types', () => {
  it('isFeedbackType is true for exactly the four referral.* feedback types', () => {
    expect(FEEDBACK_TYPES).toEqual(['referral.acknowledged', 'referral.accepted', 'referral.declined', 'referral.closed']);
    for (const type of FEEDBACK_TYPES) expect(isFeedbackType(type)).toBe(true);
    for (const type of REFERRAL_SOURCE_TYPES) expect(isFeedbackType(type)).toBe(false);
    expect(isFeedbackType('referral.unknown')).toBe(false);
  });

  it.each([...FEEDBACK_TYPES])('%s is refused with a clear error', (type) => {
    const message = fixture(type);
    const run = () =>
      normaliseReferral({ type, data: message.data, messageId: 'm', referralId: 'r', sourcePartnerId: 'p', receivedAt: message.timestamp });
    expect(run).toThrow(ReferralNormaliseError);
    expect(run).toThrow(`${type} is referral feedback, not a referral`);
  });

  it("a family's feedback answer is neither a referral source nor referral feedback, and is refused", () => {
    // Every fixture type is either normalised, refused as referral feedback, or this one.
    const kinds = [...fixtures.keys()].filter((type) => !isReferralSourceType(type) && !isFeedbackType(type));
    expect(kinds).toEqual([FAMILY_FEEDBACK_TYPE]);
    const message = fixture(FAMILY_FEEDBACK_TYPE);
    const run = () =>
      normaliseReferral({ type: FAMILY_FEEDBACK_TYPE, data: message.data, messageId: 'm', referralId: 'r', sourcePartnerId: 'p', receivedAt: message.timestamp });
    expect(run).toThrow(ReferralNormaliseError);
    expect(run).toThrow("family.feedback.submitted is a family's feedback answer, not a referral");
    expect(run).not.toThrow(/kind|came back/);
  });

  it('refuses an unknown type and non-object data without echoing them', () => {
    const base = { messageId: 'm', referralId: 'r', sourcePartnerId: 'p', receivedAt: '2026-11-27T10:00:00Z' };
    expect(() => normaliseReferral({ ...base, type: 'secret.Danielle', data: {} })).toThrow(/^unknown message type/);
    expect(() => normaliseReferral({ ...base, type: 'secret.Danielle', data: {} })).not.toThrow(/Danielle/);
    expect(() => normaliseReferral({ ...base, type: 'vcs.referral.submitted', data: 'Danielle' })).toThrow('vcs.referral.submitted: data must be an object');
    expect(isReferralSourceType('toString')).toBe(false);
  });
});

describe('family.self-referral.submitted', () => {
  const referral = normalise('family.self-referral.submitted');

  it('keeps the household in order with bare NHS numbers, E.164 phones and the family postcode district', () => {
    expect(referral.people.map((p) => [p.personRef, p.role, p.givenName])).toEqual([
      ['p1', 'parent', 'Danielle'],
      ['p2', 'child', 'Tyler'],
      ['p3', 'child', 'Maisie'],
    ]);
    expect(person(referral, 'p1').nhsNumber).toBe('9990010005');
    expect(person(referral, 'p1').contact).toEqual({
      phone: '+447700900481',
      email: 'danielle.ashworth@example.org',
      preferredMethod: 'text',
      safeToContact: true,
    });
    expect(person(referral, 'p2')).toMatchObject({ schoolUrn: '105432', sen: true, healthConditions: ['Asthma'] });
    expect(referral.family).toMatchObject({
      address: { lines: ['14 Fictional Terrace'], town: 'Manchester', postcode: 'M14 5RX' },
      postcodeDistrict: 'M14',
      householdSize: 3,
      tenure: 'social-rent',
      contact: { phone: '+447700900481', contactTimes: 'Weekday mornings after school drop-off' },
      contactSafe: true,
    });
  });

  it('is routine, with the message needs in canonical order and the description as need summary', () => {
    expect(referral.urgency).toBe('routine');
    expect(referral.needs).toEqual(['education', 'family-relationships', 'financial-stability']);
    expect(referral.needSummary).toMatch(/^Tyler is struggling/);
    expect(referral.safeguardingConcern).toBe(false);
  });

  it('de-duplicates and orders needs', () => {
    const r = normalise('family.self-referral.submitted', (d) => (d.needs = ['financial-stability', 'education', 'employment', 'education']));
    expect(r.needs).toEqual(['education', 'financial-stability', 'employment']);
  });

  it('marks contact unsafe when anyone is not safe to contact or domestic abuse is a need', () => {
    const unsafePerson = normalise('family.self-referral.submitted', (d) => {
      const people = d.people as { contact?: Record<string, unknown> }[];
      people[0]!.contact!.safeToContact = false;
    });
    expect(unsafePerson.family.contactSafe).toBe(false);
    const abuse = normalise('family.self-referral.submitted', (d) => (d.needs = ['domestic-abuse']));
    expect(abuse.family.contactSafe).toBe(false);
  });

  it('leaves the district out for an NHS ZZ99 pseudo-postcode', () => {
    const r = normalise('family.self-referral.submitted', (d) => {
      d.household = { address: { line1: 'No fixed abode', postcode: 'zz99 3vz' }, noFixedAbode: true };
    });
    expect(r.family.address?.postcode).toBe('ZZ99 3VZ');
    expect(r.family.noFixedAbode).toBe(true);
    expect(r.family.postcodeDistrict).toBeUndefined();
  });
});

describe('police.domestic-abuse.notified (Operation Encompass)', () => {
  const referral = normalise('police.domestic-abuse.notified');

  it('puts the children first with their school URN, then the adults', () => {
    expect(referral.people.map((p) => [p.personRef, p.role, p.givenName, p.schoolUrn])).toEqual([
      ['p1', 'child', 'Kai', '105433'],
      ['p2', 'child', 'Ella', '105434'],
      ['p3', 'victim', 'Grace', undefined],
      ['p4', 'alleged-perpetrator', 'Daniel', undefined],
    ]);
  });

  it('carries presence, whereabouts and the voice of the child per child', () => {
    expect(referral.police?.childrenPresent).toEqual([
      {
        personRef: 'p1',
        present: true,
        whereabouts: 'In his bedroom upstairs',
        voiceOfChild: 'Said he was scared and wanted to go to school as normal.',
      },
      { personRef: 'p2', present: false, whereabouts: 'Staying with grandparent' },
    ]);
    expect(referral.police).toMatchObject({
      reference: 'GMP/26/112233',
      incidentAt: '2026-11-26T21:40:00+00:00',
      incidentLocation: 'Family home',
      circumstances: 'Verbal argument escalated; officers attended; one adult left the address.',
      riskLevel: 'medium',
      safeguardingInformation: 'Second incident reported this year.',
    });
  });

  it('is urgent, never safe to contact, with the domestic-abuse needs and the police reference', () => {
    expect(referral.urgency).toBe('urgent');
    expect(referral.family.contactSafe).toBe(false);
    expect(referral.needs).toEqual(['child-safety', 'domestic-abuse']);
    expect(referral.sourceReference).toBe('GMP/26/112233');
    expect(referral.referrer).toEqual({ name: 'PC A. Example', organisation: 'Greater Manchester Police', phone: '+441614960001' });
    // Offence data stays in the police block, not the general need summary.
    expect(referral.needSummary).toBeUndefined();
  });

  it('records an electively home-educated child on the person', () => {
    const r = normalise('police.domestic-abuse.notified', (d) => {
      (d.children as Record<string, unknown>[])[1]!.electivelyHomeEducated = true;
    });
    expect(person(r, 'p2').electivelyHomeEducated).toBe(true);
  });
});

describe('police.vulnerability.referred', () => {
  it('is high urgency for high risk or suspected significant harm, otherwise medium', () => {
    expect(normalise('police.vulnerability.referred').urgency).toBe('high');
    const significantHarmOnly = normalise('police.vulnerability.referred', (d) => (d.riskLevel = 'medium'));
    expect(significantHarmOnly.urgency).toBe('high');
    const medium = normalise('police.vulnerability.referred', (d) => {
      d.riskLevel = 'medium';
      d.significantHarmSuspected = false;
    });
    expect(medium.urgency).toBe('medium');
  });

  it('maps the people, concern and district, and infers needs from concern types when none are sent', () => {
    const r = normalise('police.vulnerability.referred');
    expect(r.people.map((p) => [p.personRef, p.role])).toEqual([
      ['p1', 'child'],
      ['p2', 'parent'],
    ]);
    expect(person(r, 'p2').contact?.phone).toBe('+441614960123');
    expect(r.family.postcodeDistrict).toBe('M40');
    expect(r.police).toMatchObject({ concernType: 'child-criminal-exploitation', concernTypes: ['child-criminal-exploitation', 'missing-from-home'] });
    expect(r.needs).toEqual(['child-safety', 'crime']);
    const inferred = normalise('police.vulnerability.referred', (d) => {
      delete d.needs;
      d.concernTypes = ['domestic-abuse', 'substance-use'];
    });
    expect(inferred.needs).toEqual(['substance-use', 'domestic-abuse']);
    expect(inferred.family.contactSafe).toBe(false);
  });
});

describe('education.early-help.requested', () => {
  const referral = normalise('education.early-help.requested');

  it('maps the child with UPN, school URN and coded ethnicity, then the parents', () => {
    expect(person(referral, 'p1')).toMatchObject({
      role: 'child',
      givenName: 'Amira',
      upn: 'H801200001001',
      schoolUrn: '105435',
      ethnicity: { system: 'dfe-ethnicity', code: 'APKN' },
      sex: { system: 'dfe-sex', code: 'F' },
      sen: true,
    });
    expect(person(referral, 'p2')).toMatchObject({ role: 'parent', givenName: 'Bilal', contact: { phone: '+447700900123' } });
    expect(person(referral, 'p3').givenName).toBe('Nadia');
  });

  it('carries attendance, exclusions, SEN, the DSL and the voice of the child', () => {
    expect(referral.education).toEqual({
      schoolUrn: '105435',
      schoolName: 'Example Park Primary School',
      attendancePercent: 84.5,
      persistentlyAbsent: true,
      exclusions: 1,
      senStatus: 'sen-support',
      senPrimaryNeed: 'SEMH',
      freeSchoolMeals: true,
      designatedSafeguardingLead: { name: 'Mrs C. Example', phone: '+441614960456', email: 'dsl@example-park.example.org' },
      voiceOfChild: "I get tired and I don't want to come in some days.",
    });
    expect(referral.needs).toEqual(['education', 'health']);
    expect(referral.needSummary).toMatch(/^Attendance has dropped/);
    expect(referral.urgency).toBe('routine');
  });

  it('takes the school URN from the school when the child has none', () => {
    expect(person(referral, 'p1').schoolUrn).toBe('105435');
  });
});

describe('health.gp.referred (FHIR Bundle)', () => {
  const referral = normalise('health.gp.referred');

  it('maps the UK Core Patient: bare NHS number, verification, ethnic category, sex, address, telecom, GP', () => {
    expect(referral.people).toHaveLength(1);
    expect(person(referral, 'p1')).toEqual({
      personRef: 'p1',
      role: 'adult',
      givenName: 'Chloe',
      familyName: 'Brennan',
      dateOfBirth: '1995-07-19',
      sex: { system: 'nhs-stated-gender', code: '2' },
      nhsNumber: '9990010048',
      nhsNumberVerificationStatus: '01',
      ethnicity: { system: 'nhs-ethnic-category', code: 'B' },
      contact: { phone: '+447700900222', email: 'chloe.brennan@example.org' },
      address: { lines: ['22 Sample Street'], town: 'Manchester', postcode: 'M13 9PL' },
      gpOdsCode: 'P84999',
    });
    expect(referral.family).toMatchObject({ postcodeDistrict: 'M13', contactSafe: true });
  });

  it('keeps the clinical reasons in the health block, not in the need summary', () => {
    expect(referral.health).toEqual({
      practiceOdsCode: 'P84999',
      concern: 'Low mood after the birth of her second child\nWould welcome parenting and practical support; happy to be contacted by text.',
      reasonCodes: [{ system: 'http://snomed.info/sct', code: '35489007' }],
      priority: 'routine',
    });
    expect(referral.needSummary).toBeUndefined();
    expect(referral.needs).toEqual(['health']);
    expect(referral.urgency).toBe('routine');
  });

  function withBundle(edit: (entries: { resource: Record<string, unknown> }[]) => void): CanonicalReferral {
    return normalise('health.gp.referred', (d) => edit((d.bundle as { entry: { resource: Record<string, unknown> }[] }).entry));
  }

  it('is urgent for urgent, asap and stat priorities', () => {
    for (const priority of ['urgent', 'asap', 'stat']) {
      expect(withBundle((entries) => (entries[1]!.resource.priority = priority)).urgency).toBe('urgent');
    }
  });

  it('finds the Patient wherever it sits, strips spaces from the NHS number and spots a child', () => {
    const r = withBundle((entries) => {
      entries.reverse();
      const patient = entries[1]!.resource;
      (patient.identifier as { value: string }[])[0]!.value = '943 476 5919';
      patient.birthDate = '2015-01-01';
      patient.address = [{ use: 'home', line: ['1 Test Row'], postalCode: 'm1 1ae' }];
    });
    expect(person(r, 'p1')).toMatchObject({ nhsNumber: '9434765919', role: 'child', address: { postcode: 'M1 1AE' } });
    expect(r.family.postcodeDistrict).toBe('M1');
  });

  it('throws a clear error when the bundle has no Patient', () => {
    const message = fixture('health.gp.referred');
    const bundle = message.data.bundle as { entry: { resource: { resourceType: string } }[] };
    bundle.entry = bundle.entry.filter((e) => e.resource.resourceType !== 'Patient');
    expect(() =>
      normaliseReferral({ type: message.type, data: message.data, messageId: 'm', referralId: 'r', sourcePartnerId: 'p', receivedAt: message.timestamp }),
    ).toThrow('health.gp.referred: the bundle holds no Patient resource');
  });
});

describe('health.health-visitor.concern-raised', () => {
  const referral = normalise('health.health-visitor.concern-raised');

  it('maps the child and parent with bare NHS numbers and takes the district from the parent address', () => {
    expect(person(referral, 'p1')).toMatchObject({ role: 'child', givenName: 'Oliver', nhsNumber: '9990010056' });
    expect(person(referral, 'p2')).toMatchObject({ role: 'parent', nhsNumber: '9990010064', ethnicity: { system: 'nhs-ethnic-category', code: 'D' } });
    expect(referral.family.postcodeDistrict).toBe('M16');
    expect(referral.health).toMatchObject({ teamName: 'Central Manchester Health Visiting', teamOdsCode: 'RW3', priority: 'routine' });
    expect(referral.health?.concern).toMatch(/^Mum reports low mood/);
    expect(referral.needSummary).toBeUndefined();
  });

  it('follows the concern urgency', () => {
    expect(referral.urgency).toBe('routine');
    const urgent = normalise('health.health-visitor.concern-raised', (d) => ((d.concern as Record<string, unknown>).urgency = 'urgent'));
    expect(urgent.urgency).toBe('urgent');
  });

  it('infers health and early years (plus what the categories make obvious) when no needs are sent', () => {
    expect(referral.needs).toEqual(['early-years', 'health']);
    const inferred = normalise('health.health-visitor.concern-raised', (d) => {
      delete d.needs;
      (d.concern as Record<string, unknown>).categories = ['domestic-abuse', 'feeding-or-growth'];
    });
    expect(inferred.needs).toEqual(['early-years', 'health', 'domestic-abuse']);
    expect(inferred.family.contactSafe).toBe(false);
  });
});

describe('housing.tenancy-risk.notified', () => {
  const referral = normalise('housing.tenancy-risk.notified');

  it('maps tenants then household members, the property as the family address, and the tenancy', () => {
    expect(referral.people.map((p) => p.givenName)).toEqual(['Marek', 'Ewa', 'Zofia', 'Adam']);
    expect(person(referral, 'p1').contact).toEqual({ phone: '+447700900444', email: 'marek.nowak@example.org', preferredMethod: 'email' });
    expect(referral.family).toMatchObject({
      address: { lines: ['41 Specimen Avenue'], postcode: 'M11 4DQ', uprn: '77001234' },
      postcodeDistrict: 'M11',
      householdSize: 4,
      contactSafe: true,
    });
    expect(referral.sourceReference).toBe('TEN-004512');
    expect(referral.housing).toMatchObject({ tenancyReference: 'TEN-004512', arrearsPence: 184250, noticeType: 'section-8', noticeDate: '2026-11-10' });
  });

  it('is high when the eviction date is within 14 days of receipt, else routine', () => {
    expect(referral.urgency).toBe('routine');
    const setEviction = (date: string) => (d: Record<string, unknown>) => ((d.notice as Record<string, unknown>).evictionDate = date);
    expect(normalise('housing.tenancy-risk.notified', setEviction('2026-12-04'), '2026-11-20T09:00:00Z').urgency).toBe('high');
    expect(normalise('housing.tenancy-risk.notified', setEviction('2026-12-05'), '2026-11-20T09:00:00Z').urgency).toBe('routine');
    expect(normalise('housing.tenancy-risk.notified', setEviction('2026-11-18'), '2026-11-20T09:00:00Z').urgency).toBe('high');
  });

  it('infers housing, and financial stability for arrears, when no needs are sent', () => {
    expect(referral.needs).toEqual(['housing', 'financial-stability']);
    const inferred = normalise('housing.tenancy-risk.notified', (d) => delete d.needs);
    expect(inferred.needs).toEqual(['housing', 'financial-stability']);
    const noArrears = normalise('housing.tenancy-risk.notified', (d) => {
      delete d.needs;
      delete d.arrears;
      d.riskReasons = ['landlord-selling'];
    });
    expect(noArrears.needs).toEqual(['housing']);
  });
});

describe('dwp.jobcentre.referred', () => {
  it('maps the adult and the employment need, in canonical need order', () => {
    const r = normalise('dwp.jobcentre.referred');
    expect(person(r, 'p1')).toMatchObject({ role: 'parent', givenName: 'Shanice', contact: { phone: '+447700900555', safeToContact: true } });
    expect(r.employment).toEqual({
      goal: 'Part-time retail work within school hours',
      barriers: ['childcare', 'confidence'],
      currentStatus: 'unemployed',
      jobcentreOffice: 'Manchester Example Jobcentre',
      householdChildrenCount: 2,
    });
    expect(r.needs).toEqual(['financial-stability', 'employment']);
    expect(r.urgency).toBe('routine');
    expect(r.family.postcodeDistrict).toBe('M9');
    expect(normalise('dwp.jobcentre.referred', (d) => (d.needs = [])).needs).toEqual(['financial-stability', 'employment']);
  });
});

describe('victim-support.referral.submitted', () => {
  const referral = normalise('victim-support.referral.submitted');

  it('is medium urgency, unsafe to contact for domestic abuse, with the safe-contact arrangement', () => {
    expect(referral.urgency).toBe('medium');
    expect(referral.family.contactSafe).toBe(false);
    expect(referral.victim).toEqual({
      crimeType: 'domestic-abuse',
      crimeReference: 'GMP/26/778899',
      reportedToPolice: true,
      riskLevel: 'medium',
      safeContact: { phone: '+447700900666', contactTimes: 'Weekdays 10:00-14:00', canLeaveMessage: false },
      summary: 'Ex-partner continues to turn up at the address; victim would like support for herself and her daughter.',
    });
    expect(referral.needSummary).toBeUndefined();
    expect(referral.people.map((p) => [p.personRef, p.role])).toEqual([
      ['p1', 'victim'],
      ['p2', 'child'],
    ]);
  });

  it('treats a no-messages safe-contact arrangement as unsafe even for other crimes', () => {
    const r = normalise('victim-support.referral.submitted', (d) => {
      d.crimeType = 'burglary';
      d.needs = ['housing'];
    });
    expect(r.family.contactSafe).toBe(false);
    const messagesOk = normalise('victim-support.referral.submitted', (d) => {
      d.crimeType = 'burglary';
      d.needs = ['housing'];
      (d.safeContact as Record<string, unknown>).canLeaveMessage = true;
    });
    expect(messagesOk.family.contactSafe).toBe(true);
  });
});

describe('justice.youth-justice.notified', () => {
  const referral = normalise('justice.youth-justice.notified');

  it('is high for high or very high risk of serious harm, else medium', () => {
    expect(referral.urgency).toBe('medium');
    for (const rosh of ['high', 'very-high']) {
      const r = normalise('justice.youth-justice.notified', (d) => ((d.risk as Record<string, unknown>).riskOfSeriousHarm = rosh));
      expect(r.urgency).toBe('high');
    }
  });

  it('keeps order, risk and summary in the justice block, and infers crime when no needs are sent', () => {
    expect(person(referral, 'p1')).toMatchObject({ role: 'young-person', schoolUrn: '105436', address: { postcode: 'M22 5RX' } });
    expect(person(referral, 'p2').contact).toEqual({ phone: '+441614960777' });
    expect(referral.justice).toMatchObject({ service: 'youth-justice', order: 'referral-order', offenceCategory: 'criminal-damage', riskOfSeriousHarm: 'low' });
    expect(referral.justice?.summary).toMatch(/^First order/);
    expect(referral.needSummary).toBeUndefined();
    expect(referral.needs).toEqual(['education', 'crime']);
    expect(normalise('justice.youth-justice.notified', (d) => delete d.needs).needs).toEqual(['crime']);
  });
});

describe('social-care.step-down.requested', () => {
  it('maps the household, case reference, agencies involved and reason', () => {
    const r = normalise('social-care.step-down.requested');
    expect(r.people.map((p) => [p.personRef, p.givenName, p.nhsNumber])).toEqual([
      ['p1', 'Laura', undefined],
      ['p2', 'Freya', '9990010072'],
      ['p3', 'Noah', '9990010080'],
    ]);
    expect(r.sourceReference).toBe('CSC-2026-004411');
    expect(r.agenciesInvolved).toEqual(['Example Primary School', 'Health visiting']);
    expect(r.socialCare).toMatchObject({ caseReference: 'CSC-2026-004411', decision: 'step-down-to-early-help', previousInvolvement: 'child-in-need' });
    expect(r.needSummary).toMatch(/^Child in need plan goals met/);
    expect(r.needs).toEqual(['education', 'family-relationships']);
    expect(r.family).toMatchObject({ postcodeDistrict: 'M19', householdSize: 3, tenure: 'private-rent' });
    expect(r.urgency).toBe('routine');
  });
});

describe('vcs.referral.submitted', () => {
  it('maps the subject and other people, the organisation and the description', () => {
    const r = normalise('vcs.referral.submitted');
    expect(person(r, 'p1')).toMatchObject({ givenName: 'Abdi', language: 'so', interpreterRequired: true, contact: { phone: '+441614960999' } });
    expect(person(r, 'p2').givenName).toBe('Hodan');
    expect(r.vcs).toEqual({ organisation: 'Example Community Family Hub', charityNumber: '1234567' });
    expect(r.needs).toEqual(['housing', 'financial-stability']);
    expect(r.needSummary).toMatch(/^Family recently moved/);
    expect(r.family.postcodeDistrict).toBe('M12');
    expect(r.urgency).toBe('routine');
  });
});
