import { spawn } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@hub/testing';
import { freePort } from '../support/services.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Each service as deployed (one process each, as docker-compose runs them): probes answer, SIGTERM stops it cleanly. */
describe('service processes', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase('svc');
  });
  afterAll(async () => {
    await db?.drop();
  });

  for (const service of ['gateway', 'router', 'delivery', 'console', 'scheduler']) {
    it(`${service}: /livez and /readyz answer, and SIGTERM exits 0`, async () => {
      const [gatewayPort, consolePort, healthPort] = [await freePort(), await freePort(), await freePort()];
      const prefix = `svc${randomBytes(4).toString('hex')}`;
      const probePort = service === 'gateway' ? gatewayPort : service === 'console' ? consolePort : healthPort;
      const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [`services/${service}/src/main.ts`], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          HUB_QUEUE_PREFIX: prefix,
          GATEWAY_PORT: String(gatewayPort),
          CONSOLE_PORT: String(consolePort),
          HEALTH_PORT: String(healthPort),
          LOG_LEVEL: 'warn',
        },
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        const deadline = Date.now() + 60_000;
        let live: Response | undefined;
        while (!live) {
          live = await fetch(`http://127.0.0.1:${probePort}/livez`).catch(() => undefined);
          if (!live) {
            if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${service} did not come up:\n${output}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
        expect(live.status).toBe(200);
        const ready = await fetch(`http://127.0.0.1:${probePort}/readyz`);
        expect(ready.status).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited, output).toBe(0);
      const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }, 90_000);
  }
});
