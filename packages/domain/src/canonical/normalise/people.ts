// Maps the inbound person, address, contact and staff-contact shapes to their canonical forms,
// normalising as it goes: NHS numbers bare, postcodes `OUT IN`, phones E.164.

import type { Address, ContactDetails, GenderIdentity, Person, StaffContact } from '../../generated/inbound-messages.ts';
import { normaliseNhsNumber } from '../../nhs-number.ts';
import { toE164 } from '../../phone.ts';
import { normalisePostcode } from '../../postcode.ts';
import type { CanonicalAddress, CanonicalContact, CanonicalPerson, CanonicalStaffContact, PersonRole } from '../referral.ts';
import { nonEmpty } from './values.ts';

/** E.164 form of a phone number; a number that cannot be read is left out rather than stored unnormalised. */
export function e164(phone: string | undefined): string | undefined {
  return phone === undefined ? undefined : (toE164(phone) ?? undefined);
}

export function canonicalAddress(address: Address | undefined): CanonicalAddress | undefined {
  if (!address) return undefined;
  return {
    lines: [address.line1, address.line2, address.line3].filter((line): line is string => line !== undefined),
    town: address.town,
    county: address.county,
    postcode: normalisePostcode(address.postcode),
    uprn: address.uprn,
  };
}

/** The mobile is the main number (texts reach it); a landline given as well becomes `otherPhone`. */
export function canonicalContact(contact: ContactDetails | undefined): CanonicalContact | undefined {
  if (!contact) return undefined;
  const mobile = e164(contact.mobile);
  const landline = e164(contact.phone);
  return nonEmpty<CanonicalContact>({
    phone: mobile ?? landline,
    otherPhone: mobile !== undefined && landline !== mobile ? landline : undefined,
    email: contact.email,
    preferredMethod: contact.preferredMethod,
    safeToContact: contact.safeToContact,
    safeContactNote: contact.safeContactNote,
  });
}

export function canonicalStaffContact(staff: StaffContact | undefined): CanonicalStaffContact | undefined {
  if (!staff) return undefined;
  return { name: staff.name, jobTitle: staff.jobTitle, organisation: staff.organisation, phone: e164(staff.phone), email: staff.email };
}

function genderIdentityText(identity: GenderIdentity | undefined): string | undefined {
  if (!identity) return undefined;
  if (identity.description !== undefined) return identity.description;
  if (identity.sameAsSexRegisteredAtBirth === true) return 'same-as-sex-registered-at-birth';
  if (identity.sameAsSexRegisteredAtBirth === false) return 'different-from-sex-registered-at-birth';
  return undefined;
}

export type PersonWithoutRef = Omit<CanonicalPerson, 'personRef'>;

/** A canonical person (without its personRef) from the inbound person shape every source but the GP uses. */
export function canonicalPersonFields(person: Person, fallbackRole: PersonRole): PersonWithoutRef {
  return {
    role: person.role ?? fallbackRole,
    givenName: person.givenName,
    familyName: person.familyName,
    preferredName: person.preferredName,
    dateOfBirth: person.dateOfBirth,
    sex: person.sex ? { system: person.sex.system, code: person.sex.code } : undefined,
    genderIdentity: genderIdentityText(person.genderIdentity),
    nhsNumber: person.nhsNumber === undefined ? undefined : normaliseNhsNumber(person.nhsNumber),
    upn: person.upn,
    niNumber: person.niNumber,
    ethnicity: person.ethnicity ? { system: person.ethnicity.system, code: person.ethnicity.code } : undefined,
    religion: person.religion,
    sexualOrientation: person.sexualOrientation,
    language: person.language,
    interpreterRequired: person.interpreterRequired,
    nationality: person.nationality,
    countryOfBirth: person.countryOfBirth,
    contact: canonicalContact(person.contact),
    address: canonicalAddress(person.address),
    noFixedAbode: person.noFixedAbode,
    schoolUrn: person.schoolUrn,
    sen: person.sen,
    careLeaver: person.careLeaver,
    lookedAfter: person.lookedAfter,
    youngCarer: person.youngCarer,
    healthConditions: person.healthConditions ? [...person.healthConditions] : undefined,
    disability: person.disability,
  };
}

/** Collects a referral's people in document order, giving each the next personRef (p1, p2, …). */
export class PersonRegister {
  readonly people: CanonicalPerson[] = [];

  /** Adds a person already in canonical form; returns its personRef. */
  addCanonical(fields: PersonWithoutRef): string {
    const personRef = `p${this.people.length + 1}`;
    this.people.push({ personRef, ...fields });
    return personRef;
  }

  /** Adds an inbound person; `overrides` fill in what the source carries outside the person (e.g. the school's URN). */
  add(person: Person, fallbackRole: PersonRole, overrides: Partial<PersonWithoutRef> = {}): string {
    return this.addCanonical({ ...canonicalPersonFields(person, fallbackRole), ...withoutUndefined(overrides) });
  }

  addAll(people: readonly Person[] | undefined, fallbackRole: PersonRole): string[] {
    return (people ?? []).map((person) => this.add(person, fallbackRole));
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
