// Prometheus metrics after a known run (DESIGN.md §7 "Metrics"): every hub service in one process
// over real PostgreSQL and Redis, with the partner simulators scripted so that one school fails
// permanently (a dead letter), one is down (retries, then its breaker opens) and the rest
// deliver. The exposition is scraped over HTTP from the health server and each counter must
// EQUAL what happened — as sent, and as PostgreSQL, the ledger and Redis record it — and no
// personal value sent in may appear anywhere in it. Also: /metrics is on the private health
// port only, never on the gateway's public port.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_METRIC_NAMES, startHealthServer, type HealthServer } from '@hub/observability';
import { hubQueueNames, snapshotQueues } from '@hub/queues';
import { createTestDatabase, fixtureBody, randomSecret, signedRequest } from '@hub/testing';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';
import { byLabels, declaredTypes, nonZero, parseExposition, type Sample } from '../support/metrics.ts';
import { freePort } from '../support/services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

const YJ = 'justice.youth-justice.notified';
const DWP = 'dwp.jobcentre.referred';
const EDUCATION = 'education.early-help.requested';
const YJS = 'manchester-yjs';
const JOBCENTRE = 'jobcentre-manchester-central';
const SCHOOL_SENDER = 'st-marys-primary';

/** Personal values sent in (and an id that must not become a label); none may reach /metrics. */
const CANARY = { given: 'Zephyrine', family: 'Quillfeatherby', phone: '0161 496 0999', postcode: 'M22 9QZ', webhookId: 'msg_Quillfeatherby_1' } as const;
const FIXTURE_PERSONAL = ['Reece', 'Walker', 'Kelly', 'Shanice', 'Campbell', '07700 900555', 'M9 4WH', '2014-04-09', '1993-10-07'];

const SCHOOL_URN = { 'st-marys-primary': '105432', 'little-acorns-nursery': '100002', 'oakfield-primary': '105433', 'brookside-primary': '105434' } as const;
type School = keyof typeof SCHOOL_URN;
/** Answers 400 to everything: its one delivery is dead-lettered at once. */
const DEAD_SCHOOL: School = 'oakfield-primary';
/** Answers 500 to everything: retries, then its breaker opens and stays open for the test. */
const DOWN_SCHOOL: School = 'brookside-primary';

/** The youth justice notice for a young person at `school`, with canary personal values. */
function youthJusticeNotice(school: School): string {
  const body = JSON.parse(fixtureBody(YJ)) as { data: { youngPerson: Record<string, unknown>; familyMembers: { contact: Record<string, unknown> }[] } };
  body.data.youngPerson.schoolUrn = SCHOOL_URN[school];
  body.data.youngPerson.givenName = CANARY.given;
  body.data.youngPerson.familyName = CANARY.family;
  (body.data.youngPerson.address as Record<string, unknown>).postcode = CANARY.postcode;
  (body.data.familyMembers[0] as { contact: Record<string, unknown> }).contact.phone = CANARY.phone;
  return JSON.stringify(body);
}

function consentRefused(type: string): string {
  const body = JSON.parse(fixtureBody(type)) as { data: Record<string, unknown> };
  body.data.consent = { status: 'refused', capturedAt: '2026-11-23T15:20:00Z' };
  return JSON.stringify(body);
}

async function scrape(port: number): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

const key = (...parts: string[]): string => parts.join('|');

describe('metrics: after a known run, every counter equals what happened', () => {
  let h: HubHarness;
  let health: HealthServer;
  const deliveryIds: Record<string, string[]> = {};
  let heldReferralId: string;

  beforeAll(async () => {
    // 4 attempts 0/100/200/300 ms apart; an opened breaker stays open for the whole test.
    h = await startHubHarness({ HUB_BREAKER_RESET_MS: '600000' });
    // What start.ts does for the all-in-one hub: /metrics on the (private) health port.
    health = await startHealthServer({ host: '127.0.0.1', port: 0, ready: async () => true, registry: h.hub.metrics.registry });
  }, 120_000);
  afterAll(async () => {
    await health?.close();
    await h?.close();
  });

  /** POSTs a request as built (any secret, any path) through the gateway app. */
  async function post(req: { url: string; headers: Record<string, string>; payload: Buffer }): Promise<number> {
    const res = await h.hub.gateway.app.inject({ method: 'POST', url: req.url, headers: req.headers, payload: req.payload });
    return res.statusCode;
  }
  const secretOf = (partnerId: string): string => h.config.partners.get(partnerId)?.secrets[0] as string;

  async function deliveriesOf(messageId: string): Promise<{ id: string; recipient_partner_id: string; status: string }[]> {
    return eventually(async () => {
      const rows = await h.sql<{ id: string; recipient_partner_id: string; status: string }>(
        'select d.id, d.recipient_partner_id, d.status from deliveries d join referrals r on r.id = d.referral_id where r.message_id = $1 order by d.recipient_partner_id',
        [messageId],
      );
      return rows.length > 0 ? rows : undefined;
    }, `the deliveries of ${messageId}`);
  }

  it('runs a known set of messages through the hub', { timeout: 90_000 }, async () => {
    h.sims.webhook.script({ status: 400, times: 1_000 }, `/partners/${DEAD_SCHOOL}`);
    h.sims.webhook.script({ status: 500, times: 1_000 }, `/partners/${DOWN_SCHOOL}`);

    // Accepted: 6 youth justice notices (one per school, three to the school that is down), 1 DWP referral, 1 held school request.
    const sent: { type: string; partner: string; status: number; id?: string; school?: School }[] = [];
    const send = async (type: string, partner: string, body: string, opts: { webhookId?: string; school?: School } = {}): Promise<void> => {
      const res = await h.send(partner, body, opts.webhookId);
      sent.push({ type, partner, status: res.status, ...(typeof res.json.id === 'string' ? { id: res.json.id } : {}), ...(opts.school ? { school: opts.school } : {}) });
    };
    await send(YJ, YJS, youthJusticeNotice('st-marys-primary'), { webhookId: CANARY.webhookId, school: 'st-marys-primary' });
    await send(YJ, YJS, youthJusticeNotice('little-acorns-nursery'), { school: 'little-acorns-nursery' });
    await send(YJ, YJS, youthJusticeNotice(DEAD_SCHOOL), { school: DEAD_SCHOOL });
    await Promise.all([1, 2, 3].map(() => send(YJ, YJS, youthJusticeNotice(DOWN_SCHOOL), { school: DOWN_SCHOOL })));
    await send(DWP, JOBCENTRE, fixtureBody(DWP));
    await send(EDUCATION, SCHOOL_SENDER, consentRefused(EDUCATION));
    expect(sent.map((s) => s.status)).toEqual([202, 202, 202, 202, 202, 202, 202, 202]);

    // A repeat of the first (same webhook-id, same bytes): 200, not stored again.
    expect((await h.send(YJS, youthJusticeNotice('st-marys-primary'), CANARY.webhookId)).status).toBe(200);
    // The same webhook-id with another body: 409.
    expect((await h.send(YJS, youthJusticeNotice('little-acorns-nursery'), CANARY.webhookId)).status).toBe(409);
    // Invalid content: 422 (a canary in the invalid field), 400 bad envelope (a canary as the type), 400 malformed JSON, 403 type not allowed.
    const invalid = JSON.parse(youthJusticeNotice('st-marys-primary')) as { data: { youngPerson: Record<string, unknown> } };
    invalid.data.youngPerson.dateOfBirth = CANARY.given;
    expect((await h.send(YJS, JSON.stringify(invalid))).status).toBe(422);
    expect((await h.send(YJS, JSON.stringify({ type: `${CANARY.given}.${CANARY.family}`, timestamp: '2026-11-23T12:00:00Z', data: {} }))).status).toBe(400);
    expect((await h.send(YJS, `{"type": "${YJ}", "data": {"givenName": "${CANARY.given}"`)).status).toBe(400);
    expect((await h.send(YJS, fixtureBody(DWP))).status).toBe(403);
    // Bad signatures: two with a wrong secret, one for a partner that does not exist.
    expect(await post(signedRequest({ partnerId: YJS, secret: randomSecret(), body: youthJusticeNotice('st-marys-primary') }))).toBe(401);
    expect(await post(signedRequest({ partnerId: YJS, secret: randomSecret(), body: youthJusticeNotice('st-marys-primary'), webhookId: `msg_${CANARY.family}_2` }))).toBe(401);
    expect(await post(signedRequest({ partnerId: CANARY.given.toLowerCase(), secret: secretOf(YJS), body: youthJusticeNotice('st-marys-primary') }))).toBe(401);

    // Let it route and deliver.
    for (const s of sent) {
      if (s.type === EDUCATION) {
        heldReferralId = await eventually(async () => (await h.sql<{ id: string; status: string }>('select id, status from referrals where message_id = $1', [s.id]))[0]?.id, 'the held referral');
        continue;
      }
      const rows = await deliveriesOf(s.id as string);
      deliveryIds[s.school ?? s.type] = [...(deliveryIds[s.school ?? s.type] ?? []), ...rows.map((r) => r.id)];
    }
    const settled = async (ids: string[], statuses: string[]): Promise<void> => {
      await eventually(async () => {
        const rows = await h.sql<{ status: string }>('select status from deliveries where id = any($1::uuid[])', [ids]);
        return rows.length === ids.length && rows.every((r) => statuses.includes(r.status));
      }, `deliveries ${ids.join(', ')} to be ${statuses.join(' or ')}`, 30_000);
    };
    await settled([...deliveryIds['st-marys-primary']!, ...deliveryIds['little-acorns-nursery']!, ...deliveryIds[DWP]!], ['delivered']);
    await settled(deliveryIds[DEAD_SCHOOL]!, ['dead']);

    // The school that is down: its breaker opens, then its jobs wait without running.
    await eventually(async () => h.hub.delivery.breakers.states().find((b) => b.partnerId === DOWN_SCHOOL)?.state === 'open', 'the breaker to open', 30_000);
    const queue = new Queue(`deliver.${DOWN_SCHOOL}`, { connection: h.redis, prefix: h.prefix });
    try {
      let last = '';
      let quietSince = Date.now();
      await eventually(
        async () => {
          const counts = await queue.getJobCounts('wait', 'prioritized', 'active');
          const [attempts] = await h.sql<{ n: number }>('select count(*)::int as n from delivery_attempts a join deliveries d on d.id = a.delivery_id where d.recipient_partner_id = $1', [DOWN_SCHOOL]);
          const state = JSON.stringify({ counts, attempts });
          if (state !== last) {
            last = state;
            quietSince = Date.now();
          }
          return counts.wait === 0 && counts.prioritized === 0 && counts.active === 0 && Date.now() - quietSince > 1_500;
        },
        'the down school to settle behind its open breaker',
        30_000,
      );
    } finally {
      await queue.close();
    }
  });

  it('counts intake exactly as sent: received, duplicates and rejections by type and HUB_ERR code, responses by status', async () => {
    const { samples } = await scrape(health.port);
    expect(nonZero(byLabels(samples, 'hub_messages_received_total', ['type']))).toEqual([
      [DWP, 1],
      [EDUCATION, 1],
      [YJ, 6],
    ]);
    expect(nonZero(byLabels(samples, 'hub_messages_duplicate_total', ['type']))).toEqual([[YJ, 1]]);
    expect(nonZero(byLabels(samples, 'hub_messages_rejected_total', ['type', 'code']))).toEqual(
      [
        [key(DWP, 'HUB_ERR_MESSAGE_TYPE_NOT_ALLOWED'), 1],
        [key(YJ, 'HUB_ERR_IDEMPOTENCY_CONFLICT'), 1],
        [key(YJ, 'HUB_ERR_VALIDATION'), 1],
        [key('unknown', 'HUB_ERR_BAD_ENVELOPE'), 1],
        [key('unknown', 'HUB_ERR_MALFORMED_JSON'), 1],
        [key('unknown', 'HUB_ERR_UNAUTHENTICATED'), 3],
      ].sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
    expect(nonZero(byLabels(samples, 'hub_intake_requests_total', ['status']))).toEqual([
      ['200', 1],
      ['202', 8],
      ['400', 2],
      ['401', 3],
      ['403', 1],
      ['409', 1],
      ['422', 1],
    ]);
    // …and as PostgreSQL holds them.
    const stored = await h.sql<{ type: string; n: number }>('select type, count(*)::int as n from inbound_messages group by type');
    expect(nonZero(byLabels(samples, 'hub_messages_received_total', ['type']))).toEqual(nonZero(new Map(stored.map((r) => [r.type, r.n]))));
    // Every series carries the all-in-one process's service label.
    for (const s of samples) expect(s.labels.service, s.name).toBe('hub');
  });

  it('counts router outcomes by source type', async () => {
    const { samples } = await scrape(health.port);
    expect(nonZero(byLabels(samples, 'hub_referrals_routed_total', ['source_type', 'outcome']))).toEqual([
      [key(DWP, 'routed'), 1],
      [key(EDUCATION, 'held'), 1],
      [key(YJ, 'routed'), 6],
    ]);
    const referrals = await h.sql<{ source_type: string; status: string; n: number }>('select source_type, status, count(*)::int as n from referrals group by source_type, status');
    expect(nonZero(byLabels(samples, 'hub_referrals_routed_total', ['source_type', 'outcome']))).toEqual(nonZero(new Map(referrals.map((r) => [key(r.source_type, r.status), r.n]))));
  });

  it('counts delivery attempts, retries and dead letters as PostgreSQL recorded them', async () => {
    const { samples } = await scrape(health.port);
    const attempts = await h.sql<{ partner: string; outcome: string; n: number }>(
      'select d.recipient_partner_id as partner, a.outcome, count(*)::int as n from delivery_attempts a join deliveries d on d.id = a.delivery_id group by 1, 2',
    );
    expect(nonZero(byLabels(samples, 'hub_delivery_attempts_total', ['partner', 'outcome']))).toEqual(nonZero(new Map(attempts.map((r) => [key(r.partner, r.outcome), r.n]))));
    // The down school: only retryable 500s, at least the 5 that open the breaker; the dead school: one permanent 400.
    const downAttempts = attempts.find((r) => r.partner === DOWN_SCHOOL && r.outcome === 'retry')?.n ?? 0;
    expect(downAttempts).toBeGreaterThanOrEqual(5);
    expect(attempts.filter((r) => r.partner === DEAD_SCHOOL)).toEqual([{ partner: DEAD_SCHOOL, outcome: 'permanent', n: 1 }]);

    // A retry is a retryable attempt that was not the last the schedule allows.
    const exhausted = await h.sql<{ partner: string; n: number }>("select recipient_partner_id as partner, count(*)::int as n from deliveries where last_error_code = 'RETRIES_EXHAUSTED' group by 1");
    const retries = new Map(attempts.filter((r) => r.outcome === 'retry').map((r) => [r.partner, r.n - (exhausted.find((e) => e.partner === r.partner)?.n ?? 0)]));
    expect(nonZero(byLabels(samples, 'hub_delivery_retries_total', ['partner']))).toEqual(nonZero(retries));
    expect(byLabels(samples, 'hub_delivery_retries_total', ['partner']).get(DOWN_SCHOOL)).toBeGreaterThanOrEqual(2);

    const dead = await h.sql<{ partner: string; n: number }>("select recipient_partner_id as partner, count(*)::int as n from deliveries where status = 'dead' group by 1");
    expect(nonZero(byLabels(samples, 'hub_dead_letters_total', ['partner']))).toEqual(nonZero(new Map(dead.map((r) => [r.partner, r.n]))));
    expect(byLabels(samples, 'hub_dead_letters_total', ['partner']).get(DEAD_SCHOOL)).toBe(1);
    // The gauge read from PostgreSQL on scrape says the same, and 0 for every other recipient.
    const open = byLabels(samples, 'hub_dead_letters_open', ['partner']);
    expect(nonZero(open)).toEqual(nonZero(new Map(dead.map((r) => [r.partner, r.n]))));
    const recipients = h.config.partners.all().filter((p) => p.delivery).map((p) => p.id);
    expect([...open.keys()].sort()).toEqual([...recipients].sort());
  });

  it('observes delivery latency once per delivered delivery, from receipt to completion', async () => {
    const { samples } = await scrape(health.port);
    const delivered = await h.sql<{ partner: string; n: number; seconds: number }>(
      `select d.recipient_partner_id as partner, count(*)::int as n, sum(extract(epoch from d.delivered_at - r.received_at))::float8 as seconds
         from deliveries d join referrals r on r.id = d.referral_id where d.status = 'delivered' group by 1`,
    );
    expect(delivered.length).toBeGreaterThanOrEqual(3);
    expect(nonZero(byLabels(samples, 'hub_delivery_latency_seconds_count', ['partner']))).toEqual(nonZero(new Map(delivered.map((r) => [r.partner, r.n]))));
    const sums = byLabels(samples, 'hub_delivery_latency_seconds_sum', ['partner']);
    for (const row of delivered) expect(sums.get(row.partner), row.partner).toBeCloseTo(row.seconds, 2);
    // The +Inf bucket holds every observation; the partner that is down has none.
    expect(nonZero(byLabels(samples.filter((s) => s.labels.le === '+Inf'), 'hub_delivery_latency_seconds_bucket', ['partner']))).toEqual(nonZero(new Map(delivered.map((r) => [r.partner, r.n]))));
    expect(sums.has(DOWN_SCHOOL)).toBe(false);
  });

  it('shows the open breaker of the partner that is down, and closed for every other', async () => {
    const { samples } = await scrape(health.port);
    const state = byLabels(samples, 'hub_breaker_state', ['partner']);
    expect(state.get(DOWN_SCHOOL)).toBe(2);
    const recipients = h.config.partners.all().filter((p) => p.delivery).map((p) => p.id);
    expect([...state.keys()].sort()).toEqual([...recipients].sort());
    expect(nonZero(state)).toEqual([[DOWN_SCHOOL, 2]]);
    expect(nonZero(byLabels(samples, 'hub_breaker_transitions_total', ['partner', 'state']))).toEqual([[key(DOWN_SCHOOL, 'open'), 1]]);
    // The transition was also recorded for the console's partner health.
    const [partnerHealth] = await h.hub.store.partnerHealth([DOWN_SCHOOL], new Date());
    expect(partnerHealth?.breakerState).toBe('open');
  });

  it('queue gauges match the queues in Redis', async () => {
    const { samples } = await scrape(health.port);
    const recipients = h.config.partners.all().filter((p) => p.delivery).map((p) => p.id);
    const queues = hubQueueNames(recipients).map((name) => new Queue(name, { connection: h.redis, prefix: h.prefix }));
    try {
      const snapshots = await snapshotQueues(queues);
      const jobs = byLabels(samples, 'hub_queue_jobs', ['queue', 'state']);
      const expected = new Map<string, number>();
      for (const s of snapshots) for (const state of ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const) expected.set(key(s.queue, state), s[state]);
      expect([...jobs.entries()].sort()).toEqual([...expected.entries()].sort());
      expect(nonZero(byLabels(samples, 'hub_queue_oldest_waiting_seconds', ['queue']))).toEqual(nonZero(new Map(snapshots.map((s) => [s.queue, s.oldestWaitingAgeMs / 1000]))));
      // The down school's jobs wait behind the open breaker, one per delivery still pending.
      const [pending] = await h.sql<{ n: number }>("select count(*)::int as n from deliveries where recipient_partner_id = $1 and status = 'pending'", [DOWN_SCHOOL]);
      expect(jobs.get(key(`deliver.${DOWN_SCHOOL}`, 'delayed'))).toBe(pending?.n);
      expect(pending?.n).toBeGreaterThan(0);
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }
  });

  it('deadlines at risk and missed deadlines, from PostgreSQL and the deadline monitor', async () => {
    const pending = await h.sql<{ id: string }>("select id from deliveries where recipient_partner_id = $1 and status = 'pending' order by id", [DOWN_SCHOOL]);
    expect(pending.length).toBeGreaterThan(0);
    const before = await scrape(health.port);
    expect(nonZero(byLabels(before.samples, 'hub_deadlines_at_risk', ['partner']))).toEqual([]);
    // One deadline already past, one within the next two hours, one later: two at risk.
    const now = Date.now();
    const deadlines = [now - 60_000, now + 60 * 60_000, now + 5 * 60 * 60_000];
    for (const [i, row] of pending.entries()) await h.sql('update deliveries set deadline_at = $2 where id = $1', [row.id, new Date(deadlines[i % deadlines.length] as number)]);
    const atRisk = pending.filter((_r, i) => i % deadlines.length < 2).length;
    const missed = pending.filter((_r, i) => i % deadlines.length === 0).length;
    await new Promise((resolve) => setTimeout(resolve, 600)); // past the per-scrape reuse of the last figures
    expect(nonZero(byLabels((await scrape(health.port)).samples, 'hub_deadlines_at_risk', ['partner']))).toEqual([[DOWN_SCHOOL, atRisk]]);

    await h.hub.deadlines.checkNow();
    const marked = await h.sql<{ n: number }>('select count(*)::int as n from deliveries where deadline_missed_at is not null');
    expect(marked[0]?.n).toBe(missed);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const after = await scrape(health.port);
    expect(nonZero(byLabels(after.samples, 'hub_deadline_misses_total', ['partner']))).toEqual([[DOWN_SCHOOL, missed]]);
    expect(nonZero(byLabels(after.samples, 'hub_deadlines_at_risk', ['partner']))).toEqual(atRisk - missed > 0 ? [[DOWN_SCHOOL, atRisk - missed]] : []);
  });

  it('counts disclosures exactly as the ledger holds them, operator closes included', async () => {
    const ledger = async (): Promise<Map<string, number>> =>
      new Map((await h.sql<{ partner: string; outcome: string; n: number }>("select coalesce(recipient_partner_id, 'none') as partner, outcome, count(*)::int as n from ledger group by 1, 2")).map((r) => [key(r.partner, r.outcome), r.n]));

    const first = await scrape(health.port);
    expect(nonZero(byLabels(first.samples, 'hub_disclosures_total', ['partner', 'outcome']))).toEqual(nonZero(await ledger()));
    const disclosed = byLabels(first.samples, 'hub_disclosures_total', ['partner', 'outcome']);
    expect(disclosed.get(key('st-marys-primary', 'disclosed'))).toBe(1);
    expect(disclosed.get(key('little-acorns-nursery', 'disclosed'))).toBe(1);
    expect(disclosed.get(key(DOWN_SCHOOL, 'disclosed'))).toBeUndefined();
    // The held referral's refused share was ledgered as not disclosed when it was routed.
    expect(disclosed.get(key('northside-community-trust', 'not-disclosed'))).toBeGreaterThanOrEqual(1);

    // An operator closes the dead letter and the hold: two more not-disclosed rows.
    expect((await h.admin('POST', `/admin/dead-letters/${deliveryIds[DEAD_SCHOOL]![0]}/close`, { reason: 'sent by hand' })).status).toBe(200);
    expect((await h.admin('POST', `/admin/holds/${heldReferralId}/close`, { reason: 'no consent, closed' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const second = await scrape(health.port);
    const after = byLabels(second.samples, 'hub_disclosures_total', ['partner', 'outcome']);
    expect(nonZero(after)).toEqual(nonZero(await ledger()));
    expect(after.get(key(DEAD_SCHOOL, 'not-disclosed'))).toBe((disclosed.get(key(DEAD_SCHOOL, 'not-disclosed')) ?? 0) + 1);
    expect(after.get(key('none', 'not-disclosed'))).toBe((disclosed.get(key('none', 'not-disclosed')) ?? 0) + 1);
    // The closed dead letter is no longer open; the counter of dead letters keeps its count.
    expect(byLabels(second.samples, 'hub_dead_letters_open', ['partner']).get(DEAD_SCHOOL)).toBe(0);
    expect(byLabels(second.samples, 'hub_dead_letters_total', ['partner']).get(DEAD_SCHOOL)).toBe(1);
  });

  it('exposes every hub metric and the process metrics, and no personal value anywhere', async () => {
    const { text } = await scrape(health.port);
    const types = declaredTypes(text);
    for (const name of HUB_METRIC_NAMES) expect(types.has(name), name).toBe(true);
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) expect(types.has(name), name).toBe(true);
    for (const value of [...Object.values(CANARY), CANARY.given.toLowerCase(), ...FIXTURE_PERSONAL]) expect(text, value).not.toContain(value);
    // No label value is free text: only ids, codes, types, states and numbers.
    for (const s of parseExposition(text)) for (const [label, value] of Object.entries(s.labels)) expect(`${label}=${value}`).toMatch(/^[a-z_]+=[A-Za-z0-9_.+:\-/ ]{1,80}$/);
  });

  it('is not served by the gateway app (partners\u2019 port) nor the console app', async () => {
    for (const url of ['/metrics', '/metrics?x=1', '/v1/metrics']) {
      const res = await h.hub.gateway.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('hub_');
    }
    // (The console answers a page it does not serve with a 404, or sends a visitor without a session to sign in.)
    const consoleRes = await h.hub.console.app.inject({ method: 'GET', url: '/metrics' });
    expect([303, 401, 404]).toContain(consoleRes.statusCode);
    expect(consoleRes.body).not.toContain('hub_');
  });
});

describe('metrics: the gateway process', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase('metrics');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('serves /metrics on HEALTH_PORT (service="gateway") and never on GATEWAY_PORT', { timeout: 90_000 }, async () => {
    const [gatewayPort, healthPort] = [await freePort(), await freePort()];
    const prefix = `met${randomBytes(4).toString('hex')}`;
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['services/gateway/src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', HUB_QUEUE_PREFIX: prefix, GATEWAY_PORT: String(gatewayPort), HEALTH_PORT: String(healthPort), LOG_LEVEL: 'warn' },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${healthPort}/livez`).catch(() => undefined))?.ok, `the gateway's health port:\n${output}`, 60_000);
      await eventually(async () => (await fetch(`http://127.0.0.1:${gatewayPort}/livez`).catch(() => undefined))?.ok, `the gateway's port:\n${output}`, 60_000);
      // One request through the public port, counted on the private one.
      const unsigned = await fetch(`http://127.0.0.1:${gatewayPort}/v1/inbound/${YJS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(unsigned.status).toBe(401);

      const metrics = await fetch(`http://127.0.0.1:${healthPort}/metrics`);
      expect(metrics.status).toBe(200);
      const samples = parseExposition(await metrics.text());
      expect(nonZero(byLabels(samples, 'hub_intake_requests_total', ['status', 'service']))).toEqual([['401|gateway', 1]]);
      expect(nonZero(byLabels(samples, 'hub_messages_rejected_total', ['type', 'code']))).toEqual([['unknown|HUB_ERR_UNAUTHENTICATED', 1]]);
      expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total' && s.labels.service === 'gateway')).toBe(true);

      const publicMetrics = await fetch(`http://127.0.0.1:${gatewayPort}/metrics`);
      expect(publicMetrics.status).toBe(404);
      expect(await publicMetrics.text()).not.toContain('hub_');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
});
