// Scheduled refresh of the directory from a configured ORUK feed URL. The current copy is
// replaced only by an import that yielded at least `minServices` valid services; a fetch
// that fails, times out, returns non-2xx, is too large, is not JSON or holds no valid
// service leaves the last good copy in place and is reported as a failure value.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { importDirectory } from './import-directory.ts';
import type { DirectoryProblem, DirectoryService } from './import-directory.ts';

export interface DirectorySnapshot {
  /** ISO timestamp of the fetch that produced this copy. */
  fetchedAt: string;
  sourceUrl: string;
  services: DirectoryService[];
  /** Problems with the records that were left out of this copy. */
  problems: DirectoryProblem[];
}

export interface SnapshotStore {
  load(): Promise<DirectorySnapshot | null>;
  save(snapshot: DirectorySnapshot): Promise<void>;
}

export type RefreshFailureCode = 'fetch.failed' | 'fetch.timeout' | 'fetch.status' | 'fetch.too-large' | 'feed.invalid-json' | 'feed.no-valid-services';

export const REFRESH_FAILURE_MESSAGES: Record<RefreshFailureCode, string> = {
  'fetch.failed': 'The feed could not be fetched.',
  'fetch.timeout': 'The feed did not answer in time.',
  'fetch.status': 'The feed answered with a non-success HTTP status.',
  'fetch.too-large': 'The feed is larger than the configured limit.',
  'feed.invalid-json': 'The feed is not valid JSON.',
  'feed.no-valid-services': 'The feed holds no valid active service.',
};

export type RefreshOutcome =
  | { status: 'replaced'; at: string; services: number; problems: DirectoryProblem[] }
  | {
      status: 'kept-last-good';
      at: string;
      code: RefreshFailureCode;
      message: string;
      /** HTTP status for `fetch.status`. */
      httpStatus?: number;
      problems: DirectoryProblem[];
      /** When the copy still in use was fetched; null when there is none yet. */
      lastGoodAt: string | null;
    };

export interface DirectoryRefresherOptions {
  url: string;
  store: SnapshotStore;
  fetch?: typeof fetch;
  now?: () => Date;
  timeoutMs?: number;
  maxBytes?: number;
  /** The fewest valid services an import must yield to replace the current copy. */
  minServices?: number;
}

export interface DirectoryRefresher {
  refresh(): Promise<RefreshOutcome>;
  /** The copy in use (the last good one), or null before the first success. */
  current(): Promise<DirectorySnapshot | null>;
  /** The most recent refresh outcome, or null before the first. */
  lastOutcome(): RefreshOutcome | null;
  /** Refreshes every `intervalMs` (first run immediately); returns a stop function. */
  schedule(intervalMs: number, onOutcome?: (outcome: RefreshOutcome) => void): () => void;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

export function createDirectoryRefresher(options: DirectoryRefresherOptions): DirectoryRefresher {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const minServices = Math.max(1, options.minServices ?? 1);
  let last: RefreshOutcome | null = null;
  let running: Promise<RefreshOutcome> | null = null;

  async function failed(at: string, code: RefreshFailureCode, extra: { httpStatus?: number; problems?: DirectoryProblem[] } = {}): Promise<RefreshOutcome> {
    const kept = await options.store.load();
    return {
      status: 'kept-last-good',
      at,
      code,
      message: REFRESH_FAILURE_MESSAGES[code],
      ...(extra.httpStatus !== undefined ? { httpStatus: extra.httpStatus } : {}),
      problems: extra.problems ?? [],
      lastGoodAt: kept?.fetchedAt ?? null,
    };
  }

  async function fetchBody(): Promise<{ body: string } | { code: RefreshFailureCode; httpStatus?: number }> {
    let response: Response;
    try {
      response = await doFetch(options.url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    } catch (error) {
      const name = (error as { name?: string }).name;
      return { code: name === 'TimeoutError' || name === 'AbortError' ? 'fetch.timeout' : 'fetch.failed' };
    }
    if (!response.ok) {
      await response.body?.cancel();
      return { code: 'fetch.status', httpStatus: response.status };
    }
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > maxBytes) {
      await response.body?.cancel();
      return { code: 'fetch.too-large' };
    }
    try {
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.byteLength > maxBytes) return { code: 'fetch.too-large' };
      return { body: new TextDecoder().decode(bytes) };
    } catch (error) {
      const name = (error as { name?: string }).name;
      return { code: name === 'TimeoutError' || name === 'AbortError' ? 'fetch.timeout' : 'fetch.failed' };
    }
  }

  async function refreshOnce(): Promise<RefreshOutcome> {
    const at = now().toISOString();
    const fetched = await fetchBody();
    if (!('body' in fetched)) return failed(at, fetched.code, fetched.httpStatus !== undefined ? { httpStatus: fetched.httpStatus } : {});
    let feed: unknown;
    try {
      feed = JSON.parse(fetched.body);
    } catch {
      return failed(at, 'feed.invalid-json');
    }
    const imported = importDirectory(feed);
    if (imported.services.length < minServices) return failed(at, 'feed.no-valid-services', { problems: imported.problems });
    await options.store.save({ fetchedAt: at, sourceUrl: options.url, services: imported.services, problems: imported.problems });
    return { status: 'replaced', at, services: imported.services.length, problems: imported.problems };
  }

  const refresh = (): Promise<RefreshOutcome> => {
    // One refresh at a time: a tick that lands during a slow fetch shares its result.
    running ??= refreshOnce()
      .then((outcome) => (last = outcome))
      .finally(() => {
        running = null;
      });
    return running;
  };

  return {
    refresh,
    current: () => options.store.load(),
    lastOutcome: () => last,
    schedule(intervalMs, onOutcome) {
      const tick = (): void => {
        refresh().then(
          (outcome) => onOutcome?.(outcome),
          () => undefined, // a store error surfaces on the next explicit refresh; the timer keeps going
        );
      };
      const timer = setInterval(tick, intervalMs);
      timer.unref();
      tick();
      return () => clearInterval(timer);
    },
  };
}

export function createMemorySnapshotStore(initial: DirectorySnapshot | null = null): SnapshotStore {
  let snapshot = initial === null ? null : structuredClone(initial);
  return {
    load: async () => (snapshot === null ? null : structuredClone(snapshot)),
    save: async (next) => {
      snapshot = structuredClone(next);
    },
  };
}

/**
 * Keeps the snapshot in one JSON file, written to a temporary file and renamed into place
 * so a crash mid-write never leaves a half-written copy. A missing file loads as null.
 */
export function createFileSnapshotStore(path: string): SnapshotStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      return JSON.parse(text) as DirectorySnapshot;
    },
    async save(snapshot) {
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(temporary, JSON.stringify(snapshot), 'utf8');
      await rename(temporary, path);
    },
  };
}
