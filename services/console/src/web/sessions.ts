// Server-side console sessions: the browser holds a random id in the `hub_session` cookie, the
// database holds its SHA-256 with the username, role, CSRF token and times.
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '@hub/store';
import type { AccountBook, ConsoleAccount } from './accounts.ts';
import type { ConsoleDeps, SignedInUser } from './context.ts';
import { randomToken, sha256Hex } from './security.ts';

export const SESSION_COOKIE = 'hub_session';
/** Absolute lifetime of a session, however active: a working day and a bit. */
export const SESSION_ABSOLUTE_MS = 12 * 3600_000;
/** last_seen_at is written at most this often per session (the idle timeout is in minutes). */
const TOUCH_EVERY_MS = 15_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request brought a session that has just ended (idle, too old, account gone). */
    sessionEnded?: 'expired' | 'account-removed';
  }
}

export interface SessionManagerOptions {
  store: Store;
  accounts: AccountBook;
  audit: ConsoleDeps['audit'];
  now(): Date;
  idleMs: number;
  absoluteMs?: number;
  /** Secure cookies (production: the console is served over https). */
  secureCookies: boolean;
}

export class SessionManager {
  readonly #o: SessionManagerOptions;
  readonly #absoluteMs: number;

  constructor(options: SessionManagerOptions) {
    this.#o = options;
    this.#absoluteMs = options.absoluteMs ?? SESSION_ABSOLUTE_MS;
  }

  get idleMs(): number {
    return this.#o.idleMs;
  }

  cookieOptions(): CookieSerializeOptions {
    return { httpOnly: true, sameSite: 'strict', path: '/', secure: this.#o.secureCookies };
  }

  #presentedKey(request: FastifyRequest): string | undefined {
    const value = request.cookies[SESSION_COOKIE];
    // Our ids are 43 base64url characters; anything else is not worth a database lookup.
    return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? sha256Hex(value) : undefined;
  }

  /**
   * Sets `request.user` from a live session. An expired session, or one whose account has gone
   * from the accounts file, is deleted (and audited) and `request.sessionEnded` says why. The
   * account's current role is used, so a role change takes effect on the next request.
   */
  async resolve(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const key = this.#presentedKey(request);
    if (!key) return;
    const session = await this.#o.store.findConsoleSession(key);
    if (!session) {
      reply.clearCookie(SESSION_COOKIE, this.cookieOptions());
      return;
    }
    const now = this.#o.now();
    const account = this.#o.accounts.get(session.username);
    const idle = now.getTime() - session.lastSeenAt.getTime() > this.#o.idleMs;
    const tooOld = now.getTime() - session.createdAt.getTime() > this.#absoluteMs;
    if (!account || idle || tooOld) {
      await this.#o.store.deleteConsoleSession(key);
      reply.clearCookie(SESSION_COOKIE, this.cookieOptions());
      request.sessionEnded = account ? 'expired' : 'account-removed';
      request.auditActor = { username: session.username, role: session.role };
      await this.#o.audit(request, { action: 'session-expired', outcome: 'ok', details: { cause: !account ? 'account-removed' : tooOld ? 'absolute-lifetime' : 'idle' } });
      request.auditActor = undefined;
      return;
    }
    if (account.role !== session.role || now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await this.#o.store.touchConsoleSession(key, now, account.role);
    }
    request.user = { username: account.username, role: account.role, csrfToken: session.csrfToken };
  }

  /**
   * Starts a new session for a signed-in account. Whatever session cookie came with the request is
   * never adopted: its session (if any) is deleted and a fresh random id is issued (fixation).
   */
  async start(request: FastifyRequest, reply: FastifyReply, account: ConsoleAccount): Promise<SignedInUser> {
    const previous = this.#presentedKey(request);
    if (previous) await this.#o.store.deleteConsoleSession(previous);
    const id = randomToken();
    const csrfToken = randomToken();
    await this.#o.store.createConsoleSession({ idSha256: sha256Hex(id), username: account.username, role: account.role, csrfToken, createdAt: this.#o.now(), ip: request.ip ?? null });
    reply.setCookie(SESSION_COOKIE, id, this.cookieOptions());
    const user: SignedInUser = { username: account.username, role: account.role, csrfToken };
    request.user = user;
    // Housekeeping: sessions nobody signed out of.
    const now = this.#o.now().getTime();
    void this.#o.store.deleteExpiredConsoleSessions({ idleBefore: new Date(now - this.#o.idleMs), createdBefore: new Date(now - this.#absoluteMs) }).catch(() => undefined);
    return user;
  }

  /** Deletes the request's session and clears the cookie. */
  async end(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const key = this.#presentedKey(request);
    if (key) await this.#o.store.deleteConsoleSession(key);
    reply.clearCookie(SESSION_COOKIE, this.cookieOptions());
  }
}
