// Retention, legal holds and erasure end to end (issue 5): every service in one process on real
// PostgreSQL and Redis. Referrals are sent through the gateway, routed and delivered, then made
// old (received_at moved back) under a test schedule of one year from receipt. The console's
// /retention page places a legal hold, asks for a dry run and a run — both carried out by the
// scheduler's BullMQ retention job — and the run erases exactly what the dry run listed.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { deliverOnce } from '@hub/delivery';
import { routeMessage } from '@hub/routing';
import { fixtureBody } from '@hub/testing';
import { consoleGet, consolePost, signIn, type ConsoleSession } from '../support/console-session.ts';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

const JOBCENTRE = 'jobcentre-manchester-central';
const ADVICE = 'citizens-advice-manchester';
const ROOT = path.resolve(import.meta.dirname, '../..');

const RETENTION_YAML = `version: 1
schedule: { enabled: false, cron: "30 2 * * *", action: erase }
rules:
  - { id: test-one-year, class: referral, keep: { from: received, years: 1 }, description: "Test schedule: one year from receipt." }
  - { id: test-messages, class: inbound-message, keep: { from: received, years: 1 }, description: "Test schedule: one year from receipt." }
  - { id: test-feedback, class: family-feedback, keep: { from: submitted, years: 1 }, description: "Test schedule: one year from submission." }
  - { id: test-audit, class: audit, keep: { from: recorded, years: 6 }, description: "Report only." }
`;

type Role = 'viewer' | 'operator' | 'dpo' | 'admin';

describe('retention, legal holds and erasure through the console and the scheduler', () => {
  let h: HubHarness;
  const sessions = new Map<Role, ConsoleSession>();
  const referrals: string[] = [];
  let pendingDelivery: { referralId: string; deliveryId: string };

  const get = async (role: Role, url: string) => consoleGet(h.hub.console.app, sessions.get(role), url);
  const post = async (role: Role, url: string, form: Record<string, string> = {}) => consolePost(h.hub.console.app, sessions.get(role), url, form);
  const latestRun = async () => (await h.sql<{ id: string; status: string; mode: string }>('select id::text as id, status, mode from retention_runs order by created_at desc limit 1'))[0];
  const runFinished = (mode: string) => eventually(async () => {
    const run = await latestRun();
    return run?.mode === mode && (run.status === 'done' || run.status === 'failed') ? run : undefined;
  }, `the ${mode} run to finish`);
  const erased = async () => (await h.sql<{ id: string }>('select id::text as id from referrals where erased_at is not null order by id')).map((r) => r.id);

  async function routedAndDelivered(n: number, status: 'delivered' | 'pending'): Promise<{ referralId: string; deliveryId: string }> {
    const body = fixtureBody('dwp.jobcentre.referred').replace('jcp-mcr-2026-7781', `jcp-mcr-2026-8${n}`);
    const sent = await h.send(JOBCENTRE, body);
    expect(sent.status).toBe(202);
    return eventually(async () => {
      const [row] = await h.sql<{ referral_id: string; id: string; status: string }>(
        'select d.referral_id::text as referral_id, d.id::text as id, d.status from deliveries d join referrals r on r.id = d.referral_id where r.message_id = $1 and d.recipient_partner_id = $2',
        [sent.json.id, ADVICE],
      );
      return row?.status === status ? { referralId: row.referral_id, deliveryId: row.id } : undefined;
    }, `a ${status} delivery`);
  }

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hub-retention-e2e-'));
    cpSync(path.join(ROOT, 'config', 'demo'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'retention.yaml'), RETENTION_YAML);
    h = await startHubHarness({ HUB_CONFIG_DIR: dir });
    for (const role of ['viewer', 'operator', 'dpo', 'admin'] as const) sessions.set(role, await signIn(h.hub.console.app, role));
    for (let i = 0; i < 3; i += 1) referrals.push((await routedAndDelivered(i, 'delivered')).referralId);
    // A delivery that waits (its endpoint is disabled) when its referral is erased.
    await h.hub.store.disableEndpoint(ADVICE, 'test-paused');
    pendingDelivery = await routedAndDelivered(9, 'pending');
    referrals.push(pendingDelivery.referralId);
    // Old enough for the test schedule (one year from receipt).
    await h.sql("update referrals set received_at = '2020-01-01T10:00:00Z'");
  }, 90_000);

  afterAll(async () => {
    await h?.close();
  });

  it('shows the retention page to dpo and admin only', async () => {
    for (const role of ['viewer', 'operator'] as const) {
      expect((await get(role, '/retention')).statusCode).toBe(403);
      expect((await get(role, '/')).body).not.toContain('href="/retention"');
    }
    for (const role of ['dpo', 'admin'] as const) {
      const page = await get(role, '/retention');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('href="/retention"');
      expect(page.body).toContain('No report yet');
    }
    // Only an admin is offered a run that erases.
    expect((await get('dpo', '/retention')).body).not.toContain('action="/retention/run"');
    expect((await get('admin', '/retention')).body).toContain('action="/retention/run"');
  });

  it('places a legal hold from the console (audited), refusing bad input without echoing it', async () => {
    const bad = await post('dpo', '/retention/holds', { scope: 'referral', targetId: 'Shanice-Campbell', reason: 'x' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Referral id or hub person id:');
    expect(bad.body).toContain('Reason:');
    expect(bad.body).not.toContain('Shanice');
    const unknown = await post('dpo', '/retention/holds', { scope: 'referral', targetId: '0190a6f0-0000-7000-8000-000000000001', reason: 'Litigation LM-9' });
    expect(unknown.statusCode).toBe(404);

    const placed = await post('dpo', '/retention/holds', { scope: 'referral', targetId: referrals[0] as string, reason: 'Litigation LM-9' });
    expect(placed.statusCode).toBe(303);
    const page = await get('dpo', '/retention?notice=hold-placed');
    expect(page.body).toContain('Legal hold placed');
    expect(page.body).toContain(`href="/referrals/${referrals[0]}"`);
    expect(page.body).toContain('Litigation LM-9');
    const [audit] = await h.sql<{ actor: string; role: string; target_id: string; reason: string; ip: string }>("select actor, role, target_id, reason, ip from audit_events where action = 'legal-hold.place'");
    expect(audit).toMatchObject({ actor: 'dpo', role: 'dpo', target_id: referrals[0], reason: 'Litigation LM-9', ip: '127.0.0.1' });
  });

  it('produces a dry-run report through the scheduler’s job, changing nothing', async () => {
    expect((await post('dpo', '/retention/dry-run')).statusCode).toBe(303);
    const run = await runFinished('dry-run');
    expect(run.status).toBe('done');
    const page = await get('dpo', '/retention');
    expect(page.body).toMatch(/<span>Past their period<\/span><strong>4<\/strong>/);
    expect(page.body).toMatch(/<span>Kept by legal holds<\/span><strong>1<\/strong>/);
    expect(page.body).toMatch(/<span>Would be erased<\/span><strong>3<\/strong>/);
    for (const id of referrals) expect(page.body).toContain(`href="/referrals/${id}"`);
    expect(page.body).toContain('kept: legal hold');
    expect(page.body).toContain('1 years have passed since receipt');
    expect(await erased()).toEqual([]);
    const detail = await get('admin', `/retention/runs/${run.id}`);
    expect(detail.statusCode).toBe(200);
    const badDate = await post('dpo', '/retention/dry-run', { asOf: 'next Tuesday' });
    expect(badDate.statusCode).toBe(422);
    expect(badDate.body).toContain('As of: enter a date');
    expect(badDate.body).not.toContain('next Tuesday');
    expect((await get('dpo', '/retention/runs/0190a6f0-0000-7000-8000-000000000001')).statusCode).toBe(404);
  });

  it('runs retention when an admin confirms: erases exactly what the dry run listed, keeps what the hold keeps', async () => {
    const dryRunReport = (await h.sql<{ report: { items: { id: string; held: boolean }[] } }>("select report from retention_runs where mode = 'dry-run' order by created_at desc limit 1"))[0]?.report;
    expect((await post('dpo', '/retention/run', { confirm: 'yes', reason: 'Monthly retention' })).statusCode).toBe(403);
    const unconfirmed = await post('admin', '/retention/run', { reason: 'Monthly retention' });
    expect(unconfirmed.statusCode).toBe(422);
    expect(unconfirmed.body).toContain('confirm that you have checked the latest dry-run report');

    expect((await post('admin', '/retention/run', { confirm: 'yes', reason: 'Monthly retention' })).statusCode).toBe(303);
    const run = await runFinished('erase');
    expect(run.status).toBe('done');
    const expected = (dryRunReport?.items ?? []).filter((i) => !i.held).map((i) => i.id).sort();
    expect(expected).toHaveLength(3);
    expect(await erased()).toEqual(expected);
    expect(expected).not.toContain(referrals[0]);

    const page = await get('admin', '/retention');
    expect(page.body).toMatch(/<span>Erased<\/span><strong>3<\/strong>/);
    const audit = await h.sql<{ action: string; actor: string; role: string; reason: string | null; details: Record<string, unknown> }>(
      "select action, actor, role, reason, details from audit_events where action in ('retention.request-run', 'retention.run') order by id",
    );
    expect(audit).toEqual([
      expect.objectContaining({ action: 'retention.request-run', actor: 'admin', role: 'admin', reason: 'Monthly retention' }),
      expect.objectContaining({ action: 'retention.run', actor: 'admin', role: 'console', details: expect.objectContaining({ erased: 3, held: 1, due: 4 }) }),
    ]);
    const erasures = await h.sql<{ target_id: string; details: { rule: string } }>("select target_id, details from audit_events where action = 'erasure' order by target_id");
    expect(erasures.map((e) => e.target_id)).toEqual(expected);
    expect(erasures.every((e) => e.details.rule === 'test-one-year')).toBe(true);
    expect(await h.hub.store.verifyLedger()).toMatchObject({ ok: true });

    // An erased referral's page says so; the held one still opens.
    const gone = await get('dpo', `/referrals/${expected[0]}`);
    expect(gone.statusCode).toBe(410);
    expect(gone.body).toContain('This record was erased');
    expect((await get('dpo', `/referrals/${referrals[0]}`)).statusCode).toBe(200);
  });

  it('the delivery worker closes a waiting delivery of an erased referral without sending it', async () => {
    const sent: string[] = [];
    const step = await deliverOnce(
      {
        store: h.hub.store,
        send: async (input) => {
          sent.push(input.deliveryId);
          return { kind: 'delivered', status: 200 } as never;
        },
        retryScheduleMs: [0],
        disabledRecheckMs: 1_000,
      },
      pendingDelivery.deliveryId,
    );
    expect(step).toEqual({ kind: 'done', outcome: 'erased' });
    expect(sent).toEqual([]);
    const [row] = await h.sql<{ status: string }>('select status from deliveries where id = $1', [pendingDelivery.deliveryId]);
    expect(row?.status).toBe('closed');
    const ledger = await h.hub.store.queryLedger({ referralId: pendingDelivery.referralId, limit: 10 });
    expect(ledger.filter((e) => e.outcome === 'erased')).toHaveLength(1);
    const forDelivery = ledger.filter((e) => e.deliveryId === pendingDelivery.deliveryId);
    expect(forDelivery).toEqual([expect.objectContaining({ outcome: 'not-disclosed', recipientPartnerId: ADVICE, decidedByRule: 'test-one-year' })]);
  });

  it('a message erased before it was routed finishes its routing job instead of retrying', async () => {
    const body = Buffer.from(fixtureBody('vcs.referral.submitted'), 'utf8');
    const accepted = await h.hub.store.acceptInbound({
      partnerId: 'northside-community-trust',
      webhookId: `msg_erased_${Date.now()}`,
      type: 'vcs.referral.submitted',
      schemaId: 'https://schemas.early-help-hub.org/inbound/vcs.referral.submitted/v1.json',
      receivedAt: new Date(),
      body,
      bodySha256: createHash('sha256').update(body).digest('hex'),
    });
    expect(accepted.outcome).toBe('accepted');
    const { messageId } = accepted;
    // Erased straight away: the outbox sweeper only queues rows older than HUB_SWEEP_MIN_AGE_MS.
    await h.hub.store.eraseInboundMessages([messageId], { ruleId: 'unrouted-messages', runId: randomUUID(), reasonCode: 'retention-period-ended' });
    expect(await routeMessage({ store: h.hub.store, partners: h.config.partners, sharing: h.config.sharing }, messageId)).toEqual({ kind: 'message-erased' });
    // The router's own job for it completes (no retries, no referral).
    await eventually(async () => h.logs.lines.some((l) => l.includes(messageId) && l.includes('message erased before routing')), 'the routing job to finish as erased');
    expect(await h.sql('select id from referrals where message_id = $1', [messageId])).toEqual([]);
    expect(h.logs.lines.filter((l) => l.includes(messageId) && l.includes('routing failed'))).toEqual([]);
  });

  it('releases the hold (audited); the next dry run lists the referral it kept', async () => {
    const [hold] = await h.sql<{ id: string }>('select id::text as id from legal_holds where released_at is null');
    expect((await post('dpo', `/retention/holds/${hold?.id}/release`, { reason: 'x' })).statusCode).toBe(422);
    expect((await post('dpo', `/retention/holds/${hold?.id}/release`, { reason: 'Matter closed' })).statusCode).toBe(303);
    expect((await post('dpo', `/retention/holds/${hold?.id}/release`, { reason: 'Matter closed' })).statusCode).toBe(409);
    expect((await h.sql("select 1 from audit_events where action = 'legal-hold.release'")).length).toBe(1);
    expect((await post('dpo', '/retention/dry-run')).statusCode).toBe(303);
    await runFinished('dry-run');
    const page = await get('dpo', '/retention');
    expect(page.body).toMatch(/<span>Past their period<\/span><strong>1<\/strong>/);
    expect(page.body).toMatch(/<span>Kept by legal holds<\/span><strong>0<\/strong>/);
  });
});
