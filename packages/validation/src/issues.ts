// Maps Ajv errors to issues: an RFC 6901 pointer from the request body root, a stable
// rule code and that code's fixed message. The submitted value is read only to choose
// the most precise code for a failed format; it is never copied into an issue.

import type { ErrorObject } from 'ajv';
import { nhsNumberProblem, postcodeProblem } from '@hub/domain';
import { appendPointer } from './pointer.ts';
import { RULE_MESSAGES } from './rule-codes.ts';
import type { RuleCode } from './rule-codes.ts';

export interface ValidationIssue {
  /** RFC 6901 pointer from the request body root, e.g. `/data/people/0/nhsNumber`. */
  pointer: string;
  /** Stable rule code, e.g. `schema.required`, `nhs-number.check-digit`. */
  code: string;
  /** A fixed sentence about the rule; never contains the submitted value. */
  message: string;
}

export interface IssueMappingOptions {
  /** Prefix for every pointer, e.g. `/data` when `errors` came from validating `data`. */
  basePointer?: string;
}

/** Lists are capped so a hostile body cannot produce an unbounded error response. */
export const MAX_ISSUES = 100;

/**
 * An unknown or missing property is named in the pointer only when its name looks like
 * an identifier (letters, digits, `_ $ @ . - ~ /`, at most 64 characters); otherwise the
 * pointer names the enclosing object, so a key cannot smuggle free text or a huge
 * string into the response.
 */
const ECHOABLE_PROPERTY_NAME = /^[A-Za-z0-9_$@.~/-]{1,64}$/;

export function issue(pointer: string, code: RuleCode): ValidationIssue {
  return { pointer, code, message: RULE_MESSAGES[code] };
}

const KEYWORD_CODES: Record<string, RuleCode> = {
  required: 'schema.required',
  additionalProperties: 'schema.additional-property',
  unevaluatedProperties: 'schema.additional-property',
  type: 'schema.type',
  enum: 'schema.enum',
  const: 'schema.const',
  maxLength: 'schema.max-length',
  minLength: 'schema.min-length',
  pattern: 'schema.pattern',
  format: 'schema.format',
  maxItems: 'schema.max-items',
  minItems: 'schema.min-items',
  items: 'schema.max-items',
  unevaluatedItems: 'schema.max-items',
  uniqueItems: 'schema.unique-items',
  contains: 'schema.contains',
  minContains: 'schema.contains',
  maxContains: 'schema.contains',
  minimum: 'schema.minimum',
  exclusiveMinimum: 'schema.minimum',
  maximum: 'schema.maximum',
  exclusiveMaximum: 'schema.maximum',
  multipleOf: 'schema.multiple-of',
  minProperties: 'schema.min-properties',
  maxProperties: 'schema.max-properties',
  discriminator: 'schema.discriminator',
  oneOf: 'schema.one-of',
  anyOf: 'schema.any-of',
  not: 'schema.not',
  dependentRequired: 'schema.dependent-required',
};

/** Keywords whose errors only summarise errors already reported from their subschemas. */
const SUMMARY_KEYWORDS = new Set(['if', 'propertyNames']);

function formatCode(format: string, value: unknown): RuleCode {
  switch (format) {
    case 'nhs-number': {
      const problem = typeof value === 'string' ? nhsNumberProblem(value, { allowTestRange: true }) : null;
      return problem === 'check-digit' || problem === 'range' ? `nhs-number.${problem}` : 'nhs-number.format';
    }
    case 'uk-postcode':
      return typeof value === 'string' && postcodeProblem(value) === 'outward-only' ? 'postcode.outward-only' : 'postcode.format';
    case 'uk-phone':
    case 'e164':
      return 'phone.format';
    case 'email':
    case 'idn-email':
      return 'email.format';
    case 'iso639':
      return 'language.format';
    case 'iso3166':
      return 'country.format';
    case 'date':
    case 'date-time':
    case 'time':
      return 'date.format';
    default:
      return 'schema.format';
  }
}

function namedProperty(instancePath: string, name: unknown): string {
  return typeof name === 'string' && ECHOABLE_PROPERTY_NAME.test(name) ? appendPointer(instancePath, name) : instancePath;
}

/** Errors raised while testing items against a `contains` subschema say only which items did not match. */
const INSIDE_CONTAINS = /\/contains\//;

function toIssue(error: ErrorObject, basePointer: string): ValidationIssue | null {
  if (SUMMARY_KEYWORDS.has(error.keyword) || INSIDE_CONTAINS.test(error.schemaPath)) return null;
  const at = basePointer + error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
    case 'dependentRequired':
      return issue(namedProperty(at, params.missingProperty), KEYWORD_CODES[error.keyword] ?? 'schema.required');
    case 'additionalProperties':
      return issue(namedProperty(at, params.additionalProperty), 'schema.additional-property');
    case 'unevaluatedProperties':
      return issue(namedProperty(at, params.unevaluatedProperty), 'schema.additional-property');
    case 'format':
      return issue(at, formatCode(String(params.format), error.data));
    case 'discriminator':
      return issue(appendPointer(at, String(params.tag ?? 'resourceType')), 'schema.discriminator');
    default:
      return issue(at, KEYWORD_CODES[error.keyword] ?? 'schema.invalid');
  }
}

/**
 * Maps Ajv errors to issues, dropping summary errors (`if`, …) and duplicates, and
 * capping the list at MAX_ISSUES (the last entry then says more were found).
 */
export function issuesFromAjv(errors: readonly ErrorObject[] | null | undefined, options: IssueMappingOptions = {}): ValidationIssue[] {
  const basePointer = options.basePointer ?? '';
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    const mapped = toIssue(error, basePointer);
    if (!mapped) continue;
    const key = `${mapped.code} ${mapped.pointer}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (issues.length === MAX_ISSUES) {
      issues.push(issue(basePointer, 'validation.too-many-issues'));
      break;
    }
    issues.push(mapped);
  }
  return issues;
}
