export { appendLedgerEntries, ledgerHead, queryLedger, verifyLedger } from './ledger.ts';
export type { LedgerBreak, LedgerQuery, LedgerVerification, VerifyOptions } from './ledger.ts';
export { canonicalLedgerJson, GENESIS_HASH, ledgerFields, ledgerHash, ledgerTimestamp } from './entry.ts';
export type { LedgerEntry, LedgerEntryInput, LedgerFields, LedgerOutcome } from './entry.ts';
export type { LedgerQueryable } from './queryable.ts';
