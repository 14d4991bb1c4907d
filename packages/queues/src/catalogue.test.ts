import { describe, expect, it } from 'vitest';
import { assertHandled, cappedExponentialBackoff, deliverReferral, DELIVERY_PRIORITY, routeReferral } from './catalogue.ts';

describe('job catalogue', () => {
  it('derives deterministic job ids without ":" and ids-only payloads', () => {
    expect(routeReferral.spec('m1')).toEqual({ queueName: 'referral.route', jobName: 'referral.route', jobId: 'route-m1', payload: { messageId: 'm1' } });
    expect(deliverReferral.spec('st-marys-primary', 'd1', 'urgent')).toEqual({ queueName: 'deliver.st-marys-primary', jobName: 'deliver', jobId: 'delivery-d1', payload: { deliveryId: 'd1' }, priority: 1 });
    expect(DELIVERY_PRIORITY.urgent).toBeLessThan(DELIVERY_PRIORITY.high);
    expect(DELIVERY_PRIORITY.high).toBeLessThan(DELIVERY_PRIORITY.routine);
  });

  it('backs off transient failures exponentially, capped at five minutes, for more than a day', () => {
    expect([1, 2, 3, 4].map(cappedExponentialBackoff)).toEqual([1000, 2000, 4000, 8000]);
    expect(cappedExponentialBackoff(30)).toBe(300_000);
    const total = Array.from({ length: routeReferral.options.attempts }, (_, i) => cappedExponentialBackoff(i + 1)).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(24 * 3600_000);
  });

  it('refuses a worker that does not handle its queue\'s job names', () => {
    expect(() => assertHandled('referral.route', [])).toThrow(/No handler/);
    expect(() => assertHandled('deliver.gmp', ['deliver'])).not.toThrow();
    expect(() => assertHandled('unknown.queue', ['x'])).toThrow(/not in the job catalogue/);
  });
});
