// `pnpm hub retention|erase|legal-hold …` as an operator runs them: a real process on real
// PostgreSQL (own schema), the demo master key, the default retention schedule (config/retention.yaml).
// Each command is its own tsx process (a few seconds each on a busy machine): generous timeouts.
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@hub/config';
import { ErasedError, openMigratedStore, type Store } from '@hub/store';
import { randomSchemaName, testDatabaseUrl } from '@hub/testing';

const ROOT = path.resolve(import.meta.dirname, '../..');

function hub(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    // The demo config and the default retention schedule, whatever the calling shell has set.
    const { HUB_CONFIG_DIR: _dir, HUB_MASTER_KEYS: _keys, ...env } = process.env;
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['services/hub/src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...env, DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'warn', HUB_MODE: 'demo' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

/** A routed referral about a child born in 1999 (past the default 25 years) or 2015 (not). */
async function referral(store: Store, childBorn: string, nhsNumber?: string): Promise<{ referralId: string; personIds: string[] }> {
  const body = Buffer.from(JSON.stringify({ n: randomBytes(8).toString('hex') }));
  const receivedAt = new Date('2010-05-01T09:00:00Z');
  const accepted = await store.acceptInbound({ partnerId: 'family-web-form', webhookId: randomUUID(), type: 'family.self-referral.submitted', schemaId: 's', receivedAt, body, bodySha256: createHash('sha256').update(body).digest('hex') });
  const ids = await store.linkPeople([{ personRef: 'p1' }, { personRef: 'p2', ...(nhsNumber ? { nhsNumber } : {}) }]);
  const referralId = randomUUID();
  const people = [
    { personRef: 'p1', role: 'child', dateOfBirth: childBorn },
    { personRef: 'p2', role: 'parent' },
  ];
  await store.saveRoutingOutcome({
    referral: {
      referralId,
      messageId: accepted.messageId,
      sourcePartnerId: 'family-web-form',
      sourceType: 'family.self-referral.submitted',
      urgency: 'routine',
      receivedAt,
      canonical: Buffer.from(JSON.stringify({ referralId, people })),
      people: people.map((p) => ({ personRef: p.personRef, hubPersonId: ids.get(p.personRef) as string, role: p.role })),
    },
    decisions: [],
    deliveries: [],
  });
  return { referralId, personIds: [ids.get('p1') as string, ids.get('p2') as string] };
}

describe('pnpm hub retention / erase / legal-hold', () => {
  const schema = randomSchemaName('retcli');
  let store: Store;
  let due: { referralId: string; personIds: string[] }[];
  let notDue: { referralId: string };

  beforeAll(async () => {
    store = await openMigratedStore(loadConfig({ DATABASE_URL: testDatabaseUrl() }).settings, { schema });
    due = [await referral(store, '1999-01-01'), await referral(store, '1998-07-01'), await referral(store, '1997-03-03', '9434765919')];
    notDue = await referral(store, '2015-01-01');
  });

  afterAll(async () => {
    await store?.close();
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('refuses bad usage with exit 2, naming the option', { timeout: 120_000 }, async () => {
    const noConfirm = await hub(['retention', 'run', '--schema', schema]);
    expect(noConfirm.code).toBe(2);
    expect(noConfirm.err).toContain('add --confirm');
    const badReason = await hub(['erase', 'referral', due[0]!.referralId, '--reason', 'because', '--schema', schema]);
    expect(badReason.code).toBe(2);
    expect(badReason.err).toContain('--reason must be one of art17-request, received-in-error, court-order');
    const badDate = await hub(['retention', 'dry-run', '--as-of', '2031-02-30', '--schema', schema]);
    expect(badDate.code).toBe(2);
    expect(badDate.err).toContain('--as-of must be a date');
    const ahead = await hub(['retention', 'run', '--confirm', '--as-of', '2999-01-01', '--schema', schema]);
    expect(ahead.code).toBe(1);
    expect(ahead.err).toContain('nothing is erased ahead of time');
  });

  it('places a legal hold, reports a dry run, then runs retention: erases what the dry run listed, keeps the held', { timeout: 120_000 }, async () => {
    const placed = await hub(['legal-hold', 'place', '--referral', due[2]!.referralId, '--reason', 'Litigation LM-5', '--operator', 'dpo.cli', '--schema', schema]);
    expect(placed.code).toBe(0);
    expect(placed.out).toMatch(/^placed legal hold [0-9a-f-]{36} on referral /);

    const dry = await hub(['retention', 'dry-run', '--json', '--schema', schema]);
    expect(dry.code).toBe(0);
    const report = JSON.parse(dry.out) as { counts: { due: number; held: number; toErase: number }; items: { id: string; held: boolean; reason: string }[] };
    expect(report.counts).toMatchObject({ due: 3, held: 1, toErase: 2 });
    expect(report.items.map((i) => i.id).sort()).toEqual(due.map((d) => d.referralId).sort());
    expect(report.items.every((i) => i.reason === "the youngest child's 25th birthday has passed")).toBe(true);
    expect(dry.err).toMatch(/retention dry-run: planning \d+ of \d+/);
    // Nothing changed.
    expect((await store.readReferral(due[0]!.referralId))?.canonical.length).toBeGreaterThan(0);

    const run = await hub(['retention', 'run', '--confirm', '--operator', 'dpo.cli', '--schema', schema]);
    expect(run.code).toBe(0);
    expect(run.out).toContain('past their period: 3; held by legal holds: 1; erased: 2; skipped: 0');
    expect(run.out).toMatch(/rule family-records \(referral\): 3 due, 1 held, 2 erased/);
    expect(run.err).toMatch(/retention run: erasing 2 of 2/);
    const listedToErase = report.items.filter((i) => !i.held).map((i) => i.id).sort();
    for (const id of listedToErase) await expect(store.readReferral(id)).rejects.toBeInstanceOf(ErasedError);
    expect((await store.readReferral(due[2]!.referralId))?.canonical.length).toBeGreaterThan(0);
    expect((await store.readReferral(notDue.referralId))?.canonical.length).toBeGreaterThan(0);
    const audit = await store.listAudit({ action: 'retention.run', limit: 5, offset: 0 });
    expect(audit.items[0]).toMatchObject({ actor: 'dpo.cli', role: 'cli', details: { erased: 2, held: 1 } });

    const list = await hub(['erase', 'list', '--schema', schema]);
    expect(list.code).toBe(0);
    expect(list.out).toContain('2 erased records');
    for (const id of listedToErase) expect(list.out).toContain(`referral\t${id}\tretention-period-ended\trule family-records`);
  });

  it('refuses to erase a held referral by hand until the hold is released', { timeout: 120_000 }, async () => {
    const held = due[2]!.referralId;
    const refused = await hub(['erase', 'referral', held, '--reason', 'art17-request', '--note', 'SAR-77', '--operator', 'dpo.cli', '--schema', schema]);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(new RegExp(`REFUSED referral ${held}: under legal hold [0-9a-f-]{36}`));

    const holds = await hub(['legal-hold', 'list', '--schema', schema]);
    const holdId = /^([0-9a-f-]{36})\treferral /m.exec(holds.out)?.[1];
    expect(holdId).toBeDefined();
    expect((await hub(['legal-hold', 'release', holdId as string, '--reason', 'Matter closed', '--schema', schema])).code).toBe(0);
    expect((await hub(['legal-hold', 'release', holdId as string, '--reason', 'Matter closed', '--schema', schema])).code).toBe(1);

    const done = await hub(['erase', 'referral', held, '--reason', 'art17-request', '--note', 'SAR-77', '--operator', 'dpo.cli', '--schema', schema]);
    expect(done.code).toBe(0);
    expect(done.out).toMatch(new RegExp(`^erased referral ${held}: 2 keys destroyed`));
    await expect(store.readReferral(held)).rejects.toBeInstanceOf(ErasedError);
    expect(await store.erasureOf('referral', held)).toMatchObject({ operatorId: 'dpo.cli', reasonCode: 'art17-request' });
    const again = await hub(['erase', 'referral', held, '--reason', 'art17-request', '--schema', schema]);
    expect(again.out).toContain(`already erased referral ${held}`);
    expect(await store.verifyLedger()).toMatchObject({ ok: true });
  });

  it('lists a person’s referrals and erases them only with --confirm', { timeout: 120_000 }, async () => {
    const person = (await referral(store, '2016-02-02', '4010232137')).personIds[1] as string;
    const second = await referral(store, '2017-03-03', '4010232137');
    const listed = await hub(['erase', 'person', person, '--reason', 'art17-request', '--schema', schema]);
    expect(listed.code).toBe(2);
    expect(listed.out).toContain(`person ${person} appears in 2 referrals`);
    expect(listed.out).toContain('Add --confirm to erase 2.');
    expect((await store.readReferral(second.referralId))?.canonical.length).toBeGreaterThan(0);
    const erased = await hub(['erase', 'person', person, '--reason', 'art17-request', '--confirm', '--schema', schema]);
    expect(erased.code).toBe(0);
    await expect(store.readReferral(second.referralId)).rejects.toBeInstanceOf(ErasedError);
  });

  it('erases one family feedback answer on request: the comment key goes, the person is unlinked, the ratings stay', { timeout: 120_000 }, async () => {
    const person = (await referral(store, '2018-04-04')).personIds[1] as string;
    const feedbackId = randomUUID();
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      await client.query(`SET search_path TO ${schema}`);
      // The shape the gateway writes (feedback-answers-store.ts); the key bytes need not open for erasure.
      await client.query(
        `INSERT INTO family_feedback (feedback_id, person_id, service_type, postcode_district, month, submitted_at, ratings,
                                      key_id, dek_wrapped, dek_iv, dek_tag, comment_iv, comment_tag, comment_ciphertext)
         VALUES ($1, $2, 'social-care', 'M14', date_trunc('month', now())::date, now(), '{"overall": 4}', 'demo', $3, $4, $5, $4, $5, $3)`,
        [feedbackId, person, randomBytes(32), randomBytes(12), randomBytes(16)],
      );
      const missing = await hub(['erase', 'feedback', '--reason', 'art17-request', '--schema', schema]);
      expect(missing.code).toBe(2);
      expect(missing.err).toContain('name at least one feedback id');

      const erased = await hub(['erase', 'feedback', feedbackId, '--reason', 'art17-request', '--note', 'SAR-81', '--operator', 'dpo.cli', '--schema', schema]);
      expect(erased.code).toBe(0);
      expect(erased.out).toContain(`erased family-feedback ${feedbackId}: 1 keys destroyed, person unlinked`);
      const row = (await client.query<{ person_id: string | null; erased_at: Date | null; dek: number; ratings: unknown }>('SELECT person_id, erased_at, length(dek_wrapped) AS dek, ratings FROM family_feedback WHERE feedback_id = $1', [feedbackId])).rows[0];
      expect(row).toMatchObject({ person_id: null, dek: 0, ratings: { overall: 4 } });
      expect(row?.erased_at).toBeInstanceOf(Date);
      const again = await hub(['erase', 'feedback', feedbackId, '--reason', 'art17-request', '--schema', schema]);
      expect(again.code).toBe(0);
      expect(again.out).toContain(`already erased family-feedback ${feedbackId}`);
    } finally {
      await client.end();
    }
  });
});
