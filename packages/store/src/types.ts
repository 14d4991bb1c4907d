import type { StoreLogger } from './db.ts';
import type { Keyring } from './crypto.ts';
import type { ReadModelStore } from './read-model-types.ts';
import type { RoutingStore } from './routing-types.ts';
import type { ErasureStore } from './erasure-types.ts';
import type { ConsoleStore } from './console-types.ts';
import type { SubjectAccessStore } from './sar-types.ts';
import type { StatisticsStore } from './statistics-types.ts';
import type { RightsStore } from './rights-types.ts';
import type { AcknowledgementStore } from './acknowledgement-store.ts';
import type { FeedbackAnswerStore, FeedbackInvitationStore } from './feedback-types.ts';

export interface InboundInput {
  partnerId: string;
  webhookId: string;
  type: string;
  schemaId: string;
  receivedAt: Date;
  /** The exact raw request bytes. */
  body: Buffer;
  /** SHA-256 of `body`, hex. */
  bodySha256: string;
}

export type AcceptResult =
  | { outcome: 'accepted'; messageId: string; outboxId: string }
  /** Same (partner, webhookId) and same body: the first message's id. */
  | { outcome: 'duplicate'; messageId: string }
  /** Same (partner, webhookId), different body. */
  | { outcome: 'conflict'; messageId: string };

/**
 * A claimed outbox row: everything needed to add its job to BullMQ, ids only.
 * `referral.route` rows: queue `referral.route`, job id `route-<messageId>`, payload `{ messageId }`.
 * `deliver` rows: queue `deliver.<partnerId>`, job id `delivery-<deliveryId>` (replays
 * `delivery-<deliveryId>-replay-<n>`), payload `{ deliveryId }`, priority urgent 1 / high 2 / routine 5.
 */
export interface OutboxEntry {
  outboxId: string;
  /**
   * Set on `referral.route` rows only (the same value as `payload.messageId`), so callers written
   * when the outbox held nothing else keep working. Dispatch on `queueName`/`jobName`, not on this.
   */
  messageId?: string;
  jobName: string;
  queueName: string;
  jobId: string;
  payload: Record<string, string>;
  /** BullMQ priority (1 is served first); absent for no priority. */
  priority?: number;
  createdAt: Date;
}

export interface ClaimOutboxOptions {
  /** Only rows of these job names (e.g. `['deliver']`); default every row. */
  jobNames?: readonly string[];
}

export interface StoredInbound {
  messageId: string;
  partnerId: string;
  webhookId: string;
  type: string;
  schemaId: string;
  receivedAt: Date;
  body: Buffer;
  bodySha256: string;
}

/** An operator's record that a suggested directory service was shared with a family (no personal data). */
export interface SignpostShare {
  id: string;
  referralId: string;
  /** The directory's service id and public name at the time. */
  serviceId: string;
  serviceName: string;
  /** The console username of the operator. */
  operatorId: string;
  at: Date;
  /**
   * The directory's public URL for the service (http or https, at most 2000 characters), when it
   * has one: the link an acknowledgement carries (migration 0011).
   */
  serviceUrl?: string;
}

export type SignpostShareInput = Omit<SignpostShare, 'id'>;

export interface SignpostingStore {
  /** Records a share; null when there is no such referral (nothing is written). */
  recordSignpostShare(input: SignpostShareInput): Promise<SignpostShare | null>;
  /** The referral's shares, oldest first. */
  listSignpostShares(referralId: string): Promise<SignpostShare[]>;
}

export interface StoreCounts {
  inbound: number;
  outboxPending: number;
}

export interface Store extends RoutingStore, ConsoleStore, ReadModelStore, StatisticsStore, SubjectAccessStore, RightsStore, ErasureStore, AcknowledgementStore, SignpostingStore, FeedbackInvitationStore, FeedbackAnswerStore {
  readonly backend: 'postgres' | 'pglite';
  /** Applies pending SQL migrations; safe to call concurrently from several processes. */
  migrate(): Promise<void>;
  /** Throws StoreUnavailableError when the database does not answer within `pingTimeoutMs`. */
  ping(): Promise<void>;
  findInbound(partnerId: string, webhookId: string): Promise<{ messageId: string; bodySha256: string } | null>;
  /** Durably stores the message and its `referral.route` outbox row in one transaction (group commit). */
  acceptInbound(input: InboundInput): Promise<AcceptResult>;
  /** Reads and decrypts; null when there is no such message. Throws DecryptionError on tampering. */
  readInbound(messageId: string): Promise<StoredInbound | null>;
  /**
   * Leases up to `limit` outbox rows that are not queued, at least `minAgeMs` old and not leased by
   * another claimer. A lease lasts `outboxLeaseMs`; rows not marked queued by then can be claimed again.
   * Rows of every job name unless `options.jobNames` says otherwise: the caller must dispatch on
   * `queueName`/`jobName`. Higher-priority rows are claimed first; the result is in outbox order.
   */
  claimOutbox(limit: number, minAgeMs: number, options?: ClaimOutboxOptions): Promise<OutboxEntry[]>;
  /** Records that these outbox rows are in the queue. Concurrent calls share one UPDATE. */
  markQueued(outboxIds: string[]): Promise<void>;
  counts(): Promise<StoreCounts>;
  /** Waits for batches already submitted, then closes the pool / database. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL URL. Without it the store runs on embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  /** PGlite lives in `<dataDir>/pglite`; `'memory://'` keeps it in memory. */
  dataDir?: string;
  /** PostgreSQL schema for every table (created by migrate() if missing). Default `public`. */
  schema?: string;
  keyring: Keyring;
  /** pg pool size. Default 10. */
  poolSize?: number;
  logger?: StoreLogger;
  /** How long to wait for a PostgreSQL connection. Default 3000 ms. */
  connectionTimeoutMs?: number;
  /** Client-side limit per statement. Default 15000 ms. */
  queryTimeoutMs?: number;
  /** ping() limit. Default 2000 ms. */
  pingTimeoutMs?: number;
  /** How long a claimOutbox lease lasts. Default 30000 ms. */
  outboxLeaseMs?: number;
  /** Most acceptInbound calls committed together. Default 64. */
  maxBatchSize?: number;
}
