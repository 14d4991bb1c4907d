import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { hubQueueNames } from './catalogue.ts';
import { snapshotQueues } from './snapshot.ts';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('queue snapshots (real Redis)', () => {
  const prefix = `snap${randomBytes(4).toString('hex')}`;
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queues: Queue[] = [];
  afterAll(async () => {
    for (const q of queues) {
      await q.obliterate({ force: true });
      await q.close();
    }
    connection.disconnect();
  });

  it('counts each state and finds the oldest waiting job even behind higher priorities', async () => {
    const busy = new Queue('deliver.a', { connection, prefix });
    const idle = new Queue('deliver.b', { connection, prefix });
    queues.push(busy, idle);
    const t0 = Date.now();
    // Priority 5 added first (oldest), then urgent ones that sort ahead of it.
    await busy.add('deliver', { deliveryId: 'old' }, { priority: 5, timestamp: t0 - 60_000 });
    await busy.add('deliver', { deliveryId: 'u1' }, { priority: 1, timestamp: t0 - 5_000 });
    await busy.add('deliver', { deliveryId: 'u2' }, { priority: 1, timestamp: t0 - 1_000 });
    await busy.add('deliver', { deliveryId: 'w' }, { timestamp: t0 - 30_000 });
    await busy.add('deliver', { deliveryId: 'later' }, { delay: 60_000 });

    const [a, b] = await snapshotQueues([busy, idle], t0);
    expect(a).toMatchObject({ queue: 'deliver.a', waiting: 1, prioritized: 3, active: 0, delayed: 1, failed: 0 });
    expect(a!.oldestWaitingAgeMs).toBe(60_000);
    expect(b).toEqual({ queue: 'deliver.b', waiting: 0, prioritized: 0, active: 0, delayed: 0, failed: 0, completed: 0, oldestWaitingAgeMs: 0 });
  });

  it('names every hub queue: routing first, then one per delivering partner in order, then the letters to families', () => {
    expect(hubQueueNames(['school', 'mash'])).toEqual(['referral.route', 'deliver.mash', 'deliver.school', 'family.acknowledge', 'family.feedback-invite']);
  });
});
