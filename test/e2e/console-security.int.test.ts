// The browser console's security foundation against real PostgreSQL and Redis: sign-in, sessions,
// CSRF, rate limiting, roles on every route, the queue board, the audit trail and headers.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CONSOLE_ACCOUNTS_FILE } from '@hub/config';
import { consoleRoutes, hashPassword, type ConsoleRole, type PageRoute } from '@hub/console';
import { hubQueueNames } from '@hub/queues';
import { consoleGet, consolePost, cookieValue, DEMO_PASSWORDS, loginForm, postLogin, signIn, startConsoleHarness, type ConsoleHarness, type ConsoleSession } from '../support/console-session.ts';

const ROLES: readonly ConsoleRole[] = ['viewer', 'operator', 'dpo', 'admin'];
const ALL = ROLES;

/**
 * Who may use each console route, written out by hand: a wrong `roles` value in the code fails
 * here. A new route must be added to this table (the first test says so).
 */
const EXPECTED_ROLES: Readonly<Record<string, readonly ConsoleRole[]>> = {
  'POST /logout': ALL,
  'GET /audit': ['dpo', 'admin'],
  'POST /accounts/reload': ['admin'],
  'GET /': ALL,
  'GET /referrals': ALL,
  'GET /referrals/:id': ALL,
  'POST /referrals/:id/reveal': ['operator', 'dpo'],
  'POST /referrals/:id/signposting': ['operator', 'admin'],
  'POST /referrals/:id/message-opt-out': ['operator', 'admin'],
  'GET /holds': ALL,
  'POST /holds/:id/share': ['operator', 'admin'],
  'POST /holds/:id/close': ['operator', 'admin'],
  'GET /dead-letters': ALL,
  'POST /dead-letters/replay': ['operator', 'admin'],
  'POST /dead-letters/:id/close': ['operator', 'admin'],
  'GET /partners': ALL,
  'POST /partners/:id/enable': ['admin'],
  'GET /ledger': ['operator', 'dpo', 'admin'],
  'POST /ledger/verify': ['operator', 'dpo', 'admin'],
  'GET /sar': ['dpo', 'admin'],
  'POST /sar': ['dpo'],
  'GET /sar/:id': ['dpo'],
  'POST /sar/:id/search': ['dpo'],
  'POST /sar/:id/match': ['dpo'],
  'POST /sar/:id/extend': ['dpo'],
  'POST /sar/:id/complete': ['dpo'],
  'GET /sar/:id/export.json': ['dpo'],
  'GET /sar/:id/export.html': ['dpo'],
  'GET /rights': ['operator', 'dpo'],
  'GET /rights/:personId': ['operator', 'dpo'],
  'POST /rights/:personId/restriction': ['operator', 'dpo'],
  'POST /rights/:personId/objection': ['operator', 'dpo'],
  'POST /rights/:personId/override': ['operator', 'dpo'],
  'POST /rights/:personId/rectify': ['operator', 'dpo'],
  'GET /retention': ['dpo', 'admin'],
  'GET /retention/runs/:id': ['dpo', 'admin'],
  'POST /retention/dry-run': ['dpo', 'admin'],
  'POST /retention/run': ['admin'],
  'POST /retention/holds': ['dpo', 'admin'],
  'POST /retention/holds/:id/release': ['dpo', 'admin'],
  'GET /statistics': ALL,
  'GET /statistics.csv': ALL,
  'GET /statistics.json': ALL,
  'GET /statistics/feedback': ALL,
  'GET /statistics/feedback.csv': ALL,
  'GET /statistics/feedback.json': ALL,
  'GET /performance': ALL,
  'GET /performance.csv': ALL,
  'GET /extract': ['admin', 'dpo'],
  'POST /extract': ['admin', 'dpo'],
  'GET /extract/:id/manifest.json': ['admin', 'dpo'],
};

const key = (r: { method: string; url: string }): string => `${r.method} ${r.url}`;
const concrete = (url: string): string => url.replace(/:[A-Za-z]+/g, () => randomUUID());

interface AuditRow {
  actor: string;
  role: string;
  action: string;
  outcome: string;
  ip: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
}

describe('the browser console', () => {
  let h: ConsoleHarness;
  let dir: string;
  let accountsFile: string;
  let routes: PageRoute[];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'console-accounts-'));
    accountsFile = path.join(dir, 'accounts.yaml');
    copyFileSync(DEMO_CONSOLE_ACCOUNTS_FILE, accountsFile);
    h = await startConsoleHarness({ env: { HUB_CONSOLE_ACCOUNTS: accountsFile, HUB_CONSOLE_IDLE_MINUTES: '20' } });
    routes = consoleRoutes(h.runtime.deps);
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const audit = (action: string): Promise<AuditRow[]> => h.sql<AuditRow>('SELECT actor, role, action, outcome, ip, target_id, details FROM audit_events WHERE action = $1 ORDER BY id', [action]);
  const sessionRows = (username: string): Promise<{ id_sha256: string }[]> => h.sql('SELECT id_sha256 FROM console_sessions WHERE username = $1', [username]);

  describe('signing in', () => {
    it('serves the sign-in form with a pre-session token cookie, security headers and no caching', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/login' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/^hub_login_csrf=[A-Za-z0-9_-]{43};/);
      expect(setCookie).toContain('HttpOnly');
      expect(setCookie).toContain('SameSite=Strict');
    });

    it('sets a new httpOnly, SameSite=Strict session cookie and records the sign-in', async () => {
      const res = await postLogin(h.app, 'operator', DEMO_PASSWORDS.operator);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/');
      const sessionCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('hub_session='));
      expect(sessionCookie).toMatch(/^hub_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
      expect(sessionCookie).not.toContain('Secure');
      const rows = await audit('sign-in');
      expect(rows.at(-1)).toMatchObject({ actor: 'operator', role: 'operator', outcome: 'ok', ip: '127.0.0.1' });
    });

    it('goes back to a same-site page after sign-in, never to another site', async () => {
      expect((await postLogin(h.app, 'viewer', DEMO_PASSWORDS.viewer, { next: '/holds?page=2' })).headers.location).toBe('/holds?page=2');
      for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/login', 'javascript:alert(1)']) {
        expect((await postLogin(h.app, 'viewer', DEMO_PASSWORDS.viewer, { next })).headers.location).toBe('/');
      }
    });

    it('says the same thing for a wrong password and an unknown account, and records both', async () => {
      const wrong = await postLogin(h.app, 'dpo', 'not-the-password', { remoteAddress: '10.1.0.1' });
      const unknown = await postLogin(h.app, 'nobody-here', 'whatever-it-is', { remoteAddress: '10.1.0.1' });
      for (const res of [wrong, unknown]) {
        expect(res.statusCode).toBe(401);
        expect(res.body).toContain('The username or password is not right');
        expect(cookieValue(res, 'hub_session')).toBeUndefined();
      }
      const failures = await audit('sign-in-failed');
      expect(failures).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'dpo', role: 'dpo', outcome: 'failed', ip: '10.1.0.1' }), expect.objectContaining({ actor: '(unknown account)', role: '(none)', ip: '10.1.0.1' })]));
      // What was typed as an unknown username is not kept anywhere.
      expect(await h.sql(`SELECT 1 FROM audit_events WHERE actor = 'nobody-here' OR details::text LIKE '%nobody-here%'`)).toEqual([]);
    });

    it('refuses a sign-in form that did not come from this site (login CSRF)', async () => {
      const form = await loginForm(h.app);
      const post = (cookie: string, token: string) =>
        h.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) }, payload: new URLSearchParams({ _csrf: token, username: 'admin', password: DEMO_PASSWORDS.admin }).toString() });
      for (const res of [await post('', form.token), await post(form.cookie, ''), await post(form.cookie, 'x'.repeat(43)), await post('hub_login_csrf=' + 'y'.repeat(43), form.token)]) {
        expect(res.statusCode).toBe(403);
        expect(cookieValue(res, 'hub_session')).toBeUndefined();
      }
    });

    it('never adopts a session id presented before sign-in (fixation), and ends that session', async () => {
      const attacker = await signIn(h.app, 'viewer');
      const planted = attacker.cookie;
      const res = await postLogin(h.app, 'admin', DEMO_PASSWORDS.admin, { extraCookie: planted });
      const issued = cookieValue(res, 'hub_session');
      expect(issued).toBeDefined();
      expect(`hub_session=${issued}`).not.toBe(planted);
      expect((await consoleGet(h.app, attacker, '/audit')).statusCode).toBe(303);
      // A made-up id is not adopted either.
      const madeUp = `hub_session=${'A'.repeat(43)}`;
      const res2 = await postLogin(h.app, 'admin', DEMO_PASSWORDS.admin, { extraCookie: madeUp });
      expect(`hub_session=${cookieValue(res2, 'hub_session')}`).not.toBe(madeUp);
    });

    it('signs out: deletes the session, clears the cookie and records it', async () => {
      const s = await signIn(h.app, 'dpo');
      expect(await sessionRows('dpo')).not.toHaveLength(0);
      const before = (await sessionRows('dpo')).length;
      const res = await consolePost(h.app, s, '/logout');
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/login?signedOut=1');
      expect(String(res.headers['set-cookie'])).toMatch(/hub_session=;.*Expires=Thu, 01 Jan 1970/);
      expect(await sessionRows('dpo')).toHaveLength(before - 1);
      expect((await consoleGet(h.app, s, '/audit')).statusCode).toBe(303);
      expect((await audit('sign-out')).at(-1)).toMatchObject({ actor: 'dpo', role: 'dpo', outcome: 'ok' });
    });

    it('ends a session after the idle time (and keeps an active one), redirecting with a notice', async () => {
      const s = await signIn(h.app, 'operator');
      for (let i = 0; i < 3; i++) {
        h.clock.advance(15 * 60_000);
        expect((await consoleGet(h.app, s, '/__still-here')).statusCode).toBe(404);
      }
      h.clock.advance(21 * 60_000);
      const res = await consoleGet(h.app, s, '/holds');
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/login?expired=1&next=%2Fholds');
      expect((await h.app.inject({ method: 'GET', url: res.headers.location as string })).body).toContain('Your session ended after 20 minutes without activity');
      expect((await consoleGet(h.app, s, '/holds')).statusCode).toBe(303);
      expect((await audit('session-expired')).at(-1)).toMatchObject({ actor: 'operator', details: { cause: 'idle' } });
      // A form posted with the expired session is refused, not redirected.
      expect((await consolePost(h.app, s, '/logout')).statusCode).toBe(401);
    });

    it('ends a session 12 hours after sign-in however active it is', async () => {
      const s = await signIn(h.app, 'viewer');
      for (let elapsed = 0; elapsed < 12 * 60; elapsed += 19) {
        h.clock.advance(19 * 60_000);
        const res = await consoleGet(h.app, s, '/__still-here');
        if (elapsed + 19 <= 12 * 60) expect(res.statusCode).toBe(404);
        else expect(res.statusCode).toBe(303);
      }
      expect((await audit('session-expired')).at(-1)).toMatchObject({ actor: 'viewer', details: { cause: 'absolute-lifetime' } });
    });

    it('refuses sign-in with 429 after 5 failures for one username, even with the right password', async () => {
      for (let i = 0; i < 5; i++) expect((await postLogin(h.app, 'admin', 'wrong-password', { remoteAddress: '10.2.0.1' })).statusCode).toBe(401);
      const blocked = await postLogin(h.app, 'admin', DEMO_PASSWORDS.admin, { remoteAddress: '10.2.0.2' });
      expect(blocked.statusCode).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
      expect(cookieValue(blocked, 'hub_session')).toBeUndefined();
      // Other accounts are not affected; the window passes.
      expect((await postLogin(h.app, 'viewer', DEMO_PASSWORDS.viewer, { remoteAddress: '10.2.0.1' })).statusCode).toBe(303);
      h.clock.advance(15 * 60_000 + 1000);
      expect((await postLogin(h.app, 'admin', DEMO_PASSWORDS.admin, { remoteAddress: '10.2.0.2' })).statusCode).toBe(303);
    });

    it('refuses sign-in with 429 after 20 failures from one address, whatever the usernames', async () => {
      for (let i = 0; i < 20; i++) expect((await postLogin(h.app, `guess-${i}`, 'wrong-password', { remoteAddress: '10.3.0.1' })).statusCode).toBe(401);
      expect((await postLogin(h.app, 'dpo', DEMO_PASSWORDS.dpo, { remoteAddress: '10.3.0.1' })).statusCode).toBe(429);
      expect((await postLogin(h.app, 'dpo', DEMO_PASSWORDS.dpo, { remoteAddress: '10.3.0.2' })).statusCode).toBe(303);
    });
  });

  describe('every console route', () => {
    it('is in the expected-roles table with the same roles', () => {
      const actual = Object.fromEntries(routes.map((r) => [key(r), [...r.roles].sort()]));
      const expected = Object.fromEntries(Object.entries(EXPECTED_ROLES).map(([k, roles]) => [k, [...roles].sort()]));
      expect(actual).toEqual(expected);
    });

    it('needs a session: pages redirect to sign-in, forms answer 401', async () => {
      for (const route of routes) {
        const url = concrete(route.url);
        const res = await h.app.inject({ method: route.method, url, ...(route.method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'reason=x' } : {}) });
        if (route.method === 'GET') {
          expect(res.statusCode, key(route)).toBe(303);
          expect(res.headers.location, key(route)).toBe(url === '/' ? '/login' : `/login?next=${encodeURIComponent(url)}`);
        } else {
          expect(res.statusCode, key(route)).toBe(401);
          expect(res.headers['content-type'], key(route)).toMatch(/^text\/html/);
        }
      }
      for (const url of ['/queues', '/queues/', '/audit', '/no-such-page']) expect((await h.app.inject({ method: 'GET', url })).statusCode, url).toBe(303);
    });

    it('answers 403 to the roles not listed, and lets the listed ones through', { timeout: 120_000 }, async () => {
      const sessions = new Map<ConsoleRole, ConsoleSession>();
      for (const role of ROLES) sessions.set(role, await signIn(h.app, role));
      const ordered = [...routes].sort((a, b) => Number(a.url === '/logout') - Number(b.url === '/logout'));
      for (const route of ordered) {
        for (const role of ROLES) {
          const s = sessions.get(role) as ConsoleSession;
          const url = concrete(route.url);
          const res = route.method === 'GET' ? await consoleGet(h.app, s, url) : await consolePost(h.app, s, url);
          const label = `${role} ${key(route)}`;
          if ((EXPECTED_ROLES[key(route)] ?? []).includes(role)) {
            expect(res.statusCode, label).not.toBe(403);
            expect(res.statusCode, label).not.toBe(401);
            expect(res.headers.location ?? '', label).not.toMatch(/^\/login(\?(?!signedOut)|$)/);
          } else {
            expect(res.statusCode, label).toBe(403);
            expect(res.body, label).toContain('Your role does not allow this');
          }
        }
      }
      const denied = await audit('access-denied');
      expect(denied).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'viewer', role: 'viewer', outcome: 'denied', target_id: 'GET /audit' })]));
    });

    it('answers an unknown path with a 404 page when signed in, and /admin/* with JSON', async () => {
      const s = await signIn(h.app, 'viewer');
      const res = await consoleGet(h.app, s, '/nothing/here');
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      const api = await h.app.inject({ method: 'GET', url: '/admin/nothing-here', headers: { authorization: 'Bearer demo-operator-token' } });
      expect(api.statusCode).toBe(404);
      expect(api.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect((await h.app.inject({ method: 'GET', url: '/admin/holds' })).statusCode).toBe(401);
      expect((await h.app.inject({ method: 'GET', url: '/livez' })).json()).toEqual({ status: 'ok' });
    });
  });

  describe('CSRF', () => {
    it('refuses a form without the session token, or with a wrong one, and changes nothing', async () => {
      const admin = await signIn(h.app, 'admin');
      const reloadsBefore = (await audit('config.reload')).length;
      for (const csrf of [null, '', 'x'.repeat(43), (await signIn(h.app, 'admin')).csrfToken]) {
        const res = await consolePost(h.app, admin, '/accounts/reload', {}, { csrf });
        expect(res.statusCode).toBe(403);
        expect(res.body).toContain('This form has expired');
      }
      const noSignOut = await consolePost(h.app, admin, '/logout', {}, { csrf: null });
      expect(noSignOut.statusCode).toBe(403);
      expect((await audit('config.reload')).length).toBe(reloadsBefore);
      expect((await consoleGet(h.app, admin, '/audit')).statusCode).toBe(200);
      // The x-csrf-token header works as well as the form field.
      const viaHeader = await h.app.inject({ method: 'POST', url: '/accounts/reload', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrfToken } });
      expect(viaHeader.statusCode).toBe(303);
      expect((await audit('config.reload')).length).toBe(reloadsBefore + 1);
    });
  });

  describe('the queue board at /queues', () => {
    const queueName = (): string => hubQueueNames(h.config.partners.all().filter((p) => p.delivery).map((p) => p.id))[0] as string;

    it('cannot be reached without signing in: page, API and static files', async () => {
      expect((await h.app.inject({ method: 'GET', url: '/queues' })).headers.location).toBe('/login?next=%2Fqueues');
      for (const url of ['/queues/api/queues', '/queues/api/redis/stats', '/queues/static/images/logo.svg']) {
        const res = await h.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(401);
        expect(res.body, url).not.toContain('referral.route');
      }
      expect((await h.app.inject({ method: 'PUT', url: `/queues/api/queues/${encodeURIComponent(queueName())}/pause` })).statusCode).toBe(401);
    });

    it('shows every role the queues, with a CSP of its own', async () => {
      const viewer = await signIn(h.app, 'viewer');
      const page = await consoleGet(h.app, viewer, '/queues');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<base href="/queues/"');
      expect(String(page.headers['content-security-policy'])).toContain("style-src 'self' 'unsafe-inline'");
      expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
      expect(page.headers['cache-control']).toBe('no-store');
      const api = await consoleGet(h.app, viewer, '/queues/api/queues');
      expect(api.statusCode).toBe(200);
      expect((api.json() as { queues: { name: string }[] }).queues.map((q) => q.name)).toEqual(expect.arrayContaining([queueName()]));
      expect((await consoleGet(h.app, viewer, '/queues/static/images/logo.svg')).statusCode).toBe(200);
    });

    it('lets operators and admins act, audited; viewers and DPOs get 403', async () => {
      const url = `/queues/api/queues/${encodeURIComponent(queueName())}`;
      for (const role of ['viewer', 'dpo'] as const) {
        const s = await signIn(h.app, role);
        const res = await h.app.inject({ method: 'PUT', url: `${url}/pause`, headers: { cookie: s.cookie } });
        expect(res.statusCode, role).toBe(403);
      }
      expect(await h.runtime.enqueuer.queue(queueName()).isPaused()).toBe(false);
      const operator = await signIn(h.app, 'operator');
      expect((await h.app.inject({ method: 'PUT', url: `${url}/pause`, headers: { cookie: operator.cookie } })).statusCode).toBe(200);
      expect(await h.runtime.enqueuer.queue(queueName()).isPaused()).toBe(true);
      expect((await h.app.inject({ method: 'PUT', url: `${url}/resume`, headers: { cookie: operator.cookie } })).statusCode).toBe(200);
      expect(await h.runtime.enqueuer.queue(queueName()).isPaused()).toBe(false);
      expect((await audit('queue.pause')).at(-1)).toMatchObject({ actor: 'operator', role: 'operator', outcome: 'ok', target_id: queueName() });
      expect((await audit('queue.resume')).at(-1)).toMatchObject({ actor: 'operator', outcome: 'ok' });
      expect(await h.sql(`SELECT 1 FROM audit_events WHERE action = 'access-denied' AND actor IN ('viewer', 'dpo') AND target_id = $1`, [queueName()])).toHaveLength(2);
      // A cross-site request never acts, whatever the role.
      const cross = await h.app.inject({ method: 'PUT', url: `${url}/pause`, headers: { cookie: operator.cookie, origin: 'https://evil.example', host: 'localhost:80' } });
      expect(cross.statusCode).toBe(403);
    });

    it('refuses changes that would lose or forge work, even to an admin', async () => {
      const admin = await signIn(h.app, 'admin');
      const url = `/queues/api/queues/${encodeURIComponent(queueName())}`;
      const attempts = [
        { method: 'PUT' as const, url: `${url}/empty` },
        { method: 'PUT' as const, url: `${url}/obliterate`, payload: {} },
        { method: 'PUT' as const, url: `${url}/clean/wait` },
        { method: 'POST' as const, url: `${url}/add`, payload: { name: 'deliver', data: { anything: 1 } } },
        { method: 'PATCH' as const, url: `${url}/some-job/update-data`, payload: { jobData: {} } },
      ];
      for (const a of attempts) {
        const res = await h.app.inject({ method: a.method, url: a.url, headers: { cookie: admin.cookie }, ...(a.payload ? { payload: a.payload } : {}) });
        expect(res.statusCode, a.url).toBe(403);
      }
      expect((await h.app.inject({ method: 'PUT', url: `${url}/clean/completed`, headers: { cookie: admin.cookie } })).statusCode).toBe(200);
      expect((await audit('queue.clean-all')).at(-1)).toMatchObject({ actor: 'admin', outcome: 'ok', details: { queueStatus: 'completed', status: 200 } });
    });
  });

  describe('the audit trail', () => {
    it('lists events newest first for DPOs and admins, filtered by who, what and when', async () => {
      const dpo = await signIn(h.app, 'dpo');
      const page = await consoleGet(h.app, dpo, '/audit');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('sign-in');
      expect(page.body).not.toContain('Reload accounts');
      const mine = await consoleGet(h.app, dpo, '/audit?actor=dpo&action=sign-in');
      expect(mine.body).toContain('<td>sign-in</td>');
      expect(mine.body).not.toContain('<td>sign-in-failed</td>');
      const future = await consoleGet(h.app, dpo, '/audit?from=2999-01-01');
      expect(future.body).toContain('No audit events match.');
      const bad = await consoleGet(h.app, dpo, '/audit?action=%3Cscript%3E');
      expect(bad.body).toContain('Enter an action such as');
      expect(bad.body).not.toContain('<script>');
    });

    it('records the admin API’s state-changing calls with the operator id and role api-token', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/admin/ledger/verify', headers: { authorization: 'Bearer demo-operator-token' } });
      expect(res.statusCode).toBe(200);
      expect((await audit('ledger.verify')).at(-1)).toMatchObject({ actor: 'demo-operator', role: 'api-token', outcome: 'ok' });
      const close = await h.app.inject({ method: 'POST', url: `/admin/dead-letters/${randomUUID()}/close`, headers: { authorization: 'Bearer demo-operator-token', 'content-type': 'application/json' }, payload: { reason: 'Checked with the partner' } });
      expect(close.statusCode).toBe(404);
      const rows = await h.sql<AuditRow & { reason: string }>(`SELECT actor, role, outcome, reason FROM audit_events WHERE action = 'dead-letter.close' ORDER BY id DESC LIMIT 1`);
      expect(rows[0]).toMatchObject({ actor: 'demo-operator', role: 'api-token', outcome: 'failed', reason: 'Checked with the partner' });
    });
  });

  describe('reloading the accounts file (config.reload)', () => {
    it('adds accounts, changes roles on the next request, signs out removed accounts, and keeps the old accounts when the file is bad', { timeout: 60_000 }, async () => {
      const original = readFileSync(accountsFile, 'utf8');
      try {
        const admin = await signIn(h.app, 'admin');
        const viewer = await signIn(h.app, 'viewer');
        expect((await consoleGet(h.app, viewer, '/ledger')).statusCode).toBe(403);
        const newHash = await hashPassword('a-brand-new-password');
        const changed = original.replace(/(username: viewer\n\s+role: )viewer/, '$1operator').replace(/ {2}- username: dpo\n.*\n.*\n/, '') + `  - username: casey\n    role: dpo\n    passwordHash: ${newHash}\n`;
        writeFileSync(accountsFile, changed);
        const dpo = await signIn(h.app, 'dpo');
        const reload = await consolePost(h.app, admin, '/accounts/reload');
        expect(reload.statusCode).toBe(303);
        expect(reload.headers.location).toBe('/audit?notice=reloaded&n=4');
        expect((await consoleGet(h.app, admin, reload.headers.location as string)).body).toContain('Accounts reloaded: 4 accounts in force.');
        expect((await consoleGet(h.app, viewer, '/ledger')).statusCode).not.toBe(403);
        expect((await consoleGet(h.app, dpo, '/audit')).statusCode).toBe(303);
        expect((await audit('session-expired')).at(-1)).toMatchObject({ actor: 'dpo', details: { cause: 'account-removed' } });
        await signIn(h.app, 'casey', 'a-brand-new-password');
        expect((await postLogin(h.app, 'dpo', DEMO_PASSWORDS.dpo)).statusCode).toBe(401);

        writeFileSync(accountsFile, 'accounts:\n  - username: X\n    role: root\n    passwordHash: plain\n');
        const refused = await consolePost(h.app, admin, '/accounts/reload');
        expect(refused.statusCode).toBe(422);
        expect(refused.body).toContain('the accounts already loaded stay in force');
        expect(refused.body).toContain('/accounts/0/username');
        expect(refused.body).toContain('/accounts/0/role');
        expect(refused.body).toContain('/accounts/0/passwordHash');
        await signIn(h.app, 'casey', 'a-brand-new-password');
        expect((await audit('config.reload')).slice(-2).map((r) => r.outcome)).toEqual(['ok', 'failed']);
      } finally {
        writeFileSync(accountsFile, original);
      }
    });
  });
});

describe('the browser console in production mode', () => {
  let h: ConsoleHarness;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'console-accounts-'));
    const file = path.join(dir, 'accounts.yaml');
    writeFileSync(file, `accounts:\n  - username: pat\n    role: admin\n    passwordHash: ${await hashPassword('a-production-password')}\n`);
    h = await startConsoleHarness({ settings: { mode: 'production', consoleAccountsFile: file } });
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks the cookies Secure and sends HSTS', async () => {
    const res = await postLogin(h.app, 'pat', 'a-production-password');
    expect(res.statusCode).toBe(303);
    const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    expect(cookies.find((c) => c.startsWith('hub_session='))).toMatch(/; HttpOnly; Secure; SameSite=Strict$/);
    expect(String((await h.app.inject({ method: 'GET', url: '/login' })).headers['set-cookie'])).toContain('Secure');
    expect(String(res.headers['strict-transport-security'])).toContain('max-age=31536000');
  });

  it('refuses to start on the published demo accounts', async () => {
    await expect(startConsoleHarness({ settings: { mode: 'production', consoleAccountsFile: DEMO_CONSOLE_ACCOUNTS_FILE } })).rejects.toThrow(/published demo password/);
  });
});
