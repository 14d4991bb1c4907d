import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, createBackend } from './test-backends.ts';

function sessionKey(): string {
  return createHash('sha256').update(randomBytes(32)).digest('hex');
}

describe.each(backendNames)('console sessions and audit trail on %s', (backendName) => {
  let backend: Backend;
  let opened: OpenedStore;
  beforeAll(async () => {
    backend = createBackend(backendName);
    opened = await backend.open();
    await opened.store.migrate();
  });
  afterAll(async () => {
    await backend?.closeAll();
  });

  it('creates, finds, touches and deletes a session by the SHA-256 of its id', async () => {
    const { store } = opened;
    const key = sessionKey();
    const createdAt = new Date('2026-01-05T09:00:00.000Z');
    await store.createConsoleSession({ idSha256: key, username: 'alice', role: 'viewer', csrfToken: 'csrf-token-1', createdAt, ip: '10.0.0.1' });
    expect(await store.findConsoleSession(key)).toEqual({ idSha256: key, username: 'alice', role: 'viewer', csrfToken: 'csrf-token-1', createdAt, lastSeenAt: createdAt, ip: '10.0.0.1' });

    const later = new Date('2026-01-05T09:10:00.000Z');
    await store.touchConsoleSession(key, later, 'operator');
    // An older touch arriving late never moves last_seen_at back.
    await store.touchConsoleSession(key, createdAt, 'operator');
    expect(await store.findConsoleSession(key)).toMatchObject({ role: 'operator', lastSeenAt: later });

    expect(await store.deleteConsoleSession(key)).toBe(true);
    expect(await store.deleteConsoleSession(key)).toBe(false);
    expect(await store.findConsoleSession(key)).toBeNull();
    expect(await store.findConsoleSession('not-a-key')).toBeNull();
  });

  it('ends every session of one account, and sweeps idle or too-old sessions', async () => {
    const { store } = opened;
    const base = Date.parse('2026-01-06T09:00:00.000Z');
    const [a, b, c, d] = [sessionKey(), sessionKey(), sessionKey(), sessionKey()];
    await store.createConsoleSession({ idSha256: a, username: 'bob', role: 'admin', csrfToken: 't', createdAt: new Date(base), ip: null });
    await store.createConsoleSession({ idSha256: b, username: 'bob', role: 'admin', csrfToken: 't', createdAt: new Date(base), ip: null });
    await store.createConsoleSession({ idSha256: c, username: 'carol', role: 'dpo', csrfToken: 't', createdAt: new Date(base - 13 * 3600_000), ip: null });
    await store.createConsoleSession({ idSha256: d, username: 'dave', role: 'dpo', csrfToken: 't', createdAt: new Date(base), ip: null });
    await store.touchConsoleSession(d, new Date(base + 3600_000), 'dpo');
    expect(await store.deleteConsoleSessionsOf('bob')).toBe(2);
    expect(await store.findConsoleSession(a)).toBeNull();
    expect(await store.deleteExpiredConsoleSessions({ idleBefore: new Date(base + 60_000), createdBefore: new Date(base - 12 * 3600_000) })).toBe(1);
    expect(await store.findConsoleSession(c)).toBeNull();
    expect(await store.findConsoleSession(d)).not.toBeNull();
  });

  it('refuses a session with an unknown role or a malformed key', async () => {
    const { store } = opened;
    await expect(store.createConsoleSession({ idSha256: sessionKey(), username: 'eve', role: 'root', csrfToken: 't', createdAt: new Date(), ip: null })).rejects.toThrow(TypeError);
    await expect(store.createConsoleSession({ idSha256: 'abc', username: 'eve', role: 'viewer', csrfToken: 't', createdAt: new Date(), ip: null })).rejects.toThrow(TypeError);
  });

  it('appends audit rows and lists them newest first, filtered and paginated', async () => {
    const { store } = opened;
    const base = Date.parse('2026-02-01T10:00:00.000Z');
    const actions = ['sign-in', 'queue.retry', 'queue.pause', 'queue_x', 'hold.share', 'sign-out'];
    const ids: string[] = [];
    for (const [i, action] of actions.entries()) {
      ids.push(await store.appendAudit({ at: new Date(base + i * 60_000), actor: i % 2 === 0 ? 'alice' : 'bob', role: 'operator', action, targetType: 'delivery', targetId: `d-${i}`, reason: i === 4 ? 'Agreed with the school' : null, outcome: 'ok', ip: '10.0.0.2', details: { count: i, dryRun: false, code: 'x' } }));
    }
    const all = await store.listAudit({ from: new Date(base), to: new Date(base + 3600_000), limit: 100, offset: 0 });
    expect(all.total).toBe(6);
    expect(all.items.map((e) => e.action)).toEqual([...actions].reverse());
    expect(all.items[1]).toEqual({ id: ids[4], at: new Date(base + 4 * 60_000), actor: 'alice', role: 'operator', action: 'hold.share', targetType: 'delivery', targetId: 'd-4', reason: 'Agreed with the school', outcome: 'ok', ip: '10.0.0.2', details: { count: 4, dryRun: false, code: 'x' } });

    const bob = await store.listAudit({ actor: 'bob', from: new Date(base), limit: 2, offset: 0 });
    expect(bob.total).toBe(3);
    expect(bob.items.map((e) => e.action)).toEqual(['sign-out', 'queue_x']);
    const bobPage2 = await store.listAudit({ actor: 'bob', from: new Date(base), limit: 2, offset: 2 });
    expect(bobPage2.items.map((e) => e.action)).toEqual(['queue.retry']);

    // A family of actions by its prefix; `_` is not a wildcard.
    const queue = await store.listAudit({ action: 'queue', from: new Date(base), limit: 10, offset: 0 });
    expect(queue.items.map((e) => e.action)).toEqual(['queue.pause', 'queue.retry']);
    expect((await store.listAudit({ action: 'sign-in', from: new Date(base), limit: 10, offset: 0 })).total).toBe(1);
    expect((await store.listAudit({ from: new Date(base + 2 * 60_000), to: new Date(base + 4 * 60_000), limit: 10, offset: 0 })).items.map((e) => e.action)).toEqual(['queue_x', 'queue.pause']);
  });

  it('refuses UPDATE, DELETE and TRUNCATE: the audit trail is append-only', async () => {
    const { store, db } = opened;
    await store.appendAudit({ at: new Date(), actor: 'alice', role: 'admin', action: 'config.reload', outcome: 'ok' });
    await expect(db.query(`UPDATE audit_events SET actor = 'mallory'`)).rejects.toThrow(/append-only \(UPDATE refused\)/);
    await expect(db.query('DELETE FROM audit_events')).rejects.toThrow(/append-only \(DELETE refused\)/);
    await expect(db.exec('TRUNCATE audit_events')).rejects.toThrow(/append-only \(TRUNCATE refused\)/);
    expect((await store.listAudit({ actor: 'alice', action: 'config.reload', limit: 10, offset: 0 })).total).toBe(1);
  });

  it('checks audit input: details are ids, codes and counts only', async () => {
    const { store } = opened;
    await expect(store.appendAudit({ at: new Date(), actor: 'alice', role: 'admin', action: 'x', outcome: 'maybe' as 'ok' })).rejects.toThrow(TypeError);
    await expect(store.appendAudit({ at: new Date(), actor: 'alice', role: 'admin', action: 'x', outcome: 'ok', details: { nested: { a: 1 } as unknown as string } })).rejects.toThrow(TypeError);
    await expect(store.listAudit({ limit: 0, offset: 0 })).rejects.toThrow(TypeError);
  });
});
