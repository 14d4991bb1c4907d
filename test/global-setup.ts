// Makes sure the real services the suite talks to are answering before any test runs.
//
// Redis: REDIS_URL (default redis://127.0.0.1:6379); if it does not answer, a private
// redis-server (AOF on) is started on a free port under a temporary directory.
// PostgreSQL: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; the database
// is created if the server answers without it); if it does not answer, a private cluster
// is created with initdb/pg_ctl on a free port.
// The URLs in use are exported to the test processes as REDIS_URL / DATABASE_URL and are
// also available through `inject('redisUrl')` / `inject('databaseUrl')`.
import type { TestProject } from 'vitest/node';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_REDIS_URL,
  ensurePgDatabase,
  redisAvailable,
  startPrivatePostgres,
  startPrivateRedis,
} from './support/services.ts';

const HOW_TO_REDIS = [
  'Start Redis on 127.0.0.1:6379, e.g.',
  '  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  '(Debian: apt-get install redis-server), or set REDIS_URL to a Redis that answers.',
].join('\n');

const HOW_TO_POSTGRES = [
  'Start PostgreSQL on 127.0.0.1:5432, e.g.',
  '  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  '(Debian: apt-get install postgresql), or set DATABASE_URL to a PostgreSQL that answers.',
].join('\n');

const redact = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const teardowns: Array<() => Promise<void>> = [];
  const teardown = async (): Promise<void> => {
    for (const step of teardowns.reverse()) await step().catch((err: unknown) => console.error(err));
  };
  const problems: string[] = [];

  let redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  let databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

  const [redisUp, pgUp] = await Promise.all([redisAvailable(redisUrl), ensurePgDatabase(databaseUrl)]);

  if (!redisUp) {
    try {
      const redis = await startPrivateRedis({ appendonly: true });
      teardowns.push(redis.dispose);
      console.warn(`[global-setup] no Redis at ${redact(redisUrl)}; started a private redis-server (pid ${redis.pid}) at ${redis.url}`);
      redisUrl = redis.url;
    } catch (err) {
      problems.push(`Redis does not answer at ${redact(redisUrl)} and a private redis-server could not be started: ${(err as Error).message}\n${HOW_TO_REDIS}`);
    }
  }

  if (!pgUp) {
    try {
      const postgres = await startPrivatePostgres();
      teardowns.push(postgres.stop);
      console.warn(`[global-setup] no PostgreSQL at ${redact(databaseUrl)}; started a private cluster (pid ${postgres.pid}) at ${postgres.url}`);
      databaseUrl = postgres.url;
    } catch (err) {
      problems.push(`PostgreSQL does not answer at ${redact(databaseUrl)} and a private cluster could not be started: ${(err as Error).message}\n${HOW_TO_POSTGRES}`);
    }
  }

  if (problems.length > 0) {
    await teardown();
    throw new Error(`The test suite needs a real Redis and PostgreSQL.\n\n${problems.join('\n\n')}`);
  }

  process.env.REDIS_URL = redisUrl;
  process.env.DATABASE_URL = databaseUrl;
  project.provide('redisUrl', redisUrl);
  project.provide('databaseUrl', databaseUrl);
  return teardown;
}
