// The national evaluation extract (DESIGN §8; DOMAIN §4): for the families supported in a period,
// each person's name, address, date of birth, sex and NI number (when known) plus a few
// family-level participation fields — nothing else — for ONS-led linkage. People who have
// objected or whose processing is restricted are left out. The file is CSV with a SHA-256
// manifest, and the extract is recorded as ONE disclosure in the ledger before anyone gets it.
//
// Decisions (docs/data-protection.md, "National evaluation extract"):
// - Families supported = referrals received in [from, to) that at least one recipient received
//   (a delivered delivery). Held or closed-on-review referrals were never passed to a service.
// - A family = referrals linked through a shared hub person (people are linked by exact NHS
//   number only, so the hub never merges people on names; ONS does the matching).
// - People in the role `alleged-perpetrator` or `other` are not family members supported and are
//   not included unless another referral lists them in a family role.
// - Participation is summarised per family: a per-extract random family id (not derived from any
//   hub id, not stored), the date first referred in the period, the number of referrals, the
//   NUMBER of distinct needs (not which: need codes such as health, substance use or crime would
//   be special-category or offence data, which the extract has no Art 9/10 condition for), and
//   the best outcome reported by a recipient.

import { randomBytes, randomUUID } from 'node:crypto';
import type { CanonicalAddress, CanonicalReferral } from '@hub/domain';
import { writeCsvWithManifest, type ExtractManifest } from './extract.ts';
import { londonDate, type Period } from './periods.ts';

/** The extract's columns, in order: exactly these, nothing else (writeCsvWithManifest refuses any other key). */
export const EXTRACT_COLUMNS = [
  'family_id',
  'given_name',
  'family_name',
  'date_of_birth',
  'sex',
  'ni_number',
  'address_line_1',
  'address_line_2',
  'town',
  'postcode',
  'family_first_referred_on',
  'family_referral_count',
  'family_needs_count',
  'family_outcome',
] as const;
export type ExtractColumn = (typeof EXTRACT_COLUMNS)[number];

/** Ledger `fields` of an extract: one pointer per column of the file. */
export const EXTRACT_FIELD_POINTERS: readonly string[] = EXTRACT_COLUMNS.map((column) => `/${column}`);
export const EXTRACT_PURPOSE = 'national-evaluation';
/** UK GDPR Art 6(1)(e): the council's public task (the Supporting Families programme). */
export const EXTRACT_ART6 = 'public-task';
/** Roles that are not members of the family supported. */
export const EXTRACT_EXCLUDED_ROLES: readonly string[] = ['alleged-perpetrator', 'other'];
/** Outcome codes of `family_outcome`, best first. */
export const FAMILY_OUTCOMES = ['accepted', 'closed', 'declined', 'none'] as const;

/** One supported referral, decrypted (StatisticsStore.extractSourcePage). */
export interface ExtractSource {
  referralId: string;
  receivedAt: Date;
  canonical: Buffer | null;
  people: readonly { personRef: string; hubPersonId: string; role: string }[];
  deliveries: readonly { status: string; feedbackStatus: string | null; acceptedAt: Date | null }[];
}

export interface RightsFlags {
  restricted: boolean;
  objected: boolean;
}

export interface EvaluationRows {
  rows: Record<ExtractColumn, string>[];
  /** Hub person ids of everyone in `rows` (the ledger row's subjects). */
  subjects: string[];
  families: number;
  /** People left out because they objected or their processing is restricted. */
  peopleExcluded: number;
  /** Supported referrals read (including unreadable ones). */
  referrals: number;
  /** Referrals whose canonical form could not be decrypted (erased, or damaged): left out. */
  unreadable: number;
}

/** M / F / U from the sex code systems the hub accepts (DfE M/F/U; NHS Person Stated Gender 1/2/9/X; FHIR). */
export function sexCode(sex: { system: string; code: string } | undefined): string {
  if (!sex) return '';
  const code = sex.code.toLowerCase();
  if (code === 'm' || code === '1' || code === 'male') return 'M';
  if (code === 'f' || code === '2' || code === 'female') return 'F';
  return 'U';
}

interface Sighting {
  receivedAt: Date;
  role: string;
  person: CanonicalReferral['people'][number];
  familyAddress: CanonicalAddress | undefined;
}

/** The value from the most recent sighting that has one ("last known"). */
function latest<T>(sightings: readonly Sighting[], pick: (s: Sighting) => T | undefined): T | undefined {
  for (let i = sightings.length - 1; i >= 0; i -= 1) {
    const value = pick(sightings[i] as Sighting);
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function outcomeOf(deliveries: readonly ExtractSource['deliveries'][number][]): (typeof FAMILY_OUTCOMES)[number] {
  if (deliveries.some((d) => d.acceptedAt !== null || d.feedbackStatus === 'accepted')) return 'accepted';
  if (deliveries.some((d) => d.feedbackStatus === 'closed')) return 'closed';
  if (deliveries.some((d) => d.feedbackStatus === 'declined')) return 'declined';
  return 'none';
}

/** Union-find over referral indexes. */
function familiesOf(referrals: readonly { people: readonly { hubPersonId: string }[] }[]): number[][] {
  const parent = referrals.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  const firstSeen = new Map<string, number>();
  referrals.forEach((r, i) => {
    for (const p of r.people) {
      const seen = firstSeen.get(p.hubPersonId);
      if (seen === undefined) firstSeen.set(p.hubPersonId, i);
      else parent[find(i)] = find(seen);
    }
  });
  const groups = new Map<number, number[]>();
  referrals.forEach((_, i) => {
    const root = find(i);
    const list = groups.get(root);
    if (list) list.push(i);
    else groups.set(root, [i]);
  });
  return [...groups.values()];
}

/** A random family id, unique within the extract. */
function randomFamilyId(): string {
  return `F${randomBytes(6).toString('hex')}`;
}

/**
 * The extract's rows from supported referrals and the people's rights flags. Pure but for the
 * random family ids (`familyId` replaces them in tests). Rows are sorted by family id (random),
 * so their order says nothing about when a family was referred.
 */
export function buildEvaluationRows(sources: readonly ExtractSource[], rights: ReadonlyMap<string, RightsFlags>, options: { familyId?: () => string } = {}): EvaluationRows {
  const readable: { source: ExtractSource; referral: CanonicalReferral }[] = [];
  let unreadable = 0;
  for (const source of sources) {
    if (!source.canonical) {
      unreadable += 1;
      continue;
    }
    readable.push({ source, referral: JSON.parse(source.canonical.toString('utf8')) as CanonicalReferral });
  }
  readable.sort((a, b) => a.source.receivedAt.getTime() - b.source.receivedAt.getTime() || (a.source.referralId < b.source.referralId ? -1 : 1));

  const newFamilyId = options.familyId ?? randomFamilyId;
  const usedIds = new Set<string>();
  const rows: Record<ExtractColumn, string>[] = [];
  const subjects: string[] = [];
  const excluded = new Set<string>();
  let families = 0;

  for (const members of familiesOf(readable.map((r) => r.source))) {
    const referrals = members.map((i) => readable[i] as (typeof readable)[number]);
    // Sightings of each person, oldest first (referrals are in receipt order).
    const sightings = new Map<string, Sighting[]>();
    for (const { source, referral } of referrals) {
      for (const link of source.people) {
        const person = referral.people.find((p) => p.personRef === link.personRef);
        if (!person) continue;
        const list = sightings.get(link.hubPersonId) ?? [];
        list.push({ receivedAt: source.receivedAt, role: link.role, person, familyAddress: referral.family?.address });
        sightings.set(link.hubPersonId, list);
      }
    }
    const needs = new Set(referrals.flatMap(({ referral }) => referral.needs ?? []));
    const first = referrals[0] as (typeof referrals)[number];
    const familyFields = {
      family_first_referred_on: londonDate(first.source.receivedAt),
      family_referral_count: String(referrals.length),
      family_needs_count: String(needs.size),
      family_outcome: outcomeOf(referrals.flatMap(({ source }) => source.deliveries)),
    };

    const familyRows: Omit<Record<ExtractColumn, string>, 'family_id'>[] = [];
    for (const [personId, seen] of sightings) {
      if (!seen.some((s) => !EXTRACT_EXCLUDED_ROLES.includes(s.role))) continue;
      const flags = rights.get(personId);
      if (flags && (flags.restricted || flags.objected)) {
        excluded.add(personId);
        continue;
      }
      const address = latest(seen, (s) => s.person.address ?? s.familyAddress);
      const lines = address?.lines ?? [];
      familyRows.push({
        given_name: latest(seen, (s) => s.person.givenName) ?? '',
        family_name: latest(seen, (s) => s.person.familyName) ?? '',
        date_of_birth: latest(seen, (s) => s.person.dateOfBirth) ?? '',
        sex: sexCode(latest(seen, (s) => s.person.sex)),
        ni_number: latest(seen, (s) => s.person.niNumber) ?? '',
        address_line_1: lines[0] ?? '',
        address_line_2: lines.slice(1).join(', '),
        town: address?.town ?? '',
        postcode: address?.postcode ?? '',
        family_first_referred_on: familyFields.family_first_referred_on,
        family_referral_count: familyFields.family_referral_count,
        family_needs_count: familyFields.family_needs_count,
        family_outcome: familyFields.family_outcome,
      });
      subjects.push(personId);
    }
    if (familyRows.length === 0) continue;
    let familyId = newFamilyId();
    for (let tries = 0; usedIds.has(familyId); tries += 1) {
      if (tries >= 100) throw new Error('could not make a family id unique within the extract');
      familyId = newFamilyId();
    }
    usedIds.add(familyId);
    families += 1;
    for (const row of familyRows) rows.push({ family_id: familyId, ...row });
  }

  rows.sort((a, b) => (a.family_id < b.family_id ? -1 : a.family_id > b.family_id ? 1 : a.family_name.localeCompare(b.family_name, 'en-GB') || a.given_name.localeCompare(b.given_name, 'en-GB')));
  return { rows, subjects, families, peopleExcluded: excluded.size, referrals: sources.length, unreadable };
}

/** What the extract needs of the Store (StatisticsStore + RightsStore). */
export interface EvaluationExtractStore {
  extractSourcePage(query: { from: Date; to: Date; afterReferralId?: string; limit: number }): Promise<ExtractSource[]>;
  personRights(personIds: readonly string[]): Promise<ReadonlyMap<string, RightsFlags>>;
  recordEvaluationExtract(record: {
    extractId: string;
    periodFrom: string;
    periodTo: string;
    createdAt: Date;
    createdBy: string;
    recipientPartnerId: string;
    purpose: string;
    art6: string;
    fileName: string;
    csvSha256: string;
    fields: string[];
    subjects: string[];
    families: number;
    people: number;
    peopleExcluded: number;
    referrals: number;
  }): Promise<{ ledgerEntryId: string }>;
}

/** The manifest written beside the CSV: the file's hash and shape, and what the extract is. No personal data. */
export interface EvaluationManifest extends ExtractManifest {
  extractId: string;
  /** Referrals received in [periodFrom, periodTo), London dates. */
  periodFrom: string;
  periodTo: string;
  recipient: string;
  purpose: string;
  lawfulBasis: { art6: string };
  families: number;
  peopleExcluded: number;
  ledgerEntryId: string;
}

export interface EvaluationExtract {
  extractId: string;
  csv: Buffer;
  manifest: EvaluationManifest;
  /** Counts for the operator (never shown to anyone below admin/dpo). */
  unreadable: number;
}

const EXTRACT_PAGE_SIZE = 200;

/** `evaluation-extract-2026-04-01-to-2026-07-01-<first 8 of the id>.csv` */
export function extractFileName(period: { from: string; to: string }, extractId: string): string {
  return `evaluation-extract-${period.from}-to-${period.to}-${extractId.slice(0, 8)}.csv`;
}

/** The manifest of a recorded extract (also rebuilt later from its evaluation_extracts row). */
export function evaluationManifest(record: {
  extractId: string;
  periodFrom: string;
  periodTo: string;
  createdAt: Date;
  recipientPartnerId: string;
  purpose: string;
  art6: string;
  fileName: string;
  csvSha256: string;
  people: number;
  families: number;
  peopleExcluded: number;
  ledgerEntryId: string;
}): EvaluationManifest {
  return {
    file: record.fileName,
    sha256: record.csvSha256,
    rows: record.people,
    columns: [...EXTRACT_COLUMNS],
    createdAt: record.createdAt.toISOString(),
    extractId: record.extractId,
    periodFrom: record.periodFrom,
    periodTo: record.periodTo,
    recipient: record.recipientPartnerId,
    purpose: record.purpose,
    lawfulBasis: { art6: record.art6 },
    families: record.families,
    peopleExcluded: record.peopleExcluded,
    ledgerEntryId: record.ledgerEntryId,
  };
}

/**
 * Builds the extract for a period and records it — its evaluation_extracts row and ONE
 * `disclosed` ledger row — before returning the bytes: whoever receives the file, the ledger
 * already says so. Nothing is written anywhere else; the caller delivers the CSV and manifest.
 */
export async function createEvaluationExtract(
  store: EvaluationExtractStore,
  options: {
    period: Period;
    createdBy: string;
    recipientPartnerId: string;
    now?: Date;
    extractId?: string;
    onProgress?(referralsRead: number): void;
    /** Called with the file before anything is recorded (e.g. to write it somewhere); if it throws, nothing is recorded. */
    prepare?(file: { csv: Buffer; fileName: string; sha256: string }): Promise<void>;
  },
): Promise<EvaluationExtract> {
  const sources: ExtractSource[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.extractSourcePage({ from: options.period.start, to: options.period.end, limit: EXTRACT_PAGE_SIZE, ...(after ? { afterReferralId: after } : {}) });
    if (page.length === 0) break;
    sources.push(...page);
    after = page[page.length - 1]?.referralId;
    options.onProgress?.(sources.length);
    if (page.length < EXTRACT_PAGE_SIZE) break;
  }
  const personIds = [...new Set(sources.flatMap((s) => s.people.map((p) => p.hubPersonId)))];
  const rights = personIds.length > 0 ? await store.personRights(personIds) : new Map<string, RightsFlags>();
  const built = buildEvaluationRows(sources, rights);

  const now = options.now ?? new Date();
  const extractId = options.extractId ?? randomUUID();
  const fileName = extractFileName(options.period, extractId);
  const { csv, manifest } = writeCsvWithManifest(built.rows, EXTRACT_COLUMNS, { file: fileName, now });
  const record = {
    extractId,
    periodFrom: options.period.from,
    periodTo: options.period.to,
    createdAt: now,
    createdBy: options.createdBy,
    recipientPartnerId: options.recipientPartnerId,
    purpose: EXTRACT_PURPOSE,
    art6: EXTRACT_ART6,
    fileName,
    csvSha256: manifest.sha256,
    fields: [...EXTRACT_FIELD_POINTERS],
    subjects: built.subjects,
    families: built.families,
    people: built.rows.length,
    peopleExcluded: built.peopleExcluded,
    referrals: built.referrals,
  };
  await options.prepare?.({ csv, fileName, sha256: manifest.sha256 });
  const { ledgerEntryId } = await store.recordEvaluationExtract(record);
  return { extractId, csv, manifest: evaluationManifest({ ...record, ledgerEntryId }), unreadable: built.unreadable };
}
