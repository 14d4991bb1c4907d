export interface Pending<Item, Result> {
  readonly item: Item;
  resolve(result: Result): void;
  reject(err: unknown): void;
}

interface Waiting<Item, Result> extends Pending<Item, Result> {
  settled: boolean;
}

export interface GroupCommitOptions {
  /** Flush as soon as this many calls are waiting. */
  maxBatchSize: number;
  /** Batches allowed to run at once (PostgreSQL connections it may occupy). */
  maxInFlight: number;
}

/**
 * Collects concurrent calls into batches so that many callers share one transaction (and one
 * WAL flush). A batch starts on the next turn of the event loop (setImmediate), at once when
 * `maxBatchSize` calls are waiting, or when a running batch finishes and frees a slot — a lone
 * call is never held back.
 *
 * `flush` settles each caller; if it throws, every caller it has not settled gets that error.
 */
export class GroupCommit<Item, Result> {
  readonly #flush: (batch: Pending<Item, Result>[]) => Promise<void>;
  readonly #options: GroupCommitOptions;
  #waiting: Waiting<Item, Result>[] = [];
  #inFlight = 0;
  #scheduled = false;
  #idleWaiters: (() => void)[] = [];

  constructor(flush: (batch: Pending<Item, Result>[]) => Promise<void>, options: GroupCommitOptions) {
    if (!(options.maxBatchSize >= 1) || !(options.maxInFlight >= 1)) {
      throw new RangeError('maxBatchSize and maxInFlight must be at least 1');
    }
    this.#flush = flush;
    this.#options = options;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject, settled: false });
      if (this.#waiting.length >= this.#options.maxBatchSize) {
        this.#startBatches();
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#startBatches();
        });
      }
    });
  }

  /** Resolves once nothing is waiting or running. */
  drain(): Promise<void> {
    if (this.#waiting.length === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #startBatches(): void {
    while (this.#waiting.length > 0 && this.#inFlight < this.#options.maxInFlight) {
      const batch = this.#waiting.splice(0, this.#options.maxBatchSize);
      this.#inFlight += 1;
      void this.#run(batch);
    }
  }

  async #run(batch: Waiting<Item, Result>[]): Promise<void> {
    const tracked = batch.map((entry): Pending<Item, Result> => ({
      item: entry.item,
      resolve: (result) => {
        entry.settled = true;
        entry.resolve(result);
      },
      reject: (err) => {
        entry.settled = true;
        entry.reject(err);
      },
    }));
    try {
      await this.#flush(tracked);
      const unanswered = batch.filter((entry) => !entry.settled);
      if (unanswered.length > 0) throw new Error('group commit: batch finished without answering every caller');
    } catch (err) {
      // Callers already answered (e.g. rows committed before a later step failed) keep their answer.
      for (const entry of batch) if (!entry.settled) entry.reject(err);
    } finally {
      this.#inFlight -= 1;
      if (this.#waiting.length > 0) {
        this.#startBatches();
      } else if (this.#inFlight === 0) {
        for (const wake of this.#idleWaiters.splice(0)) wake();
      }
    }
  }
}
