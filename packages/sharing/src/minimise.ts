// minimise: the outbound payload for one recipient, built from its agreement's allow-list only.
//
// 1. Project: copy exactly the allowed fields of the canonical referral (deny by default; even a
//    whole container such as `family.address` copies only catalogue fields, so a field added to
//    the canonical shape later is not shared until someone classifies it). People who contribute
//    no allowed field are left out; a person who does always carries `personRef` and `role`, and a
//    police.childrenPresent entry its `personRef` — structural, so recipients can tell people
//    apart, not personal. When the delivery is scoped to subjects (a child's school), any element
//    that names a person outside the scope is left out.
// 2. Check, independently: every leaf of the result must be covered by the allow-list as written
//    (re-parsed from the agreement's `fields`), and its Art 9 / Art 10 content by the agreement's
//    basis. A failure is a bug: MinimisationError, never a silent send.
// 3. Validate the payload against the recipient type's outbound schema; a failure throws too.

import type { CanonicalReferral } from './canonical.ts';
import type { Agreement, OutboundLawfulBasis } from './agreements.ts';
import { lawfulBasisOf } from './agreements.ts';
import { CANONICAL_CONTAINERS, CANONICAL_FIELDS, OFFENCE_ROLES, type SpecialCategory } from './field-catalogue.ts';
import { parseFieldPath, pathCovers, type ConcreteStep, type FieldPath, type PathStep } from './field-path.ts';
import { describeSchemaErrors, outboundSchemaId, outboundValidator } from './outbound-schemas.ts';

export interface OutboundPerson {
  personRef: string;
  role: string;
  [field: string]: unknown;
}

/** What a recipient receives: the envelope, then the allowed canonical fields in canonical shape. */
export interface OutboundPayload {
  /** The outbound schema's $id. */
  schema: string;
  referralId: string;
  deliveryId: string;
  recipient: string;
  purpose: string;
  agreementId: string;
  lawfulBasis: OutboundLawfulBasis;
  sourceType: string;
  urgency: string;
  people?: OutboundPerson[];
  [field: string]: unknown;
}

export interface MinimiseMeta {
  deliveryId: string;
  referralId: string;
  purpose: string;
  recipientPartnerId: string;
  /**
   * personRefs this delivery is about (e.g. the children at the recipient school). When set,
   * people and per-child entries of anyone else are left out. Undefined = the whole referral,
   * as far as the agreement allows.
   */
  subjects?: readonly string[];
}

export interface MinimiseResult {
  payload: OutboundPayload;
  /** JSON pointers of the allowed fields actually included (at the granularity of the allow-list, e.g. /people/0/givenName, /family/address). */
  fields: string[];
  /** Art 9 special categories actually included. */
  specialCategories: SpecialCategory[];
  /** Whether criminal-offence data was actually included. */
  offenceData: boolean;
}

export type MinimisationFailure = 'not-allowed' | 'basis-missing' | 'schema' | 'mismatch';

/** A payload would carry something its agreement or schema does not allow. Always a bug; messages hold pointers, never values. */
export class MinimisationError extends Error {
  readonly failure: MinimisationFailure;
  readonly pointers: readonly string[];
  constructor(failure: MinimisationFailure, message: string, pointers: readonly string[] = []) {
    super(`${message}${pointers.length > 0 ? `: ${pointers.join(', ')}` : ''}`);
    this.name = 'MinimisationError';
    this.failure = failure;
    this.pointers = pointers;
  }
}

/** Keys of the payload that are not canonical data. */
export const ENVELOPE_KEYS: readonly string[] = ['schema', 'referralId', 'deliveryId', 'recipient', 'purpose', 'agreementId', 'lawfulBasis', 'sourceType', 'urgency'];

/** Structural keys carried by an included element of these arrays (shape path → keys). */
const STRUCTURAL_KEYS: ReadonlyMap<string, readonly string[]> = new Map([
  ['people', ['personRef', 'role']],
  ['police.childrenPresent', ['personRef']],
]);

type Json = unknown;
type Scope = ReadonlySet<string> | undefined;

function isPlainObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function join(shape: string, key: string): string {
  return shape === '' ? key : `${shape}.${key}`;
}

function outOfScope(element: Json, scope: Scope): boolean {
  return scope !== undefined && isPlainObject(element) && typeof element.personRef === 'string' && !scope.has(element.personRef);
}

/** A copy of a node holding only catalogue fields (and only in-scope elements). */
function copyKnown(value: Json, shape: string, scope: Scope): Json {
  if (CANONICAL_FIELDS.has(shape)) return structuredClone(value);
  if (Array.isArray(value)) {
    const items = value.filter((el) => !outOfScope(el, scope)).map((el) => copyKnown(el, `${shape}[]`, scope));
    return items.filter((el) => el !== undefined);
  }
  if (!isPlainObject(value)) return undefined;
  const out: Record<string, Json> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === undefined) continue;
    const childShape = join(shape, key);
    if (!CANONICAL_FIELDS.has(childShape) && !CANONICAL_CONTAINERS.has(childShape)) continue;
    const copied = copyKnown(child, childShape, scope);
    if (copied !== undefined) out[key] = copied;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

type Remaining = readonly PathStep[];

function projectObject(obj: Record<string, Json>, paths: readonly Remaining[], shape: string, pointer: string, scope: Scope, fields: string[]): Record<string, Json> | undefined {
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    const here = paths.filter((p) => p[0]?.key === key);
    if (here.length === 0) continue;
    const projected = projectValue(value, here, join(shape, key), `${pointer}/${escapePointer(key)}`, scope, fields);
    if (projected !== undefined) out[key] = projected;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function projectValue(value: Json, here: readonly Remaining[], shape: string, pointer: string, scope: Scope, fields: string[]): Json {
  const whole = here.some((p) => p.length === 1 && !(p[0] as PathStep).each);
  if (whole) {
    const copied = copyKnown(value, shape, scope);
    if (copied !== undefined) fields.push(pointer);
    return copied;
  }
  if (Array.isArray(value)) {
    const elementPaths = here.filter((p) => (p[0] as PathStep).each);
    const structural = STRUCTURAL_KEYS.get(shape) ?? [];
    const items: Json[] = [];
    for (const element of value) {
      if (outOfScope(element, scope) || !isPlainObject(element)) continue;
      const role = typeof element.role === 'string' ? element.role : undefined;
      const applicable = elementPaths.filter((p) => {
        const roles = (p[0] as PathStep).roles;
        return roles === undefined || (role !== undefined && roles.has(role));
      });
      if (applicable.length === 0) continue;
      const elementPointer = `${pointer}/${items.length}`;
      const local: string[] = [];
      let projected: Json;
      if (applicable.some((p) => p.length === 1)) {
        projected = copyKnown(element, `${shape}[]`, scope);
        if (projected !== undefined) local.push(elementPointer);
      } else {
        projected = projectObject(element, applicable.map((p) => p.slice(1)), `${shape}[]`, elementPointer, scope, local);
        if (projected !== undefined) {
          const withStructure: Record<string, Json> = {};
          for (const key of structural) if (element[key] !== undefined) withStructure[key] = element[key];
          projected = { ...withStructure, ...(projected as Record<string, Json>) };
        }
      }
      if (projected === undefined) continue;
      items.push(projected);
      fields.push(...local);
    }
    return items.length > 0 ? items : undefined;
  }
  if (isPlainObject(value)) {
    const deeper = here.filter((p) => p.length > 1 && !(p[0] as PathStep).each).map((p) => p.slice(1));
    return deeper.length > 0 ? projectObject(value, deeper, shape, pointer, scope, fields) : undefined;
  }
  return undefined;
}

interface LeafVisit {
  pointer: string;
  at: ConcreteStep[];
  shape: string;
}

/** Every leaf of the data part of a payload (catalogue leaves, or anything unknown), with its concrete position. */
function leavesOf(payload: Record<string, Json>): { leaves: LeafVisit[]; unknown: string[]; roles: string[] } {
  const leaves: LeafVisit[] = [];
  const unknown: string[] = [];
  const roles: string[] = [];
  const visit = (value: Json, shape: string, pointer: string, at: ConcreteStep[]): void => {
    if (CANONICAL_FIELDS.has(shape)) {
      leaves.push({ pointer, at, shape });
      return;
    }
    if (!CANONICAL_CONTAINERS.has(shape)) {
      unknown.push(pointer);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((el, i) => {
        const last = at[at.length - 1] as ConcreteStep;
        const role = shape === 'people' && isPlainObject(el) && typeof el.role === 'string' ? el.role : undefined;
        if (role !== undefined) roles.push(role);
        const step: ConcreteStep = { key: last.key, index: i, ...(role !== undefined ? { role } : {}) };
        visitObject(el, `${shape}[]`, `${pointer}/${i}`, [...at.slice(0, -1), step]);
      });
      return;
    }
    visitObject(value, shape, pointer, at);
  };
  const visitObject = (value: Json, shape: string, pointer: string, at: ConcreteStep[]): void => {
    if (!isPlainObject(value)) {
      unknown.push(pointer);
      return;
    }
    for (const [key, child] of Object.entries(value)) visit(child, join(shape, key), `${pointer}/${escapePointer(key)}`, [...at, { key }]);
  };
  for (const [key, value] of Object.entries(payload)) {
    if (ENVELOPE_KEYS.includes(key)) continue;
    visit(value, key, `/${escapePointer(key)}`, [{ key }]);
  }
  return { leaves, unknown, roles };
}

/**
 * The independent check: every data leaf of `payload` is a canonical field covered by the
 * agreement's allow-list as written (or structural), and the agreement's basis covers the
 * special-category and offence data in it. Throws MinimisationError otherwise.
 */
export function checkPayloadAgainstAllowList(payload: Record<string, unknown>, agreement: Pick<Agreement, 'fields' | 'art9' | 'art10'>): { specialCategories: SpecialCategory[]; offenceData: boolean } {
  const allow: FieldPath[] = [];
  for (const source of agreement.fields) {
    const parsed = parseFieldPath(source);
    if ('problem' in parsed) throw new MinimisationError('not-allowed', 'the agreement holds an invalid field path');
    allow.push(parsed.path);
  }
  const { leaves, unknown, roles } = leavesOf(payload);
  if (unknown.length > 0) throw new MinimisationError('not-allowed', 'payload holds fields that are not canonical referral fields', unknown);
  const notAllowed = leaves.filter((leaf) => !CANONICAL_FIELDS.get(leaf.shape)?.structural && !allow.some((p) => pathCovers(p, leaf.at))).map((l) => l.pointer);
  if (notAllowed.length > 0) throw new MinimisationError('not-allowed', 'payload holds fields outside the agreement', notAllowed);
  const special = new Set<SpecialCategory>();
  let offence = roles.some((r) => OFFENCE_ROLES.includes(r));
  for (const leaf of leaves) {
    const cls = CANONICAL_FIELDS.get(leaf.shape);
    if (cls?.special) special.add(cls.special);
    if (cls?.offence) offence = true;
  }
  if (special.size > 0 && !agreement.art9) throw new MinimisationError('basis-missing', 'payload holds special-category data and the agreement has no art9 condition');
  if (offence && !agreement.art10) throw new MinimisationError('basis-missing', 'payload holds criminal-offence data and the agreement has no art10 basis');
  return { specialCategories: [...special].sort(), offenceData: offence };
}

/** The payload's envelope: ids, recipient, purpose, the agreement and its lawful basis (keys in ENVELOPE_KEYS order). */
export function envelopeOf(referral: Pick<CanonicalReferral, 'sourceType' | 'urgency'>, agreement: Agreement, meta: Pick<MinimiseMeta, 'deliveryId' | 'referralId' | 'purpose' | 'recipientPartnerId'>): OutboundPayload {
  return {
    schema: outboundSchemaId(agreement.recipientType),
    referralId: meta.referralId,
    deliveryId: meta.deliveryId,
    recipient: meta.recipientPartnerId,
    purpose: meta.purpose,
    agreementId: agreement.id,
    lawfulBasis: lawfulBasisOf(agreement),
    sourceType: referral.sourceType,
    urgency: referral.urgency,
  };
}

/** The allowed data only (no envelope, no checks): shared by minimise and the start-up check. */
export function projectAllowed(referral: CanonicalReferral, allow: readonly FieldPath[], subjects?: readonly string[]): { data: Record<string, unknown>; fields: string[] } {
  const fields: string[] = [];
  const scope = subjects ? new Set(subjects) : undefined;
  const data = projectObject(referral as unknown as Record<string, Json>, allow.map((p) => p.steps), '', '', scope, fields) ?? {};
  return { data, fields };
}

/**
 * Builds the outbound payload for one recipient from its agreement's allow-list, checks every
 * leaf against the allow-list and the lawful basis, and validates it against the recipient
 * type's outbound schema. Pure (the schema was compiled at start-up). Throws MinimisationError
 * on any failure: that is a bug, and the delivery must not be sent.
 */
export function minimise(referral: CanonicalReferral, agreement: Agreement, meta: MinimiseMeta): MinimiseResult {
  if (meta.recipientPartnerId !== agreement.recipient) throw new MinimisationError('mismatch', 'the agreement is for another recipient');
  if (meta.purpose !== agreement.purpose) throw new MinimisationError('mismatch', 'the agreement is for another purpose (look it up by recipient and purpose)');
  const { data, fields } = projectAllowed(referral, agreement.allow, meta.subjects);
  const payload: OutboundPayload = { ...envelopeOf(referral, agreement, meta), ...data };
  const { specialCategories, offenceData } = checkPayloadAgainstAllowList(payload, agreement);
  const validate = outboundValidator(agreement.recipientType);
  if (!validate(payload)) throw new MinimisationError('schema', `payload does not match the ${agreement.recipientType} outbound schema`, describeSchemaErrors(validate.errors));
  return { payload, fields, specialCategories, offenceData };
}
