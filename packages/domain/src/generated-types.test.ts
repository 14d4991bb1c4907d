import { describe, expect, it } from 'vitest';
import type { InboundDataByType, InboundMessage, InboundMessageType, Person } from './index.ts';

describe('generated inbound message types', () => {
  it('are exported from @hub/domain and keyed by message type', () => {
    const closed: InboundDataByType['referral.closed'] = {
      correlationId: 'c-1',
      lawfulBasis: { art6: 'public-task' },
      referralId: 'ref-1',
      deliveryId: 'dlv-1',
      occurredAt: '2026-11-28T16:30:00Z',
      outcome: 'needs-met',
    };
    const child: Person = { role: 'child', givenName: 'A', familyName: 'B', dateOfBirth: '2020-01-01' };
    const message: InboundMessage = { type: 'referral.closed', timestamp: '2026-11-28T17:00:00Z', data: closed };
    const type: InboundMessageType = message.type;
    expect([type, child.role]).toEqual(['referral.closed', 'child']);
  });
});
