import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { payloadBytes, randomSecret, sampleMinimisedPayload, startFhirServer, type FhirServer } from '@hub/testing';
import type { MinimisedReferralPayload } from './fhir-bundle.ts';
import { NHS_NUMBER_SYSTEM, toFhirTransactionBundle } from './fhir-bundle.ts';
import type { FhirValidationIssue } from './fhir-schema.ts';
import { createFhirAdapter } from './fhir-adapter.ts';
import type { OutboundDelivery } from '../types.ts';

const deliveryOf = (payload: MinimisedReferralPayload): OutboundDelivery => ({
  deliveryId: payload.deliveryId,
  partnerId: 'gp-practice',
  referralId: payload.referralId,
  urgency: payload.urgency ?? 'routine',
  payload: payloadBytes(payload),
});

describe('FHIR adapter against the FHIR server simulator', () => {
  let server: FhirServer;
  const invalid: FhirValidationIssue[][] = [];
  beforeAll(async () => {
    server = await startFhirServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    invalid.length = 0;
  });
  const adapter = (timeoutMs = 5_000) =>
    createFhirAdapter({ url: server.urlFor('gp-practice'), timeoutMs, allowHttp: true, authHeader: 'Bearer test-token', onInvalid: ({ issues }) => invalid.push(issues) });

  it('POSTs a schema-valid transaction Bundle that the server accepts', async () => {
    const payload = sampleMinimisedPayload();
    const result = await adapter().send(deliveryOf(payload));
    expect(result).toMatchObject({ kind: 'delivered', status: 200 });
    expect(result.kind === 'delivered' && result.receipt).toMatch(/^ServiceRequest\/\d+\/_history\/1$/);
    const [got] = server.received;
    expect(got).toMatchObject({ path: '/fhir/gp-practice', partnerId: 'gp-practice', requestId: payload.deliveryId, contentType: 'application/fhir+json', status: 200, problems: [] });
    expect(got!.body).toEqual(toFhirTransactionBundle(payload));
    expect(got!.headers.authorization).toBe('Bearer test-token');
    expect(got!.headers['webhook-signature']).toBeUndefined();
    // UK Core: the NHS number travels under the NHS number system.
    expect(JSON.stringify(got!.body)).toContain(`{"system":"${NHS_NUMBER_SYSTEM}","value":"9990000050",`);
  });

  it('signs the Bundle bytes with Standard Webhooks when the partner has a secret', async () => {
    const secret = randomSecret();
    const payload = sampleMinimisedPayload();
    const signed = createFhirAdapter({ url: server.url, timeoutMs: 5_000, allowHttp: true, secret });
    expect(await signed.send(deliveryOf(payload))).toMatchObject({ kind: 'delivered' });
    const [got] = server.received;
    const h = got!.headers;
    expect(h['webhook-id']).toBe(payload.deliveryId);
    const headers = { 'webhook-id': String(h['webhook-id']), 'webhook-timestamp': String(h['webhook-timestamp']), 'webhook-signature': String(h['webhook-signature']) };
    expect(() => new Webhook(secret).verify(got!.raw, headers)).not.toThrow();
  });

  it('never sends a Bundle that fails the schema: permanent FHIR_INVALID, nothing received', async () => {
    const payload = sampleMinimisedPayload();
    payload.people![0]!.dateOfBirth = '2016-13-45'; // tampered: not a FHIR date
    expect(await adapter().send(deliveryOf(payload))).toEqual({ kind: 'permanent', code: 'FHIR_INVALID' });
    expect(invalid).toEqual([[{ pointer: '/entry/0/resource/birthDate', keyword: 'pattern' }]]);
    expect(server.received).toHaveLength(0);
  });

  it('never sends a payload it cannot map: permanent PAYLOAD_INVALID', async () => {
    const payload = sampleMinimisedPayload({ people: [] });
    expect(await adapter().send(deliveryOf(payload))).toEqual({ kind: 'permanent', code: 'PAYLOAD_INVALID' });
    const mismatched = { ...deliveryOf(sampleMinimisedPayload()), deliveryId: 'another-delivery' };
    expect(await adapter().send(mismatched)).toEqual({ kind: 'permanent', code: 'PAYLOAD_INVALID' });
    expect(server.received).toHaveLength(0);
  });

  it('classifies the server’s answers like the webhook channel', async () => {
    server.script({ status: 503, retryAfter: 30 }, '/fhir/gp-practice');
    server.script({ status: 422 }, '/fhir/gp-practice');
    server.script({ status: 410 }, '/fhir/gp-practice');
    const d = deliveryOf(sampleMinimisedPayload());
    expect(await adapter().send(d)).toEqual({ kind: 'retry', code: 'HTTP_503', status: 503, retryAfterMs: 30_000 });
    expect(await adapter().send(d)).toEqual({ kind: 'permanent', code: 'HTTP_422', status: 422 });
    expect(await adapter().send(d)).toEqual({ kind: 'gone', code: 'HTTP_410', status: 410 });
    server.script({ status: 200, hang: true }, '/fhir/gp-practice');
    expect(await adapter(300).send(d)).toEqual({ kind: 'retry', code: 'TIMEOUT' });
  });

  it('the simulator refuses a Bundle with an NHS number under another system (400 OperationOutcome)', async () => {
    const bundle = toFhirTransactionBundle(sampleMinimisedPayload()) as unknown as { entry: { resource: { identifier?: { system: string }[] } }[] };
    bundle.entry[0]!.resource.identifier![0]!.system = 'https://example.org/nhs';
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(bundle) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ resourceType: 'OperationOutcome' });
    expect(server.received[0]!.problems).toEqual([`/entry/0/resource/identifier/0/system: an NHS number needs ${NHS_NUMBER_SYSTEM}`]);
  });

  it('refuses plain http unless allowed', () => {
    expect(() => createFhirAdapter({ url: 'http://127.0.0.1:1/fhir', timeoutMs: 1_000, allowHttp: false })).toThrow(/https/);
  });
});
