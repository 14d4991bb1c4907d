import { Webhook } from 'standardwebhooks';
import { assertDeliveryUrl, assertTimeout, postForDelivery } from '../http/http-delivery.ts';
import type { DeliveryAdapter, DeliveryResult, OutboundDelivery } from '../types.ts';
import { DEFAULT_IDENTIFIER_SYSTEMS, FhirMappingError, parseMinimisedPayload, toFhirTransactionBundle, type HubIdentifierSystems } from './fhir-bundle.ts';
import { toFhirRectificationBundle } from './fhir-rectification.ts';
import { validateFhirR4, type FhirValidationIssue } from './fhir-schema.ts';

export interface FhirAdapterOptions {
  /** The partner's FHIR base URL; the transaction is POSTed to it (FHIR `POST [base]`). */
  url: string;
  timeoutMs: number;
  allowHttp: boolean;
  /** A complete Authorization header value (e.g. `Bearer …`); never logged. */
  authHeader?: string;
  /**
   * A `whsec_…` secret, when the partner's FHIR endpoint also checks Standard Webhooks
   * signatures: the Bundle bytes are then signed exactly as the webhook channel signs.
   */
  secret?: string;
  identifierSystems?: HubIdentifierSystems;
  /** Told (pointers and keywords only) when a Bundle fails validation, e.g. to log it. */
  onInvalid?(info: { deliveryId: string; issues: FhirValidationIssue[] }): void;
}

/**
 * FHIR R4 transaction: UK Core Patients + a ServiceRequest, checked against the FHIR R4 JSON
 * Schema before it leaves. A Bundle that fails is a permanent failure and is never sent.
 */
export function createFhirAdapter(opts: FhirAdapterOptions): DeliveryAdapter {
  const url = assertDeliveryUrl(opts.url, opts.allowHttp, 'FHIR adapter').toString();
  assertTimeout(opts.timeoutMs, 'FHIR adapter');
  const systems = opts.identifierSystems ?? DEFAULT_IDENTIFIER_SYSTEMS;
  if (opts.secret !== undefined && !/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(opts.secret)) throw new Error('FHIR adapter: the secret must be a whsec_ base64 secret');
  const signer = opts.secret ? new Webhook(opts.secret) : undefined;

  return {
    channel: 'fhir',
    async send(delivery: OutboundDelivery, signal?: AbortSignal): Promise<DeliveryResult> {
      let body: Buffer;
      try {
        let bundle: unknown;
        if (delivery.kind === 'rectification') {
          bundle = toFhirRectificationBundle(delivery.payload, systems);
        } else {
          const payload = parseMinimisedPayload(delivery.payload);
          if (payload.deliveryId !== delivery.deliveryId) throw new FhirMappingError('/deliveryId', 'does not match the delivery being sent');
          bundle = toFhirTransactionBundle(payload, systems);
        }
        const validation = validateFhirR4(bundle);
        if (!validation.valid) {
          opts.onInvalid?.({ deliveryId: delivery.deliveryId, issues: validation.issues });
          return { kind: 'permanent', code: 'FHIR_INVALID' };
        }
        body = Buffer.from(JSON.stringify(bundle), 'utf8');
      } catch (err) {
        if (err instanceof FhirMappingError) return { kind: 'permanent', code: 'PAYLOAD_INVALID' };
        throw err;
      }
      const headers: Record<string, string> = {
        'content-type': 'application/fhir+json',
        accept: 'application/fhir+json',
        'x-request-id': delivery.deliveryId,
        'idempotency-key': delivery.deliveryId,
        ...(opts.authHeader ? { authorization: opts.authHeader } : {}),
      };
      if (signer) {
        const timestamp = new Date();
        headers['webhook-id'] = delivery.deliveryId;
        headers['webhook-timestamp'] = String(Math.floor(timestamp.getTime() / 1000));
        headers['webhook-signature'] = signer.sign(delivery.deliveryId, timestamp, body);
      }
      const { result, responseText } = await postForDelivery({ url, headers, body, timeoutMs: opts.timeoutMs, ...(signal ? { signal } : {}) });
      if (result.kind !== 'delivered') return result;
      const receipt = serviceRequestLocation(responseText);
      return receipt === undefined ? result : { ...result, receipt };
    },
  };
}

/** The ServiceRequest's location from a transaction-response Bundle (the last entry). */
function serviceRequestLocation(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const bundle = JSON.parse(text) as { resourceType?: unknown; entry?: { response?: { location?: unknown } }[] };
    if (bundle.resourceType !== 'Bundle' || !Array.isArray(bundle.entry)) return undefined;
    const location = bundle.entry.at(-1)?.response?.location;
    return typeof location === 'string' && location.length <= 500 ? location : undefined;
  } catch {
    return undefined;
  }
}
