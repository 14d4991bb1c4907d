// The subject access export (UK GDPR Art 15): everything the hub holds about one hub person, built
// from the store's snapshot (SubjectAccessRecords) as a stable JSON document. Pure: no I/O.
//
// What the person sees from each referral they appear in (docs/data-protection.md, "Subject access"):
//   - their own entry in full (every field the source sent about them);
//   - the household's facts; the family address only where they live there (no address of their
//     own, or the same one) and never for someone recorded as the alleged perpetrator, who also
//     does not see the family's contact details;
//   - everyone else in the referral as a role only ("another person: parent");
//   - the referral's own facts and type-specific details, except blocks that are about someone else
//     (a child's education record for a parent; a young person's youth justice record for a parent;
//     the victim's safe contact for anyone but the victim; another child's presence at an incident),
//     and professionals' direct phone numbers and email addresses;
//   - in what remains, every name, date of birth, NHS number, UPN, NI number, phone number, email
//     address and address of another person in the same referral is replaced by "[another person]"
//     (unless it is also the person's own value, e.g. a shared family name), and free text is listed
//     for the DPO to read before release (Data Protection Act 2018 Sch 2 para 16: a third party named
//     in free text in words the hub cannot recognise);
//   - the inbound message's metadata (never its raw body, which is about everyone in it);
//   - the sharing decisions and deliveries of the referral that concern them;
//   - every ledger row whose data subjects include them (recipient, date, purpose, lawful basis,
//     fields sent as pointers, channel, outcome), checked against a count of the ledger itself.
import type { CanonicalAddress, CanonicalPerson, CanonicalReferral } from '@hub/domain';
import { isChildRole } from '@hub/domain';
import type { LedgerEntry, SubjectAccessRecords, SubjectAccessReferral, SubjectAccessRequest } from '@hub/store';

export const SUBJECT_ACCESS_EXPORT_FORMAT = 'hub.subject-access-export.v1';
/** What replaces another person's value in the export. */
export const REDACTED = '[another person]';

export const REDACTION_RULES: readonly string[] = [
  'Your own details are shown in full, as each organisation sent them.',
  'Other people in the same referral are shown by their role only ("another person: parent"): never their names, dates of birth, identifiers or contact details.',
  'Where another person’s name, date of birth, NHS number, other identifier, phone number, email address or address appears elsewhere in a referral, it is replaced by “[another person]”.',
  'The family address is shown only where you live at it; the family’s contact details and address are not shown to a person recorded as the alleged perpetrator.',
  'Parts of a referral that are about another person (for example a child’s school record in a parent’s copy, or another child’s account of an incident) are withheld and listed as withheld.',
  'Professionals are named with their role and organisation; their direct phone numbers and email addresses are not included.',
  'Free text written by the person who made the referral is marked for review: the Data Protection Officer reads it before this document is released.',
  'Messages are described by their type, sender and time; the original message is not copied because it is about everyone in it.',
];

export interface PartnerRef {
  partnerId: string;
  name: string;
}

export interface ExportDisclosure {
  seq: number;
  entryId: string;
  at: string;
  /** `disclosed`, `not-disclosed`, or another outcome the ledger records (e.g. an erasure). */
  outcome: LedgerEntry['outcome'];
  referralId: string;
  deliveryId: string | null;
  recipient: PartnerRef | null;
  purpose: string | null;
  lawfulBasis: { art6: string | null; art9: string | null; sch1Paragraph: string | null; art10: string | null };
  /** JSON pointers into the referral of the fields sent (never the values). */
  fieldsSent: string[];
  channel: string | null;
  decidedBy: { rule: string | null; operator: string | null };
  /** SHA-256 of the exact bytes sent. */
  payloadSha256: string | null;
}

export interface ExportDecision {
  decisionId: string;
  decidedAt: string;
  decision: 'share' | 'not-share' | 'hold';
  recipient: PartnerRef | null;
  purpose: string | null;
  priority: string | null;
  decidedBy: { rule: string | null; operator: string | null };
  /** A fixed text written by the hub's developers, never free text about the family. */
  reason: string;
}

export interface ExportDelivery {
  deliveryId: string;
  recipient: PartnerRef;
  channel: string;
  status: string;
  createdAt: string;
  deliveredAt: string | null;
  deadlineAt: string | null;
  attempts: number;
  purpose: string;
  lawfulBasis: { art6: string; art9: string | null; sch1Paragraph: string | null; art10: string | null };
  fieldsSent: string[];
  feedback: { status: string; at: string | null } | null;
}

export interface ExportReferral {
  referralId: string;
  receivedAt: string;
  routedAt: string | null;
  status: string;
  urgency: string;
  messageType: string;
  source: PartnerRef;
  inboundMessage: { messageId: string; type: string; sender: PartnerRef; senderMessageId: string; receivedAt: string; bodySha256: string } | null;
  /** False when the referral's content was erased (its data key destroyed): only the facts remain. */
  contentAvailable: boolean;
  you: { personRef: string; role: string; details: Record<string, unknown> }[];
  family: Record<string, unknown>;
  otherPeople: { personRef: string; role: string; description: string }[];
  details: Record<string, unknown>;
  withheld: { pointer: string; reason: string }[];
  /** JSON pointers (within this referral object) of free text the DPO reads before release. */
  reviewBeforeRelease: string[];
  /** How many values of other people were replaced by "[another person]". */
  redactions: number;
  decisions: ExportDecision[];
  deliveries: ExportDelivery[];
  hold: { reasons: string[]; heldAt: string; resolvedAt: string | null; resolution: string | null; resolvedBy: string | null; resolutionReason: string | null } | null;
}

export interface SubjectAccessExport {
  format: typeof SUBJECT_ACCESS_EXPORT_FORMAT;
  generatedAt: string;
  subject: { hubPersonId: string; linkedByNhsNumber: boolean };
  request: { id: string; receivedOn: string; dueOn: string; extendedDueOn: string | null; status: string } | null;
  summary: {
    referrals: number;
    sources: PartnerRef[];
    inboundMessages: number;
    decisions: number;
    deliveries: number;
    disclosures: number;
    notDisclosed: number;
    recipients: PartnerRef[];
  };
  completeness: {
    /** count(*) of ledger rows naming the person, read in the same snapshot. */
    ledgerRowsForPerson: number;
    ledgerRowsInExport: number;
    /** Delivered deliveries about the person without a `disclosed` ledger row among those rows (should be none). */
    deliveredWithoutLedgerRow: string[];
    complete: boolean;
  };
  redactionRules: readonly string[];
  referrals: ExportReferral[];
  disclosures: ExportDisclosure[];
}

export interface ExportOptions {
  generatedAt: Date;
  partnerName(partnerId: string): string | undefined;
  request?: SubjectAccessRequest | null;
}

// ---------------------------------------------------------------------------------------------
// Redaction of other people's values
// ---------------------------------------------------------------------------------------------

const LETTER_OR_DIGIT = '[\\p{L}\\p{N}]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Digits with optional spaces or hyphens between them (and an optional leading +), not inside a longer number. */
function digitPattern(digits: string): string {
  return `(?<!\\d)\\+?${[...digits].join('[\\s-]?')}(?!\\d)`;
}

/** Ways a value of a person may be written in free text. */
interface ValueForms {
  /** Words or phrases matched whole, case-insensitively. */
  words: Set<string>;
  /** Digit strings matched with optional separators. */
  digits: Set<string>;
  /** Whole values (compared case-insensitively), e.g. an address line. */
  whole: Set<string>;
}

function emptyForms(): ValueForms {
  return { words: new Set(), digits: new Set(), whole: new Set() };
}

function addWord(forms: ValueForms, value: string | undefined): void {
  const v = value?.trim().toLowerCase();
  if (v && v.length >= 2) {
    forms.words.add(v);
    forms.whole.add(v);
  }
}

function addDigits(forms: ValueForms, value: string | undefined): void {
  const digits = value?.replace(/\D/g, '');
  if (digits && digits.length >= 6) forms.digits.add(digits);
  if (value) forms.whole.add(value.trim().toLowerCase());
}

function addPhone(forms: ValueForms, phone: string | undefined): void {
  if (!phone) return;
  addDigits(forms, phone);
  const digits = phone.replace(/\D/g, '');
  // +44 7700 900123 is also written 07700 900123.
  if (phone.trim().startsWith('+44') && digits.startsWith('44')) addDigits(forms, `0${digits.slice(2)}`);
}

function addDate(forms: ValueForms, date: string | undefined): void {
  const match = date ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  if (!match || !date) return;
  const [, y, m, d] = match as unknown as [string, string, string, string];
  forms.words.add(date);
  forms.whole.add(date);
  for (const day of new Set([d, String(Number(d))])) for (const month of new Set([m, String(Number(m))])) for (const sep of ['/', '.', '-']) forms.words.add(`${day}${sep}${month}${sep}${y}`);
}

function addAddress(forms: ValueForms, address: CanonicalAddress | undefined): void {
  if (!address) return;
  for (const line of address.lines ?? []) addWord(forms, line);
  if (address.postcode) {
    addWord(forms, address.postcode);
    addWord(forms, address.postcode.replace(/\s+/g, ''));
  }
  addDigits(forms, address.uprn);
}

/** Every value of a person the export must not show to anyone else. */
function formsOfPerson(person: CanonicalPerson): ValueForms {
  const forms = emptyForms();
  addWord(forms, `${person.givenName} ${person.familyName}`);
  addWord(forms, person.givenName);
  addWord(forms, person.familyName);
  addWord(forms, person.preferredName);
  addDate(forms, person.dateOfBirth);
  addDigits(forms, person.nhsNumber);
  addWord(forms, person.upn);
  addWord(forms, person.niNumber);
  addPhone(forms, person.contact?.phone);
  addPhone(forms, person.contact?.otherPhone);
  addWord(forms, person.contact?.email);
  addAddress(forms, person.address);
  return forms;
}

interface Redactor {
  /** The text with other people's values replaced, and how many were. */
  redact(text: string): { text: string; count: number };
}

function buildRedactor(others: ValueForms[], own: ValueForms): Redactor {
  const words = new Set<string>();
  const digits = new Set<string>();
  for (const forms of others) {
    for (const w of forms.words) if (!own.words.has(w)) words.add(w);
    for (const d of forms.digits) if (!own.digits.has(d)) digits.add(d);
  }
  // Longest first, so "Grace Mensah" goes whole before "Grace" would.
  const patterns = [
    ...[...words].sort((a, b) => b.length - a.length).map((w) => `(?<!${LETTER_OR_DIGIT})${escapeRegExp(w)}(?!${LETTER_OR_DIGIT})`),
    ...[...digits].sort((a, b) => b.length - a.length).map(digitPattern),
  ];
  const pattern = patterns.length > 0 ? new RegExp(patterns.join('|'), 'giu') : null;
  return {
    redact(text) {
      if (!pattern || own.whole.has(text.trim().toLowerCase())) return { text, count: 0 };
      let count = 0;
      const out = text.replace(pattern, () => {
        count += 1;
        return REDACTED;
      });
      return { text: out, count };
    },
  };
}

/** Fields of the canonical referral that hold prose written by a person (the referrer, an operator). */
const FREE_TEXT_KEYS = new Set([
  'needSummary',
  'agenciesInvolved',
  'circumstances',
  'safeguardingInformation',
  'whereabouts',
  'voiceOfChild',
  'concern',
  'goal',
  'barriers',
  'summary',
  'offenceSummary',
  'safetyAndWellbeing',
  'likelihoodOfReoffending',
  'riskOfSeriousHarm',
  'reason',
  'previousInvolvement',
  'decision',
  'resolutionReason',
  'safeContactNote',
  'contactTimes',
  'incidentLocation',
  'riskReasons',
]);
/** Names of organisations, job titles and places: several words, but not prose about anyone. */
const LABEL_KEYS = new Set(['name', 'jobTitle', 'organisation', 'schoolName', 'teamName', 'jobcentreOffice', 'service', 'lines', 'town', 'county']);

/** A value in which every string has been passed through the redactor; `found` collects free text. */
function redactValue(value: unknown, redactor: Redactor, pointer: string, found: { count: number; freeText: string[] }, key = ''): unknown {
  if (typeof value === 'string') {
    const { text, count } = redactor.redact(value);
    found.count += count;
    // Prose: the hub cannot tell whom it is about, so a person reads it first. A field not known to
    // the hub is treated as prose when it reads like a sentence.
    if (FREE_TEXT_KEYS.has(key) || (!LABEL_KEYS.has(key) && value.trim().split(/\s+/).length >= 5)) found.freeText.push(pointer);
    return text;
  }
  if (Array.isArray(value)) return value.map((v, i) => redactValue(v, redactor, `${pointer}/${i}`, found, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, redactor, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, found, k)]));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// What of a referral is about the person
// ---------------------------------------------------------------------------------------------

const ADULT_ROLES = new Set(['parent', 'step-parent', 'carer', 'guardian', 'adult', 'victim', 'alleged-perpetrator', 'other']);

function sameAddress(a: CanonicalAddress | undefined, b: CanonicalAddress | undefined): boolean {
  if (!a || !b) return false;
  const norm = (x: CanonicalAddress): string =>
    [...(x.lines ?? []), x.postcode ?? '']
      .join('|')
      .toLowerCase()
      .replace(/[^a-z0-9|]/g, '');
  return norm(a) === norm(b);
}

function staffWithoutContacts(staff: { name: string; jobTitle?: string; organisation?: string } | undefined): Record<string, string> | undefined {
  if (!staff) return undefined;
  return { name: staff.name, ...(staff.jobTitle ? { jobTitle: staff.jobTitle } : {}), ...(staff.organisation ? { organisation: staff.organisation } : {}) };
}

function withoutUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/**
 * The referral-level facts and type-specific blocks the person may see, before redaction, and
 * what was withheld (pointers relative to `details`).
 */
function referralDetails(r: CanonicalReferral, own: CanonicalPerson[]): { details: Record<string, unknown>; withheld: { pointer: string; reason: string }[] } {
  const ownRefs = new Set(own.map((p) => p.personRef));
  const roles = new Set(own.map((p) => p.role));
  const isChild = [...roles].some((role) => isChildRole(role));
  const isAdult = [...roles].some((role) => ADULT_ROLES.has(role));
  const withheld: { pointer: string; reason: string }[] = [];
  const professional = (pointer: string, staff: { phone?: string; email?: string } | undefined): void => {
    if (staff?.phone || staff?.email) withheld.push({ pointer, reason: 'a professional’s direct contact details' });
  };

  const details: Record<string, unknown> = withoutUndefined({
    sourceReference: r.sourceReference,
    correlationId: r.correlationId,
    needs: r.needs,
    needSummary: r.needSummary,
    safeguardingConcern: r.safeguardingConcern,
    consent: r.consent,
    lawfulBasis: r.lawfulBasis,
    agenciesInvolved: r.agenciesInvolved,
    referrer: staffWithoutContacts(r.referrer),
    leadPractitioner: staffWithoutContacts(r.leadPractitioner),
  });
  professional('/details/referrer', r.referrer);
  professional('/details/leadPractitioner', r.leadPractitioner);

  if (r.police) {
    const { childrenPresent, ...police } = r.police;
    const mine = (childrenPresent ?? []).filter((c) => ownRefs.has(c.personRef));
    if ((childrenPresent ?? []).length > mine.length) withheld.push({ pointer: '/details/police/childrenPresent', reason: 'about another child in the referral' });
    details.police = withoutUndefined({ ...police, ...(mine.length > 0 ? { childrenPresent: mine } : {}) });
  }
  if (r.education) {
    if (isChild) {
      const { designatedSafeguardingLead, ...education } = r.education;
      details.education = withoutUndefined({ ...education, designatedSafeguardingLead: staffWithoutContacts(designatedSafeguardingLead) });
      professional('/details/education/designatedSafeguardingLead', designatedSafeguardingLead);
    } else withheld.push({ pointer: '/details/education', reason: 'a child’s school record: about another person in the referral' });
  }
  if (r.health) details.health = r.health;
  if (r.housing) details.housing = r.housing;
  if (r.employment) {
    if (isAdult) details.employment = r.employment;
    else withheld.push({ pointer: '/details/employment', reason: 'an adult’s employment record: about another person in the referral' });
  }
  if (r.victim) {
    const { safeContact, ...victim } = r.victim;
    details.victim = roles.has('victim') && safeContact ? { ...victim, safeContact } : victim;
    if (safeContact && !roles.has('victim')) withheld.push({ pointer: '/details/victim/safeContact', reason: 'the victim’s safe contact arrangements: about another person' });
  }
  if (r.justice) {
    if (isChild) details.justice = r.justice;
    else withheld.push({ pointer: '/details/justice', reason: 'a young person’s youth justice record: about another person in the referral' });
  }
  if (r.socialCare) details.socialCare = r.socialCare;
  if (r.vcs) details.vcs = r.vcs;
  return { details, withheld };
}

function familyFor(r: CanonicalReferral, own: CanonicalPerson[]): { family: Record<string, unknown>; withheld: { pointer: string; reason: string }[]; ownsAddress: boolean } {
  const perpetrator = own.some((p) => p.role === 'alleged-perpetrator');
  const f = r.family;
  const withheld: { pointer: string; reason: string }[] = [];
  const family: Record<string, unknown> = withoutUndefined({
    postcodeDistrict: f.postcodeDistrict,
    householdSize: f.householdSize,
    noFixedAbode: f.noFixedAbode,
    tenure: f.tenure,
    contactSafe: f.contactSafe,
  });
  // A person lives at the family address when they have no address of their own, or the same one.
  const livesThere = own.some((p) => !p.address || sameAddress(p.address, f.address));
  const ownsAddress = Boolean(f.address) && livesThere && !perpetrator;
  if (f.address) {
    if (ownsAddress) family.address = f.address;
    else withheld.push({ pointer: '/family/address', reason: perpetrator ? 'the family’s address is not given to a person recorded as the alleged perpetrator' : 'the family’s address is not where you live' });
  }
  if (f.contact) {
    if (!perpetrator) family.contact = f.contact;
    else withheld.push({ pointer: '/family/contact', reason: 'the family’s contact details are not given to a person recorded as the alleged perpetrator' });
  }
  return { family, withheld, ownsAddress };
}

function personDetails(p: CanonicalPerson): Record<string, unknown> {
  const details: Record<string, unknown> = { ...p };
  // Shown beside the details; the hub id is the export's subject.
  for (const key of ['hubPersonId', 'personRef', 'role']) delete details[key];
  return details;
}

// ---------------------------------------------------------------------------------------------

function iso(at: Date | null | undefined): string | null {
  return at ? at.toISOString() : null;
}

function decisionsAndDeliveries(
  referral: SubjectAccessReferral,
  personId: string,
  partner: (id: string) => PartnerRef,
): { decisions: ExportDecision[]; deliveries: ExportDelivery[] } {
  // A delivery that did not carry the person's data is someone else's: neither it nor its decision is theirs.
  const theirs = referral.deliveries.filter((d) => d.subjects.includes(personId));
  const notTheirs = new Set(referral.deliveries.filter((d) => !d.subjects.includes(personId)).map((d) => d.decisionId));
  const decisions = referral.decisions
    .filter((d) => !notTheirs.has(d.decisionId))
    .map(
      (d): ExportDecision => ({
        decisionId: d.decisionId,
        decidedAt: d.decidedAt.toISOString(),
        decision: d.decision,
        recipient: d.recipientPartnerId ? partner(d.recipientPartnerId) : null,
        purpose: d.purpose,
        priority: d.priority,
        decidedBy: { rule: d.ruleId, operator: d.operatorId },
        reason: d.reason,
      }),
    );
  const deliveries = theirs.map(
    (d): ExportDelivery => ({
      deliveryId: d.deliveryId,
      recipient: partner(d.recipientPartnerId),
      channel: d.channel,
      status: d.status,
      createdAt: d.createdAt.toISOString(),
      deliveredAt: iso(d.deliveredAt),
      deadlineAt: iso(d.deadlineAt),
      attempts: d.attempts,
      purpose: d.purpose,
      lawfulBasis: { art6: d.lawfulBasis.art6, art9: d.lawfulBasis.art9 ?? null, sch1Paragraph: d.lawfulBasis.sch1Paragraph ?? null, art10: d.lawfulBasis.art10 ?? null },
      fieldsSent: [...d.fields],
      feedback: d.feedbackStatus ? { status: d.feedbackStatus, at: iso(d.feedbackAt) } : null,
    }),
  );
  return { decisions, deliveries };
}

function exportReferral(referral: SubjectAccessReferral, personId: string, partner: (id: string) => PartnerRef): ExportReferral {
  const { decisions, deliveries } = decisionsAndDeliveries(referral, personId, partner);
  const base = {
    referralId: referral.referralId,
    receivedAt: referral.receivedAt.toISOString(),
    routedAt: iso(referral.routedAt),
    status: referral.status,
    urgency: referral.urgency,
    messageType: referral.sourceType,
    source: partner(referral.sourcePartnerId),
    inboundMessage: referral.inbound
      ? {
          messageId: referral.inbound.messageId,
          type: referral.inbound.type,
          sender: partner(referral.inbound.partnerId),
          senderMessageId: referral.inbound.webhookId,
          receivedAt: referral.inbound.receivedAt.toISOString(),
          bodySha256: referral.inbound.bodySha256,
        }
      : null,
    decisions,
    deliveries,
  };
  const ownRefs = new Set(referral.personRefs);
  const others = referral.people
    .filter((p) => !ownRefs.has(p.personRef))
    .map((p) => ({ personRef: p.personRef, role: p.role, description: `another person: ${p.role}` }));

  const canonical = referral.canonical ? (JSON.parse(referral.canonical.toString('utf8')) as CanonicalReferral) : null;
  if (!canonical) {
    return {
      ...base,
      contentAvailable: false,
      you: referral.people.filter((p) => ownRefs.has(p.personRef)).map((p) => ({ personRef: p.personRef, role: p.role, details: {} })),
      family: {},
      otherPeople: others,
      details: {},
      withheld: [],
      reviewBeforeRelease: [],
      redactions: 0,
      hold: referral.hold ? { ...holdOf(referral.hold), resolutionReason: null } : null,
    };
  }

  const own = canonical.people.filter((p) => ownRefs.has(p.personRef));
  const otherPeople = canonical.people.filter((p) => !ownRefs.has(p.personRef));
  const { family, withheld: familyWithheld, ownsAddress } = familyFor(canonical, own);
  const { details, withheld: detailWithheld } = referralDetails(canonical, own);

  const ownForms = emptyForms();
  for (const person of own) {
    const forms = formsOfPerson(person);
    for (const w of forms.words) ownForms.words.add(w);
    for (const d of forms.digits) ownForms.digits.add(d);
    for (const v of forms.whole) ownForms.whole.add(v);
  }
  // The household values the person is given count as their own.
  if (ownsAddress) addAddress(ownForms, canonical.family.address);
  const redactor = buildRedactor(otherPeople.map(formsOfPerson), ownForms);
  // The family contact is the household's: its values stay unless they are another person's.
  const found = { count: 0, freeText: [] as string[] };
  // Household values are not free text: only their redactions count.
  const familyFound = { count: 0, freeText: [] as string[] };
  const redactedFamily = redactValue(family, redactor, '/family', familyFound) as Record<string, unknown>;
  found.count += familyFound.count;
  const redactedDetails = redactValue(details, redactor, '/details', found) as Record<string, unknown>;
  const hold = referral.hold ? holdOf(referral.hold) : null;
  if (hold?.resolutionReason) {
    hold.resolutionReason = redactValue(hold.resolutionReason, redactor, '/hold/resolutionReason', found, 'resolutionReason') as string;
  }

  return {
    ...base,
    contentAvailable: true,
    you: own.map((p) => ({ personRef: p.personRef, role: p.role, details: personDetails(p) })),
    family: redactedFamily,
    otherPeople: others,
    details: redactedDetails,
    withheld: [...familyWithheld, ...detailWithheld],
    reviewBeforeRelease: found.freeText,
    redactions: found.count,
    hold,
  };
}

function holdOf(hold: NonNullable<SubjectAccessReferral['hold']>): NonNullable<ExportReferral['hold']> {
  return {
    reasons: [...hold.reasons],
    heldAt: hold.heldAt.toISOString(),
    resolvedAt: iso(hold.resolvedAt),
    resolution: hold.resolution,
    resolvedBy: hold.resolvedBy,
    resolutionReason: hold.resolutionReason,
  };
}

function exportDisclosure(e: LedgerEntry, partner: (id: string) => PartnerRef): ExportDisclosure {
  return {
    seq: e.seq,
    entryId: e.id,
    at: e.at.toISOString(),
    outcome: e.outcome,
    referralId: e.referralId,
    deliveryId: e.deliveryId,
    recipient: e.recipientPartnerId ? partner(e.recipientPartnerId) : null,
    purpose: e.purpose,
    lawfulBasis: { art6: e.art6, art9: e.art9, sch1Paragraph: e.sch1Paragraph, art10: e.art10 },
    fieldsSent: [...e.fields],
    channel: e.channel,
    decidedBy: { rule: e.decidedByRule, operator: e.decidedByOperator },
    payloadSha256: e.payloadSha256,
  };
}

function uniquePartners(ids: Iterable<string>, partner: (id: string) => PartnerRef): PartnerRef[] {
  return [...new Set(ids)].sort().map(partner);
}

/** The export of everything in `records` (one person's snapshot), redacted as described above. */
export function buildSubjectAccessExport(records: SubjectAccessRecords, options: ExportOptions): SubjectAccessExport {
  const partner = (id: string): PartnerRef => ({ partnerId: id, name: options.partnerName(id) ?? id });
  const referrals = records.referrals.map((r) => exportReferral(r, records.personId, partner));
  const disclosures = records.ledger.map((e) => exportDisclosure(e, partner));

  const disclosedDeliveries = new Set(records.ledger.filter((e) => e.outcome === 'disclosed' && e.deliveryId).map((e) => e.deliveryId as string));
  const deliveredWithoutLedgerRow = records.referrals
    .flatMap((r) => r.deliveries)
    .filter((d) => d.subjects.includes(records.personId) && d.deliveredAt !== null && !disclosedDeliveries.has(d.deliveryId))
    .map((d) => d.deliveryId);
  const request = options.request ?? null;

  return {
    format: SUBJECT_ACCESS_EXPORT_FORMAT,
    generatedAt: options.generatedAt.toISOString(),
    subject: { hubPersonId: records.personId, linkedByNhsNumber: records.linkedByNhsNumber },
    request: request ? { id: request.id, receivedOn: request.receivedOn, dueOn: request.dueOn, extendedDueOn: request.extendedDueOn, status: request.status } : null,
    summary: {
      referrals: referrals.length,
      sources: uniquePartners(
        records.referrals.map((r) => r.sourcePartnerId),
        partner,
      ),
      inboundMessages: referrals.filter((r) => r.inboundMessage).length,
      decisions: referrals.reduce((n, r) => n + r.decisions.length, 0),
      deliveries: referrals.reduce((n, r) => n + r.deliveries.length, 0),
      disclosures: disclosures.filter((d) => d.outcome === 'disclosed').length,
      notDisclosed: disclosures.filter((d) => d.outcome === 'not-disclosed').length,
      recipients: uniquePartners(
        disclosures.filter((d) => d.outcome === 'disclosed' && d.recipient).map((d) => (d.recipient as PartnerRef).partnerId),
        partner,
      ),
    },
    completeness: {
      ledgerRowsForPerson: records.ledgerCount,
      ledgerRowsInExport: disclosures.length,
      deliveredWithoutLedgerRow,
      complete: disclosures.length === records.ledgerCount && deliveredWithoutLedgerRow.length === 0,
    },
    redactionRules: REDACTION_RULES,
    referrals,
    disclosures,
  };
}
