// "Urgent work never waits behind routine backlog" (DESIGN.md §4 Urgency): with thousands of
// routine delivery jobs queued for a school, an Operation Encompass notification for that school
// is delivered while most of the backlog is still waiting. Every hub service runs in process
// over real PostgreSQL and Redis; nothing is paused.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_PRIORITY, deliverReferral } from '@hub/queues';
import { fixtureBody } from '@hub/testing';
import { eventually, startHubHarness, type HubHarness } from '../support/hub-harness.ts';

const BACKLOG = 5_000;
/** Routine jobs that must still be waiting when the urgent one reaches the school. */
const STILL_WAITING_AT_LEAST = 3_000;
const SCHOOL = 'oakfield-primary';

describe('priority: urgent before routine', () => {
  let h: HubHarness;
  let queue: Queue;

  beforeAll(async () => {
    h = await startHubHarness();
    queue = new Queue(deliverReferral.queue(SCHOOL), { connection: h.redis, prefix: h.prefix });
  });
  afterAll(async () => {
    // Whatever is left of the backlog goes (the worker may still be finishing a few).
    await queue?.drain(true).catch(() => undefined);
    await queue?.close();
    await h?.close();
  });

  async function routineWaiting(): Promise<number> {
    const counts = await queue.getCountsPerPriority([DELIVERY_PRIORITY.routine]);
    return counts[String(DELIVERY_PRIORITY.routine)] ?? 0;
  }

  it(`an Operation Encompass delivery overtakes ${BACKLOG} routine jobs for the same school`, { timeout: 120_000 }, async () => {
    // Routine jobs for deliveries that do not exist: the worker finishes each at once, so the
    // backlog is real work for the queue, without real sends.
    const backlog = Array.from({ length: BACKLOG }, () => ({
      name: deliverReferral.name,
      data: deliverReferral.payload(randomUUID()),
      opts: { ...deliverReferral.options, priority: DELIVERY_PRIORITY.routine },
    }));
    // In chunks, so the worker is already working on the backlog while it grows.
    for (let i = 0; i < backlog.length; i += 1_000) await queue.addBulk(backlog.slice(i, i + 1_000));
    expect(await routineWaiting()).toBeGreaterThan(STILL_WAITING_AT_LEAST);

    const sent = await h.send('gmp', fixtureBody('police.domestic-abuse.notified'));
    expect(sent.status).toBe(202);
    const delivery = await eventually(async () => {
      const rows = await h.sql<{ id: string; priority: string }>(
        'select d.id, d.priority from deliveries d join referrals r on r.id = d.referral_id where r.message_id = $1 and d.recipient_partner_id = $2',
        [sent.json.id, SCHOOL],
      );
      return rows[0];
    }, 'the school delivery');
    expect(delivery.priority).toBe('urgent');

    const [received] = (await h.sims.webhook.waitFor((r) => r.some((d) => d.webhookId === delivery.id && d.status === 200), 30_000)).filter((d) => d.webhookId === delivery.id);
    const waitingWhenDelivered = await routineWaiting();
    expect(received?.partnerId).toBe(SCHOOL);
    expect(waitingWhenDelivered, `routine jobs still waiting when the urgent delivery arrived`).toBeGreaterThan(STILL_WAITING_AT_LEAST);
    // The backlog was being worked on all along (nothing paused), just after the urgent job.
    expect(waitingWhenDelivered).toBeLessThan(BACKLOG);
    expect(await queue.isPaused()).toBe(false);

    const job = await queue.getJob(deliverReferral.jobId(delivery.id));
    expect(job?.opts.priority).toBe(DELIVERY_PRIORITY.urgent);
    await eventually(async () => (await h.sql<{ status: string }>('select status from deliveries where id = $1', [delivery.id]))[0]?.status === 'delivered', 'the urgent delivery to be marked delivered');
    expect(await h.sql('select outcome from ledger where delivery_id = $1', [delivery.id])).toEqual([{ outcome: 'disclosed' }]);
  });
});
