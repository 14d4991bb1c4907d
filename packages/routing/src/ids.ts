import { createHash } from 'node:crypto';

/** The hub's namespace for name-based ids (RFC 9562 version 5 layout, SHA-1). */
const NAMESPACE = Buffer.from('6f1c0d2e9b7a4c3e8d5f0a1b2c3d4e5f', 'hex');

/**
 * A UUID derived from a name, so the router computes the same referral, decision and delivery
 * ids every time it processes the same message: a retried or replayed route job can never
 * create a second delivery.
 */
export function nameBasedUuid(...parts: string[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update(parts.join('\u0000')).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const referralIdFor = (messageId: string): string => nameBasedUuid('referral', messageId);
export const deliveryIdFor = (referralId: string, recipientPartnerId: string): string => nameBasedUuid('delivery', referralId, recipientPartnerId);
export const decisionIdFor = (referralId: string, recipientPartnerId: string, ruleId: string): string => nameBasedUuid('decision', referralId, recipientPartnerId, ruleId);
