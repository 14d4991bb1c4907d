// Subject access (issue 5) end to end: every service in one process on real PostgreSQL and Redis.
// One child (one NHS number) is referred by three sources — the family's web form, the police and
// the school — and shared with several recipients. The DPO records a request, finds the child, and
// exports: every ledger row naming the child is in the export (checked against the ledger itself),
// with the child's own values and none of the other people's. Name + date of birth search keeps two
// different people apart. The CLI does the same from a terminal. Then everything else the hub comes
// to hold about the child goes into the export too: a national evaluation extract that included
// them, a restriction with its reason, corrections of their fields, a legal hold placed and
// released, and one of their referrals erased — each listed, and still nothing about anyone else.
// And the messages side: a feedback answer (with a comment naming the mother) given through an
// invitation about their referral, the opt-out it asked for, the acknowledgement of the web form,
// and a service shared with the family.
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { londonToday } from '@hub/console';
import { createEvaluationExtract, parsePeriod } from '@hub/statistics';
import { fixtureBody, testDatabaseUrl } from '@hub/testing';
import type { SubjectAccessExport } from '../../services/console/src/sar/export.ts';
import { consoleGet, consolePost, signIn, type ConsoleSession } from '../support/console-session.ts';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TYLER = { givenName: 'Tyler', familyName: 'Ashworth', dateOfBirth: '2016-09-03', nhsNumber: '9990010013' };

type Json = Record<string, unknown>;

function body(type: string, edit: (data: Json) => void): string {
  const parsed = JSON.parse(fixtureBody(type)) as { data: Json };
  edit(parsed.data);
  return JSON.stringify(parsed);
}

/** The police notification about Tyler (instead of Kai), with another child and two adults of another household. */
function policeAboutTyler(): string {
  return body('police.domestic-abuse.notified', (data) => {
    const children = data.children as { child: Json }[];
    Object.assign(children[0]!.child, { givenName: TYLER.givenName, familyName: TYLER.familyName, dateOfBirth: TYLER.dateOfBirth, nhsNumber: TYLER.nhsNumber, schoolUrn: '105432' });
  });
}

/** The school's own request about Tyler (instead of Amira), naming two parents. */
function schoolAboutTyler(): string {
  return body('education.early-help.requested', (data) => {
    Object.assign(data.child as Json, { givenName: TYLER.givenName, familyName: TYLER.familyName, dateOfBirth: TYLER.dateOfBirth, nhsNumber: TYLER.nhsNumber });
    (data.school as Json).urn = '105432';
    data.reason = 'Attendance has dropped this term and Tyler has told staff that Bilal Hussain shouts at home; Nadia is worried.';
  });
}

/** A voluntary-sector referral of someone with no NHS number. */
function sameNameNoNumber(sender: 'vcs' | 'jobcentre', extra: string): string {
  if (sender === 'jobcentre') {
    return body('dwp.jobcentre.referred', (data) => {
      const people = (data.people ?? []) as Json[];
      const adult = (data.adult ?? people[0]) as Json;
      Object.assign(adult, { givenName: 'Sam', familyName: 'Taylor', dateOfBirth: '1990-05-05' });
      delete adult.nhsNumber;
      data.correlationId = `jcp-${extra}`;
    });
  }
  return body('vcs.referral.submitted', (data) => {
    const subject = (data.subject ?? (data.people as Json[] | undefined)?.[0]) as Json;
    Object.assign(subject, { givenName: 'Sam', familyName: 'Taylor', dateOfBirth: '1990-05-05' });
    delete subject.nhsNumber;
    data.correlationId = `vcs-${extra}`;
  });
}

/** Every personal value of the people other than Tyler in the messages sent. */
const OTHER_PEOPLE = [
  // The family's web form: the mother and the sister.
  'Danielle',
  'Maisie',
  '1990-04-12',
  '2020-02-17',
  '9990010005',
  '999 001 0005',
  '9990010021',
  '+447700900481',
  '07700 900481',
  '07700900481',
  'danielle.ashworth@example.org',
  // The police: another child, the victim and the alleged perpetrator.
  'Ella',
  'Mensah',
  '2019-10-05',
  'Grace',
  '1988-03-02',
  'Daniel',
  '1985-12-11',
  // The school: two parents.
  'Bilal',
  'Hussain',
  '1983-06-30',
  '+447700900123',
  '07700 900123',
  'Nadia',
  '1987-02-14',
];

/** One h1, a label for every form control, unique ids, a CSRF field in every POST form. */
function expectAccessible(page: string, what: string): void {
  expect(page.match(/<h1[\s>]/g)?.length, `${what}: one h1`).toBe(1);
  const labelled = new Set([...page.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]));
  for (const control of page.matchAll(/<(input|select|textarea)\b([^>]*)>/g)) {
    const attrs = control[2] as string;
    if (/type="(hidden|submit)"/.test(attrs)) continue;
    expect(labelled.has(/\bid="([^"]+)"/.exec(attrs)?.[1]), `${what}: a label for <${control[1]}${attrs}>`).toBe(true);
  }
  const ids = [...page.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(ids).size, `${what}: unique ids`).toBe(ids.length);
  for (const form of page.split('<form').slice(1)) if (/^[^>]*method="post"/.test(form)) expect(form.slice(0, form.indexOf('</form>')), what).toMatch(/name="_csrf" value="[^"]+"/);
  expect(page, what).not.toMatch(/undefined|\[object Object\]|NaN/);
}

function cli(args: string[], opts: { stdin?: string } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['services/hub/src/cli.ts', 'sar', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'warn' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.end(opts.stdin ?? '');
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

describe('subject access', () => {
  let h: HubHarness;
  let app: FastifyInstance;
  const sessions = new Map<string, ConsoleSession>();
  let tylerId: string;
  let requestId: string;
  let referralIds: string[];

  async function routed(sender: string, message: string): Promise<string> {
    const sent = await h.send(sender, message);
    expect(sent.status, sender).toBe(202);
    return eventually(async () => (await h.sql<{ id: string }>('select id from referrals where message_id = $1', [sent.json.id]))[0]?.id, `the referral from ${sender}`);
  }

  const get = (role: string, url: string) => consoleGet(app, sessions.get(role), url);
  const post = (role: string, url: string, form: Record<string, string> = {}) => consolePost(app, sessions.get(role), url, form);

  beforeAll(async () => {
    h = await startHubHarness();
    app = h.hub.console.app;
    for (const role of ['viewer', 'operator', 'dpo', 'admin']) sessions.set(role, await signIn(app, role));
    referralIds = [
      await routed('family-web-form', fixtureBody('family.self-referral.submitted')),
      await routed('gmp', policeAboutTyler()),
      await routed('st-marys-primary', schoolAboutTyler()),
      await routed('northside-community-trust', sameNameNoNumber('vcs', '1')),
      await routed('jobcentre-manchester-central', sameNameNoNumber('jobcentre', '2')),
    ];
    // Every delivery settled (delivered, or a dead letter) and its ledger row written.
    await eventually(async () => {
      const [row] = await h.sql<{ pending: string; delivered: string }>("select count(*) filter (where status = 'pending') as pending, count(*) filter (where status = 'delivered') as delivered from deliveries");
      return Number(row?.pending) === 0 && Number(row?.delivered) > 0;
    }, 'every delivery settled', 60_000);
    const [tyler] = await h.sql<{ person_id: string }>("select distinct person_id from referral_people where referral_id = $1 and person_ref = 'p2'", [referralIds[0]]);
    tylerId = tyler!.person_id;
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('holds every other person’s values that the export must leave out (so the scans below can fail)', async () => {
    const held = (await Promise.all(referralIds.slice(0, 3).map((id) => h.hub.console.deps.store.readReferral(id)))).map((r) => r?.canonical.toString('utf8') ?? '').join('\n');
    for (const canary of OTHER_PEOPLE.filter((c) => !/^07700|^999 /.test(c))) expect(held, canary).toContain(canary);
  });

  it('links the child across the three sources by NHS number, and shares them with several recipients', async () => {
    const rows = await h.sql<{ referral_id: string }>('select distinct referral_id from referral_people where person_id = $1', [tylerId]);
    expect(rows.map((r) => r.referral_id).sort()).toEqual(referralIds.slice(0, 3).sort());
    const recipients = await h.sql<{ recipient_partner_id: string }>("select distinct recipient_partner_id from ledger where $1 = any(subjects) and outcome = 'disclosed'", [tylerId]);
    expect(recipients.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses the subject access pages to viewers and operators, and the request pages to admins', async () => {
    for (const role of ['viewer', 'operator']) {
      expect((await get(role, '/sar')).statusCode, role).toBe(403);
      expect((await post(role, '/sar', { receivedOn: '2026-01-05' })).statusCode, role).toBe(403);
      expect((await get(role, '/')).body, role).not.toContain('Subject access requests overdue');
    }
    expect((await get('admin', '/sar')).statusCode).toBe(200);
    expect((await get('dpo', '/sar')).statusCode).toBe(200);
    expect((await get('admin', `/sar/00000000-0000-4000-8000-000000000000`)).statusCode).toBe(403);
    expect((await post('admin', '/sar', { receivedOn: '2026-01-05' })).statusCode).toBe(403);
  });

  it('records a request with its due date; an old one shows as overdue on the overview for the DPO and admins', async () => {
    const bad = await post('dpo', '/sar', { receivedOn: '2026-02-30' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Date received: enter a real date');

    const overdue = await post('dpo', '/sar', { receivedOn: '2024-01-31' });
    expect(overdue.statusCode).toBe(303);
    const overdueId = /\/sar\/([0-9a-f-]{36})/.exec(overdue.headers.location as string)?.[1] as string;
    const page = await get('dpo', `/sar/${overdueId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<dt>Due</dt><dd>2024-02-29');
    expectAccessible(page.body, 'request page');
    expectAccessible((await get('dpo', '/sar')).body, 'register');
    expect(page.body).toContain('overdue');
    for (const role of ['dpo', 'admin']) {
      const overview = await get(role, '/');
      expect(/<span>Subject access requests overdue<\/span><strong>(\d+)<\/strong>/.exec(overview.body)?.[1], role).toBe('1');
    }
    const register = await get('admin', '/sar');
    expect(register.body).toContain(overdueId);
    expect(register.body).not.toContain(`href="/sar/${overdueId}"`);
    // Completing it takes it off the overview.
    expect((await post('dpo', `/sar/${overdueId}/complete`)).statusCode).toBe(303);
    expect(/<span>Subject access requests overdue<\/span><strong>(\d+)<\/strong>/.exec((await get('dpo', '/')).body)?.[1]).toBe('0');

    const today = new Date().toISOString().slice(0, 10);
    const created = await post('dpo', '/sar', { receivedOn: today });
    expect(created.statusCode).toBe(303);
    requestId = /\/sar\/([0-9a-f-]{36})/.exec(created.headers.location as string)?.[1] as string;
  });

  it('finds the child by NHS number, audits the search without the number, and matches the request', async () => {
    const wrong = await post('dpo', `/sar/${requestId}/search`, { method: 'nhs-number', nhsNumber: '9990010014' });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.body).toContain('NHS number: the check digit does not match');
    expect(wrong.body).not.toContain('9990010014');

    const found = await post('dpo', `/sar/${requestId}/search`, { method: 'nhs-number', nhsNumber: '999 001 0013' });
    expect(found.statusCode).toBe(200);
    expect(found.body).toContain(tylerId);
    expect(found.body).toContain('T**** A*******');
    expect(found.body).toContain('**/**/2016');
    expect(found.body).not.toContain('Tyler');
    expect(found.body).not.toContain('9990010013');
    expect(found.body.match(/name="personId"/g)).toHaveLength(1);
    expectAccessible(found.body, 'candidates');
    for (const source of ['Family self-referral web form', 'Greater Manchester Police', 'St Mary&#39;s Primary School']) expect(found.body).toContain(source);

    const audits = await h.sql<{ actor: string; target_id: string; details: Json; reason: string | null }>("select actor, target_id, details, reason from audit_events where action = 'sar.search'");
    expect(audits).toContainEqual(expect.objectContaining({ actor: 'dpo', target_id: requestId, details: { method: 'nhs-number', candidates: 1 } }));
    expect(JSON.stringify(audits)).not.toMatch(/9990010013|999 001 0013|Tyler/);

    expect((await post('dpo', `/sar/${requestId}/match`, { personId: tylerId })).statusCode).toBe(303);
    expect((await get('dpo', `/sar/${requestId}`)).body).toContain(`href="/sar/${requestId}/export.json"`);
  });

  it('exports every ledger row naming the child, their own values, and none of anyone else’s', async () => {
    const res = await get('dpo', `/sar/${requestId}/export.json`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="subject-access-${requestId}.json"`);
    const exported = JSON.parse(res.body) as SubjectAccessExport;

    const ledger = await h.sql<{ seq: string; id: string; recipient_partner_id: string | null; purpose: string | null; art6: string | null; fields: string[]; outcome: string }>(
      'select seq::text, id::text, recipient_partner_id, purpose, art6, fields, outcome from ledger where $1 = any(subjects) order by ledger.seq',
      [tylerId],
    );
    expect(ledger.length).toBeGreaterThanOrEqual(3);
    expect(exported.disclosures.map((d) => ({ seq: String(d.seq), id: d.entryId, recipient: d.recipient?.partnerId ?? null, purpose: d.purpose, art6: d.lawfulBasis.art6, fields: d.fieldsSent, outcome: d.outcome }))).toEqual(
      ledger.map((l) => ({ seq: l.seq, id: l.id, recipient: l.recipient_partner_id, purpose: l.purpose, art6: l.art6, fields: l.fields, outcome: l.outcome })),
    );
    expect(exported.completeness).toMatchObject({ ledgerRowsForPerson: ledger.length, ledgerRowsInExport: ledger.length, deliveredWithoutLedgerRow: [], complete: true });
    expect(exported.subject.hubPersonId).toBe(tylerId);
    expect(exported.referrals.map((r) => r.referralId).sort()).toEqual(referralIds.slice(0, 3).sort());
    expect(exported.summary.sources.map((s) => s.partnerId).sort()).toEqual(['family-web-form', 'gmp', 'st-marys-primary']);
    // Every delivery in the export carried the child's data, and each delivered one has its ledger row.
    const deliveredIds = exported.referrals.flatMap((r) => r.deliveries.filter((d) => d.status === 'delivered').map((d) => d.deliveryId));
    expect(deliveredIds.length).toBeGreaterThanOrEqual(2);
    for (const id of deliveredIds) expect(exported.disclosures.some((d) => d.deliveryId === id && d.outcome === 'disclosed'), id).toBe(true);

    // The child's own values, from each source.
    for (const r of exported.referrals) expect(r.you[0]?.details, r.referralId).toMatchObject({ givenName: 'Tyler', familyName: 'Ashworth', dateOfBirth: TYLER.dateOfBirth, nhsNumber: TYLER.nhsNumber });
    const text = JSON.stringify(exported);
    for (const canary of OTHER_PEOPLE) expect(text, canary).not.toContain(canary);
    // Other people are there by role only.
    const self = exported.referrals.find((r) => r.source.partnerId === 'family-web-form');
    expect(self?.otherPeople.map((p) => p.description).sort()).toEqual(['another person: child', 'another person: parent']);
    expect(self?.family).toMatchObject({ address: { lines: ['14 Fictional Terrace'] } });
    const school = exported.referrals.find((r) => r.source.partnerId === 'st-marys-primary');
    expect((school?.details.education as Json | undefined)?.schoolUrn).toBe('105432');
    expect(school?.details.needSummary ?? JSON.stringify(school?.details)).toContain('[another person]');
    expect(school?.reviewBeforeRelease.length).toBeGreaterThan(0);
    // Messages are described, never copied.
    for (const r of exported.referrals) expect(r.inboundMessage).toMatchObject({ type: r.messageType, sender: r.source });

    const exports = await h.sql<{ details: Json }>("select details from audit_events where action = 'sar.export'");
    expect(exports).toContainEqual({ details: { format: 'json', personId: tylerId, referrals: 3, disclosures: ledger.length, complete: true } });
  });

  it('shows the same export as a readable document with its own strict CSP', async () => {
    const res = await get('dpo', `/sar/${requestId}/export.html`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(res.body).toContain('Information the Early Help Referral Hub holds about you');
    expect(res.body).toContain('Tyler');
    for (const canary of OTHER_PEOPLE) expect(res.body, canary).not.toContain(canary);
    const [n] = await h.sql<{ n: string }>('select count(*) as n from ledger where $1 = any(subjects)', [tylerId]);
    expect(res.body).toContain(`this document lists ${n?.n}`);
    expect(res.body).toContain('Nothing is missing.');
  });

  it('never merges two different people with the same name and date of birth', async () => {
    const res = await post('dpo', `/sar/${requestId}/search`, { method: 'name-dob', givenName: 'sam', familyName: 'TAYLOR', dateOfBirth: '1990-05-05' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('2 different hub people');
    expect(res.body).toContain('they are not merged');
    const ids = [...res.body.matchAll(/name="personId" value="([0-9a-f-]{36})"/g)].map((m) => m[1]);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    expect(res.body).not.toContain('Taylor');
    const both = await h.sql<{ person_id: string }>('select distinct person_id from referral_people rp join referrals r on r.id = rp.referral_id where r.id = any($1::uuid[])', [referralIds.slice(3)]);
    for (const id of ids) expect(both.map((b) => b.person_id)).toContain(id);

    const byName = await post('dpo', `/sar/${requestId}/search`, { method: 'name-dob', givenName: 'Tyler', familyName: 'Ashworth', dateOfBirth: TYLER.dateOfBirth });
    expect([...byName.body.matchAll(/name="personId" value="([0-9a-f-]{36})"/g)].map((m) => m[1])).toEqual([tylerId]);
    const invalid = await post('dpo', `/sar/${requestId}/search`, { method: 'name-dob', givenName: 'Sam', familyName: '', dateOfBirth: '2090-01-01' });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.body).toContain('Family name: enter the name');
    expect(invalid.body).toContain('Date of birth: the date cannot be in the future');
  });

  it('extends the deadline only with a told-on date within the first month', async () => {
    const late = await post('dpo', `/sar/${requestId}/extend`, { months: '2', reason: 'complex', toldOn: '2099-01-01' });
    expect(late.statusCode).toBe(422);
    expect(late.body).toContain('Date the requester was told:');
    const today = new Date().toISOString().slice(0, 10);
    const ok = await post('dpo', `/sar/${requestId}/extend`, { months: '2', reason: 'numerous', toldOn: today, note: 'several sources' });
    expect(ok.statusCode).toBe(303);
    const [row] = await h.sql<{ received_on: string; due_on: string; extended_due_on: string; extension_months: number }>(
      'select received_on::text, due_on::text, extended_due_on::text, extension_months from subject_access_requests where id = $1',
      [requestId],
    );
    expect(row?.extension_months).toBe(2);
    expect((await get('dpo', `/sar/${requestId}`)).body).toContain(`extended to <strong>${row?.extended_due_on}</strong>`);
  });

  it('does the same from the CLI: find (stdin), export to files, due dates', async () => {
    const found = await cli(['find', '--stdin', '--schema', h.schema], { stdin: JSON.stringify({ givenName: 'Sam', familyName: 'Taylor', dateOfBirth: '1990-05-05' }) });
    expect(found.code, found.err).toBe(0);
    expect(found.err).not.toMatch(/Sam|Taylor|1990-05-05/);
    expect(found.out).toContain('2 candidates (separate hub people: not merged');
    expect(found.out).not.toContain('Taylor');

    const dir = mkdtempSync(path.join(tmpdir(), 'sar-export-'));
    try {
      const exported = await cli(['export', tylerId, '--out', dir, '--request', requestId, '--schema', h.schema]);
      expect(exported.code, exported.err).toBe(0);
      expect(exported.out).toContain('complete: all');
      const file = path.join(dir, `subject-access-${tylerId}.json`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const json = JSON.parse(readFileSync(file, 'utf8')) as SubjectAccessExport;
      const [n] = await h.sql<{ n: string }>('select count(*) as n from ledger where $1 = any(subjects)', [tylerId]);
      expect(json.disclosures).toHaveLength(Number(n?.n));
      const html = readFileSync(path.join(dir, `subject-access-${tylerId}.html`), 'utf8');
      for (const canary of OTHER_PEOPLE) {
        expect(JSON.stringify(json), canary).not.toContain(canary);
        expect(html, canary).not.toContain(canary);
      }
      const audit = await h.sql<{ actor: string; role: string; details: Json }>("select actor, role, details from audit_events where action = 'sar.export' and role = 'cli'");
      expect(audit).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const due = await cli(['due', '2025-01-31']);
    expect(due.code).toBe(0);
    expect(due.out).toContain('due 2025-02-28');
    expect(due.out).toContain('extended by two months 2025-04-30');
    const bad = await cli(['due', '2025-02-29']);
    expect(bad.code).toBe(2);
  }, 180_000);

  describe('everything else the hub holds about the child', () => {
    const RESTRICTION_REASON = 'Danielle rang on 07700 900481: Tyler does not want the school told any more.';
    let webForm: string;
    let school: string;
    let extractLedgerId: string;
    let holdId: string;
    let kept: string;
    let lost: string;
    let tokenSha256: Buffer;
    const invitationId = randomUUID();
    const FEEDBACK_COMMENT = 'Danielle came with me and the worker really listened.';

    async function tylerRef(referralId: string): Promise<string> {
      const [row] = await h.sql<{ person_ref: string }>('select person_ref from referral_people where referral_id = $1 and person_id = $2', [referralId, tylerId]);
      return row!.person_ref;
    }

    it('builds up the record: an evaluation extract, a restriction, two corrections, a legal hold placed and released, an erasure', async () => {
      [webForm, , school] = referralIds as [string, string, string];
      const store = h.hub.console.deps.store;

      // The national evaluation extract of today's referrals (before the restriction, which would leave the child out).
      const today = londonToday(new Date());
      const tomorrow = new Date(Date.parse(`${today}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      const period = parsePeriod(today, tomorrow);
      if (!('period' in period)) throw new Error('bad period');
      const extract = await createEvaluationExtract(store, { period: period.period, createdBy: 'dpo', recipientPartnerId: 'ons-national-evaluation', now: new Date() });
      extractLedgerId = extract.manifest.ledgerEntryId;
      const [inExtract] = await h.sql<{ n: string }>('select count(*) as n from ledger where id = $1 and $2 = any(subjects)', [extractLedgerId, tylerId]);
      expect(Number(inExtract?.n)).toBe(1);

      // A restriction whose typed reason names the child's mother and her number.
      expect((await post('operator', `/rights/${tylerId}/restriction`, { set: 'true', reason: RESTRICTION_REASON })).statusCode).toBe(303);

      // Corrections: one on a referral that stays, one on the referral that is then erased.
      const rectify = async (referralId: string, field: string, value: string, reason: string): Promise<string> => {
        const res = await post('operator', `/rights/${tylerId}/rectify`, { target: `${referralId}|${await tylerRef(referralId)}`, field, value, reasonCategory: 'data-subject-request', reason });
        expect(res.statusCode, res.body).toBe(303);
        const [row] = await h.sql<{ id: string }>('select id from rectifications where referral_id = $1 and person_id = $2 order by at desc limit 1', [referralId, tylerId]);
        return row!.id;
      };
      kept = await rectify(webForm, '/dateOfBirth', '2016-10-03', 'His birth certificate says 3 October');
      lost = await rectify(school, '/preferredName', 'TJ', 'He is known as TJ at school');

      // A legal hold on the school's referral, placed and released.
      expect((await post('dpo', '/retention/holds', { scope: 'referral', targetId: school, reason: 'Matter LM-42 (complaint about the school)' })).statusCode).toBe(303);
      const [hold] = await h.sql<{ id: string }>('select id from legal_holds where target_id = $1 and released_at is null', [school]);
      holdId = hold!.id;
      expect((await post('dpo', `/retention/holds/${holdId}/release`, { reason: 'Matter LM-42 closed' })).statusCode).toBe(303);

      // The school's referral erased (no console form: the store, as the CLI does).
      const [erased] = await store.eraseReferrals([school], { operatorId: 'dpo', role: 'dpo', reasonCode: 'art17-request' });
      expect(erased?.outcome).toBe('erased');

      // A feedback invitation about the web form's referral, sent to the child with a token (only
      // its hash is kept); the answer, with a comment naming the mother, asks for no more messages.
      const [delivery] = await h.sql<{ id: string }>('select id from deliveries where referral_id = $1 order by id limit 1', [webForm]);
      tokenSha256 = createHash('sha256').update(randomBytes(32).toString('base64url'), 'utf8').digest();
      await h.sql(
        `insert into feedback_invitations (invitation_id, referral_id, delivery_id, service_type, decision, reason_code, channel, status, outcome_code, attempts,
                                           decided_at, due_at, finished_at, person_id, token_sha256, token_expires_at)
         values ($1, $2, $3, 'social-care', 'scheduled', 'EMAIL', 'email', 'sent', 'delivered', 1, now(), now(), now(), $4, $5, now() + interval '14 days')`,
        [invitationId, webForm, delivery!.id, tylerId, tokenSha256],
      );
      const submitted = await store.submitFeedback({ tokenSha256, at: new Date(), ratings: { overall: 4, listened: 5 }, comment: FEEDBACK_COMMENT, noMoreRequests: true });
      expect(submitted.outcome).toBe('stored');
      // An operator shared a directory service with the family.
      await h.sql(
        `insert into signpost_shares (id, referral_id, service_id, service_name, service_url, operator_id, shared_at) values ($1, $2, 'svc-young-carers', 'Young Carers Group', 'https://directory.example/young-carers', 'operator', now())`,
        [randomUUID(), webForm],
      );
    });

    it('lists each of them in the export, completely, with nothing about anyone else', async () => {
      const res = await get('dpo', `/sar/${requestId}/export.json`);
      expect(res.statusCode).toBe(200);
      const exported = JSON.parse(res.body) as SubjectAccessExport;
      expect(exported.format).toBe('hub.subject-access-export.v3');
      expect(exported.completeness).toMatchObject({ deliveredWithoutLedgerRow: [], disclosuresNotExplained: [], erasedReferralsWithoutTombstone: [], unreadable: [], complete: true });
      expect(exported.completeness.ledgerRowsInExport).toBe(exported.completeness.ledgerRowsForPerson);

      // The restriction, its reason with the mother's name and number replaced, for the DPO to read.
      expect(exported.rights.restricted).toMatchObject({ by: 'operator' });
      expect(exported.rights.history).toHaveLength(1);
      expect(exported.rights.history[0]).toMatchObject({ action: 'restrict', by: 'operator', reason: '[another person] rang on [another person]: Tyler does not want the school told any more.' });
      expect(exported.reviewBeforeRelease).toContain('/rights/history/0/reason');

      // The corrections: values while the referral can be read, the recipients told as the hub recorded them.
      expect(exported.rectifications.map((r) => r.rectificationId)).toEqual([kept, lost]);
      const recipients = await h.sql<{ recipient_partner_id: string }>('select recipient_partner_id from deliveries where rectification_id = $1 order by recipient_partner_id, id', [kept]);
      expect(exported.rectifications[0]).toMatchObject({ referralId: webForm, field: '/dateOfBirth', reasonCategory: 'data-subject-request', valuesAvailable: true, oldValue: TYLER.dateOfBirth, newValue: '2016-10-03', reason: 'His birth certificate says 3 October' });
      expect(exported.rectifications[0]?.recipients.map((r) => r.recipient.partnerId)).toEqual(recipients.map((r) => r.recipient_partner_id));
      expect(exported.rectifications[1]).toMatchObject({ referralId: school, field: '/preferredName', valuesAvailable: false, valuesUnavailableBecause: 'erased', oldValue: null, newValue: null, reason: null });
      expect(exported.referrals.find((r) => r.referralId === webForm)?.you[0]?.details).toMatchObject({ dateOfBirth: '2016-10-03' });

      // The erased referral: its facts and its tombstone, no content.
      const erasedReferral = exported.referrals.find((r) => r.referralId === school);
      expect(erasedReferral).toMatchObject({ contentAvailable: false, details: {}, family: {} });
      expect(erasedReferral?.erasedAt).toEqual(expect.any(String));
      expect(exported.erasures).toEqual([expect.objectContaining({ recordClass: 'referral', recordId: school, reasonCode: 'art17-request', decidedBy: { rule: null, operator: 'dpo' }, erasedAt: erasedReferral?.erasedAt })]);
      expect(exported.disclosures.some((d) => d.referralId === school && d.outcome === 'erased')).toBe(true);
      expect(exported.summary.erasedReferrals).toBe(1);

      // The legal hold, released; its reasons for the DPO to read.
      expect(exported.legalHolds).toEqual([
        expect.objectContaining({ holdId, covers: 'referral', referralId: school, placedBy: 'dpo', reason: 'Matter LM-42 (complaint about the school)', active: false, releasedBy: 'dpo', releaseReason: 'Matter LM-42 closed' }),
      ]);
      expect(exported.reviewBeforeRelease).toEqual(expect.arrayContaining(['/legalHolds/0/reason', '/legalHolds/0/releaseReason']));

      // This request (extended, with the DPO's note for review).
      const [req] = await h.sql<{ due_on: string; extended_due_on: string }>('select due_on::text, extended_due_on::text from subject_access_requests where id = $1', [requestId]);
      expect(exported.subjectAccessRequests).toEqual([expect.objectContaining({ id: requestId, dueOn: req?.due_on, extendedDueOn: req?.extended_due_on, extensionMonths: 2, extensionReason: 'numerous', extensionNote: 'several sources', status: 'open' })]);

      // The national evaluation extract: its ledger row said to be one, and its own entry with date and purpose.
      const extractRow = exported.disclosures.find((d) => d.entryId === extractLedgerId);
      expect(extractRow).toMatchObject({ about: 'national-evaluation-extract', outcome: 'disclosed', recipient: { partnerId: 'ons-national-evaluation' }, purpose: 'national-evaluation', channel: 'secure-file-transfer' });
      expect(exported.evaluationExtracts).toEqual([
        expect.objectContaining({ ledgerEntryId: extractLedgerId, recipient: expect.objectContaining({ partnerId: 'ons-national-evaluation' }), purpose: 'national-evaluation', lawfulBasis: { art6: 'public-task' } }),
      ]);
      expect(exported.evaluationExtracts[0]?.fieldsSent).toContain('/given_name');
      expect(exported.disclosures.filter((d) => d.about !== 'referral').map((d) => d.entryId)).toEqual([extractLedgerId]);

      // The feedback: ratings, and the comment with the mother's name replaced, for the DPO to read.
      expect(exported.feedback).toEqual([expect.objectContaining({ serviceType: 'social-care', ratings: { overall: 4, listened: 5 }, comment: '[another person] came with me and the worker really listened.', commentErased: false })]);
      expect(exported.reviewBeforeRelease).toContain('/feedback/0/comment');
      // The invitation by code, date and status, never its token; the opt-out it asked for.
      expect(exported.feedbackInvitations).toEqual([expect.objectContaining({ invitationId, referralId: webForm, decision: 'scheduled', status: 'sent', addressedToYou: true, linkUsedAt: expect.any(String) })]);
      expect(exported.messageOptOut).toMatchObject({ source: 'feedback-response', recordedBy: null });
      // The web form's acknowledgement (sent or not: the routing decided), and the service shared.
      expect(exported.acknowledgements.map((a) => a.referralId)).toEqual([webForm]);
      expect(exported.signpostShares).toEqual([expect.objectContaining({ referralId: webForm, service: { id: 'svc-young-carers', name: 'Young Carers Group', url: 'https://directory.example/young-carers' }, sharedBy: 'operator' })]);
      expect(exported.summary).toMatchObject({ feedbackAnswers: 1, feedbackInvitations: 1, acknowledgements: 1, messageOptOut: true, signpostShares: 1 });

      // Nothing about anyone else: no value, and no other person's hub id.
      const text = JSON.stringify(exported);
      for (const token of [tokenSha256.toString('hex'), tokenSha256.toString('base64'), tokenSha256.toString('base64url')]) expect(text).not.toContain(token);
      for (const canary of OTHER_PEOPLE) expect(text, canary).not.toContain(canary);
      const others = await h.sql<{ person_id: string }>('select distinct person_id::text as person_id from referral_people where referral_id = any($1::uuid[]) and person_id <> $2', [referralIds.slice(0, 3), tylerId]);
      expect(others.length).toBeGreaterThan(0);
      for (const other of others) expect(text, other.person_id).not.toContain(other.person_id);
    });

    it('shows the same in the document', async () => {
      const res = await get('dpo', `/sar/${requestId}/export.html`);
      expect(res.statusCode).toBe(200);
      for (const heading of [
        'Restriction, objection and safeguarding decisions',
        'Corrections to your information',
        'Records erased',
        'Legal holds',
        'Your subject access requests',
        'National evaluation (research) extracts',
        'Your feedback about services',
        'Messages to your family',
        'Services suggested to your family',
      ]) {
        expect(res.body).toContain(`<h2>${heading}</h2>`);
      }
      expect(res.body).toContain('National evaluation extract (research)');
      expect(res.body).toContain('The content of this referral was erased');
      expect(res.body).toContain('a request for erasure (UK GDPR Article 17) was granted');
      expect(res.body).toContain('<span class="review">Matter LM-42 (complaint about the school)</span>');
      expect(res.body).toContain('<span class="review">[another person] came with me and the worker really listened.</span>');
      expect(res.body).toContain('Young Carers Group');
      expect(res.body).toContain('Nothing is missing.');
      for (const canary of OTHER_PEOPLE) expect(res.body, canary).not.toContain(canary);
      expect(res.body).not.toMatch(/undefined|\[object Object\]|NaN/);
    });
  });
});
