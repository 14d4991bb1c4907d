import { describe, expect, it } from 'vitest';
import type { Pending } from './group-commit.ts';
import { GroupCommit } from './group-commit.ts';

function deferred(): { promise: Promise<void>; release: () => void } {
  let release = (): void => {};
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

describe('GroupCommit', () => {
  it('flushes a lone call on the next turn of the event loop', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, number>(
      async (batch) => {
        batches.push(batch.map((p) => p.item));
        for (const p of batch) p.resolve(p.item * 2);
      },
      { maxBatchSize: 64, maxInFlight: 2 },
    );
    await expect(commit.submit(21)).resolves.toBe(42);
    expect(batches).toEqual([[21]]);
  });

  it('puts concurrent calls into batches of at most maxBatchSize, with at most maxInFlight running', async () => {
    const sizes: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const commit = new GroupCommit<number, number>(
      async (batch) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        sizes.push(batch.length);
        await new Promise((resolve) => setImmediate(resolve));
        for (const p of batch) p.resolve(p.item);
        running -= 1;
      },
      { maxBatchSize: 64, maxInFlight: 2 },
    );
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => commit.submit(i)));
    expect(results).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(500);
    expect(sizes.length).toBeLessThan(20);
    expect(maxRunning).toBeLessThanOrEqual(2);
  });

  it('gives every caller in a failed batch the error, and carries on with the next batch', async () => {
    const gate = deferred();
    let calls = 0;
    const commit = new GroupCommit<string, string>(
      async (batch) => {
        calls += 1;
        if (calls === 1) {
          await gate.promise;
          throw new Error('batch failed');
        }
        for (const p of batch) p.resolve(p.item);
      },
      { maxBatchSize: 10, maxInFlight: 1 },
    );
    const first = Promise.allSettled(['a', 'b', 'c'].map((x) => commit.submit(x)));
    await new Promise((resolve) => setImmediate(resolve));
    const second = commit.submit('d');
    gate.release();
    const settled = await first;
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((settled[0] as PromiseRejectedResult).reason).toEqual(new Error('batch failed'));
    await expect(second).resolves.toBe('d');
  });

  it('keeps answers already given when a later step of the batch fails', async () => {
    const commit = new GroupCommit<string, string>(
      async (batch: Pending<string, string>[]) => {
        batch[0]?.resolve('committed');
        throw new Error('lookup failed');
      },
      { maxBatchSize: 10, maxInFlight: 1 },
    );
    const settled = await Promise.allSettled([commit.submit('a'), commit.submit('b')]);
    expect(settled[0]).toEqual({ status: 'fulfilled', value: 'committed' });
    expect(settled[1]).toMatchObject({ status: 'rejected' });
  });

  it('rejects callers a flush forgot to answer, and drain waits for running batches', async () => {
    const commit = new GroupCommit<string, string>(async () => {}, { maxBatchSize: 10, maxInFlight: 1 });
    const pending = commit.submit('x');
    const drained = commit.drain();
    await expect(pending).rejects.toThrow(/without answering/);
    await drained;
  });
});
