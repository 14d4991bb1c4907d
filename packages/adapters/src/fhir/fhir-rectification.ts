// A `referral.rectified` message (UK GDPR Art 19) as a FHIR R4 transaction: one Communication
// about the recipient's own ServiceRequest (found by the hub's delivery id the referral carried),
// with the machine-readable correction attached as JSON. The human-readable text names the field
// by pointer and the reason by category, never the value.

import { createHash } from 'node:crypto';
import { DEFAULT_IDENTIFIER_SYSTEMS, FhirMappingError, type FhirResource, type HubIdentifierSystems } from './fhir-bundle.ts';

/** The hub's message types, as a Communication category. */
export const MESSAGE_TYPE_SYSTEM = 'urn:early-help-hub:message-type';

export interface RectificationBundle {
  resourceType: 'Bundle';
  type: 'transaction';
  identifier: { system: string; value: string };
  entry: { fullUrl: string; resource: FhirResource; request: { method: 'POST'; url: 'Communication'; ifNoneExist: string } }[];
}

interface RectifiedShape {
  type: 'referral.rectified';
  referralId: string;
  deliveryId: string;
  rectifiesDeliveryId: string;
  reasonCategory: string;
  correctedAt: string;
  correction: { pointer: string };
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 200;

/** Parses the rectified payload bytes and checks the parts the mapping uses (pointers in errors, never values). */
export function parseRectifiedPayload(bytes: Buffer): RectifiedShape {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new FhirMappingError('/', 'the payload is not JSON');
  }
  const v = value as Record<string, unknown> | null;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new FhirMappingError('/', 'expected an object');
  if (v.type !== 'referral.rectified') throw new FhirMappingError('/type', 'expected referral.rectified');
  for (const key of ['referralId', 'deliveryId', 'rectifiesDeliveryId', 'reasonCategory', 'correctedAt'] as const) {
    if (!isText(v[key])) throw new FhirMappingError(`/${key}`, 'expected a non-empty string');
  }
  const correction = v.correction as Record<string, unknown> | null | undefined;
  if (!correction || typeof correction !== 'object' || !isText(correction.pointer)) throw new FhirMappingError('/correction/pointer', 'expected a JSON pointer');
  return v as unknown as RectifiedShape;
}

function nameBasedUuid(...parts: string[]): string {
  const bytes = createHash('sha1').update('early-help-hub/fhir\u0000').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The transaction Bundle for a rectification. A conditional create on the delivery id, so a
 * resend the server had already applied creates nothing twice.
 */
export function toFhirRectificationBundle(bytes: Buffer, systems: HubIdentifierSystems = DEFAULT_IDENTIFIER_SYSTEMS): RectificationBundle {
  const payload = parseRectifiedPayload(bytes);
  const communication: FhirResource = {
    resourceType: 'Communication',
    identifier: [{ system: systems.deliveryId, value: payload.deliveryId }],
    status: 'completed',
    category: [{ coding: [{ system: MESSAGE_TYPE_SYSTEM, code: 'referral.rectified', display: 'Referral rectified (UK GDPR Art 19)' }] }],
    about: [
      { type: 'ServiceRequest', identifier: { system: systems.deliveryId, value: payload.rectifiesDeliveryId } },
      { type: 'ServiceRequest', identifier: { system: systems.referralId, value: payload.referralId } },
    ],
    sent: payload.correctedAt,
    payload: [
      {
        contentString: `A field the hub shared with you in delivery ${payload.rectifiesDeliveryId} has been corrected: ${payload.correction.pointer} (reason: ${payload.reasonCategory}). The corrected value is in the attached referral.rectified message; please update your record.`,
      },
      { contentAttachment: { contentType: 'application/json', data: bytes.toString('base64'), title: `referral.rectified ${payload.deliveryId}` } },
    ],
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    identifier: { system: systems.deliveryId, value: payload.deliveryId },
    entry: [
      {
        fullUrl: `urn:uuid:${nameBasedUuid(payload.deliveryId, 'Communication')}`,
        resource: communication,
        request: { method: 'POST', url: 'Communication', ifNoneExist: `identifier=${systems.deliveryId}|${payload.deliveryId}` },
      },
    ],
  };
}
