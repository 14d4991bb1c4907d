import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { payloadBytes, randomSecret, sampleMinimisedPayload, startWebhookSink, type WebhookSink } from '@hub/testing';
import type { DeliveryAdapter, OutboundDelivery } from '../types.ts';
import { createWebhookAdapter } from '../webhook/webhook-adapter.ts';
import { createBreakerRegistry, type BreakerEvent, type BreakerRegistry } from './breaker-registry.ts';

// Short enough to reach half-open quickly; tests that need the breaker to stay open use a long one.
const RESET_MS = 250;
const LONG_RESET_MS = 60_000;
const secret = randomSecret();

function delivery(): OutboundDelivery {
  const payload = sampleMinimisedPayload();
  return { deliveryId: payload.deliveryId, partnerId: 'mash', referralId: payload.referralId, urgency: 'urgent', payload: payloadBytes(payload) };
}

function next(registry: BreakerRegistry, event: BreakerEvent, partnerId: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (id: string): void => {
      if (id !== partnerId) return;
      registry.off(event, listener);
      resolve();
    };
    registry.on(event, listener);
  });
}

describe('circuit breaker per partner', () => {
  let sink: WebhookSink;
  let registry: BreakerRegistry;
  let adapter: DeliveryAdapter;
  const logged: { obj: object; msg: string }[] = [];

  beforeAll(async () => {
    sink = await startWebhookSink({ secrets: [secret] });
  });
  afterAll(async () => {
    await sink.close();
  });
  const logger = { info: (obj: object, msg: string) => logged.push({ obj, msg }), warn: (obj: object, msg: string) => logged.push({ obj, msg }) };
  const useRegistry = (resetTimeout: number): void => {
    registry.shutdown();
    registry = createBreakerRegistry({ logger, options: { resetTimeout } });
  };

  beforeEach(() => {
    sink.reset();
    logged.length = 0;
    registry = createBreakerRegistry({ logger, options: { resetTimeout: RESET_MS } });
    adapter = createWebhookAdapter({ url: sink.urlFor('mash'), secret, timeoutMs: 2_000, allowHttp: true });
  });
  afterEach(() => registry.shutdown());

  it('opens after retryable failures, then answers breaker-open without calling the partner', async () => {
    useRegistry(LONG_RESET_MS);
    sink.script({ status: 500, times: 5 });
    const send = registry.breakerFor('mash', adapter);
    const opened = next(registry, 'open', 'mash');
    for (let i = 0; i < 5; i++) expect(await send(delivery())).toEqual({ kind: 'retry', code: 'HTTP_500', status: 500 });
    await opened;
    expect(registry.states()).toEqual([{ partnerId: 'mash', state: 'open', failures: 5, successes: 0 }]);

    const refused = await send(delivery());
    expect(refused.kind).toBe('breaker-open');
    expect(refused.kind === 'breaker-open' && refused.retryAfterMs).toBeGreaterThan(LONG_RESET_MS - 10_000);
    expect(refused.kind === 'breaker-open' && refused.retryAfterMs).toBeLessThanOrEqual(LONG_RESET_MS);
    expect(sink.received).toHaveLength(5); // the partner was not called
    expect(logged.map((l) => l.msg)).toContain('delivery breaker opened');
    expect(JSON.stringify(logged)).not.toContain('Amelia');
  });

  it('half-opens after resetTimeout and closes after a successful trial', async () => {
    sink.script({ status: 503, times: 5 });
    const send = registry.breakerFor('mash', adapter);
    const opened = next(registry, 'open', 'mash');
    for (let i = 0; i < 5; i++) await send(delivery());
    await opened;
    await next(registry, 'halfOpen', 'mash');
    expect(registry.states()[0]!.state).toBe('half-open');

    const closed = next(registry, 'close', 'mash');
    expect(await send(delivery())).toMatchObject({ kind: 'delivered', status: 200 });
    await closed;
    expect(registry.states()[0]!.state).toBe('closed');
    expect(sink.received).toHaveLength(6);
  });

  it('re-opens when the half-open trial fails', async () => {
    sink.script({ status: 500, times: 6 });
    const send = registry.breakerFor('mash', adapter);
    let opened = next(registry, 'open', 'mash');
    for (let i = 0; i < 5; i++) await send(delivery());
    await opened;
    await next(registry, 'halfOpen', 'mash');
    opened = next(registry, 'open', 'mash');
    expect(await send(delivery())).toEqual({ kind: 'retry', code: 'HTTP_500', status: 500 });
    await opened;
    expect(registry.states()[0]!.state).toBe('open');
    expect(sink.received).toHaveLength(6);
  });

  it('lets one trial through while half-open; other sends wait without calling the partner', async () => {
    sink.script({ status: 500, times: 5 });
    sink.script({ status: 200, hang: true });
    const slow = createWebhookAdapter({ url: sink.urlFor('mash'), secret, timeoutMs: 1_500, allowHttp: true });
    const send = registry.breakerFor('mash', slow);
    const opened = next(registry, 'open', 'mash');
    for (let i = 0; i < 5; i++) await send(delivery());
    await opened;
    await next(registry, 'halfOpen', 'mash');
    const trial = send(delivery());
    await sink.waitFor(6);
    const waiting = await send(delivery());
    expect(waiting).toEqual({ kind: 'breaker-open', retryAfterMs: Math.min(1_000, RESET_MS) });
    expect(await trial).toEqual({ kind: 'retry', code: 'TIMEOUT' });
    expect(registry.states()[0]!.state).toBe('open');
    expect(sink.received).toHaveLength(6);
  });

  it('does not open on permanent failures or 410: the partner is up and answering', async () => {
    sink.script({ status: 400, times: 8 });
    sink.script({ status: 410, times: 2 });
    const send = registry.breakerFor('mash', adapter);
    const results = [];
    for (let i = 0; i < 10; i++) results.push((await send(delivery())).kind);
    expect(results).toEqual([...Array(8).fill('permanent'), 'gone', 'gone']);
    expect(registry.states()).toEqual([{ partnerId: 'mash', state: 'closed', failures: 0, successes: 10 }]);
    expect(sink.received).toHaveLength(10);
  });

  it('keeps partners apart, and reuses one breaker per partner', async () => {
    sink.script({ status: 500, times: 5 }, '/partners/mash');
    const other = createWebhookAdapter({ url: sink.urlFor('schools'), secret, timeoutMs: 2_000, allowHttp: true });
    useRegistry(LONG_RESET_MS);
    const mash = registry.breakerFor('mash', adapter);
    expect(registry.breakerFor('mash', adapter)).toBe(mash);
    expect(() => registry.breakerFor('mash', other)).toThrow(/another adapter/);
    const schools = registry.breakerFor('schools', other);
    const opened = next(registry, 'open', 'mash');
    for (let i = 0; i < 5; i++) await mash(delivery());
    await opened;
    expect(await schools(delivery())).toMatchObject({ kind: 'delivered' });
    expect(registry.states().map((s) => [s.partnerId, s.state])).toEqual([
      ['mash', 'open'],
      ['schools', 'closed'],
    ]);
  });
});
