// Signing in to the browser console from a test, through the real /login form (no browser):
//   const s = await signIn(app, 'operator', DEMO_PASSWORDS.operator);
//   await app.inject({ method: 'GET', url: '/holds', headers: { cookie: s.cookie } });
//   await consolePost(app, s, '/holds/<id>/close', { reason: 'Not for us' });   // adds _csrf
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type HubConfig, type Settings } from '@hub/config';
import { startConsoleRuntime, type ConsoleRuntime } from '@hub/console';
import { openMigratedStore, type Store } from '@hub/store';
import { captureLogger, randomSchemaName, testDatabaseUrl } from '@hub/testing';

/** The published demo accounts of config/console-accounts.demo.yaml (demo mode's default). */
export const DEMO_PASSWORDS = {
  viewer: 'demo-viewer-pass',
  operator: 'demo-operator-pass',
  dpo: 'demo-dpo-pass',
  admin: 'demo-admin-pass',
} as const;

export type DemoAccount = keyof typeof DEMO_PASSWORDS;

export interface ConsoleSession {
  username: string;
  /** The `cookie` request header: `hub_session=…`. */
  cookie: string;
  /** The session's CSRF token, for `_csrf` form fields or the `x-csrf-token` header. */
  csrfToken: string;
}

export function cookieValue(res: LightMyRequestResponse, name: string): string | undefined {
  const found = (res.cookies as { name: string; value: string }[]).find((c) => c.name === name);
  return found?.value;
}

/** The value of the first hidden `_csrf` field in a page. */
export function csrfFieldOf(page: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
}

/** The sign-in form's double-submit token and the cookie carrying it. */
export async function loginForm(app: FastifyInstance, headers: Record<string, string> = {}): Promise<{ token: string; cookie: string }> {
  const res = await app.inject({ method: 'GET', url: '/login', headers });
  const token = csrfFieldOf(res.body);
  const cookie = cookieValue(res, 'hub_login_csrf');
  if (res.statusCode !== 200 || !token || !cookie) throw new Error(`GET /login answered ${res.statusCode} without a sign-in form`);
  return { token, cookie: `hub_login_csrf=${cookie}` };
}

/** POSTs the sign-in form (with a valid form token unless `formToken` says otherwise). */
export async function postLogin(app: FastifyInstance, username: string, password: string, opts: { extraCookie?: string; next?: string; remoteAddress?: string } = {}): Promise<LightMyRequestResponse> {
  const form = await loginForm(app);
  const fields: Record<string, string> = { _csrf: form.token, username, password, ...(opts.next ? { next: opts.next } : {}) };
  return app.inject({
    method: 'POST',
    url: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [form.cookie, opts.extraCookie].filter(Boolean).join('; ') },
    payload: new URLSearchParams(fields).toString(),
    ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
  });
}

/**
 * Signs in through the real form and returns the session cookie header and its CSRF token
 * (read from the sign-out form every signed-in page carries).
 */
export async function signIn(app: FastifyInstance, username: string, password: string = DEMO_PASSWORDS[username as DemoAccount] ?? ''): Promise<ConsoleSession> {
  const res = await postLogin(app, username, password);
  const id = cookieValue(res, 'hub_session');
  if (res.statusCode !== 303 || !id) throw new Error(`sign-in as ${username} answered ${res.statusCode}`);
  const cookie = `hub_session=${id}`;
  // Any page will do; an unknown path's 404 page is the cheapest one with the layout.
  const page = await app.inject({ method: 'GET', url: '/__test-signed-in', headers: { cookie } });
  const csrfToken = csrfFieldOf(page.body);
  if (page.statusCode !== 404 || !csrfToken) throw new Error(`the new session of ${username} did not work (${page.statusCode})`);
  return { username, cookie, csrfToken };
}

export async function consoleGet(app: FastifyInstance, session: ConsoleSession | undefined, url: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url, headers: session ? { cookie: session.cookie } : {} });
}

/** POSTs a urlencoded form with the session's cookie and `_csrf` (unless `csrf` overrides it; null leaves it out). */
export async function consolePost(app: FastifyInstance, session: ConsoleSession | undefined, url: string, form: Record<string, string | string[]> = {}, opts: { csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
  const body = new URLSearchParams();
  const csrf = opts.csrf === undefined ? session?.csrfToken : opts.csrf;
  if (csrf !== null && csrf !== undefined) body.append('_csrf', csrf);
  for (const [key, value] of Object.entries(form)) for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  return app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(session ? { cookie: session.cookie } : {}) },
    payload: body.toString(),
  });
}

export interface ConsoleHarness {
  app: FastifyInstance;
  runtime: ConsoleRuntime;
  config: HubConfig;
  store: Store;
  schema: string;
  /** The console's clock: starts at the real time, moves only when told. */
  clock: { now(): Date; advance(ms: number): void };
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * The console service alone over real PostgreSQL (own schema) and real Redis (own prefix), with a
 * clock the test moves (idle timeouts, rate-limit windows). `settings` overrides loaded settings.
 */
export async function startConsoleHarness(opts: { env?: Record<string, string>; settings?: Partial<Settings> } = {}): Promise<ConsoleHarness> {
  const schema = randomSchemaName('console');
  const env: Record<string, string> = {
    DATABASE_URL: testDatabaseUrl(),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    HUB_QUEUE_PREFIX: `con${randomBytes(4).toString('hex')}`,
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const loaded = loadConfig(env);
  const config: HubConfig = { ...loaded, settings: { ...loaded.settings, ...opts.settings } };
  const logs = captureLogger('console', 'warn');
  const store = await openMigratedStore(config.settings, { schema, logger: logs.logger });
  let now = Date.now();
  const clock = { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
  let runtime: ConsoleRuntime;
  try {
    runtime = await startConsoleRuntime(config, store, logs.logger, { now: clock.now });
    await runtime.app.ready();
  } catch (err) {
    await store.close();
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    throw err;
  }
  const pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
  return {
    app: runtime.app,
    runtime,
    config,
    store,
    schema,
    clock,
    async sql<T>(text: string, params: unknown[] = []) {
      const client = await pool.connect();
      try {
        await client.query(`SET search_path TO ${schema}`);
        return (await client.query(text, params)).rows as T[];
      } finally {
        client.release();
      }
    },
    async close() {
      await runtime.close();
      await store.close();
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
      const redis = new Redis(env.REDIS_URL as string, { maxRetriesPerRequest: null });
      const keys = await redis.keys(`${env.HUB_QUEUE_PREFIX}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
