// Where the hub's PostgreSQL connections spend a run, sampled from pg_stat_activity (10 times a
// second by default): running a statement, waiting for a lock (the ledger's advisory lock
// serialises every ledger append), flushing WAL at commit, or idle in a transaction while the
// worker does something else between statements. Idle pooled connections are counted apart:
// they are the time the workers spend outside PostgreSQL altogether.
import pg from 'pg';

export interface PgWaitSummary {
  samples: number;
  /** Mean number of the hub's connections per state, over the samples. */
  meanByState: Record<string, number>;
}

export interface PgWaitSampler {
  stop(): Promise<PgWaitSummary>;
}

interface ActivityRow {
  state: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
}

export function classifyBackend(row: ActivityRow): string {
  if (row.state === 'idle') return 'idle (pooled, no transaction)';
  if (row.state === 'idle in transaction') return 'idle in transaction (waiting for the worker)';
  if (row.state !== 'active') return `${row.state ?? 'unknown'}`;
  if (row.wait_event_type === null) return 'running a statement (CPU)';
  if (row.wait_event_type === 'Lock' && row.wait_event === 'advisory') return 'waiting for the ledger lock (advisory)';
  if (row.wait_event_type === 'Lock') return `waiting for a ${row.wait_event} lock`;
  if (/^WAL(Sync|Write)$/.test(row.wait_event ?? '') || (row.wait_event_type === 'IPC' && row.wait_event === 'SyncRep')) return 'flushing WAL at commit';
  return `other wait (${row.wait_event_type}:${row.wait_event})`;
}

/** Samples the hub's connections (application_name `hub-store`) to `databaseUrl` until stopped. */
export async function startPgWaitSampler(databaseUrl: string, intervalMs = 100): Promise<PgWaitSampler> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-sampler' });
  await client.connect();
  const totals = new Map<string, number>();
  let samples = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      const result = await client.query<ActivityRow>(
        `SELECT state, wait_event_type, wait_event FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'hub-store' AND backend_type = 'client backend'`,
      );
      samples++;
      for (const row of result.rows) {
        const state = classifyBackend(row);
        totals.set(state, (totals.get(state) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - started))));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await client.end();
      const meanByState: Record<string, number> = {};
      for (const [state, n] of [...totals].sort((a, b) => b[1] - a[1])) meanByState[state] = samples > 0 ? n / samples : 0;
      return { samples, meanByState };
    },
  };
}
