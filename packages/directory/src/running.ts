// The directory in the running hub: the console reads the copy in use (the scheduler's last good
// snapshot, or the checked-in demo file in demo mode), and the scheduler refreshes the snapshot
// on an interval. Logs carry outcome codes and counts only — never the feed URL (it may carry a
// key) nor anything from the feed.

import { readFile, stat } from 'node:fs/promises';
import { importDirectory } from './import-directory.ts';
import type { DirectoryService } from './import-directory.ts';
import { createDirectoryRefresher, createFileSnapshotStore } from './refresh.ts';
import type { DirectoryRefresher, RefreshOutcome } from './refresh.ts';

export interface LoadedDirectory {
  services: DirectoryService[];
  origin: 'snapshot' | 'demo-file';
  /** When the snapshot was fetched (snapshots only). */
  fetchedAt?: string;
}

export interface DirectorySource {
  /** The copy in use, or null when there is none (no snapshot yet, nothing configured, unreadable file). */
  current(): Promise<LoadedDirectory | null>;
}

/**
 * A snapshot file is re-read whenever its modification time changes (the scheduler replaces it
 * by rename), so a console process sees each refresh without a restart; a demo file is read once.
 * A file that cannot be read leaves the last copy read in use.
 */
export function openDirectorySource(opts: { snapshotFile?: string; demoFile?: string }): DirectorySource {
  let cached: LoadedDirectory | null = null;
  let cachedMtime = -1;
  if (opts.snapshotFile) {
    const file = opts.snapshotFile;
    const store = createFileSnapshotStore(file);
    return {
      async current() {
        try {
          const mtime = (await stat(file)).mtimeMs;
          if (mtime !== cachedMtime) {
            const snapshot = await store.load();
            if (snapshot) cached = { services: snapshot.services, origin: 'snapshot', fetchedAt: snapshot.fetchedAt };
            cachedMtime = mtime;
          }
        } catch {
          // no snapshot yet, or unreadable: keep what we had
        }
        return cached;
      },
    };
  }
  if (opts.demoFile) {
    const file = opts.demoFile;
    let loading: Promise<LoadedDirectory | null> | undefined;
    return {
      current() {
        loading ??= readFile(file, 'utf8').then(
          (text) => ({ services: importDirectory(JSON.parse(text)).services, origin: 'demo-file' as const }),
          () => null,
        );
        return loading.catch(() => null);
      },
    };
  }
  return { current: async () => null };
}

export interface RefreshLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Codes and counts of a refresh outcome, for a log line. */
export function refreshLogFields(outcome: RefreshOutcome): Record<string, string | number | null> {
  if (outcome.status === 'replaced') return { status: outcome.status, services: outcome.services, problems: outcome.problems.length };
  return { status: outcome.status, code: outcome.code, ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}), problems: outcome.problems.length, lastGoodAt: outcome.lastGoodAt };
}

export interface ScheduledDirectoryRefresh {
  refresher: DirectoryRefresher;
  /** Stops the timer and waits for a refresh in flight. */
  stop(): Promise<void>;
}

/** Refreshes the snapshot now and then every `intervalMs`, logging each outcome. */
export function startDirectoryRefresh(opts: { url: string; snapshotFile: string; intervalMs: number; logger: RefreshLogger; fetch?: typeof fetch }): ScheduledDirectoryRefresh {
  const refresher = createDirectoryRefresher({ url: opts.url, store: createFileSnapshotStore(opts.snapshotFile), ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  let stopped = false;
  let inFlight: Promise<void> | null = null;
  const tick = (): void => {
    if (stopped || inFlight) return;
    inFlight = refresher
      .refresh()
      .then(
        (outcome) => {
          if (outcome.status === 'replaced') opts.logger.info(refreshLogFields(outcome), 'directory refreshed');
          else opts.logger.warn(refreshLogFields(outcome), 'directory refresh failed; the last good copy stays in use');
        },
        (err: Error) => opts.logger.warn({ status: 'error', error: err.name }, 'directory refresh could not save the snapshot'),
      )
      .finally(() => {
        inFlight = null;
      });
  };
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();
  tick();
  return {
    refresher,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}
