// Imports an Open Referral UK feed into the hub's directory shape. Each service is validated
// on its own, so one bad record never stops the others; every problem names the record (its
// index, and its id when the id is a plain identifier) and a JSON pointer from the feed root,
// with a fixed message: values from the feed are never copied into a problem.

import { postcodeOutwardCode, normalisePostcode } from '@hub/domain';
import type { NeedCode } from '@hub/domain';
import { createAjv, issuesFromAjv, appendPointer } from '@hub/validation';
import { ORUK_SERVICE_SCHEMA } from './oruk-service-schema.ts';
import type { OrukService } from './oruk-service-schema.ts';
import { readTaxonomyTerm } from './taxonomy.ts';

export interface DirectoryLocation {
  name?: string;
  /** Normalised postcode (`M14 5RX`). */
  postcode: string;
  /** Postcode district (outward code, `M14`). */
  district: string;
}

/** One service as the hub uses it for signposting. */
export interface DirectoryService {
  id: string;
  name: string;
  organisation: { id: string; name: string };
  description?: string;
  /** Hub need codes from the service's `hub-need` taxonomy terms; never empty. */
  needs: NeedCode[];
  /** Distinct postcode districts of the service's locations; empty for remote-only services. */
  districts: string[];
  locations: DirectoryLocation[];
  /** Age bounds in whole years; absent bound = open. */
  eligibility: { minAge?: number; maxAge?: number };
  contact: { phone?: string; email?: string; url?: string };
}

export interface DirectoryProblem {
  /** Position of the service in the feed's list, or null for a problem with the feed as a whole. */
  index: number | null;
  /** The record's id, when it is a plain identifier. */
  serviceId?: string;
  /** RFC 6901 pointer from the feed root. */
  pointer: string;
  code: string;
  /** A fixed sentence about the rule; never contains a value from the feed. */
  message: string;
}

export interface DirectoryImport {
  services: DirectoryService[];
  problems: DirectoryProblem[];
  /** Valid records skipped because their ORUK status is not `active`. */
  inactive: number;
}

export const MAX_SERVICES = 10_000;
/** Problems per record are capped so one hostile record cannot flood the report. */
export const MAX_PROBLEMS_PER_RECORD = 20;

export const DIRECTORY_PROBLEM_MESSAGES = {
  'directory.not-a-feed': 'The feed must be a JSON array of services or an ORUK page object with a "content" array.',
  'directory.too-many-services': `The feed lists more services than the import accepts (${MAX_SERVICES}); the rest were not read.`,
  'directory.duplicate-id': 'Another service earlier in the feed has the same id; this record was not loaded.',
  'directory.no-need': 'The service has no taxonomy term in the hub-need vocabulary, so it cannot be matched to a need.',
  'directory.unknown-need': 'The taxonomy term is in the hub-need vocabulary but names no hub need code.',
  'directory.age-range': 'minimum_age is greater than maximum_age.',
} as const;
export type DirectoryProblemCode = keyof typeof DIRECTORY_PROBLEM_MESSAGES;

const PLAIN_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

type ValidateFunction = ReturnType<ReturnType<typeof createAjv>['compile']>;

let compiled: ValidateFunction | undefined;
function validateService(): ValidateFunction {
  compiled ??= createAjv().compile(ORUK_SERVICE_SCHEMA);
  return compiled;
}

function problem(index: number | null, serviceId: string | undefined, pointer: string, code: DirectoryProblemCode): DirectoryProblem {
  return { index, ...(serviceId ? { serviceId } : {}), pointer, code, message: DIRECTORY_PROBLEM_MESSAGES[code] };
}

function plainIdOf(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const id = (record as { id?: unknown }).id;
  return typeof id === 'string' && PLAIN_ID.test(id) ? id : undefined;
}

function recordsOf(feed: unknown): { records: unknown[]; basePointer: string } | null {
  if (Array.isArray(feed)) return { records: feed, basePointer: '' };
  if (typeof feed === 'object' && feed !== null && Array.isArray((feed as { content?: unknown }).content)) {
    return { records: (feed as { content: unknown[] }).content, basePointer: '/content' };
  }
  return null;
}

function ageBounds(service: OrukService): DirectoryService['eligibility'] {
  // Entries without ages (e.g. "carers") do not constrain age; a bound holds only when
  // every age-bearing entry sets it.
  const withAges = (service.eligibilitys ?? []).filter((e) => e.minimum_age !== undefined || e.maximum_age !== undefined);
  if (withAges.length === 0) return {};
  const mins = withAges.map((e) => e.minimum_age);
  const maxes = withAges.map((e) => e.maximum_age);
  return {
    ...(mins.every((m) => m !== undefined) ? { minAge: Math.min(...(mins as number[])) } : {}),
    ...(maxes.every((m) => m !== undefined) ? { maxAge: Math.max(...(maxes as number[])) } : {}),
  };
}

function toDirectoryService(service: OrukService, needs: NeedCode[]): DirectoryService {
  const locations: DirectoryLocation[] = [];
  for (const sal of service.service_at_locations ?? []) {
    for (const address of sal.location.physical_addresses ?? []) {
      const district = postcodeOutwardCode(address.postal_code);
      if (!district) continue; // pseudo-postcodes pass the format but name no district
      locations.push({ ...(sal.location.name ? { name: sal.location.name } : {}), postcode: normalisePostcode(address.postal_code), district });
    }
  }
  const phone = (service.contacts ?? []).flatMap((c) => c.phones ?? [])[0]?.number;
  const url = service.url ?? service.organization.url;
  return {
    id: service.id,
    name: service.name,
    organisation: { id: service.organization.id, name: service.organization.name },
    ...(service.description ? { description: service.description } : {}),
    needs,
    districts: [...new Set(locations.map((l) => l.district))],
    locations,
    eligibility: ageBounds(service),
    contact: { ...(phone ? { phone } : {}), ...(service.email ? { email: service.email } : {}), ...(url ? { url } : {}) },
  };
}

/** Record-level rules beyond the schema; returns the service's needs when it passes. */
function checkService(service: OrukService, at: string, index: number, serviceId: string | undefined, problems: DirectoryProblem[]): NeedCode[] | null {
  const before = problems.length;
  (service.eligibilitys ?? []).forEach((e, i) => {
    if (e.minimum_age !== undefined && e.maximum_age !== undefined && e.minimum_age > e.maximum_age) {
      problems.push(problem(index, serviceId, `${at}/eligibilitys/${i}`, 'directory.age-range'));
    }
  });
  const needs = new Set<NeedCode>();
  service.service_taxonomys.forEach((st, i) => {
    const reading = readTaxonomyTerm(st.taxonomy);
    if (reading.kind === 'need') needs.add(reading.need);
    else if (reading.kind === 'unknown-need') problems.push(problem(index, serviceId, `${at}/service_taxonomys/${i}/taxonomy/id`, 'directory.unknown-need'));
  });
  if (needs.size === 0 && problems.length === before) problems.push(problem(index, serviceId, `${at}/service_taxonomys`, 'directory.no-need'));
  return problems.length === before ? [...needs] : null;
}

/**
 * Reads an ORUK feed (a `GET /services` page `{ content: [...] }`, or a bare array of
 * services) and returns the valid, active services and a problem list for the rest.
 */
export function importDirectory(feed: unknown): DirectoryImport {
  const found = recordsOf(feed);
  if (!found) return { services: [], problems: [problem(null, undefined, '', 'directory.not-a-feed')], inactive: 0 };
  const { records, basePointer } = found;
  const validate = validateService();
  const services: DirectoryService[] = [];
  const problems: DirectoryProblem[] = [];
  const seen = new Set<string>();
  let inactive = 0;
  const count = Math.min(records.length, MAX_SERVICES);
  for (let index = 0; index < count; index++) {
    const record = records[index];
    const at = appendPointer(basePointer, index);
    const serviceId = plainIdOf(record);
    if (!validate(record)) {
      const issues = issuesFromAjv(validate.errors, { basePointer: at }).slice(0, MAX_PROBLEMS_PER_RECORD);
      for (const i of issues) problems.push({ index, ...(serviceId ? { serviceId } : {}), pointer: i.pointer, code: i.code, message: i.message });
      continue;
    }
    const service = record as unknown as OrukService;
    if (seen.has(service.id)) {
      problems.push(problem(index, serviceId, `${at}/id`, 'directory.duplicate-id'));
      continue;
    }
    seen.add(service.id);
    const needs = checkService(service, at, index, serviceId, problems);
    if (!needs) continue;
    if (service.status !== 'active') {
      inactive++;
      continue;
    }
    services.push(toDirectoryService(service, needs));
  }
  if (records.length > MAX_SERVICES) problems.push(problem(null, undefined, basePointer, 'directory.too-many-services'));
  return { services, problems, inactive };
}
