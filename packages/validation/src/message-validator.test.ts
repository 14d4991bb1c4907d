import { describe, expect, it } from 'vitest';
import { fixtureBody } from '../../../test/fixtures/bad-input-corpus.ts';
import { createMessageValidator } from './message-validator.ts';
import type { ValidationIssue } from './issues.ts';

const strict = createMessageValidator({ allowTestNhsNumbers: false });
const demo = createMessageValidator({ allowTestNhsNumbers: true });
const now = new Date('2026-11-29T12:00:00Z');

type Json = Record<string, unknown>;

function dataOf(type: string): Json {
  return fixtureBody(type).data as Json;
}

function codes(issues: ValidationIssue[]): string[] {
  return issues.map((i) => `${i.pointer} ${i.code}`);
}

describe('createMessageValidator', () => {
  it('knows the 17 types and their schema ids', () => {
    expect(demo.knownTypes()).toHaveLength(17);
    expect(demo.schemaIdFor('health.gp.referred')).toBe('https://schemas.early-help-hub.org/inbound/health.gp.referred/v1.json');
    expect(() => demo.schemaIdFor('no.such.type')).toThrow();
  });

  it('returns the envelope on success and issues on failure', () => {
    const body = fixtureBody('referral.closed');
    expect(demo.validateEnvelope(body)).toEqual({ ok: true, envelope: body });
    expect(demo.validateEnvelope('not an object')).toEqual({ ok: false, issues: [expect.objectContaining({ pointer: '', code: 'schema.type' })] });
    expect(demo.validateEnvelope(null)).toMatchObject({ ok: false });
  });

  it('reports an unknown type passed straight to validateMessage', () => {
    expect(codes(demo.validateMessage('no.such.type', {}))).toEqual(['/type message.unknown-type']);
  });

  it('runs domain rules only on schema-valid data', () => {
    const data = dataOf('family.self-referral.submitted');
    delete data.correlationId;
    ((data.people as Json[])[0] as Json).dateOfBirth = '2099-01-01';
    expect(codes(demo.validateMessage('family.self-referral.submitted', data, { now }))).toEqual(['/data/correlationId schema.required']);
  });
});

describe('NHS numbers', () => {
  it('rejects the 999 test range unless the hub allows it', () => {
    const data = dataOf('health.health-visitor.concern-raised');
    expect(codes(strict.validateMessage('health.health-visitor.concern-raised', data, { now }))).toEqual([
      '/data/child/nhsNumber nhs-number.test-range',
      '/data/parents/0/nhsNumber nhs-number.test-range',
    ]);
    expect(demo.validateMessage('health.health-visitor.concern-raised', data, { now })).toEqual([]);
  });

  it('accepts DOMAIN.md valid numbers in live mode, spaced or not', () => {
    const data = dataOf('health.health-visitor.concern-raised');
    (data.child as Json).nhsNumber = '943 476 5919';
    ((data.parents as Json[])[0] as Json).nhsNumber = '4010232137';
    expect(strict.validateMessage('health.health-visitor.concern-raised', data, { now })).toEqual([]);
  });

  it('finds NHS numbers inside the FHIR Bundle too', () => {
    expect(codes(strict.validateMessage('health.gp.referred', dataOf('health.gp.referred'), { now }))).toEqual([
      '/data/bundle/entry/0/resource/identifier/0/value nhs-number.test-range',
    ]);
  });
});

describe('postcodes', () => {
  it('accepts a ZZ99 pseudo-postcode when the household has no fixed abode', () => {
    const data = dataOf('social-care.step-down.requested');
    const household = data.household as Json;
    (household.address as Json).postcode = 'ZZ99 3VZ';
    expect(codes(demo.validateMessage('social-care.step-down.requested', data, { now }))).toEqual([
      '/data/household/address/postcode postcode.pseudo-without-nfa',
    ]);
    household.noFixedAbode = true;
    expect(demo.validateMessage('social-care.step-down.requested', data, { now })).toEqual([]);
  });

  it('accepts a ZZ99 pseudo-postcode when the person has no fixed abode', () => {
    const data = dataOf('vcs.referral.submitted');
    const subject = data.subject as Json;
    (subject.address as Json).postcode = 'zz99 3vz';
    subject.noFixedAbode = true;
    expect(demo.validateMessage('vcs.referral.submitted', data, { now })).toEqual([]);
  });

  it('accepts lower-case and oddly spaced postcodes (normalised before matching)', () => {
    const data = dataOf('dwp.jobcentre.referred');
    ((data.adult as Json).address as Json).postcode = '  m9   4wh ';
    expect(demo.validateMessage('dwp.jobcentre.referred', data, { now })).toEqual([]);
  });
});

describe('ages', () => {
  const type = 'education.early-help.requested';
  const withChild = (dob: string, extra: Json = {}): Json => {
    const data = dataOf(type);
    Object.assign(data.child as Json, { dateOfBirth: dob, sen: false }, extra);
    return data;
  };

  it('a child is under 18: the day before the 18th birthday passes, the birthday fails', () => {
    expect(demo.validateMessage(type, withChild('2008-11-30'), { now })).toEqual([]);
    expect(codes(demo.validateMessage(type, withChild('2008-11-29'), { now }))).toEqual(['/data/child/dateOfBirth dob.child-too-old']);
  });

  it('SEN or care-leaver status extends the limit to 25', () => {
    expect(demo.validateMessage(type, withChild('2003-01-01', { sen: true }), { now })).toEqual([]);
    expect(demo.validateMessage(type, withChild('2003-01-01', { careLeaver: true }), { now })).toEqual([]);
    expect(codes(demo.validateMessage(type, withChild('2001-11-29', { careLeaver: true }), { now }))).toEqual(['/data/child/dateOfBirth dob.child-too-old']);
  });

  it('a date of birth today is not in the future; tomorrow is', () => {
    expect(demo.validateMessage(type, withChild('2026-11-29'), { now })).toEqual([]);
    expect(codes(demo.validateMessage(type, withChild('2026-11-30'), { now }))).toEqual(['/data/child/dateOfBirth dob.future']);
  });

  it('the health visitor child must be under five', () => {
    const hv = 'health.health-visitor.concern-raised';
    const data = dataOf(hv);
    (data.child as Json).dateOfBirth = '2021-11-30';
    expect(demo.validateMessage(hv, data, { now })).toEqual([]);
    (data.child as Json).dateOfBirth = '2021-11-29';
    expect(codes(demo.validateMessage(hv, data, { now }))).toEqual(['/data/child/dateOfBirth dob.not-under-five']);
  });

  it('a parent may not be younger than any child in the message', () => {
    const data = dataOf(type);
    ((data.people as Json[])[1] as Json).dateOfBirth = '2014-01-23';
    expect(codes(demo.validateMessage(type, data, { now }))).toEqual(['/data/people/1/dateOfBirth dob.parent-younger-than-child']);
  });
});

describe('dates that must not be in the future', () => {
  it('tolerates five minutes of clock skew', () => {
    const data = dataOf('police.domestic-abuse.notified');
    (data.incident as Json).occurredAt = '2026-11-29T12:04:00Z';
    expect(demo.validateMessage('police.domestic-abuse.notified', data, { now })).toEqual([]);
    (data.incident as Json).occurredAt = '2026-11-29T12:06:00Z';
    expect(codes(demo.validateMessage('police.domestic-abuse.notified', data, { now }))).toEqual(['/data/incident/occurredAt date.future']);
  });
});

describe('lawful basis', () => {
  it('needs no Art 9 condition when no special-category field is present', () => {
    const data = dataOf('dwp.jobcentre.referred');
    expect(data.lawfulBasis).toEqual({ art6: 'public-task' });
    expect(demo.validateMessage('dwp.jobcentre.referred', data, { now })).toEqual([]);
  });

  it('treats an empty special-category list as absent', () => {
    const data = dataOf('dwp.jobcentre.referred');
    (data.adult as Json).healthConditions = [];
    expect(demo.validateMessage('dwp.jobcentre.referred', data, { now })).toEqual([]);
    (data.adult as Json).healthConditions = ['Back injury'];
    expect(codes(demo.validateMessage('dwp.jobcentre.referred', data, { now }))).toEqual(['/data/lawfulBasis/art9 lawful-basis.art9-required']);
  });

  it('does not need Schedule 1 for the social-protection condition', () => {
    const data = dataOf('family.self-referral.submitted');
    data.lawfulBasis = { art6: 'public-task', art9: 'social-protection' };
    expect(demo.validateMessage('family.self-referral.submitted', data, { now })).toEqual([]);
  });

  it('reports every missing basis at once', () => {
    const data = dataOf('justice.youth-justice.notified');
    (data.youngPerson as Json).ethnicity = { system: 'census-2021', code: 'mixed-white-and-black-caribbean' };
    data.lawfulBasis = { art6: 'consent' };
    expect(codes(demo.validateMessage('justice.youth-justice.notified', data, { now }))).toEqual([
      '/data/lawfulBasis/art9 lawful-basis.art9-required',
      '/data/lawfulBasis/art10 lawful-basis.art10-required',
      '/data/consent/status lawful-basis.consent-not-given',
    ]);
  });
});

describe('performance', () => {
  it('validates a full message in well under a millisecond on average', () => {
    const data = dataOf('health.gp.referred');
    const runs = 2000;
    const start = performance.now();
    for (let i = 0; i < runs; i++) demo.validateMessage('health.gp.referred', data);
    const perCall = (performance.now() - start) / runs;
    expect(perCall).toBeLessThan(1);
  });
});
