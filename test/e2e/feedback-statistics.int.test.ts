// Feedback statistics on the console (issue 6) over real PostgreSQL: families' answers inserted as
// the answer side stores them (family_feedback, comments sealed), then /statistics/feedback and its
// CSV and JSON downloads — suppressed figures only, a mean only beside figures all shown, and no
// answer's id, person or comment anywhere.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from '@hub/testing';
import { consoleGet, signIn, startConsoleHarness, type ConsoleHarness, type ConsoleSession } from '../support/console-session.ts';

const PERIOD = 'from=2026-10-01&to=2026-11-01';
const ROOT = path.resolve(import.meta.dirname, '../..');

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

describe('feedback statistics', () => {
  let h: ConsoleHarness;
  let viewer: ConsoleSession;
  let dpo: ConsoleSession;
  const ids: string[] = [];

  async function answers(n: number, serviceType: string, district: string | null, ratings: Record<string, number>, withComment = false): Promise<void> {
    for (let i = 0; i < n; i++) {
      const id = randomUUID();
      ids.push(id);
      const sealed = withComment ? ['k1', randomBytes(32), randomBytes(12), randomBytes(16), randomBytes(12), randomBytes(16), randomBytes(40)] : [null, null, null, null, null, null, null];
      await h.sql(
        `INSERT INTO family_feedback (feedback_id, service_type, postcode_district, month, submitted_at, ratings, key_id, dek_wrapped, dek_iv, dek_tag, comment_iv, comment_tag, comment_ciphertext)
         VALUES ($1::uuid, $2, $3, '2026-10-01', '2026-10-14T10:00:00Z', $4::jsonb, $5, $6, $7, $8, $9, $10, $11)`,
        [id, serviceType, district, JSON.stringify(ratings), ...sealed],
      );
    }
  }

  beforeAll(async () => {
    h = await startConsoleHarness();
    // October 2026. Counselling: three unhappy families (a small number). Health visiting: twenty.
    // Social care: thirty, none hidden, so its mean can be shown.
    await answers(3, 'counselling', 'M9', { overall: 1 }, true);
    await answers(10, 'health-visiting', 'M9', { overall: 3 });
    await answers(10, 'health-visiting', null, { overall: 4, listened: 5 });
    await answers(10, 'social-care', 'M14', { overall: 4 });
    await answers(20, 'social-care', 'M14', { overall: 5, helpful: 5 });
    // Another month, outside the period.
    await answers(2, 'social-care', 'M14', { overall: 1 });
    await h.sql("UPDATE family_feedback SET month = '2026-11-01', submitted_at = '2026-11-02T10:00:00Z' WHERE feedback_id = ANY($1::uuid[])", [ids.slice(-2)]);
    viewer = await signIn(h.app, 'viewer');
    dpo = await signIn(h.app, 'dpo');
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('shows every role the suppressed tables, with * for small numbers and a mean only where nothing is hidden', async () => {
    const res = await consoleGet(h.app, viewer, `/statistics/feedback?${PERIOD}`);
    expect(res.statusCode).toBe(200);
    const page = res.body;
    expect(page).toContain('<h1');
    expect(page).toContain('<h2 id="h-service-type">By type of service</h2>');
    expect(page).toContain('<h2 id="h-area">By area</h2>');
    // Answers by service type: 3 (hidden), 20 (hidden to protect it), 30, total 53 → 55.
    const answersRow = (key: string): string | undefined => page.split('<tr>').find((r) => r.startsWith(`<th scope="row">${key}</th>`));
    expect(answersRow('counselling')).toContain('<td>*</td>');
    expect(answersRow('social-care')).toContain('<td>30</td>');
    // The overall ratings of social care: all shown, so the mean (10 × 4 + 20 × 5) / 30 = 4.7 is too.
    const socialCare = page.split('<tr>').find((r) => r.includes('<th scope="row">social-care</th><td>0</td><td>0</td><td>0</td><td>10</td><td>20</td>'));
    expect(socialCare).toContain('<td>4.7</td>');
    const counselling = page.split('<tr>').find((r) => r.includes('<th scope="row">counselling</th><td>*</td>'));
    expect(counselling).toBeDefined();
    expect(counselling).not.toMatch(/<td>[1-5]\.\d<\/td>/);
    // Districts with no value show as "unknown".
    expect(page).toContain('<th scope="row">unknown</th>');
    // No answer's id anywhere.
    for (const id of ids) expect(page, id).not.toContain(id);
    expect(page).not.toMatch(/undefined|\[object Object\]|NaN/);
    // The statistics page links to it.
    expect((await consoleGet(h.app, viewer, `/statistics?${PERIOD}`)).body).toContain(`href="/statistics/feedback?${PERIOD.replace('&', '&amp;')}"`);
  });

  it('downloads one table as CSV and all of them as JSON, shown figures only, each audited', async () => {
    const csv = await consoleGet(h.app, viewer, `/statistics/feedback.csv?${PERIOD}&table=service-type-overall`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n').slice(0, 5)).toEqual([
      'Month,Service type,1,2,3,4,5,Total,Mean',
      '2026-10,counselling,*,0,0,0,0,*,*',
      '2026-10,health-visiting,0,0,*,10,0,*,*',
      '2026-10,social-care,0,0,0,10,20,30,4.7',
      'Total,,*,0,*,20,20,55,*',
    ]);
    const json = await consoleGet(h.app, dpo, `/statistics/feedback.json?${PERIOD}`);
    expect(json.statusCode).toBe(200);
    const body = JSON.parse(json.body) as { months: string[]; tables: { id: string; rows: { key: string; values: string[]; total: string; mean?: string }[] }[] };
    expect(body.months).toEqual(['2026-10']);
    const answers = body.tables.find((t) => t.id === 'service-type-answers');
    expect(answers?.rows).toEqual([
      { key: 'counselling', values: ['*'], total: '*' },
      { key: 'health-visiting', values: ['*'], total: '*' },
      { key: 'social-care', values: ['30'], total: '30' },
    ]);
    expect(body.tables.find((t) => t.id === 'area-answers')?.rows.map((r) => r.key)).toEqual(['M9', 'M14', 'unknown']);
    for (const id of ids) expect(json.body, id).not.toContain(id);
    expect(json.body).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    const audit = await h.sql<{ target_id: string; details: Record<string, unknown> }>("SELECT target_id, details FROM audit_events WHERE action = 'statistics.export' ORDER BY at");
    expect(audit.map((a) => a.target_id)).toEqual(['feedback-service-type-overall', 'feedback']);
    expect(audit[0]?.details).toMatchObject({ from: '2026-10-01', to: '2026-11-01', format: 'csv' });
  });

  it('refuses a bad period or table, naming the field and never echoing the value', async () => {
    const badPeriod = await consoleGet(h.app, viewer, '/statistics/feedback?from=2026-13-45&to=2026-11-01');
    expect(badPeriod.statusCode).toBe(400);
    expect(badPeriod.body).toContain('From: enter a real date');
    expect(badPeriod.body).not.toContain('2026-13-45');
    const badTable = await consoleGet(h.app, viewer, `/statistics/feedback.csv?${PERIOD}&table=%3Cscript%3Enames`);
    expect(badTable.statusCode).toBe(400);
    expect(badTable.body).toContain('Table: choose one of');
    expect(badTable.body).not.toContain('<script>names');
  });

  it('is printed by `pnpm hub stats feedback` with the same figures as the console', async () => {
    const printed = await cli(['stats', 'feedback', '--from', '2026-10-01', '--to', '2026-11-01', '--table', 'area-overall', '--schema', h.schema]);
    expect(printed.err).toBe('');
    expect(printed.code).toBe(0);
    expect(printed.out).toBe((await consoleGet(h.app, viewer, `/statistics/feedback.csv?${PERIOD}&table=area-overall`)).body);
    const json = await cli(['stats', 'feedback', '--from', '2026-10-01', '--to', '2026-11-01', '--json', '--schema', h.schema]);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.out) as { tables: unknown[] }).tables).toHaveLength(10);
    const bad = await cli(['stats', 'feedback', '--table', 'source-type', '--schema', h.schema]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--table must be one of service-type-answers');
  }, 60_000);

  it('is not shown without signing in', async () => {
    const res = await consoleGet(h.app, undefined, `/statistics/feedback?${PERIOD}`);
    expect([302, 303, 401]).toContain(res.statusCode);
    expect(res.body).not.toContain('social-care');
  });
});
