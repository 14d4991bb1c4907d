// SQL for the outbox table.
import type { Queryable } from './db.ts';
import type { OutboxEntry } from './types.ts';

/**
 * Leases pending rows. SKIP LOCKED passes over rows another claimer is leasing right now, and
 * the lease re-check on the locked row version excludes rows it has just leased, so two
 * sweepers never receive the same row.
 */
export async function claimOutboxRows(db: Queryable, limit: number, minAgeMs: number, leaseMs: number): Promise<OutboxEntry[]> {
  const result = await db.query<{ outbox_id: string; message_id: string; job_name: string; created_at: Date }>(
    `WITH claimable AS (
       SELECT outbox_id FROM outbox
        WHERE queued_at IS NULL
          AND created_at <= now() - $2::float8 * interval '1 millisecond'
          AND (leased_until IS NULL OR leased_until <= now())
        ORDER BY outbox_id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
     )
     UPDATE outbox o
        SET leased_until = now() + $3::float8 * interval '1 millisecond', claims = o.claims + 1
       FROM claimable c
      WHERE o.outbox_id = c.outbox_id
     RETURNING o.outbox_id::text AS outbox_id, o.message_id::text AS message_id, o.job_name, o.created_at`,
    [limit, minAgeMs, leaseMs],
  );
  return result.rows
    .map((row) => ({ outboxId: row.outbox_id, messageId: row.message_id, jobName: row.job_name, createdAt: row.created_at }))
    .sort((a, b) => compareOutboxIds(a.outboxId, b.outboxId));
}

export async function markOutboxQueued(db: Queryable, outboxIds: readonly string[]): Promise<void> {
  if (outboxIds.length === 0) return;
  await db.query(
    `UPDATE outbox SET queued_at = now(), leased_until = NULL
      WHERE outbox_id = ANY($1::bigint[]) AND queued_at IS NULL`,
    [outboxIds],
  );
}

export async function countPendingOutbox(db: Queryable): Promise<number> {
  const result = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM outbox WHERE queued_at IS NULL');
  return result.rows[0]?.n ?? 0;
}

function compareOutboxIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
