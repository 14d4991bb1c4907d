/**
 * What a simulator received, plus `waitFor`, which resolves on the recording itself (no
 * polling): each new record re-checks the waiting conditions.
 */
export interface Recorder<T> {
  readonly received: T[];
  record(item: T): void;
  waitFor(condition: number | ((received: readonly T[]) => boolean), timeoutMs?: number): Promise<T[]>;
  /** Rejects every pending waitFor (the simulator is closing). */
  cancelWaits(reason: string): void;
}

export function createRecorder<T>(what: string): Recorder<T> {
  const received: T[] = [];
  const waiters = new Set<{ check(): boolean; fail(err: Error): void }>();

  return {
    received,
    record(item) {
      received.push(item);
      for (const w of [...waiters]) w.check();
    },
    waitFor(condition, timeoutMs = 5_000) {
      const met = typeof condition === 'number' ? (r: readonly T[]) => r.length >= condition : condition;
      return new Promise<T[]>((resolve, reject) => {
        const waiter = {
          check: (): boolean => {
            if (!met(received)) return false;
            finish();
            resolve([...received]);
            return true;
          },
          fail: (err: Error): void => {
            finish();
            reject(err);
          },
        };
        const timer = setTimeout(() => {
          const wanted = typeof condition === 'number' ? `${condition} ${what}` : `a matching ${what}`;
          waiter.fail(new Error(`waited ${timeoutMs} ms for ${wanted}; have ${received.length}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(waiter);
        };
        waiters.add(waiter);
        waiter.check();
      });
    },
    cancelWaits(reason) {
      for (const w of [...waiters]) w.fail(new Error(reason));
    },
  };
}
