import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createDataKey, deriveIdentifierHmac, loadMasterKeys, openWithDataKey, sealWithDataKey, unwrapDataKey } from './crypto.ts';
import { DecryptionError } from './errors.ts';

const k0 = randomBytes(32);
const k1 = randomBytes(32);

describe('data keys shared by one record', () => {
  const keys = loadMasterKeys({ activeKeyId: 'k1', keys: { k0, k1 } });

  it('seal several values under one wrapped key, each bound to its own context', () => {
    const { dataKey, wrapped } = createDataKey(keys, 'referrals/r1');
    expect(wrapped.keyId).toBe('k1');
    const canonical = sealWithDataKey(dataKey, 'referrals/r1/canonical', Buffer.from('canonical ✓'));
    const payload = sealWithDataKey(dataKey, 'referrals/r1/deliveries/d1', Buffer.from('payload'));
    dataKey.fill(0);

    const unwrapped = unwrapDataKey(keys, 'referrals/r1', wrapped);
    expect(openWithDataKey(unwrapped, 'referrals/r1/canonical', canonical).toString()).toBe('canonical ✓');
    expect(openWithDataKey(unwrapped, 'referrals/r1/deliveries/d1', payload).toString()).toBe('payload');
    expect(() => openWithDataKey(unwrapped, 'referrals/r1/deliveries/d2', payload)).toThrow(DecryptionError);
    expect(() => unwrapDataKey(keys, 'referrals/r2', wrapped)).toThrow(DecryptionError);
    expect(() => unwrapDataKey(loadMasterKeys({ activeKeyId: 'k0', keys: { k0 } }), 'referrals/r1', wrapped)).toThrow(/"k1" is not in the keyring/);
  });
});

describe('identifier HMAC', () => {
  it('is deterministic per master key, differs between keys and labels, and lists every key', () => {
    const hmac = deriveIdentifierHmac({ activeKeyId: 'k1', keys: { k0, k1 } }, 'label-a');
    expect(hmac.keyIds()).toEqual(['k1', 'k0']);
    expect(hmac.digest('9434765919').equals(hmac.digest('9434765919', 'k1'))).toBe(true);
    expect(hmac.digest('9434765919').equals(hmac.digest('9434765919', 'k0'))).toBe(false);
    expect(hmac.digest('9434765919')).toHaveLength(32);
    const other = deriveIdentifierHmac({ activeKeyId: 'k1', keys: { k1 } }, 'label-b');
    expect(other.digest('9434765919').equals(hmac.digest('9434765919'))).toBe(false);
    // Not the plain HMAC under the master key itself (the key is derived, not reused).
    expect(hmac.digest('9434765919').equals(createHmac('sha256', k1).update('9434765919').digest())).toBe(false);
  });
});
