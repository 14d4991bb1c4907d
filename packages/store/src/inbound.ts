// SQL for inbound_messages (and the outbox rows written with them).
import type { Envelope } from './crypto.ts';
import type { Queryable } from './db.ts';
import { toBuffer } from './db.ts';

export const ROUTE_JOB_NAME = 'referral.route';

export interface InboundRow {
  messageId: string;
  partnerId: string;
  webhookId: string;
  type: string;
  schemaId: string;
  receivedAt: Date;
  bodySha256: string;
  envelope: Envelope;
}

const INSERT_COLUMNS = [
  'message_id',
  'partner_id',
  'webhook_id',
  'type',
  'schema_id',
  'received_at',
  'body_sha256',
  'key_id',
  'dek_wrapped',
  'dek_iv',
  'dek_tag',
  'body_iv',
  'body_tag',
  'body_ciphertext',
] as const;

function insertParams(row: InboundRow): unknown[] {
  const { envelope } = row;
  return [
    row.messageId,
    row.partnerId,
    row.webhookId,
    row.type,
    row.schemaId,
    row.receivedAt,
    row.bodySha256,
    envelope.keyId,
    envelope.wrappedKey,
    envelope.wrapIv,
    envelope.wrapTag,
    envelope.iv,
    envelope.tag,
    envelope.ciphertext,
  ];
}

function valuesList(rowCount: number, columnCount: number): string {
  const rows: string[] = [];
  for (let r = 0; r < rowCount; r += 1) {
    const params: string[] = [];
    for (let c = 1; c <= columnCount; c += 1) params.push(`$${r * columnCount + c}`);
    rows.push(`(${params.join(', ')})`);
  }
  return rows.join(',\n');
}

const insertSqlBySize = new Map<number, string>();

/**
 * One statement, so one transaction: the messages that are new, and an outbox row for each of
 * them. Rows whose (partner, webhook-id) already exists are skipped (DO NOTHING) and reported by
 * their absence from the result.
 */
function insertBatchSql(rowCount: number): string {
  let sql = insertSqlBySize.get(rowCount);
  if (!sql) {
    sql = `WITH inserted AS (
  INSERT INTO inbound_messages (${INSERT_COLUMNS.join(', ')})
  VALUES ${valuesList(rowCount, INSERT_COLUMNS.length)}
  ON CONFLICT (partner_id, webhook_id) DO NOTHING
  RETURNING message_id
), queued AS (
  INSERT INTO outbox (message_id, job_name, queue_name, job_id, payload)
  SELECT message_id, '${ROUTE_JOB_NAME}', '${ROUTE_JOB_NAME}', 'route-' || message_id::text,
         jsonb_build_object('messageId', message_id::text)
    FROM inserted ORDER BY message_id
  RETURNING outbox_id, message_id
)
SELECT message_id::text AS message_id, outbox_id::text AS outbox_id FROM queued`;
    insertSqlBySize.set(rowCount, sql);
  }
  return sql;
}

/**
 * Inserts new messages with their outbox rows; returns outbox ids by message id for the rows
 * inserted. Callers pass rows sorted by (partner, webhook-id) so concurrent batches that share
 * keys wait on each other in one order and cannot deadlock.
 */
export async function insertInboundBatch(db: Queryable, rows: InboundRow[]): Promise<Map<string, string>> {
  const params = rows.flatMap(insertParams);
  const result = await db.query<{ message_id: string; outbox_id: string }>(insertBatchSql(rows.length), params);
  return new Map(result.rows.map((row) => [row.message_id, row.outbox_id]));
}

export interface ExistingInbound {
  partnerId: string;
  webhookId: string;
  messageId: string;
  bodySha256: string;
}

export async function findExistingInbound(
  db: Queryable,
  keys: readonly { partnerId: string; webhookId: string }[],
): Promise<ExistingInbound[]> {
  if (keys.length === 0) return [];
  const pairs = keys.map((_, i) => `($${2 * i + 1}::text, $${2 * i + 2}::text)`).join(', ');
  const result = await db.query<{ partner_id: string; webhook_id: string; message_id: string; body_sha256: string }>(
    `SELECT partner_id, webhook_id, message_id::text AS message_id, body_sha256
       FROM inbound_messages
      WHERE (partner_id, webhook_id) IN (VALUES ${pairs})`,
    keys.flatMap((key) => [key.partnerId, key.webhookId]),
  );
  return result.rows.map((row) => ({
    partnerId: row.partner_id,
    webhookId: row.webhook_id,
    messageId: row.message_id,
    bodySha256: row.body_sha256,
  }));
}

interface InboundDbRow {
  message_id: string;
  partner_id: string;
  webhook_id: string;
  type: string;
  schema_id: string;
  received_at: Date;
  body_sha256: string;
  key_id: string;
  dek_wrapped: unknown;
  dek_iv: unknown;
  dek_tag: unknown;
  body_iv: unknown;
  body_tag: unknown;
  body_ciphertext: unknown;
}

export async function selectInbound(db: Queryable, messageId: string): Promise<InboundRow | null> {
  const result = await db.query<InboundDbRow>(
    `SELECT message_id::text AS message_id, ${INSERT_COLUMNS.slice(1).join(', ')}
       FROM inbound_messages WHERE message_id = $1`,
    [messageId],
  );
  const row = result.rows[0];
  if (!row) return null;
  return {
    messageId: row.message_id,
    partnerId: row.partner_id,
    webhookId: row.webhook_id,
    type: row.type,
    schemaId: row.schema_id,
    receivedAt: row.received_at,
    bodySha256: row.body_sha256,
    envelope: {
      keyId: row.key_id,
      wrappedKey: toBuffer(row.dek_wrapped),
      wrapIv: toBuffer(row.dek_iv),
      wrapTag: toBuffer(row.dek_tag),
      iv: toBuffer(row.body_iv),
      tag: toBuffer(row.body_tag),
      ciphertext: toBuffer(row.body_ciphertext),
    },
  };
}

export async function countInbound(db: Queryable): Promise<number> {
  const result = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM inbound_messages');
  return result.rows[0]?.n ?? 0;
}
