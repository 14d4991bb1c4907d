// Domain rules run after a message has passed its schema. They are generic: they walk
// the message alongside the schema's plan and act on annotations (x-special-category,
// x-offence-data, x-not-future, x-shape, x-age-rule) and formats (nhs-number,
// uk-postcode), plus the common person shape. Nothing here knows a message type.

import {
  CHILD_AGE_LIMIT_YEARS,
  CONSENT_DEPENDENT_BASES,
  EXTENDED_CHILD_AGE_LIMIT_YEARS,
  ageInYears,
  isChildRole,
  isEthnicityCodeInSystem,
  isFutureCalendarDate,
  isInFuture,
  isParentRole,
  isPseudoPostcode,
  isSexCodeInSystem,
  nhsNumberProblem,
} from '@hub/domain';
import { issue } from './issues.ts';
import type { ValidationIssue } from './issues.ts';
import { walkPlan } from './schema-plan.ts';
import type { PlanNode, PlanVisit } from './schema-plan.ts';
import type { RuleCode } from './rule-codes.ts';

export interface DomainRuleContext {
  now: Date;
  allowTestNhsNumbers: boolean;
}

type Json = Record<string, unknown>;

interface PersonSeen {
  pointer: string;
  person: Json;
  ageRule: string | undefined;
}

/** Exclusive upper age bound (whole years) for each `x-age-rule`, and the code it raises. */
const AGE_RULES: Record<string, { belowYears: number; code: RuleCode }> = {
  'under-five': { belowYears: 5, code: 'dob.not-under-five' },
};

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0;
  return value !== '';
}

/** True when the value's enclosing object (an address) or the one holding it (a person, a household) has no fixed abode. */
function hasNoFixedAbode(ancestors: readonly unknown[]): boolean {
  for (let i = ancestors.length - 1; i >= Math.max(0, ancestors.length - 2); i--) {
    const holder = ancestors[i];
    if (isJson(holder) && holder.noFixedAbode === true) return true;
  }
  return false;
}

export function checkDomainRules(plan: PlanNode, data: unknown, context: DomainRuleContext, basePointer = '/data'): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const people: PersonSeen[] = [];
  let specialCategoryPresent = false;
  let offenceDataPresent = false;

  walkPlan(plan, data, basePointer, ({ node, value, pointer, ancestors }: PlanVisit) => {
    const { annotations } = node;
    if (annotations.specialCategory !== undefined && isPresent(value)) specialCategoryPresent = true;
    if (annotations.offenceData === true && isPresent(value)) offenceDataPresent = true;

    if (typeof value === 'string') {
      if (annotations.formats.has('nhs-number') && nhsNumberProblem(value, { allowTestRange: context.allowTestNhsNumbers }) === 'test-range') {
        issues.push(issue(pointer, 'nhs-number.test-range'));
      }
      if (annotations.formats.has('uk-postcode') && isPseudoPostcode(value) && !hasNoFixedAbode(ancestors)) {
        issues.push(issue(pointer, 'postcode.pseudo-without-nfa'));
      }
      if (annotations.shape === 'date-of-birth' && isFutureCalendarDate(value, context.now)) {
        issues.push(issue(pointer, 'dob.future'));
      } else if (annotations.notFuture === true && isInFuture(value, context.now)) {
        issues.push(issue(pointer, 'date.future'));
      }
      return;
    }

    if (!isJson(value)) return;
    switch (annotations.shape) {
      case 'person':
        people.push({ pointer, person: value, ageRule: annotations.ageRule });
        break;
      case 'ethnicity':
        if (typeof value.system === 'string' && typeof value.code === 'string' && !isEthnicityCodeInSystem(value.system, value.code)) {
          issues.push(issue(`${pointer}/code`, 'ethnicity.code-not-in-system'));
        }
        break;
      case 'sex':
        if (typeof value.system === 'string' && typeof value.code === 'string' && !isSexCodeInSystem(value.system, value.code)) {
          issues.push(issue(`${pointer}/code`, 'sex.code-not-in-system'));
        }
        break;
      default:
        break;
    }
  });

  issues.push(...peopleIssues(people, context.now));
  if (isJson(data)) issues.push(...lawfulBasisIssues(data, basePointer, specialCategoryPresent, offenceDataPresent));
  return issues;
}

function peopleIssues(people: readonly PersonSeen[], now: Date): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const today = now.toISOString().slice(0, 10);
  const childBirthDates: string[] = [];
  for (const { pointer, person, ageRule } of people) {
    const dob = person.dateOfBirth;
    if (typeof dob !== 'string' || dob > today) continue; // absent, or already reported as dob.future
    const age = ageInYears(dob, now);
    if (age === null) continue;
    const role = typeof person.role === 'string' ? person.role : '';
    if (isChildRole(role)) {
      childBirthDates.push(dob);
      const limit = person.sen === true || person.careLeaver === true ? EXTENDED_CHILD_AGE_LIMIT_YEARS : CHILD_AGE_LIMIT_YEARS;
      if (age >= limit) issues.push(issue(`${pointer}/dateOfBirth`, 'dob.child-too-old'));
    }
    const rule = ageRule === undefined ? undefined : AGE_RULES[ageRule];
    if (rule && age >= rule.belowYears) issues.push(issue(`${pointer}/dateOfBirth`, rule.code));
  }
  if (childBirthDates.length === 0) return issues;
  const eldestChild = childBirthDates.reduce((a, b) => (a < b ? a : b));
  for (const { pointer, person } of people) {
    const dob = person.dateOfBirth;
    if (typeof dob !== 'string' || dob > today || typeof person.role !== 'string' || !isParentRole(person.role)) continue;
    if (dob > eldestChild) issues.push(issue(`${pointer}/dateOfBirth`, 'dob.parent-younger-than-child'));
  }
  return issues;
}

function lawfulBasisIssues(data: Json, basePointer: string, specialCategoryPresent: boolean, offenceDataPresent: boolean): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const basis = isJson(data.lawfulBasis) ? data.lawfulBasis : {};
  const at = `${basePointer}/lawfulBasis`;
  if (specialCategoryPresent && basis.art9 === undefined) issues.push(issue(`${at}/art9`, 'lawful-basis.art9-required'));
  if (basis.art9 === 'substantial-public-interest' && basis.sch1Paragraph === undefined) {
    issues.push(issue(`${at}/sch1Paragraph`, 'lawful-basis.sch1-required'));
  }
  if (offenceDataPresent && basis.art10 === undefined) issues.push(issue(`${at}/art10`, 'lawful-basis.art10-required'));

  const reliesOnConsent =
    (CONSENT_DEPENDENT_BASES.art6 as readonly unknown[]).includes(basis.art6) ||
    (CONSENT_DEPENDENT_BASES.art9 as readonly unknown[]).includes(basis.art9) ||
    (CONSENT_DEPENDENT_BASES.art10 as readonly unknown[]).includes(basis.art10);
  if (reliesOnConsent) {
    const consent = data.consent;
    if (!isJson(consent)) issues.push(issue(`${basePointer}/consent`, 'lawful-basis.consent-not-given'));
    else if (consent.status !== 'given') issues.push(issue(`${basePointer}/consent/status`, 'lawful-basis.consent-not-given'));
  }
  return issues;
}
