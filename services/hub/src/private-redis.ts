import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Settings } from '@hub/config';
import { redisAnswers } from '@hub/queues';

export interface PrivateRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Finds an executable on the PATH without running a shell. */
export function onPath(command: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Starts a redis-server owned by this process, with AOF on and its data under `dataDir`, as
 * the embedded default when no Redis answers. Resolves once it answers PING.
 */
export async function startPrivateRedis(opts: { binary: string; port: number; dataDir: string; timeoutMs?: number }): Promise<PrivateRedis> {
  const dir = path.join(opts.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const child: ChildProcess = spawn(
    opts.binary,
    ['--bind', '127.0.0.1', '--port', String(opts.port), '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', path.join(dir, 'redis.log')],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${opts.port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  // Poll for readiness: redis-server offers no event to wait on from here.
  while (!(await redisAnswers(url, 500))) {
    if (gone) throw new Error(`redis-server exited at start-up; see ${path.join(dir, 'redis.log')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('redis-server did not answer in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid ?? -1,
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Uses Redis at REDIS_URL when it answers. When REDIS_URL was not set and nothing answers at the
 * default address, launches a private redis-server there if one is on the PATH; otherwise
 * explains how to get one.
 */
export async function ensureRedis(settings: Pick<Settings, 'redisUrl' | 'redisUrlExplicit' | 'dataDir'>, envPath = process.env.PATH ?? ''): Promise<{ url: string; privateRedis?: PrivateRedis }> {
  if (await redisAnswers(settings.redisUrl)) return { url: settings.redisUrl };
  if (settings.redisUrlExplicit) {
    throw new Error(`Redis does not answer at REDIS_URL (${new URL(settings.redisUrl).host}). Start it, or unset REDIS_URL to let the hub launch a private redis-server.`);
  }
  const binary = onPath('redis-server', envPath);
  if (!binary) {
    throw new Error(`No Redis answers at ${new URL(settings.redisUrl).host} and redis-server is not on the PATH. Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL to a running Redis.`);
  }
  const privateRedis = await startPrivateRedis({ binary, port: Number(new URL(settings.redisUrl).port || 6379), dataDir: settings.dataDir });
  return { url: privateRedis.url, privateRedis };
}

