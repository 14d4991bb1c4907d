// Rectification (UK GDPR Art 16) and its propagation to recipients (Art 19), as pure functions:
// which person fields can be corrected and how a typed value is checked and normalised; applying a
// correction to the canonical referral; finding where a recipient's own payload carried the field;
// and the `referral.rectified` message for that recipient, validated against its outbound schema
// (schemas/outbound/referral-rectified.v1.json) before it leaves. Messages name fields, never values.

import { isFutureCalendarDate, nhsNumberProblem, normaliseNhsNumber, normalisePostcode, parseCalendarDate, postcodeProblem, toE164 } from '@hub/domain';
import type { CanonicalReferral } from './canonical.ts';
import type { OutboundLawfulBasis } from './agreements.ts';
import { describeSchemaErrors, outboundSchemaId, outboundValidator } from './outbound-schemas.ts';

/** The outbound schema "type" (file `schemas/outbound/referral-rectified.v1.json`). */
export const RECTIFIED_SCHEMA_TYPE = 'referral-rectified';
export const RECTIFIED_MESSAGE_TYPE = 'referral.rectified';

/** Why a field was corrected: a category is all a recipient is told (never the typed reason). */
export const RECTIFICATION_REASON_CATEGORIES = ['data-subject-request', 'source-correction', 'verified-record', 'recording-error', 'other'] as const;
export type RectificationReasonCategory = (typeof RECTIFICATION_REASON_CATEGORIES)[number];

type ValueKind = 'name' | 'date-of-birth' | 'nhs-number' | 'address-lines' | 'text' | 'postcode' | 'phone' | 'email';

export interface CorrectableField {
  /** JSON pointer relative to the person. */
  pointer: string;
  label: string;
  kind: ValueKind;
  /** Whether the value may be removed (an empty value). Names cannot be. */
  removable: boolean;
}

/** The person fields a DPO or operator may correct, as JSON pointers relative to the person. */
export const CORRECTABLE_PERSON_FIELDS: readonly CorrectableField[] = [
  { pointer: '/givenName', label: 'Given name', kind: 'name', removable: false },
  { pointer: '/familyName', label: 'Family name', kind: 'name', removable: false },
  { pointer: '/preferredName', label: 'Preferred name', kind: 'name', removable: true },
  { pointer: '/dateOfBirth', label: 'Date of birth', kind: 'date-of-birth', removable: true },
  { pointer: '/nhsNumber', label: 'NHS number', kind: 'nhs-number', removable: true },
  { pointer: '/address/lines', label: 'Address lines', kind: 'address-lines', removable: true },
  { pointer: '/address/town', label: 'Town', kind: 'text', removable: true },
  { pointer: '/address/postcode', label: 'Postcode', kind: 'postcode', removable: true },
  { pointer: '/contact/phone', label: 'Phone', kind: 'phone', removable: true },
  { pointer: '/contact/otherPhone', label: 'Other phone', kind: 'phone', removable: true },
  { pointer: '/contact/email', label: 'Email', kind: 'email', removable: true },
];

export function correctableField(pointer: string): CorrectableField | undefined {
  return CORRECTABLE_PERSON_FIELDS.find((f) => f.pointer === pointer);
}

/** A corrected value: a string, address lines, or null (removed). */
export type CorrectedValue = string | string[] | null;

const EMAIL = /^[^\s@<>()",;:]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const MAX_TEXT = 200;
const MAX_LINES = 6;

function hasControl(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text);
}

/**
 * Checks and normalises the value typed for a field. An empty value means "remove" (where the
 * field allows it). Returns a problem in words (never echoing the value) or the value to store.
 */
export function correctedValue(field: CorrectableField, typed: string, options: { now: Date; allowTestNhsNumbers: boolean }): { value: CorrectedValue } | { problem: string } {
  const text = typed.trim();
  if (text === '') return field.removable ? { value: null } : { problem: 'enter a value (this field cannot be removed)' };
  switch (field.kind) {
    case 'name':
    case 'text':
      if (text.length > (field.kind === 'name' ? 100 : MAX_TEXT) || hasControl(text)) return { problem: `enter at most ${field.kind === 'name' ? 100 : MAX_TEXT} characters without control characters` };
      return { value: text };
    case 'date-of-birth':
      if (!parseCalendarDate(text)) return { problem: 'enter a real date as YYYY-MM-DD' };
      if (isFutureCalendarDate(text, options.now)) return { problem: 'a date of birth cannot be in the future' };
      return { value: text };
    case 'nhs-number': {
      const problem = nhsNumberProblem(text, { allowTestRange: options.allowTestNhsNumbers });
      if (problem === 'format') return { problem: 'enter 10 digits (spaces allowed as 3 3 4)' };
      if (problem === 'check-digit') return { problem: 'the check digit is wrong (Modulus 11)' };
      if (problem !== null) return { problem: 'this is not an issued NHS number' };
      return { value: normaliseNhsNumber(text) };
    }
    case 'address-lines': {
      const lines = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l.length > 0);
      if (lines.length > MAX_LINES) return { problem: `enter at most ${MAX_LINES} lines` };
      if (lines.some((l) => l.length > MAX_TEXT || hasControl(l))) return { problem: `enter lines of at most ${MAX_TEXT} characters` };
      return { value: lines };
    }
    case 'postcode':
      if (postcodeProblem(text) !== null) return { problem: 'enter a full UK postcode' };
      return { value: normalisePostcode(text) };
    case 'phone': {
      const e164 = toE164(text);
      return e164 ? { value: e164 } : { problem: 'enter a UK or international phone number' };
    }
    case 'email':
      if (text.length > MAX_TEXT || !EMAIL.test(text)) return { problem: 'enter an email address' };
      return { value: text };
  }
}

function segments(pointer: string): string[] {
  return pointer.split('/').slice(1);
}

/**
 * The canonical referral with one person's field corrected (a copy), and the value it replaced.
 * Throws when the person is not on the referral (a caller bug: the person was chosen from it).
 */
export function applyCorrection(referral: CanonicalReferral, personRef: string, field: CorrectableField, value: CorrectedValue): { referral: CanonicalReferral; oldValue: CorrectedValue } {
  const copy = structuredClone(referral);
  const person = copy.people.find((p) => p.personRef === personRef) as unknown as Record<string, unknown> | undefined;
  if (!person) throw new Error('the person is not on the referral');
  const path = segments(field.pointer);
  let node: Record<string, unknown> = person;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined || next === null) {
      if (value === null) return { referral: copy, oldValue: null };
      const created: Record<string, unknown> = key === 'address' ? { lines: [] } : {};
      node[key] = created;
      node = created;
    } else node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  const old = node[last];
  const oldValue: CorrectedValue = old === undefined ? null : Array.isArray(old) ? old.map(String) : String(old);
  // Address lines are required by the canonical shape: removing them leaves an empty list.
  if (value === null) {
    if (field.pointer === '/address/lines') node[last] = [];
    else delete node[last];
  } else node[last] = value;
  return { referral: copy, oldValue };
}

/**
 * Where a recipient's own payload carried the field: the pointer into that payload (the person
 * found by personRef, at its index there), when the delivery's ledger fields cover it (the
 * field itself, or a container of it such as `/people/1/contact` or `/people/1`). Null when this
 * recipient never received the field — it gets nothing.
 */
export function deliveredPointer(delivery: { payload: Buffer; fields: readonly string[] }, personRef: string, field: CorrectableField): string | null {
  let payload: { people?: { personRef?: unknown }[] };
  try {
    payload = JSON.parse(delivery.payload.toString('utf8')) as typeof payload;
  } catch {
    return null;
  }
  const index = Array.isArray(payload.people) ? payload.people.findIndex((p) => p?.personRef === personRef) : -1;
  if (index < 0) return null;
  const pointer = `/people/${index}${field.pointer}`;
  return delivery.fields.some((f) => pointer === f || pointer.startsWith(`${f}/`) || f.startsWith(`${pointer}/`)) ? pointer : null;
}

export interface RectifiedPayload {
  schema: string;
  type: typeof RECTIFIED_MESSAGE_TYPE;
  rectificationId: string;
  referralId: string;
  deliveryId: string;
  rectifiesDeliveryId: string;
  recipient: string;
  purpose: 'rectification';
  lawfulBasis: OutboundLawfulBasis;
  reasonCategory: RectificationReasonCategory;
  correctedAt: string;
  correction: { personRef: string; field: string; pointer: string; value: CorrectedValue };
}

/** A rectified payload failed its outbound schema: a bug, never sent. Messages hold pointers only. */
export class RectifiedPayloadError extends Error {
  override name = 'RectifiedPayloadError';
}

/** The `referral.rectified` message for one recipient, checked against its outbound schema. */
export function rectifiedPayload(input: Omit<RectifiedPayload, 'schema' | 'type' | 'purpose'>): RectifiedPayload {
  const payload: RectifiedPayload = {
    schema: outboundSchemaId(RECTIFIED_SCHEMA_TYPE),
    type: RECTIFIED_MESSAGE_TYPE,
    rectificationId: input.rectificationId,
    referralId: input.referralId,
    deliveryId: input.deliveryId,
    rectifiesDeliveryId: input.rectifiesDeliveryId,
    recipient: input.recipient,
    purpose: 'rectification',
    lawfulBasis: input.lawfulBasis,
    reasonCategory: input.reasonCategory,
    correctedAt: input.correctedAt,
    correction: input.correction,
  };
  const validate = outboundValidator(RECTIFIED_SCHEMA_TYPE);
  if (!validate(payload)) throw new RectifiedPayloadError(`the referral.rectified payload does not match its outbound schema: ${describeSchemaErrors(validate.errors).join('; ')}`);
  return payload;
}
