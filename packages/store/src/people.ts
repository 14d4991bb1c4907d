// SQL for people: hub person ids, linked by exact NHS number only.
import { requireText } from './checks.ts';
import type { IdentifierHmac } from './crypto.ts';
import type { Db } from './db.ts';
import { toBuffer } from './db.ts';
import { uuidv7 } from './uuid.ts';

/** HKDF label of the NHS-number HMAC key. Changing it unlinks everyone already known. */
export const NHS_NUMBER_HMAC_LABEL = 'hub.people.nhs-number.hmac.v1';

/** Bare 10 digits (spaces and hyphens removed). Errors never include the number. */
function bareNhsNumber(value: unknown, personRef: string): string {
  const bare = typeof value === 'string' ? value.replace(/[\s-]/g, '') : '';
  if (!/^\d{10}$/.test(bare)) throw new TypeError(`nhsNumber of person ${personRef} must be 10 digits`);
  return bare;
}

/**
 * Hub person ids by personRef. Every HMAC of a number (one per master key in the ring) is looked
 * up first, so a person linked before a key rotation keeps their id. Numbers not found are inserted
 * under the active key with INSERT … ON CONFLICT DO UPDATE … RETURNING, which waits for a
 * concurrent inserter of the same number and returns its id. People without an NHS number always
 * get a new row.
 */
export async function linkPeopleByNhsNumber(
  db: Db,
  hmac: IdentifierHmac,
  people: readonly { personRef: string; nhsNumber?: string }[],
): Promise<Map<string, string>> {
  if (!Array.isArray(people)) throw new TypeError('people must be an array');
  const byNumber = new Map<string, string[]>();
  const withoutNumber: string[] = [];
  const seen = new Set<string>();
  for (const person of people) {
    const personRef = requireText(person?.personRef, 'personRef');
    if (seen.has(personRef)) throw new TypeError(`personRef ${personRef} appears twice`);
    seen.add(personRef);
    if (person.nhsNumber === undefined || person.nhsNumber === null || person.nhsNumber === '') {
      withoutNumber.push(personRef);
      continue;
    }
    const bare = bareNhsNumber(person.nhsNumber, personRef);
    const refs = byNumber.get(bare);
    if (refs) refs.push(personRef);
    else byNumber.set(bare, [personRef]);
  }

  const ids = new Map<string, string>();
  if (people.length === 0) return ids;
  await db.transaction(async (tx) => {
    if (byNumber.size > 0) {
      const numberByHmac = new Map<string, string>();
      for (const bare of byNumber.keys()) {
        for (const keyId of hmac.keyIds()) numberByHmac.set(hmac.digest(bare, keyId).toString('hex'), bare);
      }
      const found = await tx.query<{ id: string; nhs_number_hmac: unknown }>(
        `SELECT id::text AS id, nhs_number_hmac FROM people
          WHERE nhs_number_hmac = ANY(SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h)`,
        [[...numberByHmac.keys()]],
      );
      const idByNumber = new Map<string, string>();
      for (const row of found.rows) {
        const bare = numberByHmac.get(toBuffer(row.nhs_number_hmac).toString('hex'));
        if (bare !== undefined && !idByNumber.has(bare)) idByNumber.set(bare, row.id);
      }
      // Sorted by HMAC so concurrent callers inserting overlapping sets lock in one order.
      const missing = [...byNumber.keys()]
        .filter((bare) => !idByNumber.has(bare))
        .map((bare) => ({ bare, hex: hmac.digest(bare).toString('hex') }))
        .sort((a, b) => (a.hex < b.hex ? -1 : a.hex > b.hex ? 1 : 0));
      if (missing.length > 0) {
        const inserted = await tx.query<{ id: string; nhs_number_hmac: unknown }>(
          `INSERT INTO people (id, nhs_number_hmac, hmac_key_id)
           SELECT id, decode(h, 'hex'), $3 FROM unnest($1::uuid[], $2::text[]) AS t (id, h)
           ON CONFLICT (nhs_number_hmac) DO UPDATE SET nhs_number_hmac = EXCLUDED.nhs_number_hmac
           RETURNING id::text AS id, nhs_number_hmac`,
          [missing.map(() => uuidv7()), missing.map((m) => m.hex), hmac.activeKeyId],
        );
        const bareByHex = new Map(missing.map((m) => [m.hex, m.bare]));
        for (const row of inserted.rows) {
          const bare = bareByHex.get(toBuffer(row.nhs_number_hmac).toString('hex'));
          if (bare !== undefined) idByNumber.set(bare, row.id);
        }
      }
      for (const [bare, refs] of byNumber) {
        const id = idByNumber.get(bare);
        if (!id) throw new Error('a person row was not returned');
        for (const ref of refs) ids.set(ref, id);
      }
    }
    if (withoutNumber.length > 0) {
      const newIds = withoutNumber.map(() => uuidv7());
      await tx.query('INSERT INTO people (id) SELECT unnest($1::uuid[])', [newIds]);
      withoutNumber.forEach((ref, i) => ids.set(ref, newIds[i] as string));
    }
  });
  return ids;
}
