// Anonymised statistics, performance against targets and the national evaluation extract (issue
// 5, parts 5–7) over real PostgreSQL: referrals routed by the real router from the inbound
// fixtures (no workers: the test completes deliveries and records feedback itself, at known
// times), then the console pages, exports and the extract — from the console and from the CLI.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeMessage } from '@hub/routing';
import { EXTRACT_COLUMNS, EXTRACT_FIELD_POINTERS } from '@hub/statistics';
import { fixtureBody, testDatabaseUrl } from '@hub/testing';
import { consoleGet, consolePost, signIn, startConsoleHarness, type ConsoleHarness, type ConsoleSession } from '../support/console-session.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const EVALUATION = 'ons-national-evaluation';
const PERIOD = { from: '2026-10-01', to: '2026-11-01' };

/** Values of the fixtures that must never reach the extract (or any statistics page). */
const NOT_IN_EXTRACT = [
  '9990010005',
  '999 001 0005',
  '07700 900481',
  '+447700900481',
  'danielle.ashworth@example.org',
  'Tyler is struggling',
  'white-british',
  'Asthma',
  ',Daniel,',
  'Fictional,',
  'GMP/26/112233',
  'scared',
  'Olive',
  'Rex',
];

/** The self-referral fixture as another family: no NHS numbers, other names and postcode. */
function familyB(): string {
  const body = JSON.parse(fixtureBody('family.self-referral.submitted')) as { data: { people: Record<string, unknown>[]; household: { address: Record<string, string> } } };
  const names = ['Olive', 'Rex', 'Una'];
  body.data.people = body.data.people.map((p, i) => {
    const { nhsNumber: _nhs, contact: _contact, ...rest } = p;
    return { ...rest, givenName: names[i], familyName: 'Brook' };
  });
  body.data.household.address = { line1: '2 Canal Side', town: 'Manchester', postcode: 'M9 4AB' };
  return JSON.stringify(body);
}

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['services/hub/src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'warn' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

function parseCsv(text: string): string[][] {
  // The extract's fields hold no quotes or line breaks here; commas inside are quoted.
  return text
    .split('\r\n')
    .filter((line) => line.length > 0)
    .map((line) => [...line.matchAll(/("([^"]|"")*"|[^,]*)(,|$)/g)].map((m) => (m[1] as string).replace(/^"|"$/g, '').replaceAll('""', '"')).slice(0, -1));
}

describe('statistics, performance and the evaluation extract', () => {
  let h: ConsoleHarness;
  let viewer: ConsoleSession;
  let operator: ConsoleSession;
  let dpo: ConsoleSession;
  let outDir: string;
  const personIds = new Map<string, string>();

  async function route(partnerId: string, type: string, body: string, receivedAt: Date): Promise<string> {
    const bytes = Buffer.from(body, 'utf8');
    const accepted = await h.store.acceptInbound({
      partnerId,
      webhookId: `msg_${randomUUID()}`,
      type,
      schemaId: `https://hub.example/schemas/inbound/${type}/v1.json`,
      receivedAt,
      body: bytes,
      bodySha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const outcome = await routeMessage({ store: h.store, partners: h.config.partners, sharing: h.config.sharing, now: () => receivedAt }, accepted.messageId);
    if (outcome.kind !== 'routed' && outcome.kind !== 'held') throw new Error(`routing answered ${outcome.kind}`);
    const referral = await h.store.readReferral(outcome.referralId);
    const canonical = JSON.parse(referral?.canonical.toString('utf8') ?? '{}') as { people: { personRef: string; givenName: string }[] };
    for (const p of referral?.people ?? []) personIds.set(canonical.people.find((c) => c.personRef === p.personRef)?.givenName ?? '', p.hubPersonId);
    // Delivered a minute after receipt, acknowledged two hours after it.
    const deliveries = await h.sql<{ id: string }>('SELECT id::text AS id FROM deliveries WHERE referral_id = $1::uuid', [outcome.referralId]);
    for (const { id } of deliveries) {
      await h.store.completeDelivery(id, { at: new Date(receivedAt.getTime() + 60_000), channel: 'webhook' });
      expect(await h.store.recordFeedback(id, { kind: 'acknowledged', at: new Date(receivedAt.getTime() + 2 * 3_600_000) })).toBe(true);
    }
    return outcome.referralId;
  }

  beforeAll(async () => {
    h = await startConsoleHarness();
    outDir = mkdtempSync(path.join(tmpdir(), 'evaluation-extract-'));
    // Family A: ten self-referrals in October (the same people, linked by NHS number).
    for (let day = 1; day <= 10; day++) await route('family-web-form', 'family.self-referral.submitted', fixtureBody('family.self-referral.submitted'), new Date(`2026-10-${String(day + 4).padStart(2, '0')}T09:00:00Z`));
    // Family B: one self-referral; the parent objects and a child's processing is restricted.
    await route('family-web-form', 'family.self-referral.submitted', familyB(), new Date('2026-10-20T09:00:00Z'));
    // An Operation Encompass notification (with an alleged perpetrator).
    await route('gmp', 'police.domestic-abuse.notified', fixtureBody('police.domestic-abuse.notified'), new Date('2026-10-21T01:10:00Z'));
    // Outside the period: counted nowhere below.
    await route('family-web-form', 'family.self-referral.submitted', fixtureBody('family.self-referral.submitted'), new Date('2026-11-02T09:00:00Z'));

    await h.store.setObjection(personIds.get('Olive') as string, { objected: true, reason: 'Objected by letter', actor: 'dpo' });
    await h.store.setRestriction(personIds.get('Rex') as string, { restricted: true, reason: 'Accuracy contested', actor: 'dpo' });

    viewer = await signIn(h.app, 'viewer');
    operator = await signIn(h.app, 'operator');
    dpo = await signIn(h.app, 'dpo');
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  describe('statistics', () => {
    it('shows suppressed tables and charts to every role, never a postcode or a true small count', async () => {
      const res = await consoleGet(h.app, viewer, '/statistics?from=2026-09-01&to=2026-11-01');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<h2 id="h-source-type">Referrals by source</h2>');
      expect(res.body).toMatch(/<svg [^>]*role="img"/);
      expect(res.body).toContain('M14');
      expect(res.body).not.toContain('M14 5RX');
      for (const value of NOT_IN_EXTRACT) expect(res.body).not.toContain(value);
    });

    it('exports JSON whose source table matches the hand-computed suppressed figures', async () => {
      const res = await consoleGet(h.app, viewer, '/statistics.json?from=2026-09-01&to=2026-11-01');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toBe('attachment; filename="statistics-2026-09-01-to-2026-11-01.json"');
      const json = JSON.parse(res.body) as { months: string[]; tables: { id: string; rows: { label: string; values: string[]; total: string }[]; totals: { values: string[]; total: string } }[] };
      expect(json.months).toEqual(['2026-09', '2026-10']);
      const source = json.tables.find((t) => t.id === 'source-type');
      // True: self-referrals 0 11 | 11; police 0 1 | 1; totals 0 12 | 12. The police 1 is hidden,
      // so column October hides the 11, and the totals column the self-referral total.
      expect(source?.rows.find((r) => r.label === 'Family (self-referral)')).toEqual({ label: 'Family (self-referral)', values: ['0', '*'], total: '*' });
      expect(source?.rows.find((r) => r.label === 'Police: domestic abuse (Operation Encompass)')).toEqual({ label: 'Police: domestic abuse (Operation Encompass)', values: ['0', '*'], total: '*' });
      expect(source?.rows.filter((r) => r.total === '0')).toHaveLength(10);
      expect(source?.totals).toEqual({ values: ['0', '10'], total: '10' });
      // Need and area rows recorded at routing time: the district, not the postcode.
      const area = json.tables.find((t) => t.id === 'area');
      expect(area?.rows.map((r) => r.label)).toEqual(expect.arrayContaining(['M14', 'M9']));
      expect(res.body).not.toContain('5RX');
      const need = json.tables.find((t) => t.id === 'need');
      expect(need?.rows.find((r) => r.label === 'Getting a good education')?.values).toEqual(['0', '10']);
    });

    it('exports one table as CSV, and refuses a bad period naming the field only', async () => {
      const csv = await consoleGet(h.app, operator, '/statistics.csv?from=2026-09-01&to=2026-11-01&table=source-type');
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.body.split('\r\n')[0]).toBe('Source type,2026-09,2026-10,Total');
      expect(csv.body).toContain('Family (self-referral),0,*,*\r\n');
      const bad = await consoleGet(h.app, viewer, '/statistics?from=2026-02-30&to=<script>');
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('From: enter a real date as YYYY-MM-DD');
      expect(bad.body).not.toContain('<script>');
      expect(bad.body).not.toContain('2026-02-30');
    });
  });

  describe('pnpm hub stats', () => {
    it('prints the same suppressed CSV as the console, and has nothing to backfill for referrals routed now', async () => {
      const report = await cli(['stats', 'report', '--from', '2026-09-01', '--to', '2026-11-01', '--table', 'source-type', '--schema', h.schema]);
      expect(report.err).toBe('');
      expect(report.code).toBe(0);
      const page = await consoleGet(h.app, viewer, '/statistics.csv?from=2026-09-01&to=2026-11-01&table=source-type');
      expect(report.out).toBe(page.body);
      const backfill = await cli(['stats', 'backfill', '--schema', h.schema]);
      expect(backfill.code).toBe(0);
      expect(backfill.out).toBe('stats backfill: 0 referrals updated\n');
      const bad = await cli(['stats', 'report', '--table', 'names', '--schema', h.schema]);
      expect(bad.code).toBe(2);
    }, 60_000);
  });

  describe('performance against targets', () => {
    it('shows acknowledgement within one working day and the Encompass on-time rate', async () => {
      const res = await consoleGet(h.app, viewer, `/performance?from=${PERIOD.from}&to=${PERIOD.to}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Acknowledged within one working day');
      expect(res.body).toContain('Operation Encompass');
      const csv = await consoleGet(h.app, viewer, `/performance.csv?from=${PERIOD.from}&to=${PERIOD.to}&section=recipient`);
      expect(csv.statusCode).toBe(200);
      const total = parseCsv(csv.body).find((row) => row[0] === 'All recipients');
      // Every delivery acknowledged two hours after receipt.
      expect(total?.slice(3, 5)).toEqual(['2.0', '100%']);
      const encompass = parseCsv((await consoleGet(h.app, viewer, `/performance.csv?from=${PERIOD.from}&to=${PERIOD.to}&section=encompass`)).body);
      expect(encompass[0]).toEqual(['Recipient', 'Recipient id', 'Notifications judged', 'Delivered on time']);
      // One or two school notifications: too few to publish a rate.
      expect(encompass.find((row) => row[0] === 'All recipients')?.[3]).toBe('*');
    });
  });

  describe('the national evaluation extract', () => {
    it('is for the DPO and administrators only', async () => {
      for (const s of [viewer, operator]) {
        expect((await consoleGet(h.app, s, '/extract')).statusCode).toBe(403);
        expect((await consolePost(h.app, s, '/extract', PERIOD)).statusCode).toBe(403);
      }
      const page = await consoleGet(h.app, dpo, '/extract');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('ONS national evaluation');
      expect((await consoleGet(h.app, viewer, '/')).body).not.toContain('href="/extract"');
      expect((await consoleGet(h.app, dpo, '/')).body).toContain('href="/extract"');
    });

    it('refuses a period that has not ended, and records nothing', async () => {
      const res = await consolePost(h.app, dpo, '/extract', { from: '2026-11-01', to: '2027-01-01' });
      expect(res.statusCode).toBe(422);
      expect(res.body).toContain('the period must have ended');
      expect(await h.sql('SELECT 1 FROM evaluation_extracts')).toEqual([]);
    });

    it('downloads the CSV with exactly the allowed columns, without objectors, restricted people or anything else, after ONE ledger row', async () => {
      const res = await consolePost(h.app, dpo, '/extract', PERIOD);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      const extractId = res.headers['x-extract-id'] as string;
      expect(res.headers['content-disposition']).toBe(`attachment; filename="evaluation-extract-2026-10-01-to-2026-11-01-${extractId.slice(0, 8)}.csv"`);
      const rows = parseCsv(res.body);
      expect(rows[0]).toEqual([...EXTRACT_COLUMNS]);
      const people = rows.slice(1).map((r) => Object.fromEntries(EXTRACT_COLUMNS.map((c, i) => [c, r[i]])) as Record<(typeof EXTRACT_COLUMNS)[number], string>);
      expect(people.map((p) => p.given_name).sort()).toEqual(['Danielle', 'Ella', 'Grace', 'Kai', 'Maisie', 'Tyler', 'Una']);
      for (const value of NOT_IN_EXTRACT) expect(res.body).not.toContain(value);
      const danielle = people.find((p) => p.given_name === 'Danielle');
      expect(danielle).toMatchObject({ family_name: 'Ashworth', date_of_birth: '1990-04-12', sex: 'F', address_line_1: '14 Fictional Terrace', town: 'Manchester', postcode: 'M14 5RX', family_first_referred_on: '2026-10-05', family_referral_count: '10', family_needs_count: '3' });
      expect(new Set(people.filter((p) => p.family_name === 'Ashworth').map((p) => p.family_id)).size).toBe(1);
      expect(new Set(people.map((p) => p.family_id)).size).toBe(3);

      const sha = createHash('sha256').update(res.rawPayload).digest('hex');
      expect(res.headers['x-extract-sha256']).toBe(sha);
      const ledger = await h.store.queryLedger({ recipientPartnerId: EVALUATION, limit: 100 });
      const mine = ledger.filter((e) => e.deliveryId === extractId);
      expect(mine).toHaveLength(1);
      const included = ['Danielle', 'Tyler', 'Maisie', 'Una', 'Grace', 'Kai', 'Ella'].map((n) => personIds.get(n));
      expect(mine[0]).toMatchObject({ referralId: extractId, purpose: 'national-evaluation', art6: 'public-task', channel: 'secure-file-transfer', payloadSha256: sha, outcome: 'disclosed', decidedByOperator: 'dpo', fields: [...EXTRACT_FIELD_POINTERS] });
      expect([...(mine[0]?.subjects ?? [])].sort()).toEqual([...included].sort());
      for (const name of ['Olive', 'Rex', 'Daniel']) expect(mine[0]?.subjects).not.toContain(personIds.get(name));
      expect((await h.store.verifyLedger()).ok).toBe(true);

      // The manifest, fetched again later, matches the file.
      const manifest = await consoleGet(h.app, dpo, `/extract/${extractId}/manifest.json`);
      expect(manifest.statusCode).toBe(200);
      expect(JSON.parse(manifest.body)).toMatchObject({ extractId, sha256: sha, rows: 7, families: 3, peopleExcluded: 2, recipient: EVALUATION, columns: [...EXTRACT_COLUMNS] });
      expect((await consoleGet(h.app, viewer, `/extract/${extractId}/manifest.json`)).statusCode).toBe(403);
      const audit = await h.sql<{ actor: string; target_id: string; details: Record<string, unknown> }>("SELECT actor, target_id, details FROM audit_events WHERE action = 'evaluation-extract'");
      expect(audit).toEqual([{ actor: 'dpo', target_id: extractId, details: expect.objectContaining({ families: 3, people: 7, peopleExcluded: 2, sha256: sha }) }]);
      expect((await consoleGet(h.app, dpo, '/extract')).body).toContain(sha);
    });

    it('is written by the CLI with a manifest whose hash matches the file, recorded in the ledger', async () => {
      const refused = await cli(['extract', '--from', '2026-11-01', '--to', '2027-01-01', '--out', outDir, '--schema', h.schema]);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain('--to: the period must have ended');

      const result = await cli(['extract', '--from', PERIOD.from, '--to', PERIOD.to, '--out', outDir, '--schema', h.schema, '--by', 'cli-test']);
      expect(result.err.split('\n').filter((l) => !/referrals read/.test(l) && l.length > 0)).toEqual([]);
      expect(result.code).toBe(0);
      expect(result.out).toMatch(/3 families, 7 people, 2 left out/);
      for (const value of NOT_IN_EXTRACT) expect(result.out + result.err).not.toContain(value);
      const files = readdirSync(outDir).sort();
      expect(files).toHaveLength(2);
      const csvFile = files.find((f) => f.endsWith('.csv')) as string;
      const manifestFile = files.find((f) => f.endsWith('.manifest.json')) as string;
      const bytes = readFileSync(path.join(outDir, csvFile));
      expect(statSync(path.join(outDir, csvFile)).mode & 0o777).toBe(0o600);
      const manifest = JSON.parse(readFileSync(path.join(outDir, manifestFile), 'utf8')) as { file: string; sha256: string; rows: number; extractId: string; ledgerEntryId: string };
      expect(manifest.file).toBe(csvFile);
      expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(manifest.rows).toBe(7);
      expect(bytes.toString('utf8').split('\r\n')[0]).toBe(EXTRACT_COLUMNS.join(','));
      const [row] = await h.sql<{ decided_by_operator: string; payload_sha256: string; recipient_partner_id: string }>('SELECT decided_by_operator, payload_sha256, recipient_partner_id FROM ledger WHERE id = $1::uuid', [manifest.ledgerEntryId]);
      expect(row).toEqual({ decided_by_operator: 'cli-test', payload_sha256: manifest.sha256, recipient_partner_id: EVALUATION });
      expect((await h.store.verifyLedger()).ok).toBe(true);
    }, 60_000);
  });
});
