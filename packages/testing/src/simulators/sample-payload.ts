import { randomUUID } from 'node:crypto';
import type { MinimisedReferralPayload } from '@hub/adapters';

/**
 * A minimised referral payload as the router would build it for a recipient with a wide
 * agreement (child + parent, NHS numbers, contact): for adapter tests and the demo. All values
 * are test data: NHS numbers from the 999 test range, Ofcom drama phone numbers.
 */
export function sampleMinimisedPayload(overrides: Partial<MinimisedReferralPayload> = {}): MinimisedReferralPayload {
  return {
    referralId: randomUUID(),
    deliveryId: randomUUID(),
    purpose: 'early-help-assessment',
    lawfulBasis: { art6: 'public-task', art9: 'substantial-public-interest', sch1Paragraph: '18' },
    urgency: 'routine',
    needs: ['health', 'education'],
    needSummary: 'Family would like support with school attendance and health appointments.',
    people: [
      {
        personRef: 'p1',
        role: 'child',
        givenName: 'Amelia',
        familyName: 'Testchild',
        dateOfBirth: '2016-04-12',
        sex: { system: 'dfe-sex', code: 'F' },
        nhsNumber: '9990000050',
        nhsNumberVerificationStatus: '01',
        gpOdsCode: 'Y00001',
        address: { lines: ['1 Example Street'], town: 'Manchester', postcode: 'M1 1AE' },
      },
      {
        personRef: 'p2',
        role: 'parent',
        givenName: 'Jordan',
        familyName: 'Testparent',
        dateOfBirth: '1988-09-30',
        sex: { system: 'nhs-stated-gender', code: '9' },
        preferredName: 'Jo',
        language: 'pl',
        contact: { phone: '+447700900123', email: 'parent@example.org' },
      },
    ],
    health: { concern: 'Missed developmental checks.', reasonCodes: [{ system: 'http://snomed.info/sct', code: '764841000000100', display: 'Looked after child' }] },
    ...overrides,
  };
}

/** The payload as the exact bytes an adapter is handed. */
export function payloadBytes(payload: MinimisedReferralPayload): Buffer {
  return Buffer.from(JSON.stringify(payload), 'utf8');
}
