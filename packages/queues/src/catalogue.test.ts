import { describe, expect, it } from 'vitest';
import { acknowledgeFamily, assertHandled, cappedExponentialBackoff, deliverReferral, DELIVERY_PRIORITY, feedbackInvite, hubQueueNames, optionsFor, routeReferral } from './catalogue.ts';

describe('job catalogue', () => {
  it('derives deterministic job ids without ":" and ids-only payloads', () => {
    expect(routeReferral.spec('m1')).toEqual({ queueName: 'referral.route', jobName: 'referral.route', jobId: 'route-m1', payload: { messageId: 'm1' } });
    expect(deliverReferral.spec('st-marys-primary', 'd1', 'urgent')).toEqual({ queueName: 'deliver.st-marys-primary', jobName: 'deliver', jobId: 'delivery-d1', payload: { deliveryId: 'd1' }, priority: 1 });
    expect(DELIVERY_PRIORITY.urgent).toBeLessThan(DELIVERY_PRIORITY.high);
    expect(DELIVERY_PRIORITY.high).toBeLessThan(DELIVERY_PRIORITY.routine);
    expect(feedbackInvite.spec('i1')).toEqual({ queueName: 'family.feedback-invite', jobName: 'family.feedback-invite', jobId: 'feedback-invite-i1', payload: { invitationId: 'i1' } });
    expect(feedbackInvite.jobId('i1')).toBe('feedback-invite-i1');
  });

  it('lists the family queues among the hub queues, so the sweeper and metrics see them', () => {
    const names = hubQueueNames(['b', 'a']);
    expect(names).toEqual(['referral.route', 'deliver.a', 'deliver.b', 'family.acknowledge', 'family.feedback-invite']);
    expect(names).toContain(acknowledgeFamily.queue);
    expect(optionsFor(feedbackInvite.name)).toBe(feedbackInvite.options);
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
    expect(() => assertHandled('family.feedback-invite', ['family.feedback-invite'])).not.toThrow();
    expect(() => assertHandled('family.feedback-invite', ['family.acknowledge'])).toThrow(/No handler/);
    expect(() => assertHandled('unknown.queue', ['x'])).toThrow(/not in the job catalogue/);
  });
});
