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
//     fields sent as pointers, channel, outcome), checked against a count of the ledger itself,
//     each said to be about a referral or a national evaluation extract.
// And about the person across referrals: their restriction / objection / safeguarding override
// flags and history, corrections of their fields (with the old and new values while the referral
// can still be decrypted), erased records (the fact, date, rule or operator; never content), legal
// holds on them or their referrals, their subject access requests, and the national evaluation
// extracts that included them. Reasons staff typed are shown with other people's known values
// replaced and are listed for the DPO to read before release (`reviewBeforeRelease`).
// And (v3) the messages side: their own feedback answers (ratings, and what they wrote, redacted
// and for review, or that it was erased), the acknowledgements and feedback invitations about
// their referrals (codes, dates and status; never a token, and for an invitation addressed to
// someone else nothing about whether or when that person answered), their request to get no
// messages, and the directory services recorded as shared with the family on their referrals.
import type { CanonicalAddress, CanonicalPerson, CanonicalReferral } from '@hub/domain';
import { isChildRole } from '@hub/domain';
import type { DeliveryStatus, LedgerEntry, RightsAction, SubjectAccessRecords, SubjectAccessReferral, SubjectAccessRequest } from '@hub/store';

export const SUBJECT_ACCESS_EXPORT_FORMAT = 'hub.subject-access-export.v3';
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
  'Reasons written by hub staff (for a restriction, objection or safeguarding decision, a correction or a legal hold) are shown with other people’s details replaced, and are read by the Data Protection Officer before this document is released.',
  'A record that was erased is listed with the date and the rule or person that erased it; its content cannot be shown because it no longer exists in readable form.',
  'What you wrote in feedback about a service is shown with other people’s details replaced, and is read by the Data Protection Officer before this document is released.',
  'Messages the hub sent (or decided not to send) about your referrals are listed by their date, status and reason; a message sent to another member of your family is listed without saying whether or when they replied.',
];

export interface PartnerRef {
  partnerId: string;
  name: string;
}

export interface ExportDisclosure {
  /**
   * What the row is about: one of the referrals below, a national evaluation extract (its
   * `referralId` and `deliveryId` are then the extract's id), or neither (a completeness failure).
   */
  about: 'referral' | 'national-evaluation-extract' | 'unexplained';
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
  /** When the referral was erased (its data key destroyed); see `erasures`. */
  erasedAt: string | null;
  status: string;
  urgency: string;
  messageType: string;
  source: PartnerRef;
  inboundMessage: { messageId: string; type: string; sender: PartnerRef; senderMessageId: string; receivedAt: string; bodySha256: string } | null;
  /** False when the referral's content was erased (its data key destroyed) or cannot be decrypted: only the facts remain. */
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

export interface ExportRightsChange {
  at: string;
  action: RightsAction;
  /** A fixed text saying what the change means. */
  description: string;
  by: string;
  overrideUntil: string | null;
  /** What the staff member typed (other people's values replaced; for review), or null when it cannot be decrypted. */
  reason: string | null;
}

export interface ExportRights {
  restricted: { since: string; by: string } | null;
  objected: { since: string; by: string } | null;
  /** The latest safeguarding override, active or expired. */
  safeguardingOverride: { since: string; by: string; until: string | null; active: boolean } | null;
  /** Oldest first. */
  history: ExportRightsChange[];
}

export interface ExportRectification {
  rectificationId: string;
  referralId: string;
  at: string;
  by: string;
  /** JSON pointer of the corrected field, relative to the person (e.g. `/contact/phone`). */
  field: string;
  reasonCategory: string;
  /** False when the referral was erased (or its key cannot be read): the values and reason are gone. */
  valuesAvailable: boolean;
  valuesUnavailableBecause: 'erased' | 'unreadable' | null;
  /** The value before and after (null when absent), other people's values replaced. */
  oldValue: unknown;
  newValue: unknown;
  /** What the staff member typed (for review). */
  reason: string | null;
  /** Each recipient told of the correction (UK GDPR Art 19). */
  recipients: { deliveryId: string; recipient: PartnerRef; channel: string; status: DeliveryStatus; deliveredAt: string | null; correctsDeliveryId: string }[];
}

export interface ExportErasure {
  tombstoneId: string;
  recordClass: string;
  /** The referral (or inbound message) id. */
  recordId: string;
  erasedAt: string;
  reasonCode: string;
  decidedBy: { rule: string | null; operator: string | null };
  retentionRunId: string | null;
  /** The `erased` ledger row (referrals only). */
  ledgerEntryId: string | null;
}

export interface ExportLegalHold {
  holdId: string;
  /** `person`: every referral you appear in; `referral`: one referral. */
  covers: 'person' | 'referral';
  referralId: string | null;
  placedAt: string;
  placedBy: string;
  /** What the staff member typed (a case or matter reference; for review). */
  reason: string;
  active: boolean;
  releasedAt: string | null;
  releasedBy: string | null;
  releaseReason: string | null;
}

export interface ExportSubjectAccessRequest {
  id: string;
  receivedOn: string;
  dueOn: string;
  extendedDueOn: string | null;
  extensionMonths: 1 | 2 | null;
  extensionReason: string | null;
  /** The DPO's note on the extension (for review). */
  extensionNote: string | null;
  requesterToldOn: string | null;
  status: string;
  completedAt: string | null;
}

export interface ExportEvaluationExtract {
  extractId: string;
  createdAt: string;
  /** Referrals received from `periodFrom` up to, not including, `periodTo`. */
  periodFrom: string;
  periodTo: string;
  recipient: PartnerRef;
  purpose: string;
  lawfulBasis: { art6: string };
  /** The columns sent, as pointers (from the ledger row). */
  fieldsSent: string[];
  channel: string | null;
  csvSha256: string;
  ledgerEntryId: string;
  ledgerSeq: number | null;
}

export interface ExportFeedbackAnswer {
  feedbackId: string;
  submittedAt: string;
  /** The type of service the feedback was about (e.g. `social-care`). */
  serviceType: string;
  /** Question id → your rating, 1 (worst) to 5 (best). */
  ratings: Record<string, number>;
  /** What you wrote (other people's values replaced; for review); null when there was none, or it was erased or cannot be read. */
  comment: string | null;
  commentErased: boolean;
}

export interface ExportAcknowledgement {
  acknowledgementId: string;
  referralId: string;
  /** `queued` (to be sent) or `suppressed` (decided not to send). */
  decision: string;
  reasonCode: string;
  channel: string | null;
  status: string;
  outcomeCode: string | null;
  decidedAt: string;
  finishedAt: string | null;
}

export interface ExportFeedbackInvitation {
  invitationId: string;
  referralId: string;
  serviceType: string;
  /** `scheduled` or `suppressed` (decided not to send). */
  decision: string;
  reasonCode: string;
  channel: string | null;
  status: string;
  outcomeCode: string | null;
  decidedAt: string;
  dueAt: string;
  finishedAt: string | null;
  /** True when the invitation was sent to you (not to another member of your family). */
  addressedToYou: boolean;
  /** When the link in it expired / was used: only for an invitation sent to you. */
  linkExpiresAt: string | null;
  linkUsedAt: string | null;
}

export interface ExportSignpostShare {
  shareId: string;
  referralId: string;
  service: { id: string; name: string; url: string | null };
  sharedBy: string;
  sharedAt: string;
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
    restricted: boolean;
    objected: boolean;
    rectifications: number;
    erasedReferrals: number;
    legalHolds: number;
    subjectAccessRequests: number;
    evaluationExtracts: number;
    feedbackAnswers: number;
    acknowledgements: number;
    feedbackInvitations: number;
    messageOptOut: boolean;
    signpostShares: number;
  };
  completeness: {
    /** count(*) of ledger rows naming the person, read in the same snapshot. */
    ledgerRowsForPerson: number;
    ledgerRowsInExport: number;
    /** Delivered deliveries about the person without a `disclosed` ledger row among those rows (should be none). */
    deliveredWithoutLedgerRow: string[];
    /** Ledger rows naming the person that are about neither a listed referral nor a listed extract (entry ids). */
    disclosuresNotExplained: string[];
    /** Erased referrals of the person without an erasure record (tombstone) in the export. */
    erasedReferralsWithoutTombstone: string[];
    /** Records held about the person that could not be decrypted (not erased): `referral/<id>`, `rectification/<id>`, `rights-history/<id>`, `feedback/<id>`. */
    unreadable: string[];
    complete: boolean;
  };
  redactionRules: readonly string[];
  referrals: ExportReferral[];
  disclosures: ExportDisclosure[];
  rights: ExportRights;
  rectifications: ExportRectification[];
  erasures: ExportErasure[];
  legalHolds: ExportLegalHold[];
  subjectAccessRequests: ExportSubjectAccessRequest[];
  evaluationExtracts: ExportEvaluationExtract[];
  feedback: ExportFeedbackAnswer[];
  acknowledgements: ExportAcknowledgement[];
  feedbackInvitations: ExportFeedbackInvitation[];
  /** Your request to get no messages from the hub (acknowledgements, feedback invitations), or null. */
  messageOptOut: { since: string; source: string; recordedBy: string | null } | null;
  signpostShares: ExportSignpostShare[];
  /** JSON pointers (within this document) of staff free text in the sections above, for the DPO to read before release. */
  reviewBeforeRelease: string[];
  /** How many values of other people were replaced in those sections. */
  redactions: number;
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
  // A delivery that did not carry the person's data is someone else's: neither it nor its decision
  // is theirs — unless another delivery of the same decision carried it (a decision's referral
  // delivery, and the correction of another person's field sent under the same decision).
  const theirs = referral.deliveries.filter((d) => d.subjects.includes(personId));
  const theirDecisions = new Set(theirs.map((d) => d.decisionId));
  const delivered = new Set(referral.deliveries.map((d) => d.decisionId));
  const decisions = referral.decisions
    .filter((d) => theirDecisions.has(d.decisionId) || !delivered.has(d.decisionId))
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

/** A referral's export, and what redacts other people's values in text that belongs with it. */
interface ReferralExport {
  exported: ExportReferral;
  /** Null when the content cannot be read (erased). */
  redactor: Redactor | null;
  own: ValueForms;
  others: ValueForms[];
}

function mergeForms(into: ValueForms, from: ValueForms): void {
  for (const w of from.words) into.words.add(w);
  for (const d of from.digits) into.digits.add(d);
  for (const v of from.whole) into.whole.add(v);
}

function exportReferral(referral: SubjectAccessReferral, personId: string, partner: (id: string) => PartnerRef): ReferralExport {
  const { decisions, deliveries } = decisionsAndDeliveries(referral, personId, partner);
  const base = {
    referralId: referral.referralId,
    receivedAt: referral.receivedAt.toISOString(),
    routedAt: iso(referral.routedAt),
    erasedAt: iso(referral.erasedAt),
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
    const exported: ExportReferral = {
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
    return { exported, redactor: null, own: emptyForms(), others: [] };
  }

  const own = canonical.people.filter((p) => ownRefs.has(p.personRef));
  const otherPeople = canonical.people.filter((p) => !ownRefs.has(p.personRef));
  const { family, withheld: familyWithheld, ownsAddress } = familyFor(canonical, own);
  const { details, withheld: detailWithheld } = referralDetails(canonical, own);

  const ownForms = emptyForms();
  for (const person of own) mergeForms(ownForms, formsOfPerson(person));
  // The household values the person is given count as their own.
  if (ownsAddress) addAddress(ownForms, canonical.family.address);
  const otherForms = otherPeople.map(formsOfPerson);
  const redactor = buildRedactor(otherForms, ownForms);
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

  const exported: ExportReferral = {
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
  return { exported, redactor, own: ownForms, others: otherForms };
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

function exportDisclosure(e: LedgerEntry, about: ExportDisclosure['about'], partner: (id: string) => PartnerRef): ExportDisclosure {
  return {
    about,
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

const RIGHTS_ACTION_TEXT: Readonly<Record<RightsAction, string>> = {
  restrict: 'Processing of your information restricted (UK GDPR Article 18): the hub stops sharing it',
  'lift-restriction': 'Restriction lifted',
  object: 'Your objection recorded (UK GDPR Article 21): the hub stops sharing your information',
  'withdraw-objection': 'Objection withdrawn',
  override:
    'Safeguarding override set: your information may be shared despite a restriction or objection, where that is needed to keep a child or adult safe',
  'end-override': 'Safeguarding override ended',
};

/** Other people's values replaced in a value of any shape (strings inside it), and how many. */
function redactAny(value: unknown, redactor: Redactor | null): { value: unknown; count: number } {
  if (!redactor) return { value, count: 0 };
  const found = { count: 0, freeText: [] as string[] };
  return { value: redactValue(value, redactor, '', found), count: found.count };
}

/** The export of everything in `records` (one person's snapshot), redacted as described above. */
export function buildSubjectAccessExport(records: SubjectAccessRecords, options: ExportOptions): SubjectAccessExport {
  const partner = (id: string): PartnerRef => ({ partnerId: id, name: options.partnerName(id) ?? id });
  const built = records.referrals.map((r) => exportReferral(r, records.personId, partner));
  const referrals = built.map((b) => b.exported);
  const builtById = new Map(built.map((b) => [b.exported.referralId, b]));

  // Text about the person that belongs with no one referral (reasons for flags and holds) is
  // redacted against every other person in every referral of theirs that can still be read.
  const ownEverywhere = emptyForms();
  for (const b of built) mergeForms(ownEverywhere, b.own);
  const personRedactor = buildRedactor(
    built.flatMap((b) => b.others),
    ownEverywhere,
  );
  const review: string[] = [];
  let redactions = 0;
  const staffText = (text: string | null, pointer: string, redactor: Redactor = personRedactor): string | null => {
    if (text === null) return null;
    const out = redactor.redact(text);
    redactions += out.count;
    review.push(pointer);
    return out.text;
  };

  const extractByLedgerId = new Map(records.evaluationExtracts.map((x) => [x.ledgerEntryId, x]));
  const extractIds = new Set(records.evaluationExtracts.map((x) => x.extractId));
  const referralIds = new Set(records.referrals.map((r) => r.referralId));
  const disclosures = records.ledger.map((e) =>
    exportDisclosure(e, extractByLedgerId.has(e.id) || extractIds.has(e.referralId) ? 'national-evaluation-extract' : referralIds.has(e.referralId) ? 'referral' : 'unexplained', partner),
  );

  const disclosedDeliveries = new Set(records.ledger.filter((e) => e.outcome === 'disclosed' && e.deliveryId).map((e) => e.deliveryId as string));
  const deliveredWithoutLedgerRow = records.referrals
    .flatMap((r) => r.deliveries)
    .filter((d) => d.subjects.includes(records.personId) && d.deliveredAt !== null && !disclosedDeliveries.has(d.deliveryId))
    .map((d) => d.deliveryId);
  const request = options.request ?? null;

  // Restriction, objection and the safeguarding override.
  const state = records.rights.state;
  const rights: ExportRights = {
    restricted: state?.restricted ? { since: state.restricted.at.toISOString(), by: state.restricted.by } : null,
    objected: state?.objected ? { since: state.objected.at.toISOString(), by: state.objected.by } : null,
    safeguardingOverride: state?.override ? { since: state.override.at.toISOString(), by: state.override.by, until: iso(state.override.until), active: state.override.active } : null,
    history: records.rights.history.map((h, i) => ({
      at: h.at.toISOString(),
      action: h.action,
      description: RIGHTS_ACTION_TEXT[h.action],
      by: h.actor,
      overrideUntil: iso(h.overrideUntil),
      reason: staffText(h.reason, `/rights/history/${i}/reason`),
    })),
  };

  // Corrections: the values were recorded as the person's own. A value that is another person's in
  // that referral and never the person's own anywhere (a mix-up being corrected) is replaced, and
  // the DPO is asked to look at it.
  const rectifications = records.rectifications.map((r, i): ExportRectification => {
    const context = builtById.get(r.referralId);
    let redactor: Redactor | null = null;
    if (context?.redactor) {
      const own = emptyForms();
      mergeForms(own, context.own);
      mergeForms(own, ownEverywhere);
      redactor = buildRedactor(context.others, own);
    }
    const detail = typeof r.detail === 'string' ? null : r.detail;
    const oldValue = redactAny(detail?.oldValue ?? null, redactor);
    const newValue = redactAny(detail?.newValue ?? null, redactor);
    redactions += oldValue.count + newValue.count;
    if (oldValue.count > 0) review.push(`/rectifications/${i}/oldValue`);
    if (newValue.count > 0) review.push(`/rectifications/${i}/newValue`);
    return {
      rectificationId: r.rectificationId,
      referralId: r.referralId,
      at: r.at.toISOString(),
      by: r.actor,
      field: r.pointer,
      reasonCategory: r.reasonCategory,
      valuesAvailable: detail !== null,
      valuesUnavailableBecause: typeof r.detail === 'string' ? r.detail : null,
      oldValue: oldValue.value,
      newValue: newValue.value,
      reason: staffText(detail?.reason ?? null, `/rectifications/${i}/reason`, context?.redactor ?? personRedactor),
      recipients: r.recipients.map((d) => ({
        deliveryId: d.deliveryId,
        recipient: partner(d.recipientPartnerId),
        channel: d.channel,
        status: d.status,
        deliveredAt: iso(d.deliveredAt),
        correctsDeliveryId: d.rectifiesDeliveryId,
      })),
    };
  });

  // Erasures: the fact, never the content (and never the other people the record named).
  const erasures = records.erasures.map(
    (t): ExportErasure => ({
      tombstoneId: t.id,
      recordClass: t.recordClass,
      recordId: t.recordId,
      erasedAt: t.erasedAt.toISOString(),
      reasonCode: t.reasonCode,
      decidedBy: { rule: t.ruleId, operator: t.operatorId },
      retentionRunId: t.runId,
      ledgerEntryId: t.ledgerEntryId,
    }),
  );
  const tombstoned = new Set(records.erasures.filter((t) => t.recordClass === 'referral').map((t) => t.recordId));
  const erasedReferralsWithoutTombstone = records.referrals.filter((r) => r.erasedAt !== null && !tombstoned.has(r.referralId)).map((r) => r.referralId);

  const legalHolds = records.legalHolds.map(
    (h, i): ExportLegalHold => ({
      holdId: h.id,
      covers: h.scope,
      referralId: h.scope === 'referral' ? h.targetId : null,
      placedAt: h.placedAt.toISOString(),
      placedBy: h.placedBy,
      reason: staffText(h.reason, `/legalHolds/${i}/reason`) ?? '',
      active: h.releasedAt === null,
      releasedAt: iso(h.releasedAt),
      releasedBy: h.releasedBy,
      releaseReason: staffText(h.releaseReason, `/legalHolds/${i}/releaseReason`),
    }),
  );

  const subjectAccessRequests = records.requests.map(
    (r, i): ExportSubjectAccessRequest => ({
      id: r.id,
      receivedOn: r.receivedOn,
      dueOn: r.dueOn,
      extendedDueOn: r.extendedDueOn,
      extensionMonths: r.extensionMonths,
      extensionReason: r.extensionReason,
      extensionNote: staffText(r.extensionNote, `/subjectAccessRequests/${i}/extensionNote`),
      requesterToldOn: r.requesterToldOn,
      status: r.status,
      completedAt: iso(r.completedAt),
    }),
  );

  const ledgerById = new Map(records.ledger.map((e) => [e.id, e]));
  const evaluationExtracts = records.evaluationExtracts.map((x): ExportEvaluationExtract => {
    const row = ledgerById.get(x.ledgerEntryId);
    return {
      extractId: x.extractId,
      createdAt: x.createdAt.toISOString(),
      periodFrom: x.periodFrom,
      periodTo: x.periodTo,
      recipient: partner(x.recipientPartnerId),
      purpose: x.purpose,
      lawfulBasis: { art6: x.art6 },
      fieldsSent: row ? [...row.fields] : [],
      channel: row?.channel ?? null,
      csvSha256: x.csvSha256,
      ledgerEntryId: x.ledgerEntryId,
      ledgerSeq: row?.seq ?? null,
    };
  });

  // Feedback: the person's own ratings, and their own words redacted like staff text and read
  // before release (they may name someone else).
  const feedback = records.feedback.map(
    (f, i): ExportFeedbackAnswer => ({
      feedbackId: f.feedbackId,
      submittedAt: f.submittedAt.toISOString(),
      serviceType: f.serviceType,
      ratings: { ...f.ratings },
      comment: staffText(f.comment, `/feedback/${i}/comment`),
      commentErased: f.commentErased,
    }),
  );
  const acknowledgements = records.acknowledgements.map(
    (a): ExportAcknowledgement => ({
      acknowledgementId: a.acknowledgementId,
      referralId: a.referralId,
      decision: a.decision,
      reasonCode: a.reasonCode,
      channel: a.channel,
      status: a.status,
      outcomeCode: a.outcomeCode,
      decidedAt: a.decidedAt.toISOString(),
      finishedAt: iso(a.finishedAt),
    }),
  );
  // Another person's id is never copied: only whether the invitation was addressed to this person.
  const feedbackInvitations = records.feedbackInvitations.map((inv): ExportFeedbackInvitation => {
    const toYou = inv.personId === records.personId;
    return {
      invitationId: inv.invitationId,
      referralId: inv.referralId,
      serviceType: inv.serviceType,
      decision: inv.decision,
      reasonCode: inv.reasonCode,
      channel: inv.channel,
      status: inv.status,
      outcomeCode: inv.outcomeCode,
      decidedAt: inv.decidedAt.toISOString(),
      dueAt: inv.dueAt.toISOString(),
      finishedAt: iso(inv.finishedAt),
      addressedToYou: toYou,
      linkExpiresAt: toYou ? iso(inv.tokenExpiresAt) : null,
      linkUsedAt: toYou ? iso(inv.tokenUsedAt) : null,
    };
  });
  const optOut = records.messageOptOut;
  const messageOptOut = optOut ? { since: optOut.optedOutAt.toISOString(), source: optOut.source, recordedBy: optOut.recordedBy } : null;
  const signpostShares = records.signpostShares.map(
    (x): ExportSignpostShare => ({
      shareId: x.shareId,
      referralId: x.referralId,
      service: { id: x.serviceId, name: x.serviceName, url: x.serviceUrl },
      sharedBy: x.operatorId,
      sharedAt: x.sharedAt.toISOString(),
    }),
  );

  const unreadable = [
    ...records.referrals.filter((r) => r.canonical === null && r.erasedAt === null).map((r) => `referral/${r.referralId}`),
    ...records.rectifications.filter((r) => r.detail === 'unreadable').map((r) => `rectification/${r.rectificationId}`),
    ...records.rights.history.filter((h) => h.reason === null).map((h) => `rights-history/${h.id}`),
    ...records.feedback.filter((f) => f.commentUnreadable).map((f) => `feedback/${f.feedbackId}`),
  ];
  const disclosuresNotExplained = disclosures.filter((d) => d.about === 'unexplained').map((d) => d.entryId);

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
      restricted: rights.restricted !== null,
      objected: rights.objected !== null,
      rectifications: rectifications.length,
      erasedReferrals: referrals.filter((r) => r.erasedAt !== null).length,
      legalHolds: legalHolds.length,
      subjectAccessRequests: subjectAccessRequests.length,
      evaluationExtracts: evaluationExtracts.length,
      feedbackAnswers: feedback.length,
      acknowledgements: acknowledgements.length,
      feedbackInvitations: feedbackInvitations.length,
      messageOptOut: messageOptOut !== null,
      signpostShares: signpostShares.length,
    },
    completeness: {
      ledgerRowsForPerson: records.ledgerCount,
      ledgerRowsInExport: disclosures.length,
      deliveredWithoutLedgerRow,
      disclosuresNotExplained,
      erasedReferralsWithoutTombstone,
      unreadable,
      complete:
        disclosures.length === records.ledgerCount &&
        deliveredWithoutLedgerRow.length === 0 &&
        disclosuresNotExplained.length === 0 &&
        erasedReferralsWithoutTombstone.length === 0 &&
        unreadable.length === 0,
    },
    redactionRules: REDACTION_RULES,
    referrals,
    disclosures,
    rights,
    rectifications,
    erasures,
    legalHolds,
    subjectAccessRequests,
    evaluationExtracts,
    feedback,
    acknowledgements,
    feedbackInvitations,
    messageOptOut,
    signpostShares,
    reviewBeforeRelease: review,
    redactions,
  };
}
