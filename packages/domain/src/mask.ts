// Masking for the operators' console (DESIGN §7): personal data is shown masked until an
// authorised user reveals it with a stated reason. Pure functions, no I/O. Masks keep just enough
// to tell records apart at a glance (an initial, a year, an outward code, the last digits of a
// phone number) and never the whole value; free text shows only its length.
import type { CanonicalAddress, CanonicalContact, CanonicalPerson, CanonicalReferral, CanonicalStaffContact, CodedValue } from './canonical/referral.ts';
import { postcodeOutwardCode } from './postcode.ts';

/** Shown in place of a code that is itself sensitive (sex, ethnicity, nationality…). */
export const HIDDEN = '[hidden]';

const chars = (value: string): string[] => Array.from(value);
const stars = (n: number): string => '*'.repeat(Math.max(0, n));

/** First character, then one `*` per remaining character (by code point). */
function maskWord(word: string): string {
  const c = chars(word);
  return c.length === 0 ? '' : `${c[0]}${stars(c.length - 1)}`;
}

/**
 * Each word (and each part of a hyphenated or apostrophised word): first letter, then one `*` per
 * remaining character. `Jane Smith` → `J*** S****`; `Mary-Jane O'Neil` → `M***-J*** O'N***`.
 */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0)
    .map((word) =>
      word
        .split(/([-'’])/)
        .map((part, i) => (i % 2 === 1 ? part : maskWord(part)))
        .join(''),
    )
    .join(' ');
}

/** The first three digits only: `9434765919` → `943 *** ****`. Anything not 10 digits → `*** *** ****`. */
export function maskNhsNumber(nhsNumber: string): string {
  const bare = nhsNumber.replace(/[\s-]/g, '');
  return /^[0-9]{10}$/.test(bare) ? `${bare.slice(0, 3)} *** ****` : '*** *** ****';
}

/**
 * The year only: `2015-03-02` → `**\/**\/2015`. Takes calendar dates and date-times
 * (`2026-11-26T21:40:00Z`); anything else → `**\/**\/****`.
 */
export function maskDate(value: string): string {
  const match = /^([0-9]{4})-[0-9]{2}-[0-9]{2}(?:$|T)/.exec(value.trim());
  return match ? `**/**/${match[1]}` : '**/**/****';
}

/** A date of birth shows its year only (see maskDate). */
export const maskDateOfBirth = maskDate;

/** The outward code only: `LS6 2AB` → `LS6 ***`. Anything that is not a postcode → `*** ***`. */
export function maskPostcode(postcode: string): string {
  const outward = postcodeOutwardCode(postcode);
  return outward ? `${outward} ***` : '*** ***';
}

/** Stars for every digit but the last three, a space after the first four: `7700900123` → `**** ***123`. */
function maskDigits(digits: string): string {
  const masked = `${stars(digits.length - 3)}${digits.slice(-3)}`;
  return masked.length > 7 ? `${masked.slice(0, 4)} ${masked.slice(4)}` : masked;
}

/**
 * The last three digits (and a UK country code): `+447700900123` → `+44 **** ***123`; other
 * international numbers `+*********123`; national numbers `**** ****123`. Fewer than 7 digits → all stars.
 */
export function maskPhone(phone: string): string {
  const compact = phone.replace(/[\s().-]/g, '');
  const match = /^(\+?)([0-9]+)$/.exec(compact);
  if (!match || (match[2] as string).length < 7) return '***';
  const [, plus, digits] = match as unknown as [string, string, string];
  if (plus && digits.startsWith('44')) return `+44 ${maskDigits(digits.slice(2))}`;
  if (plus) return `+${stars(digits.length - 3)}${digits.slice(-3)}`;
  return maskDigits(digits);
}

// Second-level labels kept whole under a two-letter top-level domain (`nhs.uk`, `co.uk`…).
const KEPT_SECOND_LEVEL = new Set(['ac', 'co', 'gov', 'ltd', 'me', 'mod', 'net', 'nhs', 'org', 'plc', 'police', 'sch']);

/**
 * The local part's first character and three stars (hiding its length), then each domain label's
 * first character and one star per remaining character, keeping the top-level domain (and a
 * second level such as `.co.uk`, `.nhs.uk`): `jane.smith@example.org` → `j***@e******.org`.
 */
export function maskEmail(email: string): string {
  const value = email.trim();
  const at = value.lastIndexOf('@');
  if (at < 1 || at === value.length - 1) return '***@***';
  const local = chars(value.slice(0, at));
  const labels = value.slice(at + 1).split('.');
  let kept = labels.length > 1 ? 1 : 0;
  const secondLevel = labels[labels.length - 2];
  if (labels.length > 2 && (labels[labels.length - 1] as string).length === 2 && secondLevel !== undefined && KEPT_SECOND_LEVEL.has(secondLevel.toLowerCase())) kept = 2;
  const masked = labels.map((label, i) => (i >= labels.length - kept ? label : maskWord(label)));
  return `${local[0]}***@${masked.join('.')}`;
}

/** Free text is never shown in part: `[hidden: 123 characters]`. */
export function maskText(text: string): string {
  const n = chars(text).length;
  return `[hidden: ${n} character${n === 1 ? '' : 's'}]`;
}

/** Each word's first character, then one `*` per remaining character: `1 Sample Street` → `1 S***** S*****`. */
export function maskAddressLine(line: string): string {
  return line
    .trim()
    .split(/\s+/)
    .filter((word) => word.length > 0)
    .map(maskWord)
    .join(' ');
}

/**
 * An identifier (UPN, National Insurance number, a case or crime reference, a UPRN): the first two
 * characters, then one `*` per remaining character (`QQ123456C` → `QQ*******`). Five characters
 * or fewer are all stars.
 */
export function maskIdentifier(value: string): string {
  const c = chars(value.trim());
  return c.length <= 5 ? stars(c.length) : `${c.slice(0, 2).join('')}${stars(c.length - 2)}`;
}

/** A sensitive code (sex, ethnicity, nationality…) is hidden whole. */
export function maskCode(value: string): string {
  return value.length === 0 ? '' : HIDDEN;
}

// ---------------------------------------------------------------------------------------------
// The console's referral page
// ---------------------------------------------------------------------------------------------

export interface MaskedAddress {
  lines: string[];
  town: string | null;
  county: string | null;
  postcode: string | null;
  uprn: string | null;
}

export interface MaskedContact {
  phone: string | null;
  otherPhone: string | null;
  email: string | null;
  /** A code (phone, text, email, letter, in-person): shown. */
  preferredMethod: string | null;
  contactTimes: string | null;
  canLeaveMessage: boolean | null;
  safeToContact: boolean | null;
  safeContactNote: string | null;
}

/** A professional (referrer, lead practitioner, DSL): personal data too, masked the same way. */
export interface MaskedStaffContact {
  name: string;
  jobTitle: string | null;
  organisation: string | null;
  phone: string | null;
  email: string | null;
}

export interface MaskedPerson {
  /** Codes and hub ids: always shown. */
  personRef: string;
  hubPersonId: string | null;
  role: string;
  nhsNumberVerificationStatus: string | null;
  language: string | null;
  schoolUrn: string | null;
  gpOdsCode: string | null;
  /** Masked unless revealed. */
  name: string;
  preferredName: string | null;
  dateOfBirth: string | null;
  nhsNumber: string | null;
  upn: string | null;
  niNumber: string | null;
  sex: string | null;
  genderIdentity: string | null;
  ethnicity: string | null;
  religion: string | null;
  sexualOrientation: string | null;
  nationality: string | null;
  countryOfBirth: string | null;
  healthConditions: string[];
  address: MaskedAddress | null;
  postcode: string | null;
  phone: string | null;
  email: string | null;
  contact: MaskedContact | null;
  /** Flags: always shown (the console warns on safeToContact === false). */
  safeToContact: boolean | null;
  canLeaveMessage: boolean | null;
  interpreterRequired: boolean | null;
  noFixedAbode: boolean | null;
  electivelyHomeEducated: boolean | null;
  sen: boolean | null;
  careLeaver: boolean | null;
  lookedAfter: boolean | null;
  youngCarer: boolean | null;
  disability: boolean | null;
}

export type DetailSection = 'police' | 'education' | 'health' | 'housing' | 'employment' | 'victim' | 'justice' | 'socialCare' | 'vcs';

/** One field of a type-specific block (police, education…), flattened: `police.childrenPresent[0].whereabouts`. */
export interface MaskedDetail {
  section: DetailSection;
  field: string;
  value: string;
}

export interface MaskedReferralView {
  /** True when personal values are shown as they are (after an authorised reveal). */
  revealed: boolean;
  // Referral facts: ids, codes and the hub's own times, always shown.
  referralId: string;
  messageId: string;
  sourcePartnerId: string;
  sourceType: string;
  correlationId: string;
  receivedAt: string;
  urgency: string;
  needs: string[];
  consentStatus: string;
  consentCapturedAt: string | null;
  consentReasonNotSought: string | null;
  lawfulBasis: { art6: string; art9: string | null; sch1Paragraph: string | null; art10: string | null };
  safeguardingConcern: boolean | null;
  /** The source's own reference (an identifier): masked unless revealed. */
  sourceReference: string | null;
  needSummary: string | null;
  agenciesInvolved: string[];
  family: {
    address: MaskedAddress | null;
    postcode: string | null;
    /** The outward code, an area: shown. */
    postcodeDistrict: string | null;
    householdSize: number | null;
    noFixedAbode: boolean | null;
    tenure: string | null;
    contact: MaskedContact | null;
    contactSafe: boolean;
  };
  referrer: MaskedStaffContact | null;
  leadPractitioner: MaskedStaffContact | null;
  people: MaskedPerson[];
  details: MaskedDetail[];
}

type Masker = (value: string) => string;

/** DD/MM/YYYY for a calendar date as revealed; other values unchanged. */
function showDate(value: string): string {
  const match = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(value);
  return match ? `${match[3]}/${match[2]}/${match[1]}` : value;
}

function coded(value: CodedValue): string {
  return `${value.code} (${value.system})`;
}

const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

export function maskedReferralView(canonical: CanonicalReferral, reveal: boolean): MaskedReferralView {
  const r = canonical;
  /** The value as it is when revealed, else through `mask`; undefined → null. */
  const m = (value: string | undefined, mask: Masker): string | null => (value === undefined ? null : reveal ? value : mask(value));
  const date = (value: string | undefined): string | null => (value === undefined ? null : reveal ? showDate(value) : maskDate(value));

  const address = (a: CanonicalAddress | undefined): MaskedAddress | null =>
    a === undefined
      ? null
      : {
          lines: a.lines.map((line) => (reveal ? line : maskAddressLine(line))),
          town: m(a.town, maskAddressLine),
          county: m(a.county, maskAddressLine),
          postcode: m(a.postcode, maskPostcode),
          uprn: m(a.uprn, maskIdentifier),
        };

  const contact = (c: CanonicalContact | undefined): MaskedContact | null =>
    c === undefined
      ? null
      : {
          phone: m(c.phone, maskPhone),
          otherPhone: m(c.otherPhone, maskPhone),
          email: m(c.email, maskEmail),
          preferredMethod: c.preferredMethod ?? null,
          contactTimes: m(c.contactTimes, maskText),
          canLeaveMessage: c.canLeaveMessage ?? null,
          safeToContact: c.safeToContact ?? null,
          safeContactNote: m(c.safeContactNote, maskText),
        };

  const staff = (s: CanonicalStaffContact | undefined): MaskedStaffContact | null =>
    s === undefined
      ? null
      : {
          name: m(s.name, maskName) as string,
          jobTitle: m(s.jobTitle, maskText),
          organisation: m(s.organisation, maskText),
          phone: m(s.phone, maskPhone),
          email: m(s.email, maskEmail),
        };

  const person = (p: CanonicalPerson): MaskedPerson => ({
    personRef: p.personRef,
    hubPersonId: p.hubPersonId ?? null,
    role: p.role,
    nhsNumberVerificationStatus: p.nhsNumberVerificationStatus ?? null,
    language: p.language ?? null,
    schoolUrn: p.schoolUrn ?? null,
    gpOdsCode: p.gpOdsCode ?? null,
    name: reveal ? `${p.givenName} ${p.familyName}`.trim() : maskName(`${p.givenName} ${p.familyName}`),
    preferredName: m(p.preferredName, maskName),
    dateOfBirth: date(p.dateOfBirth),
    nhsNumber: m(p.nhsNumber, maskNhsNumber),
    upn: m(p.upn, maskIdentifier),
    niNumber: m(p.niNumber, maskIdentifier),
    sex: p.sex === undefined ? null : reveal ? coded(p.sex) : HIDDEN,
    genderIdentity: m(p.genderIdentity, maskText),
    ethnicity: p.ethnicity === undefined ? null : reveal ? coded(p.ethnicity) : HIDDEN,
    religion: m(p.religion, maskText),
    sexualOrientation: m(p.sexualOrientation, maskText),
    nationality: m(p.nationality, maskCode),
    countryOfBirth: m(p.countryOfBirth, maskCode),
    healthConditions: (p.healthConditions ?? []).map((c) => (reveal ? c : maskText(c))),
    address: address(p.address),
    postcode: m(p.address?.postcode, maskPostcode),
    phone: m(p.contact?.phone, maskPhone),
    email: m(p.contact?.email, maskEmail),
    contact: contact(p.contact),
    safeToContact: p.contact?.safeToContact ?? null,
    canLeaveMessage: p.contact?.canLeaveMessage ?? null,
    interpreterRequired: p.interpreterRequired ?? null,
    noFixedAbode: p.noFixedAbode ?? null,
    electivelyHomeEducated: p.electivelyHomeEducated ?? null,
    sen: p.sen ?? null,
    careLeaver: p.careLeaver ?? null,
    lookedAfter: p.lookedAfter ?? null,
    youngCarer: p.youngCarer ?? null,
    disability: p.disability ?? null,
  });

  const details: MaskedDetail[] = [];
  const add = (section: DetailSection, field: string, value: string | null): void => {
    if (value !== null) details.push({ section, field, value });
  };
  /** Shown as it is (a code, a count, a yes/no). */
  const show = (section: DetailSection, field: string, value: string | number | boolean | undefined): void => {
    if (value !== undefined) add(section, field, typeof value === 'boolean' ? yesNo(value) : String(value));
  };
  const text = (section: DetailSection, field: string, value: string | undefined, mask: Masker = maskText): void => add(section, field, m(value, mask));
  const list = (section: DetailSection, field: string, values: string[] | undefined): void => text(section, field, values?.join(', '));
  const when = (section: DetailSection, field: string, value: string | undefined): void => add(section, field, date(value));
  const contactDetails = (section: DetailSection, field: string, c: CanonicalContact | undefined): void => {
    const masked = contact(c);
    if (!masked) return;
    for (const [key, value] of Object.entries(masked) as [string, string | boolean | null][]) {
      if (value !== null) add(section, `${field}.${key}`, typeof value === 'boolean' ? yesNo(value) : value);
    }
  };

  const police = r.police;
  if (police) {
    text('police', 'police.reference', police.reference, maskIdentifier);
    when('police', 'police.incidentAt', police.incidentAt);
    text('police', 'police.incidentLocation', police.incidentLocation);
    text('police', 'police.locationType', police.locationType);
    text('police', 'police.circumstances', police.circumstances);
    text('police', 'police.riskLevel', police.riskLevel);
    show('police', 'police.crimeRecorded', police.crimeRecorded);
    police.childrenPresent?.forEach((child, i) => {
      const at = `police.childrenPresent[${i}]`;
      show('police', `${at}.personRef`, child.personRef);
      show('police', `${at}.present`, child.present);
      text('police', `${at}.whereabouts`, child.whereabouts);
      text('police', `${at}.voiceOfChild`, child.voiceOfChild);
    });
    text('police', 'police.concernType', police.concernType);
    list('police', 'police.concernTypes', police.concernTypes);
    show('police', 'police.significantHarmSuspected', police.significantHarmSuspected);
    text('police', 'police.safeguardingInformation', police.safeguardingInformation);
  }
  const education = r.education;
  if (education) {
    show('education', 'education.schoolUrn', education.schoolUrn);
    text('education', 'education.schoolName', education.schoolName);
    show('education', 'education.attendancePercent', education.attendancePercent);
    show('education', 'education.persistentlyAbsent', education.persistentlyAbsent);
    show('education', 'education.exclusions', education.exclusions);
    text('education', 'education.senStatus', education.senStatus);
    text('education', 'education.senPrimaryNeed', education.senPrimaryNeed);
    show('education', 'education.freeSchoolMeals', education.freeSchoolMeals);
    const dsl = education.designatedSafeguardingLead;
    if (dsl) {
      text('education', 'education.designatedSafeguardingLead.name', dsl.name, maskName);
      text('education', 'education.designatedSafeguardingLead.phone', dsl.phone, maskPhone);
      text('education', 'education.designatedSafeguardingLead.email', dsl.email, maskEmail);
    }
    text('education', 'education.voiceOfChild', education.voiceOfChild);
  }
  const health = r.health;
  if (health) {
    show('health', 'health.practiceOdsCode', health.practiceOdsCode);
    text('health', 'health.teamName', health.teamName);
    show('health', 'health.teamOdsCode', health.teamOdsCode);
    text('health', 'health.concern', health.concern);
    list('health', 'health.concernCategories', health.concernCategories);
    list('health', 'health.reasonCodes', health.reasonCodes?.map(coded));
    show('health', 'health.priority', health.priority);
  }
  const housing = r.housing;
  if (housing) {
    text('housing', 'housing.tenancyReference', housing.tenancyReference, maskIdentifier);
    text('housing', 'housing.tenancyType', housing.tenancyType);
    show('housing', 'housing.arrearsPence', housing.arrearsPence);
    show('housing', 'housing.weeksInArrears', housing.weeksInArrears);
    text('housing', 'housing.noticeType', housing.noticeType);
    when('housing', 'housing.noticeDate', housing.noticeDate);
    when('housing', 'housing.noticeExpiresOn', housing.noticeExpiresOn);
    when('housing', 'housing.hearingDate', housing.hearingDate);
    when('housing', 'housing.evictionDate', housing.evictionDate);
    list('housing', 'housing.riskReasons', housing.riskReasons);
  }
  const employment = r.employment;
  if (employment) {
    text('employment', 'employment.goal', employment.goal);
    list('employment', 'employment.barriers', employment.barriers);
    text('employment', 'employment.currentStatus', employment.currentStatus);
    text('employment', 'employment.jobcentreOffice', employment.jobcentreOffice);
    show('employment', 'employment.householdChildrenCount', employment.householdChildrenCount);
  }
  const victim = r.victim;
  if (victim) {
    text('victim', 'victim.crimeType', victim.crimeType);
    text('victim', 'victim.crimeReference', victim.crimeReference, maskIdentifier);
    show('victim', 'victim.reportedToPolice', victim.reportedToPolice);
    text('victim', 'victim.riskLevel', victim.riskLevel);
    contactDetails('victim', 'victim.safeContact', victim.safeContact);
    text('victim', 'victim.summary', victim.summary);
  }
  const justice = r.justice;
  if (justice) {
    text('justice', 'justice.service', justice.service);
    text('justice', 'justice.order', justice.order);
    when('justice', 'justice.orderStartDate', justice.orderStartDate);
    when('justice', 'justice.orderEndDate', justice.orderEndDate);
    text('justice', 'justice.offenceCategory', justice.offenceCategory);
    text('justice', 'justice.riskOfSeriousHarm', justice.riskOfSeriousHarm);
    text('justice', 'justice.safetyAndWellbeing', justice.safetyAndWellbeing);
    text('justice', 'justice.likelihoodOfReoffending', justice.likelihoodOfReoffending);
    text('justice', 'justice.offenceSummary', justice.offenceSummary);
    text('justice', 'justice.summary', justice.summary);
  }
  const socialCare = r.socialCare;
  if (socialCare) {
    text('socialCare', 'socialCare.caseReference', socialCare.caseReference, maskIdentifier);
    text('socialCare', 'socialCare.reason', socialCare.reason);
    when('socialCare', 'socialCare.decidedAt', socialCare.decidedAt);
    text('socialCare', 'socialCare.decision', socialCare.decision);
    text('socialCare', 'socialCare.previousInvolvement', socialCare.previousInvolvement);
  }
  const vcs = r.vcs;
  if (vcs) {
    text('vcs', 'vcs.organisation', vcs.organisation);
    text('vcs', 'vcs.charityNumber', vcs.charityNumber, maskIdentifier);
  }

  return {
    revealed: reveal,
    referralId: r.referralId,
    messageId: r.messageId,
    sourcePartnerId: r.sourcePartnerId,
    sourceType: r.sourceType,
    correlationId: r.correlationId,
    receivedAt: r.receivedAt,
    urgency: r.urgency,
    needs: [...r.needs],
    consentStatus: r.consent.status,
    consentCapturedAt: r.consent.capturedAt ?? null,
    consentReasonNotSought: r.consent.reasonNotSought ?? null,
    lawfulBasis: { art6: r.lawfulBasis.art6, art9: r.lawfulBasis.art9 ?? null, sch1Paragraph: r.lawfulBasis.sch1Paragraph ?? null, art10: r.lawfulBasis.art10 ?? null },
    safeguardingConcern: r.safeguardingConcern ?? null,
    sourceReference: m(r.sourceReference, maskIdentifier),
    needSummary: m(r.needSummary, maskText),
    agenciesInvolved: (r.agenciesInvolved ?? []).map((agency) => (reveal ? agency : maskText(agency))),
    family: {
      address: address(r.family.address),
      postcode: m(r.family.address?.postcode, maskPostcode),
      postcodeDistrict: r.family.postcodeDistrict ?? null,
      householdSize: r.family.householdSize ?? null,
      noFixedAbode: r.family.noFixedAbode ?? null,
      tenure: r.family.tenure ?? null,
      contact: contact(r.family.contact),
      contactSafe: r.family.contactSafe,
    },
    referrer: staff(r.referrer),
    leadPractitioner: staff(r.leadPractitioner),
    people: r.people.map(person),
    details,
  };
}
