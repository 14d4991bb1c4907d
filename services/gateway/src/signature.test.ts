import { describe, expect, it } from 'vitest';
import type { Partner } from '@hub/config';
import { randomSecret, signedRequest } from '@hub/testing';
import { SignatureVerifier } from './signature.ts';

function partner(id: string, secrets: string[]): Partner {
  return { id, organisationType: 'police', displayName: id, identifiers: {}, secrets, messageTypes: new Set(), rateLimit: { requestsPerMinute: 60, burst: 10 }, areas: [] } as unknown as Partner;
}

function headersOf(secret: string, body = '{"a":1}') {
  const req = signedRequest({ partnerId: 'p', secret, body });
  return { body: req.payload, headers: req.headers as { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } };
}

describe('SignatureVerifier', () => {
  it('accepts either secret during a rotation, in any order, and nothing else', () => {
    const [oldSecret, newSecret, other] = [randomSecret(), randomSecret(), randomSecret()];
    const verifier = new SignatureVerifier([partner('p', [oldSecret, newSecret])]);
    for (const secret of [newSecret, newSecret, oldSecret, newSecret, oldSecret]) {
      const { body, headers } = headersOf(secret);
      expect(verifier.verify('p', body, headers)).toBe(true);
    }
    const wrong = headersOf(other);
    expect(verifier.verify('p', wrong.body, wrong.headers)).toBe(false);
    const good = headersOf(oldSecret);
    expect(verifier.verify('p', Buffer.from('{"a":2}'), good.headers)).toBe(false);
  });

  it('refuses an unknown partner even with a signature that a decoy would check', () => {
    const verifier = new SignatureVerifier([partner('p', [randomSecret()])]);
    const { body, headers } = headersOf(randomSecret());
    expect(verifier.verify('nobody', body, headers)).toBe(false);
    expect(verifier.verify(undefined, body, headers)).toBe(false);
  });
});
