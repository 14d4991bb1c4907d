// The keyed blind index of people's names and dates of birth (migration 0005), used by subject
// access to find candidates for a name + date of birth. It only FINDS: people are linked across
// referrals by exact NHS number alone, so two different people with the same name and date of
// birth stay two candidates, and the DPO chooses.
import type { IdentifierHmac } from './crypto.ts';
import type { Queryable } from './db.ts';

/** HKDF label of the name + date of birth HMAC key. Changing it makes every stored digest unfindable. */
export const NAME_DOB_HMAC_LABEL = 'hub.people.name-dob.hmac.v1';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date `YYYY-MM-DD`, else null. */
export function calendarDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = DATE.exec(value);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d ? value : null;
}

/**
 * A name as the index compares it: compatibility-decomposed, accents removed, lower case, and
 * every run of anything but letters and digits (spaces, hyphens, apostrophes, full stops) made
 * one space. `Zoë O'Neil-Smith` → `zoe o neil smith`. Empty when nothing is left.
 */
export function normaliseNamePart(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The string that is HMACed, or null when the given name, family name or date of birth is missing or unusable. */
export function nameDobKey(givenName: unknown, familyName: unknown, dateOfBirth: unknown): string | null {
  if (typeof givenName !== 'string' || typeof familyName !== 'string') return null;
  const given = normaliseNamePart(givenName);
  const family = normaliseNamePart(familyName);
  const dob = calendarDate(dateOfBirth);
  if (!given || !family || !dob) return null;
  return `v1\u0000${given}\u0000${family}\u0000${dob}`;
}

export interface NameDobIndexRow {
  personRef: string;
  digest: Buffer;
  keyId: string;
}

/**
 * Index rows for the people of a canonical referral (its JSON bytes, as stored): one per person
 * in `personRefs` with a given name, family name and real date of birth. Reads only
 * `people[].personRef/givenName/familyName/dateOfBirth`; bytes that are not such JSON give none.
 */
export function nameDobRowsFromCanonical(hmac: IdentifierHmac, canonical: Buffer, personRefs: ReadonlySet<string>): NameDobIndexRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(canonical.toString('utf8'));
  } catch {
    return [];
  }
  const people = (parsed as { people?: unknown } | null)?.people;
  if (!Array.isArray(people)) return [];
  const rows: NameDobIndexRow[] = [];
  const seen = new Set<string>();
  for (const person of people as Record<string, unknown>[]) {
    const personRef = person?.personRef;
    if (typeof personRef !== 'string' || !personRefs.has(personRef) || seen.has(personRef)) continue;
    const key = nameDobKey(person.givenName, person.familyName, person.dateOfBirth);
    if (key === null) continue;
    seen.add(personRef);
    rows.push({ personRef, digest: hmac.digest(key), keyId: hmac.activeKeyId });
  }
  return rows;
}

/** Writes a referral's index rows and marks it indexed (idempotent). */
export async function insertNameDobIndex(q: Queryable, referralId: string, rows: readonly NameDobIndexRow[]): Promise<void> {
  if (rows.length > 0) {
    await q.query(
      `INSERT INTO person_name_dob_index (referral_id, person_ref, name_dob_hmac, hmac_key_id)
       SELECT $1::uuid, r, decode(h, 'hex'), k FROM unnest($2::text[], $3::text[], $4::text[]) AS t (r, h, k)
       ON CONFLICT (referral_id, person_ref) DO NOTHING`,
      [referralId, rows.map((r) => r.personRef), rows.map((r) => r.digest.toString('hex')), rows.map((r) => r.keyId)],
    );
  }
  await q.query('INSERT INTO person_name_dob_indexed (referral_id) VALUES ($1::uuid) ON CONFLICT (referral_id) DO NOTHING', [referralId]);
}
