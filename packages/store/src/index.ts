export { createStore } from './store.ts';
export type { AcceptResult, InboundInput, OutboxEntry, Store, StoreCounts, StoredInbound, StoreOptions } from './types.ts';
export type { StoreLogger } from './db.ts';
export { DecryptionError, KeyringError, StoreUnavailableError } from './errors.ts';
export { parseKeyring, loadMasterKeys, openEnvelope, sealEnvelope } from './crypto.ts';
export type { Envelope, Keyring, MasterKeys } from './crypto.ts';
export { ROUTE_JOB_NAME } from './inbound.ts';
