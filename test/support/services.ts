// Real Redis and PostgreSQL for the test suite: probes, and private servers started on
// free ports when the machine's own do not answer. Used by test/global-setup.ts and by
// tests that must stop and restart their own Redis (durability).
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';

const execFileAsync = promisify(execFile);

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis the suite uses (the machine's, or a private one started by global setup). */
    redisUrl: string;
    /** The PostgreSQL database the suite uses. */
    databaseUrl: string;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port on 127.0.0.1 that nothing listens on at the moment of the call. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** True when a Redis server answers PING at `url` within `timeoutMs`. */
export async function redisAvailable(url: string, timeoutMs = 1500): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {
    // The outcome is reported by the return value.
  });
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

type PgProbe = 'ok' | 'no-database' | 'down';

async function probePg(url: string, timeoutMs: number): Promise<PgProbe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {
    // Reported by the return value.
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'ok';
  } catch (err) {
    // 3D000 invalid_catalog_name: the server answers but the database does not exist.
    return (err as { code?: unknown }).code === '3D000' ? 'no-database' : 'down';
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** True when PostgreSQL answers `SELECT 1` on the database named in `url`. */
export async function pgAvailable(url: string, timeoutMs = 2000): Promise<boolean> {
  return (await probePg(url, timeoutMs)) === 'ok';
}

/**
 * Makes sure the database named in `url` exists, creating it through the server's
 * `postgres` maintenance database when the server answers but the database is missing.
 * Returns false when the server does not answer or the database cannot be created.
 */
export async function ensurePgDatabase(url: string, timeoutMs = 2000): Promise<boolean> {
  const probe = await probePg(url, timeoutMs);
  if (probe !== 'no-database') return probe === 'ok';
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } catch (err) {
    // 42P04 duplicate_database: created meanwhile by someone else, which is fine.
    if ((err as { code?: unknown }).code !== '42P04') return false;
  } finally {
    await client.end().catch(() => undefined);
  }
  return (await probePg(url, timeoutMs)) === 'ok';
}

// ---------------------------------------------------------------------------------------
// Private redis-server

export interface PrivateRedisOptions {
  /** AOF on or off (RDB snapshots are always off). */
  appendonly: boolean;
  /** `appendfsync` when AOF is on; default `everysec`, like infra/redis.conf. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Data directory; pass a stopped server's `dir` (and `port`) to restart it on its data. */
  dir?: string;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** How long to wait for the server to answer PING; default 10 s. */
  startTimeoutMs?: number;
}

export interface PrivateRedis {
  url: string;
  port: number;
  pid: number;
  /** Where the AOF (and redis.log) live. */
  dir: string;
  /** Graceful shutdown (SIGTERM: the AOF is flushed); resolves when the process has exited. */
  stop(): Promise<void>;
  /** Crash (SIGKILL): whatever the fsync policy had not written yet is lost. */
  kill(): Promise<void>;
  /** stop(), then remove `dir` if this call created it. */
  dispose(): Promise<void>;
}

/** Every private server still running, killed if the process exits without stopping them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const proc of running) proc.kill('SIGKILL');
    });
  }
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function tail(file: string, lines = 15): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts `redis-server` on 127.0.0.1 with its data under a temporary (or the given)
 * directory and waits until it answers PING. The caller stops it; a server left running
 * is killed when the process exits.
 */
export async function startPrivateRedis(options: PrivateRedisOptions): Promise<PrivateRedis> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'hub-redis-')));
  await mkdir(dir, { recursive: true });
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launchRedis(options, dir, port, ownsDir);
    } catch (err) {
      lastError = err as Error;
      if ((err as { code?: unknown }).code === 'ENOENT') break;
    }
  }
  if (ownsDir) await rm(dir, { recursive: true, force: true });
  throw lastError ?? new Error('redis-server did not start');
}

async function launchRedis(options: PrivateRedisOptions, dir: string, port: number, ownsDir: boolean): Promise<PrivateRedis> {
  const logfile = path.join(dir, 'redis.log');
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--protected-mode', 'no',
    '--dir', dir,
    '--logfile', logfile,
    '--daemonize', 'no',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--appendonly', options.appendonly ? 'yes' : 'no',
    '--appendfsync', options.appendfsync ?? 'everysec',
  ];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', (err) => {
      const e = new Error(
        (err as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'redis-server is not on the PATH: install it (Debian: apt-get install redis-server) or point REDIS_URL at a running Redis'
          : `redis-server could not be started: ${err.message}`,
      ) as Error & { code?: string };
      e.code = (err as NodeJS.ErrnoException).code;
      reject(e);
    });
  });
  await spawned;
  track(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error('redis-server started without a pid');

  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (!(await redisAvailable(url, 500))) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited during start-up:\n${await tail(logfile)}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await waitForExit(child, 5000);
      throw new Error(`redis-server on port ${port} did not answer within the start-up timeout:\n${await tail(logfile)}`);
    }
    await sleep(50);
  }

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await waitForExit(child, 10_000);
  };
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await waitForExit(child, 10_000);
  };
  return {
    url,
    port,
    pid,
    dir,
    stop,
    kill,
    dispose: async () => {
      await stop();
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------
// Private PostgreSQL cluster

export interface PrivatePostgres {
  /** URL of the `test` database, as user `postgres` (trust authentication, 127.0.0.1 only). */
  url: string;
  port: number;
  pid: number;
  dir: string;
  /** Fast shutdown, then the cluster's directory is removed. */
  stop(): Promise<void>;
}

/** The bin directory of the newest PostgreSQL under /usr/lib/postgresql, or one with initdb on the PATH. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions[0] !== undefined) return path.join(root, versions[0], 'bin');
  }
  for (const entry of (process.env.PATH ?? '').split(path.delimiter)) {
    if (entry !== '' && existsSync(path.join(entry, 'initdb')) && existsSync(path.join(entry, 'pg_ctl'))) return entry;
  }
  return undefined;
}

interface RunAs {
  uid: number;
  gid: number;
  run(file: string, args: string[]): Promise<void>;
}

const shellQuote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/** initdb refuses to run as root: as root, run the cluster as the `postgres` (or `nobody`) user. */
async function runAsForPostgres(): Promise<RunAs> {
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  if (uid !== 0) {
    return { uid, gid, run: async (file, args) => void (await execFileAsync(file, args)) };
  }
  for (const user of ['postgres', 'nobody']) {
    let ids: { uid: number; gid: number };
    try {
      const u = await execFileAsync('id', ['-u', user]);
      const g = await execFileAsync('id', ['-g', user]);
      ids = { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
    } catch {
      continue;
    }
    if (existsSync('/usr/sbin/runuser') || existsSync('/sbin/runuser') || existsSync('/usr/bin/runuser')) {
      return { ...ids, run: async (file, args) => void (await execFileAsync('runuser', ['-u', user, '--', file, ...args])) };
    }
    return {
      ...ids,
      run: async (file, args) =>
        void (await execFileAsync('su', [user, '-s', '/bin/sh', '-c', [file, ...args].map(shellQuote).join(' ')])),
    };
  }
  throw new Error('running as root and neither a "postgres" nor a "nobody" user exists to run initdb as');
}

/**
 * Creates a throw-away PostgreSQL cluster with initdb in a temporary directory, starts it
 * with pg_ctl on a free port (127.0.0.1 and a socket in that directory), and creates the
 * `test` database.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = findPostgresBin();
  if (bin === undefined) {
    throw new Error('no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or on the PATH');
  }
  const as = await runAsForPostgres();
  const dir = await mkdtemp(path.join(tmpdir(), 'hub-pg-'));
  const dataDir = path.join(dir, 'data');
  const logfile = path.join(dir, 'postgres.log');
  try {
    if (as.uid >= 0 && (process.getuid?.() ?? -1) === 0) await chown(dir, as.uid, as.gid);
    await as.run(path.join(bin, 'initdb'), [
      '-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions',
    ]);
    let port = 0;
    let started = false;
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      port = await freePort();
      try {
        await as.run(path.join(bin, 'pg_ctl'), [
          '-D', dataDir, '-l', logfile, '-w', '-t', '60',
          '-o', `-p ${port} -k ${shellQuote(dir)} -c listen_addresses=127.0.0.1`,
          'start',
        ]);
        started = true;
      } catch (err) {
        if (attempt === 2) {
          throw new Error(`pg_ctl start failed: ${(err as Error).message}\n${await tail(logfile)}`, { cause: err });
        }
      }
    }
    const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const url = `postgres://postgres@127.0.0.1:${port}/test`;
    const stop = async (): Promise<void> => {
      try {
        await as.run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
      } catch {
        // Fall back to the postmaster's pid: SIGINT is PostgreSQL's fast shutdown.
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          // already gone
        }
      }
      await rm(dir, { recursive: true, force: true });
    };
    if (!(await ensurePgDatabase(url, 5000))) {
      await stop();
      throw new Error(`the private PostgreSQL on port ${port} started but the test database could not be created`);
    }
    return { url, port, pid, dir, stop };
  } catch (err) {
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) {
      await as.run(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
