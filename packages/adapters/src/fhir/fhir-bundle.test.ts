import { describe, expect, it } from 'vitest';
import { sampleMinimisedPayload } from '@hub/testing';
import { FhirMappingError, NHS_NUMBER_SYSTEM, NHS_NUMBER_VERIFICATION_STATUS_EXTENSION, NHS_NUMBER_VERIFICATION_STATUS_SYSTEM, ODS_ORGANISATION_SYSTEM, UK_CORE_PATIENT_PROFILE, parseMinimisedPayload, toFhirTransactionBundle, type FhirResource } from './fhir-bundle.ts';
import { fhirR4ResourceTypes, validateFhirR4, warmFhirValidator } from './fhir-schema.ts';

const resources = (bundle: { entry: { resource: FhirResource }[] }, type: string): FhirResource[] => bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === type);

describe('the FHIR R4 schema validator', () => {
  it('compiles once, lazily, to HL7 R4’s 146 resource types (Medplum’s own removed)', () => {
    const first = warmFhirValidator();
    const second = warmFhirValidator();
    expect(second.compileMs).toBe(first.compileMs); // cached: not compiled again
    console.log(`FHIR R4 schema compiled in ${first.compileMs.toFixed(0)} ms`);
    expect(first.resourceTypes).toBe(146);
    const types = fhirR4ResourceTypes();
    expect(types.has('Patient') && types.has('ServiceRequest') && types.has('Bundle')).toBe(true);
    expect(types.has('Project') || types.has('Bot')).toBe(false);
  });

  it('rejects Medplum additions that are not FHIR R4', () => {
    expect(validateFhirR4({ resourceType: 'Bot', name: 'x' })).toEqual({ valid: false, issues: [{ pointer: '/resourceType', keyword: 'enum' }] });
    expect(validateFhirR4({ resourceType: 'Patient', meta: { project: 'x' } })).toEqual({ valid: false, issues: [{ pointer: '/meta', keyword: 'additionalProperties' }] });
    expect(validateFhirR4({ resourceType: 'Patient', generalPractitioner: [{ reference: 'Organization/1', resource: { resourceType: 'Organization' } }] }).valid).toBe(false);
    expect(validateFhirR4({ resourceType: 'Patient', meta: { profile: [UK_CORE_PATIENT_PROFILE] } })).toEqual({ valid: true });
  });

  it('reports a precise pointer inside a Bundle entry, never the value', () => {
    const result = validateFhirR4({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient', gender: 'Zebedee' } }] });
    expect(result).toEqual({ valid: false, issues: [{ pointer: '/entry/0/resource/gender', keyword: 'enum' }] });
    expect(JSON.stringify(result)).not.toContain('Zebedee');
  });
});

describe('toFhirTransactionBundle', () => {
  const payload = sampleMinimisedPayload({ urgency: 'high' });
  const bundle = toFhirTransactionBundle(payload);

  it('builds a transaction Bundle that passes the official FHIR R4 schema', () => {
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'transaction' });
    expect(validateFhirR4(bundle)).toEqual({ valid: true });
  });

  it('has one UK Core Patient per person, with the NHS number under the NHS number system', () => {
    const patients = resources(bundle, 'Patient');
    expect(patients).toHaveLength(2);
    const child = patients[0]!;
    expect(child).toMatchObject({
      meta: { profile: [UK_CORE_PATIENT_PROFILE] },
      identifier: [
        {
          system: NHS_NUMBER_SYSTEM,
          value: '9990000050',
          extension: [{ url: NHS_NUMBER_VERIFICATION_STATUS_EXTENSION, valueCodeableConcept: { coding: [{ system: NHS_NUMBER_VERIFICATION_STATUS_SYSTEM, code: '01' }] } }],
        },
      ],
      name: [{ use: 'official', family: 'Testchild', given: ['Amelia'] }],
      birthDate: '2016-04-12',
      gender: 'female',
      address: [{ use: 'home', line: ['1 Example Street'], city: 'Manchester', postalCode: 'M1 1AE' }],
      generalPractitioner: [{ identifier: { system: ODS_ORGANISATION_SYSTEM, value: 'Y00001' } }],
    });
    expect(patients[1]).toMatchObject({
      name: [{ use: 'official', family: 'Testparent', given: ['Jordan'] }, { use: 'usual', given: ['Jo'] }],
      communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'pl' }] } }],
    });
    expect(patients[1]).toMatchObject({ gender: 'other', telecom: [{ system: 'phone', value: '+447700900123' }, { system: 'email', value: 'parent@example.org' }] });
    expect(patients[1]!.identifier).toBeUndefined();
    expect(bundle.entry[0]!.request).toEqual({ method: 'POST', url: 'Patient', ifNoneExist: `identifier=${NHS_NUMBER_SYSTEM}|9990000050` });
    expect(bundle.entry[1]!.request).toEqual({ method: 'POST', url: 'Patient' });
  });

  it('has one ServiceRequest about the child, with priority, reasons, identifiers and notes', () => {
    const [sr] = resources(bundle, 'ServiceRequest');
    const last = bundle.entry.at(-1)!;
    expect(last.request).toMatchObject({ method: 'POST', url: 'ServiceRequest' });
    expect(sr).toMatchObject({
      status: 'active',
      intent: 'order',
      priority: 'asap',
      subject: { reference: bundle.entry[0]!.fullUrl },
      supportingInfo: [{ reference: bundle.entry[1]!.fullUrl, display: 'parent' }],
    });
    expect(bundle.entry[0]!.fullUrl).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(JSON.stringify(sr!.identifier)).toContain(payload.deliveryId);
    expect(JSON.stringify(sr!.identifier)).toContain(payload.referralId);
    expect(sr!.reasonCode).toEqual([
      { coding: [{ system: 'urn:early-help-hub:supporting-families-outcome', code: 'health', display: 'Improved mental and physical health' }], text: 'Improved mental and physical health' },
      { coding: [{ system: 'urn:early-help-hub:supporting-families-outcome', code: 'education', display: 'Getting a good education' }], text: 'Getting a good education' },
      { coding: [{ system: 'http://snomed.info/sct', code: '764841000000100', display: 'Looked after child' }] },
    ]);
    expect((sr!.note as { text: string }[]).map((n) => n.text)).toEqual([
      payload.needSummary,
      'Health concern: Missed developmental checks.',
      'Purpose: early-help-assessment. UK GDPR Art 6 basis: public-task. Art 9 condition: substantial-public-interest (DPA 2018 Schedule 1 paragraph 18).',
    ]);
  });

  it('maps urgency to priority and is deterministic for a resend', () => {
    const priority = (urgency: 'routine' | 'medium' | 'high' | 'urgent') => resources(toFhirTransactionBundle({ ...payload, urgency }), 'ServiceRequest')[0]!.priority;
    expect([priority('routine'), priority('medium'), priority('high'), priority('urgent')]).toEqual(['routine', 'urgent', 'asap', 'asap']);
    expect(JSON.stringify(toFhirTransactionBundle(payload))).toBe(JSON.stringify(bundle));
  });

  it('treats an empty optional string as absent (FHIR forbids empty strings)', () => {
    const b = toFhirTransactionBundle({ referralId: 'r1', deliveryId: 'd1', people: [{ personRef: 'p1', role: 'child', givenName: '', familyName: 'Test' }] });
    expect(validateFhirR4(b)).toEqual({ valid: true });
    expect(resources(b, 'Patient')[0]!.name).toEqual([{ use: 'official', family: 'Test' }]);
  });

  it('maps only what is present: a minimal payload gives a minimal valid Bundle', () => {
    const minimal = toFhirTransactionBundle({ referralId: 'r1', deliveryId: 'd1', people: [{ personRef: 'p1', role: 'adult', givenName: 'Sam' }] });
    expect(validateFhirR4(minimal)).toEqual({ valid: true });
    expect(resources(minimal, 'Patient')).toEqual([{ resourceType: 'Patient', meta: { profile: [UK_CORE_PATIENT_PROFILE] }, name: [{ use: 'official', given: ['Sam'] }] }]);
    const [sr] = resources(minimal, 'ServiceRequest');
    expect(sr!.priority).toBe('routine');
    expect(sr!.reasonCode).toBeUndefined();
    expect(sr!.note).toBeUndefined();
  });

  it('fails validation when tampered with', () => {
    const tampered = structuredClone(bundle) as unknown as { entry: { resource: Record<string, unknown> }[] };
    tampered.entry[0]!.resource.birthDate = '2016-13-45';
    expect(validateFhirR4(tampered)).toEqual({ valid: false, issues: [{ pointer: '/entry/0/resource/birthDate', keyword: 'pattern' }] });
    const noSubject = structuredClone(bundle) as unknown as { entry: { resource: Record<string, unknown> }[] };
    delete noSubject.entry.at(-1)!.resource.subject;
    expect(validateFhirR4(noSubject).valid).toBe(false);
  });

  it('refuses payloads it cannot map, naming the place and not the value', () => {
    expect(() => toFhirTransactionBundle({ referralId: 'r', deliveryId: 'd' })).toThrow(FhirMappingError);
    expect(() => toFhirTransactionBundle({ referralId: 'r', deliveryId: 'd', people: [{ personRef: 'p1', role: 'child', sex: { system: 'dfe-sex', code: 'Q' } }] })).toThrow(/\/people\/0\/sex/);
    expect(() => parseMinimisedPayload(Buffer.from('{"referralId":"r","deliveryId":"d","people":[{"personRef":"p1","role":"child","givenName":42}]}'))).toThrow(/\/people\/0\/givenName/);
    expect(() => parseMinimisedPayload(Buffer.from('not json Zebedee'))).toThrow(expect.objectContaining({ message: expect.not.stringContaining('Zebedee') }));
  });
});
