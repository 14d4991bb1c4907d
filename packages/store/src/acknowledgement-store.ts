// Acknowledgements to families who self-refer (issue 6 item 3; migration 0010). The decision row
// and its outbox job are written by saveRoutingOutcome (routing-store.ts) in the routing
// transaction, through `insertAcknowledgement`; this module reads and finishes them. Ids and
// codes only: no personal data is stored here.
import type { Db, Queryable } from './db.ts';
import { insertOutboxJobs, type OutboxJobInput } from './outbox.ts';
import type { OutboxEntry } from './types.ts';
import { UUID } from './uuid.ts';

export const ACKNOWLEDGE_JOB_NAME = 'family.acknowledge';
export const ACKNOWLEDGE_QUEUE = 'family.acknowledge';

export type AcknowledgementChannel = 'email' | 'sms';
export type AcknowledgementStatus = 'queued' | 'sent' | 'failed' | 'suppressed';

/** The routing's decision about one self-referral's acknowledgement. */
export type AcknowledgementInput =
  | { acknowledgementId: string; decision: 'queued'; reasonCode: string; channel: AcknowledgementChannel }
  | { acknowledgementId: string; decision: 'suppressed'; reasonCode: string };

export interface StoredAcknowledgement {
  acknowledgementId: string;
  referralId: string;
  decision: 'queued' | 'suppressed';
  reasonCode: string;
  channel: AcknowledgementChannel | null;
  status: AcknowledgementStatus;
  outcomeCode: string | null;
  notificationId: string | null;
  attempts: number;
  decidedAt: Date;
  finishedAt: Date | null;
}

export interface AcknowledgementStore {
  /** The acknowledgement of a referral, or null (not a self-referral, or routed before 0010). */
  acknowledgementFor(referralId: string): Promise<StoredAcknowledgement | null>;
  /** Counts one send attempt; returns the new count. */
  recordAcknowledgementAttempt(acknowledgementId: string): Promise<number>;
  /** queued → sent/failed with an outcome code; false if it was not queued (already finished). */
  finishAcknowledgement(acknowledgementId: string, input: { status: 'sent' | 'failed'; outcomeCode: string; notificationId?: string; at: Date }): Promise<boolean>;
}

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const OUTCOME = /^[A-Za-z0-9_]{1,64}$/;

export function acknowledgeJob(messageId: string, referralId: string): OutboxJobInput {
  return { messageId, queueName: ACKNOWLEDGE_QUEUE, jobName: ACKNOWLEDGE_JOB_NAME, jobId: `acknowledge-${referralId}`, payload: { referralId } };
}

export function checkAcknowledgement(input: AcknowledgementInput): AcknowledgementInput {
  if (!UUID.test(input.acknowledgementId)) throw new TypeError('acknowledgement.acknowledgementId must be a uuid');
  if (input.decision !== 'queued' && input.decision !== 'suppressed') throw new TypeError('acknowledgement.decision must be queued or suppressed');
  if (typeof input.reasonCode !== 'string' || !CODE.test(input.reasonCode)) throw new TypeError('acknowledgement.reasonCode must be an UPPER_SNAKE code');
  if (input.decision === 'queued' && input.channel !== 'email' && input.channel !== 'sms') throw new TypeError('acknowledgement.channel must be email or sms');
  return input;
}

/** In the routing transaction: the decision row and, when queued, its outbox job. */
export async function insertAcknowledgement(tx: Queryable, messageId: string, referralId: string, input: AcknowledgementInput, at: Date): Promise<OutboxEntry[]> {
  const inserted = await tx.query(
    `INSERT INTO family_acknowledgements (acknowledgement_id, referral_id, decision, reason_code, channel, status, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (referral_id) DO NOTHING RETURNING acknowledgement_id`,
    [input.acknowledgementId, referralId, input.decision, input.reasonCode, input.decision === 'queued' ? input.channel : null, input.decision === 'queued' ? 'queued' : 'suppressed', at],
  );
  if (inserted.rows.length === 0 || input.decision !== 'queued') return [];
  return insertOutboxJobs(tx, [acknowledgeJob(messageId, referralId)]);
}

export interface AckRow {
  acknowledgement_id: string;
  referral_id: string;
  decision: 'queued' | 'suppressed';
  reason_code: string;
  channel: AcknowledgementChannel | null;
  status: AcknowledgementStatus;
  outcome_code: string | null;
  notification_id: string | null;
  attempts: number;
  decided_at: Date;
  finished_at: Date | null;
}

/** The columns `toAcknowledgement` reads; shared with subject access. */
export const ACKNOWLEDGEMENT_COLUMNS = `acknowledgement_id::text AS acknowledgement_id, referral_id::text AS referral_id, decision, reason_code, channel, status,
  outcome_code, notification_id::text AS notification_id, attempts, decided_at, finished_at`;

export function toAcknowledgement(row: AckRow): StoredAcknowledgement {
  return {
    acknowledgementId: row.acknowledgement_id,
    referralId: row.referral_id,
    decision: row.decision,
    reasonCode: row.reason_code,
    channel: row.channel,
    status: row.status,
    outcomeCode: row.outcome_code,
    notificationId: row.notification_id,
    attempts: Number(row.attempts),
    decidedAt: new Date(row.decided_at),
    finishedAt: row.finished_at ? new Date(row.finished_at) : null,
  };
}

export function createAcknowledgementStore(deps: { db: Db; assertOpen: () => void }): AcknowledgementStore {
  const { db, assertOpen } = deps;
  return {
    async acknowledgementFor(referralId) {
      assertOpen();
      if (!UUID.test(referralId)) return null;
      const res = await db.query<AckRow>(`SELECT ${ACKNOWLEDGEMENT_COLUMNS} FROM family_acknowledgements WHERE referral_id = $1`, [referralId]);
      const row = res.rows[0];
      return row ? toAcknowledgement(row) : null;
    },

    async recordAcknowledgementAttempt(acknowledgementId) {
      assertOpen();
      const res = await db.query<{ attempts: number }>(`UPDATE family_acknowledgements SET attempts = attempts + 1 WHERE acknowledgement_id = $1 RETURNING attempts`, [acknowledgementId]);
      if (!res.rows[0]) throw new Error('unknown acknowledgement');
      return Number(res.rows[0].attempts);
    },

    async finishAcknowledgement(acknowledgementId, input) {
      assertOpen();
      if (input.status !== 'sent' && input.status !== 'failed') throw new TypeError('status must be sent or failed');
      if (!OUTCOME.test(input.outcomeCode)) throw new TypeError('outcomeCode must be a code');
      if (input.notificationId !== undefined && !UUID.test(input.notificationId)) throw new TypeError('notificationId must be a uuid');
      const res = await db.query(
        `UPDATE family_acknowledgements SET status = $2, outcome_code = $3, notification_id = $4, finished_at = $5
          WHERE acknowledgement_id = $1 AND status = 'queued' RETURNING acknowledgement_id`,
        [acknowledgementId, input.status, input.outcomeCode, input.notificationId ?? null, input.at],
      );
      return res.rows.length > 0;
    },
  };
}
