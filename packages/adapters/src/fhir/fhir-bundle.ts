// Maps the minimised referral payload onto a FHIR R4 transaction Bundle: one UK Core Patient
// per person and one ServiceRequest about the child (or primary subject). Only what the payload
// carries is mapped: the payload is already minimised to the recipient's agreement.

import { createHash } from 'node:crypto';
import { SUPPORTING_FAMILIES_OUTCOMES } from '@hub/domain';
import type { Urgency } from '../types.ts';

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const UK_CORE_PATIENT_PROFILE = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient';
export const UK_CORE_SERVICE_REQUEST_PROFILE = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
export const ODS_ORGANISATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const NHS_NUMBER_VERIFICATION_STATUS_EXTENSION = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
export const NHS_NUMBER_VERIFICATION_STATUS_SYSTEM = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';

/** Identifier systems for the hub's own ids; a deployment can name its own URIs. */
export interface HubIdentifierSystems {
  deliveryId: string;
  referralId: string;
  need: string;
}

export const DEFAULT_IDENTIFIER_SYSTEMS: HubIdentifierSystems = {
  deliveryId: 'urn:early-help-hub:delivery-id',
  referralId: 'urn:early-help-hub:referral-id',
  need: 'urn:early-help-hub:supporting-families-outcome',
};

export interface MinimisedCodedValue {
  system: string;
  code: string;
  display?: string;
}

/** The person fields this adapter maps (the outbound schemas allow more; the rest is not sent). */
export interface MinimisedPerson {
  personRef: string;
  role: string;
  givenName?: string;
  familyName?: string;
  preferredName?: string;
  dateOfBirth?: string;
  sex?: MinimisedCodedValue;
  nhsNumber?: string;
  /** UK Core NHS number verification status, `01`–`08`. */
  nhsNumberVerificationStatus?: string;
  /** ISO 639-1. */
  language?: string;
  gpOdsCode?: string;
  address?: { lines?: string[]; town?: string; county?: string; postcode?: string };
  contact?: { phone?: string; otherPhone?: string; email?: string };
}

/** The parts of the minimised payload this adapter maps. Other fields are ignored. */
export interface MinimisedReferralPayload {
  referralId: string;
  deliveryId: string;
  purpose?: string;
  lawfulBasis?: { art6?: string; art9?: string; sch1Paragraph?: string; art10?: string };
  urgency?: Urgency;
  needs?: string[];
  needSummary?: string;
  people?: MinimisedPerson[];
  health?: { concern?: string; reasonCodes?: MinimisedCodedValue[] };
}

/** The payload cannot be mapped; `pointer` names the place, never the value. */
export class FhirMappingError extends Error {
  constructor(
    readonly pointer: string,
    reason: string,
  ) {
    super(`cannot map the payload to FHIR at ${pointer || '/'}: ${reason}`);
    this.name = 'FhirMappingError';
  }
}

export type FhirResource = { resourceType: string } & Record<string, unknown>;

export interface FhirBundle {
  resourceType: 'Bundle';
  type: 'transaction';
  identifier: { system: string; value: string };
  entry: { fullUrl: string; resource: FhirResource; request: { method: 'POST'; url: string; ifNoneExist?: string } }[];
}

/** Hub urgency → ServiceRequest.priority (routine | urgent | asap; `stat` is for emergencies). */
const PRIORITY: Readonly<Record<Urgency, 'routine' | 'urgent' | 'asap'>> = {
  routine: 'routine',
  medium: 'urgent',
  high: 'asap',
  urgent: 'asap',
};

/**
 * Sex codes → FHIR administrative gender, following UK Core's ConceptMap for NHS Person Stated
 * Gender (9 indeterminate → other, X not known → unknown) and the DfE codes (U → unknown).
 */
const GENDER: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'dfe-sex': { M: 'male', F: 'female', U: 'unknown' },
  'nhs-stated-gender': { '1': 'male', '2': 'female', '9': 'other', X: 'unknown' },
  'fhir-administrative-gender': { male: 'male', female: 'female', other: 'other', unknown: 'unknown' },
  'http://hl7.org/fhir/administrative-gender': { male: 'male', female: 'female', other: 'other', unknown: 'unknown' },
};

const SUBJECT_ROLES = ['child', 'young-person', 'victim'] as const;

const NEED_DISPLAY = new Map<string, string>([
  ...SUPPORTING_FAMILIES_OUTCOMES.map((o) => [o.code, o.display] as [string, string]),
  ['employment', 'Employment'],
]);

/** Parses the payload bytes and checks the shape the mapping relies on. */
export function parseMinimisedPayload(bytes: Buffer): MinimisedReferralPayload {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new FhirMappingError('/', 'the payload is not JSON');
  }
  checkPayloadShape(value);
  return value;
}

/**
 * Builds the transaction Bundle. Full URLs are name-based UUIDs of the delivery id, so a resend
 * produces the same Bundle; the ServiceRequest is a conditional create on the delivery id, and
 * a Patient with an NHS number a conditional create on it, so a retried transaction that the
 * server had already applied creates nothing twice.
 */
export function toFhirTransactionBundle(payload: MinimisedReferralPayload, systems: HubIdentifierSystems = DEFAULT_IDENTIFIER_SYSTEMS): FhirBundle {
  checkPayloadShape(payload);
  const people = payload.people ?? [];
  if (people.length === 0) throw new FhirMappingError('/people', 'a ServiceRequest needs a subject and the payload names no person');
  const refs = new Set<string>();
  people.forEach((p, i) => {
    if (refs.has(p.personRef)) throw new FhirMappingError(`/people/${i}/personRef`, 'two people share one personRef');
    refs.add(p.personRef);
  });
  const subject = people.find((p) => (SUBJECT_ROLES as readonly string[]).includes(p.role)) ?? people[0]!;
  const fullUrlOf = (p: MinimisedPerson): string => `urn:uuid:${nameBasedUuid(payload.deliveryId, 'Patient', p.personRef)}`;

  const entry: FhirBundle['entry'] = people.map((person, i) => {
    const patient = toUkCorePatient(person, i);
    return {
      fullUrl: fullUrlOf(person),
      resource: patient,
      request: {
        method: 'POST' as const,
        url: 'Patient',
        ...(person.nhsNumber ? { ifNoneExist: `identifier=${NHS_NUMBER_SYSTEM}|${person.nhsNumber}` } : {}),
      },
    };
  });

  const serviceRequest = toServiceRequest(payload, systems, fullUrlOf(subject), people.filter((p) => p !== subject).map((p) => ({ reference: fullUrlOf(p), display: p.role })));
  entry.push({
    fullUrl: `urn:uuid:${nameBasedUuid(payload.deliveryId, 'ServiceRequest')}`,
    resource: serviceRequest,
    request: { method: 'POST', url: 'ServiceRequest', ifNoneExist: `identifier=${systems.deliveryId}|${payload.deliveryId}` },
  });

  return { resourceType: 'Bundle', type: 'transaction', identifier: { system: systems.deliveryId, value: payload.deliveryId }, entry };
}

function toUkCorePatient(person: MinimisedPerson, index: number): FhirResource {
  const patient: FhirResource = { resourceType: 'Patient', meta: { profile: [UK_CORE_PATIENT_PROFILE] } };
  if (person.nhsNumber) {
    const verification = person.nhsNumberVerificationStatus
      ? { extension: [{ url: NHS_NUMBER_VERIFICATION_STATUS_EXTENSION, valueCodeableConcept: { coding: [{ system: NHS_NUMBER_VERIFICATION_STATUS_SYSTEM, code: person.nhsNumberVerificationStatus }] } }] }
      : {};
    patient.identifier = [{ system: NHS_NUMBER_SYSTEM, value: person.nhsNumber, ...verification }];
  }
  const names = [
    ...(person.givenName || person.familyName ? [{ use: 'official', ...(person.familyName ? { family: person.familyName } : {}), ...(person.givenName ? { given: [person.givenName] } : {}) }] : []),
    ...(person.preferredName ? [{ use: 'usual', given: [person.preferredName] }] : []),
  ];
  if (names.length > 0) patient.name = names;
  const telecom = [
    ...(person.contact?.phone ? [{ system: 'phone', value: person.contact.phone }] : []),
    ...(person.contact?.otherPhone ? [{ system: 'phone', value: person.contact.otherPhone }] : []),
    ...(person.contact?.email ? [{ system: 'email', value: person.contact.email }] : []),
  ];
  if (telecom.length > 0) patient.telecom = telecom;
  if (person.sex) {
    const gender = GENDER[person.sex.system]?.[person.sex.code];
    if (!gender) throw new FhirMappingError(`/people/${index}/sex`, 'the sex code system or code has no FHIR administrative gender mapping');
    patient.gender = gender;
  }
  if (person.dateOfBirth) patient.birthDate = person.dateOfBirth;
  if (person.address) {
    const a = person.address;
    const address = {
      use: 'home',
      ...(a.lines && a.lines.length > 0 ? { line: a.lines } : {}),
      ...(a.town ? { city: a.town } : {}),
      ...(a.county ? { district: a.county } : {}),
      ...(a.postcode ? { postalCode: a.postcode } : {}),
    };
    if (Object.keys(address).length > 1) patient.address = [address];
  }
  if (person.gpOdsCode) patient.generalPractitioner = [{ identifier: { system: ODS_ORGANISATION_SYSTEM, value: person.gpOdsCode } }];
  if (person.language) patient.communication = [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: person.language }] } }];
  return patient;
}

function toServiceRequest(payload: MinimisedReferralPayload, systems: HubIdentifierSystems, subjectUrl: string, others: { reference: string; display: string }[]): FhirResource {
  const reasonCode = [
    ...(payload.needs ?? []).map((need) => ({
      coding: [{ system: systems.need, code: need, ...(NEED_DISPLAY.has(need) ? { display: NEED_DISPLAY.get(need) } : {}) }],
      text: NEED_DISPLAY.get(need) ?? need,
    })),
    ...(payload.health?.reasonCodes ?? []).map((c) => ({
      coding: [{ system: codeSystemUri(c.system), code: c.code, ...(c.display ? { display: c.display } : {}) }],
    })),
  ];
  const note = [
    ...(payload.needSummary ? [{ text: payload.needSummary }] : []),
    ...(payload.health?.concern ? [{ text: `Health concern: ${payload.health.concern}` }] : []),
    ...(payload.purpose || payload.lawfulBasis ? [{ text: basisNote(payload) }] : []),
  ];
  return {
    resourceType: 'ServiceRequest',
    meta: { profile: [UK_CORE_SERVICE_REQUEST_PROFILE] },
    identifier: [
      { system: systems.deliveryId, value: payload.deliveryId },
      { system: systems.referralId, value: payload.referralId },
    ],
    status: 'active',
    intent: 'order',
    code: { text: 'Early Help referral' },
    priority: PRIORITY[payload.urgency ?? 'routine'],
    subject: { reference: subjectUrl },
    ...(reasonCode.length > 0 ? { reasonCode } : {}),
    ...(others.length > 0 ? { supportingInfo: others } : {}),
    ...(note.length > 0 ? { note } : {}),
  };
}

/** The purpose and lawful basis every share carries (DOMAIN (b)), as a note a person reads. */
function basisNote(payload: MinimisedReferralPayload): string {
  const parts: string[] = [];
  if (payload.purpose) parts.push(`Purpose: ${payload.purpose}.`);
  const b = payload.lawfulBasis;
  if (b?.art6) parts.push(`UK GDPR Art 6 basis: ${b.art6}.`);
  if (b?.art9) parts.push(`Art 9 condition: ${b.art9}${b.sch1Paragraph ? ` (DPA 2018 Schedule 1 paragraph ${b.sch1Paragraph})` : ''}.`);
  if (b?.art10) parts.push(`Art 10 basis: ${b.art10}.`);
  return parts.join(' ');
}

function codeSystemUri(system: string): string {
  return system === 'snomed' || system === 'snomed-ct' || system === 'sct' ? SNOMED_SYSTEM : system;
}

/** A UUID (RFC 9562 version 5 layout) from a name, so rebuilding the Bundle gives the same ids. */
function nameBasedUuid(...parts: string[]): string {
  const bytes = createHash('sha1').update('early-help-hub/fhir\u0000').update(parts.join('\u0000')).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---- shape checks: pointers only, never values ----

type Check = (value: unknown, pointer: string) => void;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Check = (v, p) => {
  if (typeof v !== 'string' || v.length === 0) throw new FhirMappingError(p, 'expected a non-empty string');
};
/** Optional text that may be empty (e.g. an unknown given name): empty is mapped as absent. */
const text: Check = (v, p) => {
  if (typeof v !== 'string') throw new FhirMappingError(p, 'expected a string');
};
const strArray: Check = (v, p) => {
  if (!Array.isArray(v)) throw new FhirMappingError(p, 'expected an array of strings');
  v.forEach((item, i) => str(item, `${p}/${i}`));
};
const coded: Check = (v, p) => {
  if (!isObject(v)) throw new FhirMappingError(p, 'expected a {system, code} object');
  str(v.system, `${p}/system`);
  str(v.code, `${p}/code`);
  optional(v, 'display', str, p);
};
const optional = (obj: Record<string, unknown>, key: string, check: Check, p: string): void => {
  if (obj[key] !== undefined) check(obj[key], `${p}/${key}`);
};
const object =
  (fields: Record<string, Check>, required: readonly string[] = []): Check =>
  (v, p) => {
    if (!isObject(v)) throw new FhirMappingError(p, 'expected an object');
    for (const key of required) if (v[key] === undefined) throw new FhirMappingError(`${p}/${key}`, 'is required');
    for (const [key, check] of Object.entries(fields)) optional(v, key, check, p);
  };
const arrayOf =
  (check: Check): Check =>
  (v, p) => {
    if (!Array.isArray(v)) throw new FhirMappingError(p, 'expected an array');
    v.forEach((item, i) => check(item, `${p}/${i}`));
  };

const personShape = object(
  {
    personRef: str,
    role: str,
    givenName: text,
    familyName: text,
    preferredName: text,
    dateOfBirth: text,
    sex: coded,
    nhsNumber: text,
    nhsNumberVerificationStatus: text,
    language: text,
    gpOdsCode: text,
    address: object({ lines: strArray, town: text, county: text, postcode: text }),
    contact: object({ phone: text, otherPhone: text, email: text }),
  },
  ['personRef', 'role'],
);

const payloadShape = object(
  {
    referralId: str,
    deliveryId: str,
    purpose: str,
    lawfulBasis: object({ art6: str, art9: str, sch1Paragraph: str, art10: str }),
    urgency: (v, p) => {
      if (typeof v !== 'string' || !(v in PRIORITY)) throw new FhirMappingError(p, 'expected routine, medium, high or urgent');
    },
    needs: strArray,
    needSummary: text,
    people: arrayOf(personShape),
    health: object({ concern: text, reasonCodes: arrayOf(coded) }),
  },
  ['referralId', 'deliveryId'],
);

function checkPayloadShape(value: unknown): asserts value is MinimisedReferralPayload {
  payloadShape(value, '');
}
