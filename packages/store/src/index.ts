export { createStore, openMigratedStore } from './store.ts';
export type { AcceptResult, ClaimOutboxOptions, InboundInput, OutboxEntry, Store, StoreCounts, StoredInbound, StoreOptions } from './types.ts';
export type {
  AttemptInput,
  DeadLetter,
  DecisionInput,
  DecisionKind,
  DeliveryAttempt,
  DeliveryInput,
  DeliveryPriority,
  DeliveryStatus,
  DeliverySummary,
  DueDeadline,
  FeedbackKind,
  HeldReferral,
  HoldResolutionInput,
  LawfulBasis,
  ReferralInput,
  ReferralStatus,
  ReferralUrgency,
  RoutingOutcomeInput,
  RoutingStore,
  StoredDelivery,
  StoredReferral,
} from './routing-types.ts';
export type { LedgerBreak, LedgerEntry, LedgerQuery, LedgerVerification, VerifyOptions } from '@hub/ledger';
export type { StoreLogger } from './db.ts';
export { DecryptionError, KeyringError, NotFoundError, StoreUnavailableError } from './errors.ts';
export { parseKeyring, loadMasterKeys, openEnvelope, sealEnvelope } from './crypto.ts';
export type { Envelope, Keyring, MasterKeys } from './crypto.ts';
export { ROUTE_JOB_NAME } from './inbound.ts';
export { DELIVER_JOB_NAME, DELIVERY_JOB_PRIORITY } from './outbox.ts';
export { CLOSED_ON_REVIEW_REASON } from './routing-store.ts';
export type { BreakerStateName, Overview, PartnerHealth, ReadModelStore, ReferralListItem, ReferralSearch, TimelineEvent } from './read-model-types.ts';
export { londonDayStart, londonNextDayStart, SOURCE_REFERENCE_HMAC_LABEL } from './read-model-store.ts';
export { DEADLINE_AT_RISK_WINDOW_MS } from './metrics-queries.ts';
export type { DeliveryGauges, PartnerCount } from './metrics-queries.ts';
export type { AuditEvent, AuditEventRecord, AuditOutcome, AuditQuery, ConsoleSession, ConsoleSessionInput, ConsoleStore } from './console-types.ts';
