// Builders shared by the routing/delivery/ledger integration tests.
import { randomBytes } from 'node:crypto';
import type { DecisionInput, DeliveryInput, DeliveryPriority, RoutingOutcomeInput } from './routing-types.ts';
import { inbound } from './test-backends.ts';
import type { Store } from './types.ts';
import { uuidv7 } from './uuid.ts';

export interface RoutedReferral {
  input: RoutingOutcomeInput;
  messageId: string;
  referralId: string;
  personIds: string[];
  /** deliveryId by recipient */
  deliveries: Map<string, string>;
}

export interface ShareSpec {
  recipient: string;
  priority?: DeliveryPriority;
  deadlineAt?: Date;
  payload?: Buffer;
  operatorId?: string;
}

/** A decision + delivery pair for one recipient, with a JSON payload that names nobody unless told to. */
export function share(referralId: string, personIds: string[], spec: ShareSpec): { decision: DecisionInput; delivery: DeliveryInput } {
  const decisionId = uuidv7();
  const deliveryId = uuidv7();
  const ruleId = spec.operatorId ? undefined : `rule-${spec.recipient}`;
  return {
    decision: {
      decisionId,
      recipientPartnerId: spec.recipient,
      decision: 'share',
      ...(ruleId ? { ruleId } : {}),
      ...(spec.operatorId ? { operatorId: spec.operatorId } : {}),
      reason: 'rule matched',
      purpose: 'early-help-referral',
      priority: spec.priority ?? 'routine',
    },
    delivery: {
      deliveryId,
      recipientPartnerId: spec.recipient,
      decisionId,
      ...(ruleId ? { ruleId } : {}),
      ...(spec.operatorId ? { operatorId: spec.operatorId } : {}),
      channel: 'webhook',
      priority: spec.priority ?? 'routine',
      ...(spec.deadlineAt ? { deadlineAt: spec.deadlineAt } : {}),
      purpose: 'early-help-referral',
      lawfulBasis: { art6: 'public-task', art9: 'substantial-public-interest', sch1Paragraph: '18' },
      fields: ['/people/0/givenName', '/needs'],
      subjects: personIds,
      payload: spec.payload ?? Buffer.from(JSON.stringify({ referralId, recipient: spec.recipient, n: randomBytes(4).toString('hex') })),
    },
  };
}

/**
 * Accepts an inbound message and builds a routing outcome for it: people linked (one with the
 * given NHS number), shares, optional not-shares and hold.
 */
export async function routingOutcome(
  store: Store,
  opts: {
    shares?: ShareSpec[];
    notShares?: string[];
    hold?: string[];
    canonical?: Buffer;
    nhsNumber?: string;
    urgency?: RoutingOutcomeInput['referral']['urgency'];
  } = {},
): Promise<RoutedReferral> {
  const accepted = await store.acceptInbound(inbound());
  const messageId = accepted.messageId;
  const referralId = uuidv7();
  const ids = await store.linkPeople([{ personRef: 'p1', ...(opts.nhsNumber ? { nhsNumber: opts.nhsNumber } : {}) }, { personRef: 'p2' }]);
  const personIds = [ids.get('p1') as string, ids.get('p2') as string];
  const pairs = (opts.shares ?? []).map((spec) => share(referralId, personIds, spec));
  const notShares: DecisionInput[] = (opts.notShares ?? []).map((recipient) => ({
    decisionId: uuidv7(),
    recipientPartnerId: recipient,
    decision: 'not-share',
    ruleId: `rule-deny-${recipient}`,
    reason: 'agreement does not cover this need',
    purpose: 'early-help-referral',
  }));
  const input: RoutingOutcomeInput = {
    referral: {
      referralId,
      messageId,
      sourcePartnerId: 'partner-a',
      sourceType: 'vcs.referral.submitted',
      urgency: opts.urgency ?? 'routine',
      receivedAt: new Date('2025-03-04T05:06:07.890Z'),
      canonical: opts.canonical ?? Buffer.from(JSON.stringify({ referralId, people: [{ personRef: 'p1' }, { personRef: 'p2' }] })),
      people: [
        { personRef: 'p1', hubPersonId: personIds[0] as string, role: 'child' },
        { personRef: 'p2', hubPersonId: personIds[1] as string, role: 'parent' },
      ],
    },
    decisions: [...pairs.map((p) => p.decision), ...notShares],
    ...(opts.hold ? { hold: { reasons: opts.hold } } : {}),
    deliveries: pairs.map((p) => p.delivery),
  };
  return {
    input,
    messageId,
    referralId,
    personIds,
    deliveries: new Map(pairs.map((p) => [p.delivery.recipientPartnerId, p.delivery.deliveryId])),
  };
}
