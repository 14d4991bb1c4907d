// SQL for the outbox table.
import type { Queryable } from './db.ts';
import type { OutboxEntry } from './types.ts';

export const DELIVER_JOB_NAME = 'deliver';

/** BullMQ priorities by delivery priority: urgent work never waits behind routine backlog. */
export const DELIVERY_JOB_PRIORITY = { urgent: 1, high: 2, routine: 5 } as const;

/** A job to write to the outbox in the caller's transaction. */
export interface OutboxJobInput {
  /** The inbound message the work descends from (every outbox row names one). */
  messageId: string;
  queueName: string;
  jobName: string;
  jobId: string;
  payload: Record<string, string>;
  priority?: number;
}

export function deliverJob(input: {
  messageId: string;
  deliveryId: string;
  recipientPartnerId: string;
  priority: keyof typeof DELIVERY_JOB_PRIORITY;
  replay?: number;
}): OutboxJobInput {
  return {
    messageId: input.messageId,
    queueName: `deliver.${input.recipientPartnerId}`,
    jobName: DELIVER_JOB_NAME,
    jobId: input.replay ? `delivery-${input.deliveryId}-replay-${input.replay}` : `delivery-${input.deliveryId}`,
    payload: { deliveryId: input.deliveryId },
    priority: DELIVERY_JOB_PRIORITY[input.priority],
  };
}

interface OutboxDbRow {
  outbox_id: string;
  message_id: string;
  job_name: string;
  queue_name: string;
  job_id: string;
  payload: Record<string, string> | string;
  priority: number | null;
  created_at: Date;
}

const RETURNING = `outbox_id::text AS outbox_id, message_id::text AS message_id, job_name, queue_name, job_id, payload, priority, created_at`;

function toEntry(row: OutboxDbRow): OutboxEntry {
  const payload = typeof row.payload === 'string' ? (JSON.parse(row.payload) as Record<string, string>) : row.payload;
  return {
    outboxId: row.outbox_id,
    // Only route rows say which message they are about; others carry their own payload ids.
    ...(row.job_name === 'referral.route' ? { messageId: row.message_id } : {}),
    jobName: row.job_name,
    queueName: row.queue_name,
    jobId: row.job_id,
    payload,
    ...(row.priority !== null ? { priority: row.priority } : {}),
    createdAt: row.created_at,
  };
}

/** Writes outbox rows in the caller's transaction; returns them in input order. */
export async function insertOutboxJobs(q: Queryable, jobs: readonly OutboxJobInput[]): Promise<OutboxEntry[]> {
  if (jobs.length === 0) return [];
  const params: unknown[] = [];
  const values = jobs.map((job) => {
    params.push(job.messageId, job.jobName, job.queueName, job.jobId, JSON.stringify(job.payload), job.priority ?? null);
    const n = params.length;
    return `($${n - 5}::uuid, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}::jsonb, $${n}::integer)`;
  });
  const result = await q.query<OutboxDbRow>(
    `INSERT INTO outbox (message_id, job_name, queue_name, job_id, payload, priority) VALUES ${values.join(', ')} RETURNING ${RETURNING}`,
    params,
  );
  const byJobId = new Map(result.rows.map((row) => [row.job_id, toEntry(row)]));
  return jobs.map((job) => byJobId.get(job.jobId) as OutboxEntry);
}

/**
 * Leases pending rows. SKIP LOCKED passes over rows another claimer is leasing right now, and
 * the lease re-check on the locked row version excludes rows it has just leased, so two
 * sweepers never receive the same row. Higher priority (lower number; route rows have none and
 * go first) is claimed first when there are more rows than `limit`.
 */
export async function claimOutboxRows(
  db: Queryable,
  limit: number,
  minAgeMs: number,
  leaseMs: number,
  jobNames?: readonly string[],
): Promise<OutboxEntry[]> {
  const result = await db.query<OutboxDbRow>(
    `WITH claimable AS (
       SELECT outbox_id FROM outbox
        WHERE queued_at IS NULL
          AND created_at <= now() - $2::float8 * interval '1 millisecond'
          AND (leased_until IS NULL OR leased_until <= now())
          AND ($4::text[] IS NULL OR job_name = ANY($4::text[]))
        ORDER BY coalesce(priority, 0), outbox_id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
     )
     UPDATE outbox o
        SET leased_until = now() + $3::float8 * interval '1 millisecond', claims = o.claims + 1
       FROM claimable c
      WHERE o.outbox_id = c.outbox_id
     RETURNING o.outbox_id::text AS outbox_id, o.message_id::text AS message_id, o.job_name, o.queue_name, o.job_id,
               o.payload, o.priority, o.created_at`,
    [limit, minAgeMs, leaseMs, jobNames ? [...jobNames] : null],
  );
  return result.rows.map(toEntry).sort((a, b) => compareOutboxIds(a.outboxId, b.outboxId));
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
