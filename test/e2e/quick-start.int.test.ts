import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureRedis } from '@hub/hub/private-redis';
import { Redis } from 'ioredis';
import { redisAnswers } from '@hub/queues';
import { freePort } from '../support/services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** Resolves with the first stdout text matching `pattern`; rejects if the process exits first. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; output:\n${out}`));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, args, { cwd: ROOT, env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-start-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('ensureRedis (the embedded default for `pnpm start`)', () => {
  it('launches a private redis-server with AOF under the data dir when nothing answers and REDIS_URL was not set', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const { url, privateRedis } = await ensureRedis({ redisUrl: `redis://127.0.0.1:${port}`, redisUrlExplicit: false, dataDir });
    try {
      expect(privateRedis).toBeDefined();
      expect(await redisAnswers(url)).toBe(true);
      expect(existsSync(path.join(dataDir, 'redis', 'appendonlydir'))).toBe(true);
    } finally {
      await privateRedis?.stop();
    }
    expect(await redisAnswers(url)).toBe(false);
  });

  it('uses a Redis that answers and launches nothing', async () => {
    const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const result = await ensureRedis({ redisUrl: url, redisUrlExplicit: false, dataDir: tempDir() });
    expect(result).toEqual({ url });
  });

  it('refuses to launch anything when REDIS_URL was set explicitly but does not answer', async () => {
    const port = await freePort();
    await expect(ensureRedis({ redisUrl: `redis://127.0.0.1:${port}`, redisUrlExplicit: true, dataDir: tempDir() })).rejects.toThrow(/Redis does not answer at REDIS_URL/);
  });

  it('says how to get Redis when none answers and redis-server is not on the PATH', async () => {
    const port = await freePort();
    await expect(ensureRedis({ redisUrl: `redis://127.0.0.1:${port}`, redisUrlExplicit: false, dataDir: tempDir() }, '/nonexistent')).rejects.toThrow(/redis-server is not on the PATH\. Install it/);
  });
});

describe('quick start: `pnpm start` on embedded PGlite, then `pnpm hub send`', () => {
  it('starts, prints where it listens, accepts a signed message from the CLI, and stops on SIGTERM', async () => {
    const port = await freePort();
    const prefix = `qs${randomBytes(4).toString('hex')}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: '',
      HUB_DATA_DIR: tempDir(),
      GATEWAY_PORT: String(port),
      CONSOLE_PORT: String(await freePort()),
      HEALTH_PORT: '0',
      SIMULATOR_WEBHOOK_BASE_URL: `http://127.0.0.1:${await freePort()}`,
      SIMULATOR_FHIR_BASE_URL: `http://127.0.0.1:${await freePort()}/fhir`,
      SIMULATOR_SMTP_URL: `smtp://127.0.0.1:${await freePort()}`,
      SIMULATOR_NOTIFY_BASE_URL: `http://127.0.0.1:${await freePort()}`,
      HUB_QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'info',
    };
    const hub = spawn(TSX, ['services/hub/src/start.ts'], { cwd: ROOT, env });
    try {
      const banner = await waitForOutput(hub, /Early Help Referral Hub is running[\s\S]*try it/, 60_000);
      expect(banner).toContain(`http://127.0.0.1:${port}/v1/inbound/{partnerId}`);
      expect(banner).toMatch(/embedded PGlite/);
      expect(banner).toMatch(/partners\s+simulated: webhooks/);
      const delivered = waitForOutput(hub, /simulated partner received a referral[\s\S]*simulated partner received a referral[\s\S]*simulated secure mailbox received a referral email|simulated secure mailbox received a referral email[\s\S]*simulated partner received a referral[\s\S]*simulated partner received a referral/, 60_000);
      const sent = await run(['services/hub/src/cli.ts', 'send', 'test/fixtures/inbound/police.domestic-abuse.notified.json', '--as', 'gmp', '--url', `http://127.0.0.1:${port}`, '--id', 'msg_quickstart_1'], env);
      expect(sent.out).toMatch(/^202 /m);
      expect(sent.code).toBe(0);
      // The Encompass notification reaches both children's schools (webhooks) and the MASH (secure email).
      await delivered;
      const again = await run(['services/hub/src/cli.ts', 'send', 'test/fixtures/inbound/police.domestic-abuse.notified.json', '--as', 'gmp', '--url', `http://127.0.0.1:${port}`, '--id', 'msg_quickstart_1'], env);
      expect(again.out).toMatch(/^200 /m);
      const wrongPartner = await run(['services/hub/src/cli.ts', 'send', 'test/fixtures/inbound/police.domestic-abuse.notified.json', '--as', 'st-marys-primary', '--url', `http://127.0.0.1:${port}`], env);
      expect(wrongPartner.out).toMatch(/^403 /m);
      expect(wrongPartner.out).toContain('HUB_ERR_MESSAGE_TYPE_NOT_ALLOWED');
      expect(wrongPartner.code).toBe(1);
    } finally {
      const exited = new Promise<number | null>((resolve) => hub.once('exit', resolve));
      hub.kill('SIGTERM');
      expect(await exited).toBe(0);
      // The hub ran on the shared Redis: leave nothing of this run behind.
      const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  }, 120_000);

  it('refuses to start with every configuration problem listed', async () => {
    const result = await run(['services/hub/src/start.ts'], { ...process.env, GATEWAY_PORT: 'x', HUB_MODE: 'production', HUB_CONFIG_DIR: tempDir() });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/GATEWAY_PORT must be a whole number/);
    expect(result.out).toMatch(/HUB_MASTER_KEYS is required in production/);
    expect(result.out).toMatch(/partners\.yaml: file not found/);
  });
});
