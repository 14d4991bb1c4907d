// Partners misbehaving at delivery time (DESIGN.md §4 Retries), against every hub service in
// one process over real PostgreSQL and Redis, with the webhook simulator scripted per partner:
// transient failures retried under one stable webhook-id, Retry-After honoured, 410 disabling
// the endpoint, permanent 4xx and exhausted retries kept as dead letters that an operator
// replays or closes, and an open circuit breaker holding jobs without spending attempts.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBody } from '@hub/testing';
import type { WebhookDelivery } from '@hub/testing';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

interface DeliveryRow {
  id: string;
  recipient_partner_id: string;
  status: string;
  attempts: number;
  last_error_code: string | null;
}

interface AttemptRow {
  attempt: number;
  at: Date;
  outcome: string;
  http_status: number | null;
  error_code: string | null;
}

interface LogRecord {
  msg?: string;
  deliveryId?: string;
  partnerId?: string;
  spendsAttempt?: boolean;
  delayMs?: number;
}

/** Webhook recipients with a school URN, so a youth justice notice can be pointed at exactly one of them. */
const SCHOOL_URN = {
  'st-marys-primary': '105432',
  'little-acorns-nursery': '100002',
  'oakfield-primary': '105433',
  'brookside-primary': '105434',
  'northside-academy': '105436',
} as const;
type School = keyof typeof SCHOOL_URN;

/**
 * The youth justice fixture with the young person at `school`: its rules share it with that
 * school only (the crime need's recipient is the sender itself, so it is not shared back).
 */
function youthJusticeNoticeFor(school: School): string {
  const body = JSON.parse(fixtureBody('justice.youth-justice.notified')) as { data: { youngPerson: { schoolUrn: string } } };
  body.data.youngPerson.schoolUrn = SCHOOL_URN[school];
  return JSON.stringify(body);
}

describe('delivery faults: retries, Retry-After, 410, dead letters and the circuit breaker', () => {
  let h: HubHarness;

  beforeAll(async () => {
    // 4 attempts 0/100/200/300 ms apart (the harness default); the breaker stays open 1.5 s.
    h = await startHubHarness({ HUB_BREAKER_RESET_MS: '1500' });
  });
  afterAll(async () => {
    await h?.close();
  });

  function logRecords(): LogRecord[] {
    return h.logs.lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as LogRecord];
      } catch {
        return [];
      }
    });
  }

  /** Sends a message and returns the delivery the router made for `recipient`. */
  async function deliveryTo(sender: string, body: string, recipient: string): Promise<DeliveryRow> {
    const sent = await h.send(sender, body);
    expect(sent.status).toBe(202);
    return eventually(async () => {
      const rows = await h.sql<DeliveryRow>(
        `select d.id, d.recipient_partner_id, d.status, d.attempts, d.last_error_code
           from deliveries d join referrals r on r.id = d.referral_id
          where r.message_id = $1 and d.recipient_partner_id = $2`,
        [sent.json.id, recipient],
      );
      return rows[0];
    }, `a delivery to ${recipient}`);
  }

  async function deliveryRow(id: string): Promise<DeliveryRow> {
    const [row] = await h.sql<DeliveryRow>('select id, recipient_partner_id, status, attempts, last_error_code from deliveries where id = $1', [id]);
    if (!row) throw new Error(`no delivery ${id}`);
    return row;
  }

  async function settled(id: string, status: 'delivered' | 'dead', timeoutMs = 20_000): Promise<DeliveryRow> {
    return eventually(async () => {
      const row = await deliveryRow(id);
      if (row.status !== 'pending' && row.status !== status) throw new Error(`delivery ${id} ended ${row.status} (${row.last_error_code}), expected ${status}`);
      return row.status === status ? row : undefined;
    }, `delivery ${id} to be ${status}`, timeoutMs);
  }

  async function attemptsOf(id: string): Promise<AttemptRow[]> {
    return h.sql<AttemptRow>('select attempt, at, outcome, http_status, error_code from delivery_attempts where delivery_id = $1 order by id', [id]);
  }

  async function ledgerOutcomes(deliveryId: string): Promise<string[]> {
    return (await h.sql<{ outcome: string }>('select outcome from ledger where delivery_id = $1 order by seq', [deliveryId])).map((r) => r.outcome);
  }

  function seenBy(school: School): WebhookDelivery[] {
    return h.sims.webhook.received.filter((d) => d.partnerId === school);
  }

  const pathOf = (partnerId: string): string => `/partners/${partnerId}`;

  it('(a) 500 twice, then 200: delivered on the third attempt under one webhook-id, one ledger row', async () => {
    h.sims.webhook.script({ status: 500, times: 2 }, pathOf('st-marys-primary'));
    const delivery = await deliveryTo('manchester-yjs', youthJusticeNoticeFor('st-marys-primary'), 'st-marys-primary');

    const done = await settled(delivery.id, 'delivered');
    expect(done.attempts).toBe(3);
    expect((await attemptsOf(delivery.id)).map((a) => [a.outcome, a.http_status])).toEqual([
      ['retry', 500],
      ['retry', 500],
      ['delivered', 200],
    ]);
    const requests = seenBy('st-marys-primary').filter((d) => d.webhookId === delivery.id);
    expect(requests.map((d) => d.status)).toEqual([500, 500, 200]);
    // Nothing else reached the partner under another id, and the bytes never changed.
    expect(new Set(seenBy('st-marys-primary').map((d) => d.webhookId))).toEqual(new Set([delivery.id]));
    expect(new Set(requests.map((d) => d.raw.toString('base64'))).size).toBe(1);
    expect(await ledgerOutcomes(delivery.id)).toEqual(['disclosed']);
  });

  it('(b) 429 with Retry-After: 1 waits at least a second before the next attempt', async () => {
    h.sims.webhook.script({ status: 429, retryAfter: 1 }, pathOf('little-acorns-nursery'));
    const delivery = await deliveryTo('manchester-yjs', youthJusticeNoticeFor('little-acorns-nursery'), 'little-acorns-nursery');

    const done = await settled(delivery.id, 'delivered');
    expect(done.attempts).toBe(2);
    const [first, second] = await attemptsOf(delivery.id);
    expect(first).toMatchObject({ outcome: 'retry', http_status: 429, error_code: 'HTTP_429' });
    expect(second).toMatchObject({ outcome: 'delivered', http_status: 200 });
    // The schedule alone would retry after 100 ms ± 20 %: the partner's second is honoured.
    expect(second!.at.getTime() - first!.at.getTime()).toBeGreaterThanOrEqual(1_000);
    const requests = seenBy('little-acorns-nursery').filter((d) => d.webhookId === delivery.id);
    expect(requests.map((d) => d.status)).toEqual([429, 200]);
    expect(requests[1]!.receivedAt.getTime() - requests[0]!.receivedAt.getTime()).toBeGreaterThanOrEqual(1_000);
    expect(await ledgerOutcomes(delivery.id)).toEqual(['disclosed']);
  });

  it('(c) 410 disables the endpoint; later deliveries wait without spending attempts; enable + replay delivers the dead letter', async () => {
    const school = 'northside-academy';
    h.sims.webhook.script({ status: 410 }, pathOf(school));
    const gone = await deliveryTo('manchester-yjs', youthJusticeNoticeFor(school), school);
    const dead = await settled(gone.id, 'dead');
    expect(dead).toMatchObject({ attempts: 1, last_error_code: 'HTTP_410' });
    const [endpoint] = await h.sql<{ disabled_at: Date | null; disabled_reason_code: string | null }>('select disabled_at, disabled_reason_code from partner_endpoints where partner_id = $1', [school]);
    expect(endpoint?.disabled_at).toBeInstanceOf(Date);
    expect(endpoint?.disabled_reason_code).toBe('HTTP_410');
    expect(await h.sql('select action, operator_id from delivery_actions where partner_id = $1 and delivery_id is null', [school])).toEqual([{ action: 'disable-endpoint', operator_id: null }]);

    // A later referral for the same partner: its job runs, sees the endpoint disabled and waits.
    const waiting = await deliveryTo('manchester-yjs', youthJusticeNoticeFor(school), school);
    await eventually(
      // (The log's `reason` field is redacted by the logger. The breaker is closed — a 410 is an
      // answer, not a failure — so a delay that spends no attempt here is the disabled endpoint.)
      async () => logRecords().some((r) => r.msg === 'delivery delayed' && r.deliveryId === waiting.id && r.spendsAttempt === false),
      'the second delivery to be parked while the endpoint is disabled',
    );
    expect(h.hub.delivery.breakers.states().find((b) => b.partnerId === school)?.state).toBe('closed');
    expect(await deliveryRow(waiting.id)).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await attemptsOf(waiting.id)).toEqual([]);
    expect(seenBy(school).map((d) => d.webhookId)).toEqual([gone.id]);

    const enabled = await h.admin('POST', `/admin/partners/${school}/enable`, { reason: 'partner restored its endpoint' });
    expect(enabled).toEqual({ status: 200, json: { status: 'enabled', resumedDeliveries: 1 } });
    const [after] = await h.sql<{ disabled_at: Date | null; enabled_by: string | null }>('select disabled_at, enabled_by from partner_endpoints where partner_id = $1', [school]);
    expect(after).toEqual({ disabled_at: null, enabled_by: 'demo-operator' });

    const replay = await h.admin('POST', '/admin/dead-letters/replay', { deliveryIds: [gone.id], reason: 'endpoint is back' });
    expect(replay).toEqual({ status: 200, json: { replayed: 1 } });
    const replayed = await settled(gone.id, 'delivered');
    expect(replayed.attempts).toBe(1);
    expect(await ledgerOutcomes(gone.id)).toEqual(['disclosed']);
    expect(seenBy(school).filter((d) => d.webhookId === gone.id).map((d) => d.status)).toEqual([410, 200]);
    // The parked delivery was woken by the enable, never dead-lettered, and spent no attempt on the disabled endpoint.
    expect((await settled(waiting.id, 'delivered')).attempts).toBe(1);
    expect((await attemptsOf(waiting.id)).filter((a) => a.http_status === 410)).toEqual([]);
  });

  it('(d) a permanent 400 dead-letters at once, is listed, and closing it is recorded and ledgered as not disclosed', async () => {
    const school = 'oakfield-primary';
    h.sims.webhook.script({ status: 400 }, pathOf(school));
    const delivery = await deliveryTo('manchester-yjs', youthJusticeNoticeFor(school), school);
    expect(await settled(delivery.id, 'dead')).toMatchObject({ attempts: 1, last_error_code: 'HTTP_400' });
    expect(seenBy(school).filter((d) => d.webhookId === delivery.id)).toHaveLength(1);

    const listed = await h.admin('GET', '/admin/dead-letters');
    expect(listed.status).toBe(200);
    const items = (listed.json.deadLetters as { items: Array<{ deliveryId: string; lastErrorCode: string; attempts: number; attemptHistory: unknown[] }> }).items;
    const item = items.find((i) => i.deliveryId === delivery.id);
    expect(item).toMatchObject({ lastErrorCode: 'HTTP_400', attempts: 1 });
    expect(item?.attemptHistory).toHaveLength(1);

    const closed = await h.admin('POST', `/admin/dead-letters/${delivery.id}/close`, { reason: 'school asked us to send it by hand' });
    expect(closed).toEqual({ status: 200, json: { status: 'closed' } });
    expect((await deliveryRow(delivery.id)).status).toBe('closed');
    expect(await h.sql('select action, operator_id, reason from delivery_actions where delivery_id = $1', [delivery.id])).toEqual([
      { action: 'close', operator_id: 'demo-operator', reason: 'school asked us to send it by hand' },
    ]);
    const ledger = await h.sql<{ outcome: string; decided_by_operator: string | null; fields: string[] }>('select outcome, decided_by_operator, fields from ledger where delivery_id = $1', [delivery.id]);
    expect(ledger).toEqual([{ outcome: 'not-disclosed', decided_by_operator: 'demo-operator', fields: [] }]);
    const relisted = (await h.admin('GET', '/admin/dead-letters')).json.deadLetters as { items: Array<{ deliveryId: string }> };
    expect(relisted.items.map((i) => i.deliveryId)).not.toContain(delivery.id);
  });

  it('(e) a partner down on every call opens its breaker; while open no attempt is spent; after recovery all are delivered', { timeout: 60_000 }, async () => {
    const school = 'brookside-primary';
    const breakerState = (): string | undefined => h.hub.delivery.breakers.states().find((s) => s.partnerId === school)?.state;
    expect(breakerState()).toBe('closed');
    let stateAtOpen: string | undefined;
    let halfOpenAt: number | undefined;
    let sinkCountAtHalfOpen: number | undefined;
    const opened = new Promise<void>((resolve) => {
      h.hub.delivery.breakers.on('open', (partnerId) => {
        if (partnerId !== school || stateAtOpen !== undefined) return;
        stateAtOpen = breakerState();
        // The partner recovers the moment the breaker opens: whatever still reaches it from
        // now on is answered 200, so only the breaker can explain a wait.
        const received = [...h.sims.webhook.received];
        h.sims.webhook.reset();
        h.sims.webhook.received.push(...received);
        resolve();
      });
    });
    h.hub.delivery.breakers.on('halfOpen', (partnerId) => {
      if (partnerId !== school || stateAtOpen === undefined || halfOpenAt !== undefined) return;
      halfOpenAt = Date.now();
      sinkCountAtHalfOpen = seenBy(school).length;
    });

    // Far more 500s than the breaker lets through (4 attempts each for 6 deliveries).
    h.sims.webhook.script({ status: 500, times: 1_000 }, pathOf(school));
    // All at once, so the breaker opens on the first attempts and not after one delivery's last.
    const deliveries = await Promise.all(Array.from({ length: 6 }, () => deliveryTo('manchester-yjs', youthJusticeNoticeFor(school), school)));
    const ids = deliveries.map((d) => d.id);

    await opened;
    expect(stateAtOpen).toBe('open');
    // Sends already in flight when it opened finish; then nothing is active on the queue.
    const queue = new Queue(`deliver.${school}`, { connection: h.redis, prefix: h.prefix });
    try {
      await eventually(async () => (await queue.getActiveCount()) === 0, 'in-flight sends to finish');
    } finally {
      await queue.close();
    }
    const settledAt = Date.now();
    const atOpen = await h.sql<{ id: string; status: string; attempts: number }>('select id, status, attempts from deliveries where id = any($1::uuid[]) order by id', [ids]);
    const sinkCountAtOpen = seenBy(school).length;
    expect(breakerState()).toBe('open');
    expect(halfOpenAt, 'the breaker went half-open before the test looked: the timing is off').toBeUndefined();
    expect(atOpen.map((r) => r.status)).not.toContain('dead');
    const pendingAtOpen = atOpen.filter((r) => r.status === 'pending');
    expect(pendingAtOpen.length).toBeGreaterThan(0);

    await eventually(async () => halfOpenAt !== undefined, 'the breaker to go half-open', 10_000);
    // Nothing reached the partner and no attempt was recorded between settling and half-open …
    expect(sinkCountAtHalfOpen).toBe(sinkCountAtOpen);
    const spentWhileOpen = await h.sql('select delivery_id from delivery_attempts where delivery_id = any($1::uuid[]) and at > $2 and at < $3', [ids, new Date(settledAt), new Date(halfOpenAt!)]);
    expect(spentWhileOpen).toEqual([]);
    // … although jobs ran meanwhile and were delayed by the open breaker without spending one.
    // (Only an open breaker delays a job without spending an attempt here: the endpoint is
    // enabled. The log's `reason` field is redacted by the logger, so it cannot be matched.)
    const refusals = logRecords().filter((r) => r.msg === 'delivery delayed' && r.partnerId === school && r.spendsAttempt === false);
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((r) => (r.delayMs ?? Infinity) <= 1_500)).toBe(true);

    for (const id of ids) await settled(id, 'delivered', 30_000);
    expect(breakerState()).toBe('closed');
    const finalRows = await h.sql<{ id: string; attempts: number }>('select id, attempts from deliveries where id = any($1::uuid[]) order by id', [ids]);
    for (const row of finalRows) {
      const before = atOpen.find((r) => r.id === row.id)!;
      // One more attempt after the breaker let sends through again (the successful one), or
      // none for a send that was already in flight when it opened and succeeded.
      expect(row.attempts, `attempts of ${row.id}`).toBe(before.status === 'pending' ? before.attempts + 1 : before.attempts);
      expect(await ledgerOutcomes(row.id)).toEqual(['disclosed']);
    }
    // Every request the partner saw is one recorded attempt, under its own delivery's id.
    const requests = seenBy(school);
    expect(requests.length).toBe(finalRows.reduce((sum, r) => sum + r.attempts, 0));
    for (const d of requests) expect(ids).toContain(d.webhookId);
  });

  it('(f) 500 on every attempt exhausts the schedule into a dead letter; replayed after recovery it is delivered once', async () => {
    h.sims.webhook.script({ status: 500, times: 4 }, pathOf('citizens-advice-manchester'));
    const delivery = await deliveryTo('jobcentre-manchester-central', fixtureBody('dwp.jobcentre.referred'), 'citizens-advice-manchester');
    expect(await settled(delivery.id, 'dead')).toMatchObject({ attempts: 4, last_error_code: 'RETRIES_EXHAUSTED' });
    expect((await attemptsOf(delivery.id)).map((a) => a.http_status)).toEqual([500, 500, 500, 500]);
    expect(await ledgerOutcomes(delivery.id)).toEqual([]);

    const replay = await h.admin('POST', '/admin/dead-letters/replay', { deliveryIds: [delivery.id], reason: 'partner fixed its outage' });
    expect(replay).toEqual({ status: 200, json: { replayed: 1 } });
    expect(await settled(delivery.id, 'delivered')).toMatchObject({ attempts: 1 });
    expect(await ledgerOutcomes(delivery.id)).toEqual(['disclosed']);
    const requests = h.sims.webhook.received.filter((d) => d.partnerId === 'citizens-advice-manchester' && d.webhookId === delivery.id);
    expect(requests.map((d) => d.status)).toEqual([500, 500, 500, 500, 200]);
    expect(await h.sql('select action, operator_id from delivery_actions where delivery_id = $1', [delivery.id])).toEqual([{ action: 'replay', operator_id: 'demo-operator' }]);
    // A replay of a delivered delivery is a no-op: no second send, no second ledger row.
    expect(await h.admin('POST', '/admin/dead-letters/replay', { deliveryIds: [delivery.id], reason: 'pressed twice' })).toEqual({ status: 200, json: { replayed: 0 } });
  });

  it('(g) the ledger chain verifies after all of it', async () => {
    const verified = await h.admin('POST', '/admin/ledger/verify');
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({ ok: true });
    expect(verified.json.checked).toBeGreaterThanOrEqual(11);
  });
});
