// Signpost shares (issue 6): the service URL kept with a share (migration 0011) for the links an
// acknowledgement carries; checked as an http(s) URL of at most 2000 characters.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { routingOutcome } from './routing-test-fixtures.ts';
import type { Backend, OpenedStore } from './test-backends.ts';
import { backendNames, createBackend, resetTables } from './test-backends.ts';
import { uuidv7 } from './uuid.ts';

describe.each(backendNames)('signpost shares on %s', (backendName) => {
  let backend: Backend;
  let main: OpenedStore;

  beforeAll(async () => {
    backend = createBackend(backendName);
    main = await backend.open();
    await main.store.migrate();
  });

  afterAll(async () => {
    await backend?.closeAll();
  });

  beforeEach(async () => {
    await resetTables(main.db);
  });

  async function referral(): Promise<string> {
    const r = await routingOutcome(main.store);
    await main.store.saveRoutingOutcome(r.input);
    return r.referralId;
  }

  const base = { serviceId: 'demo-svc-001', serviceName: 'Money advice drop-in', operatorId: 'operator' };

  it('keeps the service URL with the share and lists it; a share without one has none', async () => {
    const referralId = await referral();
    const at = new Date('2025-05-01T10:00:00.000Z');
    const withUrl = await main.store.recordSignpostShare({ ...base, referralId, at, serviceUrl: 'https://example.org/services/money-advice?x=1' });
    expect(withUrl).toMatchObject({ referralId, serviceUrl: 'https://example.org/services/money-advice?x=1' });
    const without = await main.store.recordSignpostShare({ ...base, serviceId: 'demo-svc-002', referralId, at: new Date(at.getTime() + 1000) });
    expect(without && 'serviceUrl' in without).toBe(false);

    const listed = await main.store.listSignpostShares(referralId);
    expect(listed.map((s) => [s.serviceId, s.serviceUrl ?? null])).toEqual([
      ['demo-svc-001', 'https://example.org/services/money-advice?x=1'],
      ['demo-svc-002', null],
    ]);
    expect('serviceUrl' in (listed[1] as object)).toBe(false);
    const rows = await main.db.query<{ service_url: string | null }>('SELECT service_url FROM signpost_shares ORDER BY shared_at');
    expect(rows.rows.map((r) => r.service_url)).toEqual(['https://example.org/services/money-advice?x=1', null]);
  });

  it('accepts http and a URL of exactly 2000 characters', async () => {
    const referralId = await referral();
    const long = `http://example.org/${'a'.repeat(2000 - 'http://example.org/'.length)}`;
    expect(long).toHaveLength(2000);
    const share = await main.store.recordSignpostShare({ ...base, referralId, at: new Date(), serviceUrl: long });
    expect(share?.serviceUrl).toBe(long);
  });

  it.each([
    ['another scheme', 'javascript:alert(1)'],
    ['a relative URL', '/services/1'],
    ['ftp', 'ftp://example.org/x'],
    ['an empty string', ''],
    ['whitespace inside', 'https://example.org/a b'],
    ['more than 2000 characters', `https://example.org/${'a'.repeat(2000)}`],
    ['not a string', 42],
  ])('refuses %s, naming the field and not the value, and writes nothing', async (_label, serviceUrl) => {
    const referralId = await referral();
    const attempt = main.store.recordSignpostShare({ ...base, referralId, at: new Date(), serviceUrl: serviceUrl as string });
    await expect(attempt).rejects.toThrow(TypeError);
    await expect(attempt).rejects.toThrow(/^serviceUrl /);
    const message = await attempt.catch((e: Error) => e.message);
    if (typeof serviceUrl === 'string' && serviceUrl.length > 0) expect(message).not.toContain(serviceUrl);
    expect(await main.store.listSignpostShares(referralId)).toEqual([]);
  });

  it('the database refuses a URL that is not http(s) written around the store', async () => {
    const referralId = await referral();
    await expect(
      main.db.query(`INSERT INTO signpost_shares (id, referral_id, service_id, service_name, operator_id, shared_at, service_url) VALUES ($1, $2, 's', 'n', 'o', now(), 'javascript:x')`, [uuidv7(), referralId]),
    ).rejects.toThrow();
  });
});
