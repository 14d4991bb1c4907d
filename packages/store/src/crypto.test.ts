import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Envelope, Keyring } from './crypto.ts';
import { loadMasterKeys, openEnvelope, parseKeyring, sealEnvelope } from './crypto.ts';
import { DecryptionError, KeyringError } from './errors.ts';

const k0 = randomBytes(32);
const k1 = randomBytes(32);
const ring = (activeKeyId: string): Keyring => ({ activeKeyId, keys: { k0, k1 } });
const body = Buffer.from('{"name":"Zoë Ōkafor","note":"ünïcödé ✓ 👪","bytes":"\u0000\u00ff"}', 'utf8');

function flipByte(buffer: Buffer, index = 0): Buffer {
  const copy = Buffer.from(buffer);
  copy[index] = (copy[index] as number) ^ 0x01;
  return copy;
}

describe('envelope encryption', () => {
  const keys = loadMasterKeys(ring('k0'));

  it('gives back the exact bytes, non-ASCII and binary included', () => {
    const binary = Buffer.concat([body, randomBytes(4096)]);
    const envelope = sealEnvelope(keys, 'inbound_messages/m1', binary);
    expect(envelope.keyId).toBe('k0');
    expect(envelope.ciphertext.includes(Buffer.from('Zoë'))).toBe(false);
    expect(openEnvelope(keys, 'inbound_messages/m1', envelope).equals(binary)).toBe(true);
    expect(openEnvelope(keys, 'inbound_messages/m1', sealEnvelope(keys, 'inbound_messages/m1', Buffer.alloc(0)))).toHaveLength(0);
  });

  it('uses a fresh data key and IVs for every value', () => {
    const a = sealEnvelope(keys, 'c', body);
    const b = sealEnvelope(keys, 'c', body);
    expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it('throws on any tampered part', () => {
    const envelope = sealEnvelope(keys, 'ctx', body);
    const tampered: Envelope[] = [
      { ...envelope, ciphertext: flipByte(envelope.ciphertext, 5) },
      { ...envelope, tag: flipByte(envelope.tag) },
      { ...envelope, iv: flipByte(envelope.iv) },
      { ...envelope, wrappedKey: flipByte(envelope.wrappedKey) },
      { ...envelope, wrapTag: flipByte(envelope.wrapTag) },
      { ...envelope, wrapIv: flipByte(envelope.wrapIv) },
      { ...envelope, tag: envelope.tag.subarray(0, 12) },
      { ...envelope, ciphertext: envelope.ciphertext.subarray(1) },
      { ...envelope, keyId: 'k1' },
    ];
    for (const bad of tampered) expect(() => openEnvelope(keys, 'ctx', bad)).toThrow(DecryptionError);
  });

  it('binds the ciphertext to its context (the message id)', () => {
    const envelope = sealEnvelope(keys, 'inbound_messages/a', body);
    expect(() => openEnvelope(keys, 'inbound_messages/b', envelope)).toThrow(DecryptionError);
  });

  it('reads values wrapped by a retired key after rotation, and wraps new ones with the active key', () => {
    const before = sealEnvelope(loadMasterKeys(ring('k0')), 'ctx', body);
    const rotated = loadMasterKeys(ring('k1'));
    expect(openEnvelope(rotated, 'ctx', before).equals(body)).toBe(true);
    expect(sealEnvelope(rotated, 'ctx', body).keyId).toBe('k1');
  });

  it('refuses a key id that is not in the ring', () => {
    const envelope = sealEnvelope(keys, 'ctx', body);
    const onlyK1 = loadMasterKeys({ activeKeyId: 'k1', keys: { k1 } });
    expect(() => openEnvelope(onlyK1, 'ctx', envelope)).toThrow(/"k0" is not in the keyring/);
  });
});

describe('parseKeyring', () => {
  const b64 = (key: Buffer): string => key.toString('base64');

  it('reads "id:base64" entries, the first being active', () => {
    const parsed = parseKeyring(` k1:${b64(k1)} , k0:${b64(k0)}`);
    expect(parsed.activeKeyId).toBe('k1');
    expect(Object.keys(parsed.keys)).toEqual(['k1', 'k0']);
    expect(parsed.keys.k0?.equals(k0)).toBe(true);
    expect(parseKeyring(`only:${b64(k0).replace(/=+$/, '')}`).keys.only?.equals(k0)).toBe(true);
  });

  it('explains what is wrong without printing key material', () => {
    const secret = b64(randomBytes(31));
    const cases: [string | undefined, RegExp][] = [
      [undefined, /is empty/],
      ['  ', /is empty/],
      [secret, /entry 1: expected "<keyId>:<base64 32-byte key>"/],
      [`k1:${secret}`, /entry 1 \("k1"\): key must be 32 bytes, got 31/],
      [`k1:${b64(k1)},k1:${b64(k0)}`, /entry 2: key id "k1" appears twice/],
      [`k1:${b64(k1)},k0:not*base64!${secret}`, /entry 2 \("k0"\): key is not valid base64/],
      [`bad id:${b64(k1)}`, /entry 1: key id must match/],
      [`k1:${b64(k1)},`, /entry 2: expected/],
    ];
    for (const [text, expected] of cases) {
      let error: unknown;
      try {
        parseKeyring(text, 'HUB_MASTER_KEYS');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(KeyringError);
      const message = (error as Error).message;
      expect(message).toMatch(expected);
      expect(message).toContain('HUB_MASTER_KEYS');
      expect(message).not.toContain(secret);
      expect(message).not.toContain(b64(k1));
      expect(message).not.toContain(b64(k0));
    }
  });

  it('rejects keyrings whose active key is missing or whose keys are the wrong size', () => {
    expect(() => loadMasterKeys({ activeKeyId: 'k9', keys: { k0 } })).toThrow(KeyringError);
    expect(() => loadMasterKeys({ activeKeyId: 'k0', keys: { k0: randomBytes(16) } })).toThrow(/32-byte/);
  });
});
