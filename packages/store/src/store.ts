import { createHash } from 'node:crypto';
import type { Keyring, MasterKeys } from './crypto.ts';
import { deriveIdentifierHmac, loadMasterKeys, openEnvelope, sealEnvelope } from './crypto.ts';
import type { Db, StoreLogger } from './db.ts';
import { assertSchemaName } from './db.ts';
import { StoreUnavailableError } from './errors.ts';
import type { Pending } from './group-commit.ts';
import { GroupCommit } from './group-commit.ts';
import type { InboundRow } from './inbound.ts';
import { countInbound, findExistingInbound, insertInboundBatch, selectInbound } from './inbound.ts';
import { loadMigrations, runMigrations } from './migrate.ts';
import { claimOutboxRows, countPendingOutbox, markOutboxQueued } from './outbox.ts';
import { NHS_NUMBER_HMAC_LABEL } from './people.ts';
import { createPostgresDb } from './postgres-db.ts';
import { createReadModelStore, SOURCE_REFERENCE_HMAC_LABEL } from './read-model-store.ts';
import { createRoutingStore } from './routing-store.ts';
import { createErasureStore } from './erasure-store.ts';
import { createConsoleStore } from './console-store.ts';
import { NAME_DOB_HMAC_LABEL } from './name-dob-index.ts';
import { createSubjectAccessStore } from './sar-store.ts';
import { createStatisticsStore } from './statistics-store.ts';
import { createRightsStore } from './rights-store.ts';
import { createSignpostingStore } from './signposting-store.ts';
import { createAcknowledgementStore } from './acknowledgement-store.ts';
import { createFeedbackStore } from './feedback-store.ts';
import { createFeedbackAnswersStore } from './feedback-answers-store.ts';
import type { AcceptResult, InboundInput, Store, StoreOptions, StoredInbound } from './types.ts';
import { UUID, uuidv7 } from './uuid.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_ID_LENGTH = 256;

/** Where an inbound body's envelope is bound: moving it to another message breaks decryption. */
export function inboundEnvelopeContext(messageId: string): string {
  return `inbound_messages/${messageId}`;
}

// Used only when the service passes no logger: pool errors must still be seen somewhere.
const stderrLogger: StoreLogger = {
  warn: (obj, msg) => console.error(JSON.stringify({ level: 'warn', msg, ...obj })),
  error: (obj, msg) => console.error(JSON.stringify({ level: 'error', msg, ...obj })),
};

function checkText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_LENGTH || value.includes('\u0000')) {
    throw new TypeError(`${field} must be a non-empty string of at most ${MAX_ID_LENGTH} characters without NUL`);
  }
  return value;
}

/**
 * Checks an intake before it joins a batch, so that one malformed call cannot fail the whole
 * batch it would have shared with others.
 */
function checkInboundInput(input: InboundInput): InboundInput {
  checkText(input.partnerId, 'partnerId');
  checkText(input.webhookId, 'webhookId');
  checkText(input.type, 'type');
  checkText(input.schemaId, 'schemaId');
  if (!(input.receivedAt instanceof Date) || Number.isNaN(input.receivedAt.getTime())) {
    throw new TypeError('receivedAt must be a valid Date');
  }
  if (!(input.body instanceof Uint8Array)) throw new TypeError('body must be a Buffer');
  const bodySha256 = typeof input.bodySha256 === 'string' ? input.bodySha256.toLowerCase() : '';
  if (!SHA256_HEX.test(bodySha256)) throw new TypeError('bodySha256 must be 64 hex characters');
  if (createHash('sha256').update(input.body).digest('hex') !== bodySha256) {
    throw new TypeError('bodySha256 does not match body');
  }
  return { ...input, bodySha256 };
}

function keyOf(partnerId: string, webhookId: string): string {
  return `${partnerId}\u0000${webhookId}`;
}

function compareRows(a: InboundRow, b: InboundRow): number {
  if (a.partnerId !== b.partnerId) return a.partnerId < b.partnerId ? -1 : 1;
  if (a.webhookId !== b.webhookId) return a.webhookId < b.webhookId ? -1 : 1;
  return 0;
}

/**
 * Commits one batch of accepts: callers with the same key are grouped in memory, one INSERT
 * (with the outbox rows) covers every key, then keys that already existed are looked up.
 * Callers whose row was inserted are answered as soon as that statement has committed.
 */
async function commitAcceptBatch(db: Db, batch: Pending<InboundRow, AcceptResult>[]): Promise<void> {
  const groups = new Map<string, Pending<InboundRow, AcceptResult>[]>();
  for (const pending of batch) {
    const key = keyOf(pending.item.partnerId, pending.item.webhookId);
    const group = groups.get(key);
    if (group) group.push(pending);
    else groups.set(key, [pending]);
  }
  const leaders = [...groups.values()].map((group) => (group[0] as Pending<InboundRow, AcceptResult>).item).sort(compareRows);
  const outboxIds = await insertInboundBatch(db, leaders);

  const answer = (group: Pending<InboundRow, AcceptResult>[], existing: { messageId: string; bodySha256: string }): void => {
    for (const pending of group) {
      const outcome = pending.item.bodySha256 === existing.bodySha256 ? 'duplicate' : 'conflict';
      pending.resolve({ outcome, messageId: existing.messageId });
    }
  };

  const notInserted: { partnerId: string; webhookId: string }[] = [];
  for (const group of groups.values()) {
    const [leader, ...followers] = group as [Pending<InboundRow, AcceptResult>, ...Pending<InboundRow, AcceptResult>[]];
    const outboxId = outboxIds.get(leader.item.messageId);
    if (outboxId === undefined) {
      notInserted.push({ partnerId: leader.item.partnerId, webhookId: leader.item.webhookId });
      continue;
    }
    leader.resolve({ outcome: 'accepted', messageId: leader.item.messageId, outboxId });
    answer(followers, leader.item);
  }
  if (notInserted.length === 0) return;

  // These keys were committed by someone else (earlier, or a concurrent batch we waited for).
  const existing = await findExistingInbound(db, notInserted);
  for (const row of existing) {
    const group = groups.get(keyOf(row.partnerId, row.webhookId));
    if (group) answer(group, row);
  }
  // Anything still unanswered is rejected by GroupCommit (a row vanished in between).
}

/** createStore, plus the Db underneath for this package's own tests. */
export async function openStore(options: StoreOptions): Promise<{ store: Store; db: Db }> {
  const schema = options.schema ?? 'public';
  assertSchemaName(schema);
  const masterKeys: MasterKeys = loadMasterKeys(options.keyring);
  const nhsHmac = deriveIdentifierHmac(options.keyring, NHS_NUMBER_HMAC_LABEL);
  const sourceReferenceHmac = deriveIdentifierHmac(options.keyring, SOURCE_REFERENCE_HMAC_LABEL);
  const nameDobHmac = deriveIdentifierHmac(options.keyring, NAME_DOB_HMAC_LABEL);
  const logger = options.logger ?? stderrLogger;
  const poolSize = options.poolSize ?? 10;
  const pingTimeoutMs = options.pingTimeoutMs ?? 2_000;
  const outboxLeaseMs = options.outboxLeaseMs ?? 30_000;
  const maxBatchSize = options.maxBatchSize ?? 64;
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new TypeError('poolSize must be a positive integer');

  let db: Db;
  if (options.databaseUrl) {
    db = createPostgresDb({
      databaseUrl: options.databaseUrl,
      schema,
      poolSize,
      connectionTimeoutMs: options.connectionTimeoutMs ?? 3_000,
      queryTimeoutMs: options.queryTimeoutMs ?? 15_000,
      logger,
    });
  } else if (options.dataDir) {
    // Loaded only when used: PGlite is tens of MB that a PostgreSQL deployment never needs.
    const { createPgliteDb } = await import('./pglite-db.ts');
    db = await createPgliteDb({ dataDir: options.dataDir, schema });
  } else {
    throw new TypeError('createStore needs databaseUrl (PostgreSQL) or dataDir (embedded PGlite)');
  }

  // PGlite runs one statement at a time, so more than one batch in flight only queues.
  const maxInFlight = db.kind === 'postgres' ? Math.max(1, Math.min(4, poolSize - 1)) : 1;
  const accepts = new GroupCommit<InboundRow, AcceptResult>((batch) => commitAcceptBatch(db, batch), {
    maxBatchSize,
    maxInFlight,
  });
  const queuedMarks = new GroupCommit<string[], void>(
    async (batch) => {
      await markOutboxQueued(db, [...new Set(batch.flatMap((pending) => pending.item))]);
      for (const pending of batch) pending.resolve();
    },
    { maxBatchSize: 256, maxInFlight: 1 },
  );

  let closed = false;
  let closing: Promise<void> | undefined;
  let migrating: Promise<void> | undefined;
  const assertOpen = (): void => {
    if (closed) throw new Error('store is closed');
  };

  const store: Store = {
    backend: db.kind,

    ...createRoutingStore({ db, masterKeys, nhsHmac, sourceReferenceHmac, nameDobHmac, assertOpen }),
    ...createReadModelStore({ db, sourceReferenceHmac, assertOpen }),
    ...createConsoleStore({ db, assertOpen }),
    ...createErasureStore({ db, masterKeys, assertOpen }),
    ...createSubjectAccessStore({ db, masterKeys, nhsHmac, nameDobHmac, assertOpen }),
    ...createStatisticsStore({ db, masterKeys, assertOpen }),
    ...createRightsStore({ db, masterKeys, assertOpen }),
    ...createSignpostingStore({ db, assertOpen }),
    ...createAcknowledgementStore({ db, assertOpen }),
    ...createFeedbackStore({ db, assertOpen }),
    ...createFeedbackAnswersStore({ db, masterKeys, assertOpen }),

    async migrate() {
      assertOpen();
      // Calls within one process share a run; other processes queue on the advisory lock.
      migrating ??= (async () => {
        try {
          await runMigrations(db, schema, await loadMigrations());
        } finally {
          migrating = undefined;
        }
      })();
      return migrating;
    },

    async ping() {
      assertOpen();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new StoreUnavailableError(`PostgreSQL did not answer within ${pingTimeoutMs} ms`)),
          pingTimeoutMs,
        );
      });
      try {
        await Promise.race([db.query('SELECT 1'), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },

    async findInbound(partnerId, webhookId) {
      assertOpen();
      const [row] = await findExistingInbound(db, [
        { partnerId: checkText(partnerId, 'partnerId'), webhookId: checkText(webhookId, 'webhookId') },
      ]);
      return row ? { messageId: row.messageId, bodySha256: row.bodySha256 } : null;
    },

    async acceptInbound(input) {
      assertOpen();
      const checked = checkInboundInput(input);
      const messageId = uuidv7();
      return accepts.submit({
        messageId,
        partnerId: checked.partnerId,
        webhookId: checked.webhookId,
        type: checked.type,
        schemaId: checked.schemaId,
        receivedAt: checked.receivedAt,
        bodySha256: checked.bodySha256,
        envelope: sealEnvelope(masterKeys, inboundEnvelopeContext(messageId), checked.body),
      });
    },

    async readInbound(messageId): Promise<StoredInbound | null> {
      assertOpen();
      if (typeof messageId !== 'string' || !UUID.test(messageId)) return null;
      const row = await selectInbound(db, messageId.toLowerCase());
      if (!row) return null;
      return {
        messageId: row.messageId,
        partnerId: row.partnerId,
        webhookId: row.webhookId,
        type: row.type,
        schemaId: row.schemaId,
        receivedAt: row.receivedAt,
        bodySha256: row.bodySha256,
        body: openEnvelope(masterKeys, inboundEnvelopeContext(row.messageId), row.envelope),
      };
    },

    async claimOutbox(limit, minAgeMs, claimOptions = {}) {
      assertOpen();
      if (!Number.isInteger(limit) || limit < 1) throw new TypeError('limit must be a positive integer');
      if (!Number.isFinite(minAgeMs) || minAgeMs < 0) throw new TypeError('minAgeMs must be a non-negative number');
      const { jobNames } = claimOptions;
      if (jobNames !== undefined && (!Array.isArray(jobNames) || !jobNames.every((name) => typeof name === 'string'))) {
        throw new TypeError('jobNames must be an array of strings');
      }
      return claimOutboxRows(db, limit, minAgeMs, outboxLeaseMs, jobNames);
    },

    async markQueued(outboxIds) {
      assertOpen();
      if (!Array.isArray(outboxIds) || !outboxIds.every((id) => typeof id === 'string' && /^[1-9][0-9]{0,18}$/.test(id))) {
        throw new TypeError('outboxIds must be outbox id strings');
      }
      if (outboxIds.length === 0) return;
      await queuedMarks.submit(outboxIds);
    },

    async counts() {
      assertOpen();
      const [inbound, outboxPending] = await Promise.all([countInbound(db), countPendingOutbox(db)]);
      return { inbound, outboxPending };
    },

    close() {
      closed = true;
      closing ??= (async () => {
        await Promise.all([accepts.drain(), queuedMarks.drain(), migrating?.catch(() => {})]);
        await db.close();
      })();
      return closing;
    },
  };
  return { store, db };
}

export async function createStore(options: StoreOptions): Promise<Store> {
  return (await openStore(options)).store;
}

/**
 * Opens and migrates the store the way every service does: PostgreSQL at `databaseUrl`, else
 * embedded PGlite under `dataDir`. Migrations are safe to run from several processes at once.
 */
export async function openMigratedStore(settings: { databaseUrl?: string | undefined; dataDir: string; keyring: Keyring }, opts: { logger?: StoreLogger; schema?: string } = {}): Promise<Store> {
  const store = await createStore({
    ...(settings.databaseUrl ? { databaseUrl: settings.databaseUrl } : {}),
    dataDir: settings.dataDir,
    keyring: settings.keyring,
    ...(opts.schema ? { schema: opts.schema } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  await store.migrate();
  return store;
}
