import { describe, expect, it } from 'vitest';
import { FhirMappingError } from './fhir-bundle.ts';
import { toFhirRectificationBundle } from './fhir-rectification.ts';
import { validateFhirR4 } from './fhir-schema.ts';

const message = {
  schema: 'https://schemas.early-help-hub.org/outbound/referral-rectified/v1.json',
  type: 'referral.rectified',
  rectificationId: 'r-1',
  referralId: '0190a1b2-0000-7000-8000-000000000001',
  deliveryId: '0190a1b2-0000-7000-8000-000000000002',
  rectifiesDeliveryId: '0190a1b2-0000-7000-8000-000000000003',
  recipient: 'mft-health-visiting',
  purpose: 'rectification',
  lawfulBasis: { art6: 'public-task' },
  reasonCategory: 'verified-record',
  correctedAt: '2026-06-01T12:00:00.000Z',
  correction: { personRef: 'p1', field: '/contact/email', pointer: '/people/0/contact/email', value: 'corrected.canary@example.org' },
};

describe('toFhirRectificationBundle', () => {
  it('is a valid R4 transaction of one Communication about the recipient’s own ServiceRequest, the value only in the attachment', () => {
    const bytes = Buffer.from(JSON.stringify(message));
    const bundle = toFhirRectificationBundle(bytes);
    expect(validateFhirR4(bundle)).toEqual({ valid: true });
    expect(bundle.entry).toHaveLength(1);
    const communication = bundle.entry[0]!.resource as unknown as { about: { identifier: { value: string } }[]; payload: { contentString?: string; contentAttachment?: { data: string } }[] };
    expect(bundle.entry[0]!.request).toEqual({ method: 'POST', url: 'Communication', ifNoneExist: `identifier=urn:early-help-hub:delivery-id|${message.deliveryId}` });
    expect(communication.about[0]?.identifier.value).toBe(message.rectifiesDeliveryId);
    expect(communication.payload[0]?.contentString).not.toContain('canary');
    expect(Buffer.from(communication.payload[1]!.contentAttachment!.data, 'base64').equals(bytes)).toBe(true);
    // Rebuilding gives the same Bundle (a resend creates nothing twice).
    expect(toFhirRectificationBundle(bytes)).toEqual(bundle);
  });

  it('refuses a payload that is not a referral.rectified message', () => {
    expect(() => toFhirRectificationBundle(Buffer.from('{"type":"referral"}'))).toThrow(FhirMappingError);
    expect(() => toFhirRectificationBundle(Buffer.from('not json'))).toThrow(FhirMappingError);
  });
});
