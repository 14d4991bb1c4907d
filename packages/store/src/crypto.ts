import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { DecryptionError, ErasedError, KeyringError } from './errors.ts';

/** Master keys (32 bytes each) by id. Old ids stay in the ring so what they wrapped stays readable. */
export interface Keyring {
  activeKeyId: string;
  keys: Record<string, Buffer>;
}

/**
 * A value encrypted under its own data key (AES-256-GCM), with the data key wrapped by a master
 * key (AES-256-GCM). Both layers authenticate the context string (e.g. the message id), so a
 * ciphertext moved to another row does not decrypt.
 */
export interface Envelope {
  keyId: string;
  wrappedKey: Buffer;
  wrapIv: Buffer;
  wrapTag: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/**
 * Parses `"k1:<base64 32 bytes>,k0:<base64>"`; the first entry is the active key.
 * `source` names where the text came from (an env variable) in error messages.
 */
export function parseKeyring(text: string | undefined, source = 'keyring'): Keyring {
  if (text === undefined || text.trim() === '') {
    throw new KeyringError(`${source} is empty: expected "<keyId>:<base64 32-byte key>[,<keyId>:<base64>…]"`);
  }
  const keys: Record<string, Buffer> = {};
  let activeKeyId: string | undefined;
  text.split(',').forEach((rawEntry, index) => {
    const entry = rawEntry.trim();
    const where = `${source} entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new KeyringError(`${where}: expected "<keyId>:<base64 32-byte key>"`);
    const keyId = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(keyId)) throw new KeyringError(`${where}: key id must match ${KEY_ID.source}`);
    if (Object.hasOwn(keys, keyId)) throw new KeyringError(`${where}: key id "${keyId}" appears twice`);
    if (!BASE64.test(encoded)) throw new KeyringError(`${where} ("${keyId}"): key is not valid base64`);
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new KeyringError(`${where} ("${keyId}"): key must be ${KEY_BYTES} bytes, got ${key.length}`);
    }
    keys[keyId] = key;
    activeKeyId ??= keyId;
  });
  return { activeKeyId: activeKeyId as string, keys };
}

/** The keyring checked and turned into KeyObjects, which do not print their bytes if logged. */
export interface MasterKeys {
  readonly activeKeyId: string;
  get(keyId: string): KeyObject | undefined;
}

export function loadMasterKeys(keyring: Keyring): MasterKeys {
  if (keyring === null || typeof keyring !== 'object' || keyring.keys === null || typeof keyring.keys !== 'object') {
    throw new KeyringError('keyring must be { activeKeyId, keys }');
  }
  const keys = new Map<string, KeyObject>();
  for (const [keyId, key] of Object.entries(keyring.keys)) {
    if (!KEY_ID.test(keyId)) throw new KeyringError(`keyring: key id must match ${KEY_ID.source}`);
    if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
      throw new KeyringError(`keyring: key "${keyId}" must be a ${KEY_BYTES}-byte Buffer`);
    }
    keys.set(keyId, createSecretKey(Buffer.from(key)));
  }
  if (!keys.has(keyring.activeKeyId)) {
    throw new KeyringError('keyring: activeKeyId does not name a key in the ring');
  }
  return { activeKeyId: keyring.activeKeyId, get: (keyId) => keys.get(keyId) };
}

function wrapAad(context: string, keyId: string): Buffer {
  return Buffer.from(`hub.envelope.v1/dek/${keyId}/${context}`, 'utf8');
}

function dataAad(context: string): Buffer {
  return Buffer.from(`hub.envelope.v1/data/${context}`, 'utf8');
}

function gcmEncrypt(key: KeyObject | Buffer, iv: Buffer, aad: Buffer, plaintext: Buffer): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

function gcmDecrypt(key: KeyObject | Buffer, iv: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new DecryptionError('envelope is malformed');
  try {
    // authTagLength pins the tag size: GCM would otherwise accept a truncated tag.
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new DecryptionError('envelope failed authentication');
  }
}

/** Encrypts `plaintext` under a fresh data key wrapped by the active master key. */
export function sealEnvelope(masterKeys: MasterKeys, context: string, plaintext: Buffer): Envelope {
  const keyId = masterKeys.activeKeyId;
  const masterKey = masterKeys.get(keyId) as KeyObject;
  const random = randomBytes(KEY_BYTES + IV_BYTES * 2);
  const dataKey = random.subarray(0, KEY_BYTES);
  const iv = random.subarray(KEY_BYTES, KEY_BYTES + IV_BYTES);
  const wrapIv = random.subarray(KEY_BYTES + IV_BYTES);
  const data = gcmEncrypt(dataKey, iv, dataAad(context), plaintext);
  const wrapped = gcmEncrypt(masterKey, wrapIv, wrapAad(context, keyId), dataKey);
  dataKey.fill(0);
  return {
    keyId,
    wrappedKey: wrapped.ciphertext,
    wrapTag: wrapped.tag,
    wrapIv: Buffer.from(wrapIv),
    iv: Buffer.from(iv),
    tag: data.tag,
    ciphertext: data.ciphertext,
  };
}

/** Decrypts an envelope sealed for the same context; throws DecryptionError on any mismatch, ErasedError once its key was destroyed. */
export function openEnvelope(masterKeys: MasterKeys, context: string, envelope: Envelope): Buffer {
  // A zero-length wrapped key is how erasure leaves a record (a real wrap is 32 bytes).
  if (envelope.wrappedKey.length === 0) throw new ErasedError();
  const masterKey = masterKeys.get(envelope.keyId);
  if (!masterKey) throw new DecryptionError(`master key "${envelope.keyId}" is not in the keyring`);
  const dataKey = gcmDecrypt(masterKey, envelope.wrapIv, wrapAad(context, envelope.keyId), envelope.wrappedKey, envelope.wrapTag);
  if (dataKey.length !== KEY_BYTES) throw new DecryptionError('envelope is malformed');
  try {
    return gcmDecrypt(dataKey, envelope.iv, dataAad(context), envelope.ciphertext, envelope.tag);
  } finally {
    dataKey.fill(0);
  }
}

/** A data key wrapped by a master key (the first half of an Envelope). */
export interface WrappedDataKey {
  keyId: string;
  wrappedKey: Buffer;
  wrapIv: Buffer;
  wrapTag: Buffer;
}

/** A value encrypted under an already unwrapped data key (the second half of an Envelope). */
export interface SealedValue {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/**
 * A fresh data key and its wrap under the active master key, bound to `keyContext`. For records
 * that encrypt several values under one key (a referral's canonical form and every payload built
 * from it), so that destroying the one wrapped key erases them all. Zero `dataKey` after use.
 */
export function createDataKey(masterKeys: MasterKeys, keyContext: string): { dataKey: Buffer; wrapped: WrappedDataKey } {
  const keyId = masterKeys.activeKeyId;
  const masterKey = masterKeys.get(keyId) as KeyObject;
  const dataKey = randomBytes(KEY_BYTES);
  const wrapIv = randomBytes(IV_BYTES);
  const wrapped = gcmEncrypt(masterKey, wrapIv, wrapAad(keyContext, keyId), dataKey);
  return { dataKey, wrapped: { keyId, wrappedKey: wrapped.ciphertext, wrapIv, wrapTag: wrapped.tag } };
}

/** Unwraps a data key made by createDataKey for the same context; throws DecryptionError on any mismatch, ErasedError once it was destroyed. */
export function unwrapDataKey(masterKeys: MasterKeys, keyContext: string, wrapped: WrappedDataKey): Buffer {
  if (wrapped.wrappedKey.length === 0) throw new ErasedError();
  const masterKey = masterKeys.get(wrapped.keyId);
  if (!masterKey) throw new DecryptionError(`master key "${wrapped.keyId}" is not in the keyring`);
  const dataKey = gcmDecrypt(masterKey, wrapped.wrapIv, wrapAad(keyContext, wrapped.keyId), wrapped.wrappedKey, wrapped.wrapTag);
  if (dataKey.length !== KEY_BYTES) throw new DecryptionError('envelope is malformed');
  return dataKey;
}

/** Encrypts one value under a data key; `context` (e.g. the row it belongs to) is authenticated. */
export function sealWithDataKey(dataKey: Buffer, context: string, plaintext: Buffer): SealedValue {
  if (dataKey.length !== KEY_BYTES) throw new TypeError('data key must be 32 bytes');
  const iv = randomBytes(IV_BYTES);
  const { ciphertext, tag } = gcmEncrypt(dataKey, iv, dataAad(context), plaintext);
  return { iv, tag, ciphertext };
}

export function openWithDataKey(dataKey: Buffer, context: string, sealed: SealedValue): Buffer {
  return gcmDecrypt(dataKey, sealed.iv, dataAad(context), sealed.ciphertext, sealed.tag);
}

/**
 * Keys for HMAC-SHA256 of identifiers (NHS numbers), one per master key, derived with HKDF-SHA256
 * under a fixed label so the master key itself is never used for two purposes. Lookups try every
 * key in the ring, so people stay linked across a master-key rotation.
 */
export interface IdentifierHmac {
  readonly activeKeyId: string;
  /** HMAC of `value` under the key derived from master key `keyId` (the active one by default). */
  digest(value: string, keyId?: string): Buffer;
  /** Every key id in the ring, active first. */
  keyIds(): string[];
}

export function deriveIdentifierHmac(keyring: Keyring, label: string): IdentifierHmac {
  const derived = new Map<string, KeyObject>();
  for (const [keyId, key] of Object.entries(keyring.keys)) {
    derived.set(keyId, createSecretKey(Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), Buffer.from(label, 'utf8'), KEY_BYTES))));
  }
  if (!derived.has(keyring.activeKeyId)) throw new KeyringError('keyring: activeKeyId does not name a key in the ring');
  const ids = [keyring.activeKeyId, ...[...derived.keys()].filter((id) => id !== keyring.activeKeyId)];
  return {
    activeKeyId: keyring.activeKeyId,
    digest(value, keyId = keyring.activeKeyId) {
      const key = derived.get(keyId);
      if (!key) throw new KeyringError(`keyring: no key "${keyId}"`);
      return createHmac('sha256', key).update(value, 'utf8').digest();
    },
    keyIds: () => [...ids],
  };
}
