// loadSharingConfig: reads sharing-rules.yaml, agreements.yaml and school-calendar.yaml from the
// config directory, validates each against its schema (schemas/config/*.v1.json) and against the
// partner registry, and reports every problem at once (the caller refuses to start on any).
//
// A config directory with none of the three files is valid: there are no rules, so every
// referral is held for an operator and nothing is shared automatically (safe, and what a
// partners-only test directory gets). A rule with a next-school-day deadline needs the calendar.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { agreementIndex, compileAgreement, type Agreement, type AgreementIndex } from './agreements.ts';
import { REFERRAL_SOURCE_TYPES } from './canonical.ts';
import type { AgreementsFile } from './generated/agreements.ts';
import type { SchoolCalendarFile } from './generated/school-calendar.ts';
import type { SharingRule, SharingRulesFile } from './generated/sharing-rules.ts';
import { envelopeOf, projectAllowed } from './minimise.ts';
import { describeSchemaErrors, outboundValidator } from './outbound-schemas.ts';
import type { PartnerLookup, SharingPartner } from './partners.ts';
import { FULL_SAMPLE_REFERRAL } from './sample-referral.ts';
import { schoolCalendarFrom, type SchoolCalendar } from './school-calendar.ts';

export interface SharingConfig {
  rules: readonly SharingRule[];
  agreements: AgreementIndex;
  calendar: SchoolCalendar;
  /** Which of the three files were present. */
  files: { rules: boolean; agreements: boolean; calendar: boolean };
}

export interface LoadSharingOptions {
  /**
   * Check references to partners (default true). loadConfig turns it off when the partner
   * registry itself failed to load, so one broken registry does not bury its own problems
   * under a "no such partner" for every rule.
   */
  checkPartners?: boolean;
}

const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../schemas/config');

/** Used when no calendar file is given (and no rule needs one): weekdays are school days. */
const DEFAULT_CALENDAR: SchoolCalendar = { timeZone: 'Europe/London', schoolDayStart: { hour: 8, minute: 30 }, holidays: [] };

let ajv: Ajv2020 | undefined;
const fileValidators = new Map<string, ValidateFunction>();
function fileValidator(schemaFile: string): ValidateFunction {
  let v = fileValidators.get(schemaFile);
  if (!v) {
    ajv ??= new Ajv2020({ allErrors: true, strict: true });
    v = ajv.compile(JSON.parse(readFileSync(path.join(SCHEMA_DIR, schemaFile), 'utf8')));
    fileValidators.set(schemaFile, v);
  }
  return v;
}

/** Reads and schema-checks one YAML file; undefined when absent or invalid (problems pushed). */
function readConfigFile<T>(configDir: string, name: string, schemaFile: string, problems: string[]): { present: boolean; doc?: T; label: string } {
  const file = path.join(configDir, name);
  const label = path.relative(process.cwd(), file) || file;
  if (!existsSync(file)) return { present: false, label };
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${label}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
    return { present: true, label };
  }
  const validate = fileValidator(schemaFile);
  if (!validate(doc)) {
    for (const e of validate.errors ?? []) {
      if (e.keyword === 'oneOf' || e.keyword === 'if') continue;
      const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
      problems.push(`${label} ${e.instancePath || '/'}: ${e.message ?? 'is invalid'}${extra}`);
    }
    return { present: true, label };
  }
  return { present: true, doc: doc as T, label };
}

/** The partners a rule can pick, when the registry is known. */
function candidatesOf(rule: SharingRule, partners: PartnerLookup): SharingPartner[] {
  const r = rule.recipient;
  if ('partner' in r) {
    const p = partners.get(r.partner);
    return p ? [p] : [];
  }
  switch (r.by) {
    case 'school-urn':
      return partners.all().filter((p) => p.organisationType === 'education' && p.identifiers.schoolUrn !== undefined);
    case 'gp-ods':
      return partners.all().filter((p) => p.organisationType === 'gp' && p.identifiers.odsCode !== undefined);
    case 'area':
      return partners.all().filter((p) => p.organisationType === r.organisationType && p.areas.length > 0);
  }
}

function checkAgreements(entries: AgreementsFile['agreements'], label: string, partners: PartnerLookup, checkPartners: boolean, problems: string[]): Agreement[] {
  const agreements: Agreement[] = [];
  const ids = new Set<string>();
  const pairs = new Set<string>();
  entries.forEach((entry, i) => {
    const where = `${label} /agreements/${i}`;
    if (ids.has(entry.id)) problems.push(`${where}/id: agreement id "${entry.id}" appears more than once`);
    ids.add(entry.id);
    const pair = `${entry.recipient}\u0000${entry.purpose}`;
    if (pairs.has(pair)) problems.push(`${where}: a second agreement for recipient "${entry.recipient}" and purpose "${entry.purpose}"`);
    pairs.add(pair);
    const partner = partners.get(entry.recipient);
    if (checkPartners && !partner) problems.push(`${where}/recipient: no partner "${entry.recipient}" in the partner registry`);
    if (checkPartners && partner && !partner.delivery) problems.push(`${where}/recipient: partner "${entry.recipient}" has no delivery channel`);
    const before = problems.length;
    const agreement = compileAgreement(entry, partner?.organisationType ?? 'unknown', where, problems);
    agreements.push(agreement);
    if (!partner || problems.length > before) return;
    // The richest possible payload under this agreement must fit the recipient type's schema.
    let validate;
    try {
      validate = outboundValidator(partner.organisationType);
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
      return;
    }
    const { data } = projectAllowed(FULL_SAMPLE_REFERRAL, agreement.allow);
    const envelope = envelopeOf(FULL_SAMPLE_REFERRAL, agreement, { referralId: 'ref_check', deliveryId: 'dlv_check', purpose: entry.purpose, recipientPartnerId: entry.recipient });
    if (!validate({ ...envelope, ...data })) {
      problems.push(`${where}/fields: allows what the ${partner.organisationType} outbound schema does not accept (${describeSchemaErrors(validate.errors).join('; ')})`);
    }
  });
  return agreements;
}

interface RuleChecks {
  checkPartners: boolean;
  /** False when agreements.yaml is present but unreadable: its own problems say why, not one per rule. */
  checkAgreements: boolean;
  hasCalendar: boolean;
  calendarLabel: string;
}

function checkRules(rules: readonly SharingRule[], label: string, partners: PartnerLookup, agreements: AgreementIndex, checks: RuleChecks, problems: string[]): void {
  const { checkPartners, checkAgreements, hasCalendar, calendarLabel } = checks;
  const ids = new Set<string>();
  const known = new Set<string>(REFERRAL_SOURCE_TYPES);
  rules.forEach((rule, i) => {
    const where = `${label} /rules/${i}`;
    if (ids.has(rule.id)) problems.push(`${where}/id: rule id "${rule.id}" appears more than once`);
    ids.add(rule.id);
    rule.covers.messageTypes?.forEach((type, t) => {
      if (!known.has(type)) problems.push(`${where}/covers/messageTypes/${t}: "${type}" is not a referral message type`);
    });
    if (rule.deadline === 'next-school-day' && !hasCalendar) problems.push(`${where}/deadline: next-school-day needs ${calendarLabel}`);
    if (!checkPartners) return;
    const r = rule.recipient;
    if ('partner' in r && !partners.get(r.partner)) {
      problems.push(`${where}/recipient/partner: no partner "${r.partner}" in the partner registry`);
      return;
    }
    const candidates = candidatesOf(rule, partners);
    if (!('partner' in r) && candidates.length === 0) {
      problems.push(`${where}/recipient: no partner can be found this way (${r.by === 'area' ? `no ${r.organisationType} partner lists areas` : r.by === 'school-urn' ? 'no education partner has a schoolUrn' : 'no gp partner has an odsCode'})`);
    }
    for (const p of candidates) {
      if (!p.delivery) problems.push(`${where}/recipient: partner "${p.id}" can be picked by this rule but has no delivery channel`);
      if (checkAgreements && !agreements.get(p.id, rule.purpose)) problems.push(`${where}/recipient: partner "${p.id}" has no agreement for purpose "${rule.purpose}"`);
    }
    if ('by' in r && r.by === 'area') {
      const owner = new Map<string, string>();
      for (const p of candidates) {
        for (const district of p.areas) {
          const other = owner.get(district);
          if (other) problems.push(`${where}/recipient: area ${district} is served by two ${r.organisationType} partners ("${other}" and "${p.id}"); area routing must be unambiguous`);
          else owner.set(district, p.id);
        }
      }
    }
  });
}

/**
 * Loads the sharing rules, agreements and school calendar from `configDir`, checking them
 * against their schemas, the canonical field catalogue, the outbound schemas and `partners`.
 * Every problem is pushed to `problems` (naming file and place, never a personal value).
 */
export function loadSharingConfig(configDir: string, partners: PartnerLookup, problems: string[], options: LoadSharingOptions = {}): SharingConfig {
  const checkPartners = options.checkPartners ?? true;
  const rulesFile = readConfigFile<SharingRulesFile>(configDir, 'sharing-rules.yaml', 'sharing-rules.v1.json', problems);
  const agreementsFile = readConfigFile<AgreementsFile>(configDir, 'agreements.yaml', 'agreements.v1.json', problems);
  const calendarFile = readConfigFile<SchoolCalendarFile>(configDir, 'school-calendar.yaml', 'school-calendar.v1.json', problems);

  const calendar = calendarFile.doc ? schoolCalendarFrom(calendarFile.doc, `${calendarFile.label} `, problems) : DEFAULT_CALENDAR;
  const agreementList = agreementsFile.doc ? checkAgreements(agreementsFile.doc.agreements, agreementsFile.label, partners, checkPartners, problems) : [];
  const agreements = agreementIndex(agreementList);
  const rules = rulesFile.doc?.rules ?? [];
  checkRules(rules, rulesFile.label, partners, agreements, { checkPartners, checkAgreements: !agreementsFile.present || agreementsFile.doc !== undefined, hasCalendar: calendarFile.present, calendarLabel: calendarFile.label }, problems);
  return { rules, agreements, calendar, files: { rules: rulesFile.present, agreements: agreementsFile.present, calendar: calendarFile.present } };
}
