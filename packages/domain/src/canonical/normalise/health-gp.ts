// health.gp.referred: a FHIR R4 Bundle holding a UK Core Patient and a ServiceRequest.
// The Patient becomes person p1 (NHS number bare, ethnic category, GP practice); the
// ServiceRequest's reasons and notes become the (special-category) health concern.

import type {
  FhirAddress,
  FhirContactPoint,
  FhirHumanName,
  HealthGpReferredData,
  UkCorePatient,
  UkCoreServiceRequest,
} from '../../generated/inbound-messages.ts';
import { ageInYears } from '../../dates.ts';
import { normaliseNhsNumber } from '../../nhs-number.ts';
import { normalisePostcode } from '../../postcode.ts';
import type { CanonicalAddress, CanonicalContact, CanonicalReferral, CodedValue } from '../referral.ts';
import { ReferralNormaliseError } from './errors.ts';
import { orderedNeeds } from './needs.ts';
import { e164, PersonRegister, type PersonWithoutRef } from './people.ts';
import { familyBlock, finishReferral, referralHeader, type NormaliseContext } from './referral-parts.ts';
import { isRecord, nonEmpty } from './values.ts';

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const ETHNIC_CATEGORY_URL = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory';
const VERIFICATION_STATUS_URL = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';

/** UK Core ConceptMap AdministrativeGender → NHS Person Stated Gender. */
const STATED_GENDER_BY_FHIR_GENDER: Readonly<Record<NonNullable<UkCorePatient['gender']>, string>> = {
  male: '1',
  female: '2',
  other: '9',
  unknown: 'X',
};

const URGENT_PRIORITIES: ReadonlySet<string> = new Set(['urgent', 'asap', 'stat']);
const CHILD_AGE_LIMIT = 18;

/** The bundle's resources of one type (`entry` is typed loosely in the generated types). */
function resourcesOfType<T extends { resourceType: string }>(bundle: HealthGpReferredData['bundle'], resourceType: T['resourceType']): T[] {
  const entries: unknown[] = Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
  return entries
    .map((entry) => (isRecord(entry) ? entry.resource : undefined))
    .filter((resource): resource is T => isRecord(resource) && resource.resourceType === resourceType);
}

function chosenName(names: readonly FhirHumanName[]): FhirHumanName | undefined {
  return names.find((name) => name.use === 'official') ?? names.find((name) => name.use === 'usual') ?? names[0];
}

function chosenAddress(addresses: readonly FhirAddress[] | undefined): CanonicalAddress | undefined {
  const current = (addresses ?? []).filter((address) => address.use !== 'old');
  const address = current.find((a) => a.use === 'home') ?? current[0];
  if (!address) return undefined;
  return { lines: [...(address.line ?? [])], town: address.city, county: address.district, postcode: normalisePostcode(address.postalCode) };
}

function patientContact(telecom: readonly FhirContactPoint[] | undefined): CanonicalContact | undefined {
  const points = (telecom ?? []).filter((point) => point.use !== 'old');
  const mobiles = points.filter((p) => (p.system === 'phone' || p.system === 'sms') && p.use === 'mobile');
  const others = points.filter((p) => (p.system === 'phone' || p.system === 'sms') && p.use !== 'mobile');
  const phones = [...mobiles, ...others].map((p) => e164(p.value)).filter((p): p is string => p !== undefined);
  const uniquePhones = [...new Set(phones)];
  return nonEmpty<CanonicalContact>({
    phone: uniquePhones[0],
    otherPhone: uniquePhones[1],
    email: points.find((point) => point.system === 'email')?.value,
  });
}

function patientFields(patient: UkCorePatient, practiceOdsCode: string, receivedAt: string): PersonWithoutRef {
  const name = chosenName(patient.name);
  const nhsIdentifier = patient.identifier.find((identifier) => identifier.system === NHS_NUMBER_SYSTEM);
  const verification = nhsIdentifier?.extension?.find((e) => e.url === VERIFICATION_STATUS_URL)?.valueCodeableConcept.coding[0]?.code;
  const ethnicCode = patient.extension?.find((e) => e.url === ETHNIC_CATEGORY_URL)?.valueCodeableConcept.coding[0]?.code;
  const receivedOn = new Date(receivedAt);
  const age = Number.isNaN(receivedOn.getTime()) ? null : ageInYears(patient.birthDate, receivedOn);
  return {
    role: age !== null && age < CHILD_AGE_LIMIT ? 'child' : 'adult',
    // FHIR allows a name without given names; the canonical schema then carries an empty string.
    givenName: name?.given?.join(' ') ?? '',
    familyName: name?.family ?? '',
    dateOfBirth: patient.birthDate,
    sex: patient.gender ? { system: 'nhs-stated-gender', code: STATED_GENDER_BY_FHIR_GENDER[patient.gender] } : undefined,
    nhsNumber: nhsIdentifier ? normaliseNhsNumber(nhsIdentifier.value) : undefined,
    nhsNumberVerificationStatus: verification,
    ethnicity: ethnicCode ? { system: 'nhs-ethnic-category', code: ethnicCode } : undefined,
    contact: patientContact(patient.telecom),
    address: chosenAddress(patient.address),
    // The registered practice when the Patient names one; otherwise the referring practice.
    gpOdsCode: patient.generalPractitioner?.[0]?.identifier.value ?? practiceOdsCode,
  };
}

function reasonCodes(request: UkCoreServiceRequest | undefined): CodedValue[] | undefined {
  const codes = (request?.reasonCode ?? []).flatMap((concept) => concept.coding.map((coding) => ({ system: coding.system, code: coding.code })));
  return codes.length > 0 ? codes : undefined;
}

/** Reason texts (or their first coding's display) then the notes, one per line. */
function concernText(request: UkCoreServiceRequest | undefined): string | undefined {
  if (!request) return undefined;
  const reasons = request.reasonCode.map((concept) => concept.text ?? concept.coding[0]?.display);
  const notes = (request.note ?? []).map((note) => note.text);
  const lines = [...reasons, ...notes].filter((line): line is string => line !== undefined && line.length > 0);
  return lines.length > 0 ? lines.join('\n') : undefined;
}

export function normaliseHealthGp(data: HealthGpReferredData, context: NormaliseContext): CanonicalReferral {
  const patient = resourcesOfType<UkCorePatient>(data.bundle, 'Patient')[0];
  if (!patient) throw new ReferralNormaliseError('health.gp.referred: the bundle holds no Patient resource');
  const request = resourcesOfType<UkCoreServiceRequest>(data.bundle, 'ServiceRequest')[0];

  const register = new PersonRegister();
  register.addCanonical(patientFields(patient, data.practiceOdsCode, context.receivedAt));
  const needs = orderedNeeds(['health']);
  return finishReferral({
    ...referralHeader(context, data),
    urgency: request && URGENT_PRIORITIES.has(request.priority) ? 'urgent' : 'routine',
    needs,
    family: familyBlock({ people: register.people, needs }),
    people: register.people,
    health: {
      practiceOdsCode: data.practiceOdsCode,
      concern: concernText(request),
      reasonCodes: reasonCodes(request),
      priority: request?.priority,
    },
  });
}
