import { describe, expect, it } from 'vitest';
import type { CanonicalReferral } from './canonical.ts';
import { applyCorrection, CORRECTABLE_PERSON_FIELDS, correctableField, correctedValue, deliveredPointer, rectifiedPayload, RectifiedPayloadError } from './rectified.ts';

const now = new Date('2026-06-01T12:00:00Z');
const field = (pointer: string) => correctableField(pointer)!;
const check = (pointer: string, typed: string) => correctedValue(field(pointer), typed, { now, allowTestNhsNumbers: false });

describe('correctedValue', () => {
  it('normalises what it accepts', () => {
    expect(check('/contact/phone', '07700 900 123')).toEqual({ value: '+447700900123' });
    expect(check('/address/postcode', ' m14  5rx ')).toEqual({ value: 'M14 5RX' });
    expect(check('/nhsNumber', '943 476 5919')).toEqual({ value: '9434765919' });
    expect(check('/address/lines', ' 14 Fictional Terrace \n\n Flat 2 ')).toEqual({ value: ['14 Fictional Terrace', 'Flat 2'] });
    expect(check('/dateOfBirth', '2016-10-03')).toEqual({ value: '2016-10-03' });
    expect(check('/contact/email', 'a.b@example.org')).toEqual({ value: 'a.b@example.org' });
  });

  it('refuses bad values with a problem that never echoes them', () => {
    const cases: [string, string][] = [
      ['/contact/phone', '12345'],
      ['/address/postcode', 'M14'],
      ['/nhsNumber', '943 476 5918'],
      ['/nhsNumber', '999 001 0005'],
      ['/dateOfBirth', '2016-02-30'],
      ['/dateOfBirth', '2027-01-01'],
      ['/contact/email', 'not-an-email'],
      ['/givenName', 'x'.repeat(101)],
    ];
    for (const [pointer, typed] of cases) {
      const result = check(pointer, typed);
      expect('problem' in result, `${pointer}`).toBe(true);
      if ('problem' in result) expect(result.problem).not.toContain(typed);
    }
  });

  it('treats an empty value as a removal, except for the names', () => {
    expect(check('/contact/phone', '  ')).toEqual({ value: null });
    expect(check('/givenName', '')).toHaveProperty('problem');
    expect(CORRECTABLE_PERSON_FIELDS.filter((f) => !f.removable).map((f) => f.pointer)).toEqual(['/givenName', '/familyName']);
  });
});

describe('applyCorrection', () => {
  const referral = { people: [{ personRef: 'p1', role: 'parent', givenName: 'A', familyName: 'B', contact: { phone: '+447700900481' } }, { personRef: 'p2', role: 'child', givenName: 'C', familyName: 'B' }] } as unknown as CanonicalReferral;

  it('returns a corrected copy and the old value, leaving the input alone', () => {
    const out = applyCorrection(referral, 'p1', field('/contact/phone'), '+447700900999');
    expect(out.oldValue).toBe('+447700900481');
    expect(out.referral.people[0]?.contact?.phone).toBe('+447700900999');
    expect(referral.people[0]?.contact?.phone).toBe('+447700900481');
  });

  it('creates a missing container, and removes a value', () => {
    const added = applyCorrection(referral, 'p2', field('/address/postcode'), 'M14 5RX');
    expect(added.oldValue).toBeNull();
    expect(added.referral.people[1]?.address).toEqual({ lines: [], postcode: 'M14 5RX' });
    const removed = applyCorrection(referral, 'p1', field('/contact/phone'), null);
    expect(removed.referral.people[0]?.contact).toEqual({});
  });
});

describe('deliveredPointer', () => {
  const payload = Buffer.from(JSON.stringify({ people: [{ personRef: 'p2', role: 'child', givenName: 'C' }, { personRef: 'p1', role: 'parent', contact: {} }] }));

  it('maps the person to their index in the recipient’s own payload, when its ledger fields cover the field', () => {
    expect(deliveredPointer({ payload, fields: ['/people/0/givenName', '/people/1/contact'] }, 'p1', field('/contact/phone'))).toBe('/people/1/contact/phone');
    expect(deliveredPointer({ payload, fields: ['/people/0/givenName', '/people/1/contact'] }, 'p2', field('/givenName'))).toBe('/people/0/givenName');
    expect(deliveredPointer({ payload, fields: ['/people/1'] }, 'p1', field('/address/lines'))).toBe('/people/1/address/lines');
  });

  it('is null for a field or person the recipient never received', () => {
    expect(deliveredPointer({ payload, fields: ['/people/0/givenName', '/people/1/contact'] }, 'p2', field('/dateOfBirth'))).toBeNull();
    expect(deliveredPointer({ payload, fields: ['/people/0/givenName'] }, 'p3', field('/givenName'))).toBeNull();
    // A field that is only a prefix of the name (`/people/1/cont`) covers nothing.
    expect(deliveredPointer({ payload, fields: ['/people/1/cont'] }, 'p1', field('/contact/phone'))).toBeNull();
  });
});

describe('rectifiedPayload', () => {
  const base = {
    rectificationId: 'r-1',
    referralId: 'ref-1',
    deliveryId: 'd-2',
    rectifiesDeliveryId: 'd-1',
    recipient: 'st-marys-primary',
    lawfulBasis: { art6: 'public-task' },
    reasonCategory: 'data-subject-request' as const,
    correctedAt: '2026-06-01T12:00:00.000Z',
    correction: { personRef: 'p2', field: '/dateOfBirth', pointer: '/people/0/dateOfBirth', value: '2016-10-03' },
  };

  it('builds a message its outbound schema accepts', () => {
    expect(rectifiedPayload(base)).toMatchObject({ type: 'referral.rectified', purpose: 'rectification', schema: 'https://schemas.early-help-hub.org/outbound/referral-rectified/v1.json' });
    expect(rectifiedPayload({ ...base, correction: { ...base.correction, value: null } }).correction.value).toBeNull();
  });

  it('refuses one the schema does not (naming the pointer, not the value)', () => {
    expect(() => rectifiedPayload({ ...base, correction: { ...base.correction, field: '/healthConditions' } })).toThrow(RectifiedPayloadError);
    expect(() => rectifiedPayload({ ...base, reasonCategory: 'because' as never })).toThrow(/reasonCategory/);
  });
});
