// Feedback invitations and message opt-outs (issue 6 item 4; migration 0011; docs/data-protection.md
// "Feedback from families"). The decision row and its outbox job are written with the recipient's
// `referral.closed` in one transaction (recordClosure); the `family.feedback-invite` worker reads,
// issues the token for and finishes them. Ids, codes, dates and the token's SHA-256 only: the token
// itself, the family's address or number and their name are never stored here.
import { isUuid, requireBuffer, requireDate, requireOneOf, requireText, requireUuid } from './checks.ts';
import type { Db, Queryable } from './db.ts';
import { updateFeedback } from './deliveries.ts';
import { NotFoundError } from './errors.ts';
import {
  FEEDBACK_INVITE_JOB_NAME,
  FEEDBACK_INVITE_QUEUE,
  type FeedbackInvitationInput,
  type FeedbackInvitationStatus,
  type FeedbackInvitationStore,
  type MessageOptOut,
  type MessageOptOutSource,
  type StoredFeedbackInvitation,
} from './feedback-types.ts';
import { insertOutboxJobs, type OutboxJobInput } from './outbox.ts';
import type { OutboxEntry } from './types.ts';

const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
const OUTCOME = /^[A-Za-z0-9_]{1,64}$/;
const SERVICE_TYPE = /^[a-z][a-z0-9-]{0,63}$/;
const OPT_OUT_SOURCES: readonly MessageOptOutSource[] = ['feedback-response', 'console'];

/** The outbox job of a scheduled invitation (job id `feedback-invite-<invitationId>`: one per invitation, ever). */
export function feedbackInviteJob(messageId: string, invitationId: string): OutboxJobInput {
  return { messageId, queueName: FEEDBACK_INVITE_QUEUE, jobName: FEEDBACK_INVITE_JOB_NAME, jobId: `feedback-invite-${invitationId}`, payload: { invitationId } };
}

/** Checks an invitation decision before the transaction; errors name the field, never a value. */
export function checkFeedbackInvitation(deliveryId: string, input: FeedbackInvitationInput): FeedbackInvitationInput {
  requireUuid(input?.invitationId, 'invitation.invitationId');
  if (requireUuid(input.deliveryId, 'invitation.deliveryId') !== deliveryId.toLowerCase()) throw new TypeError('invitation.deliveryId must be the closed delivery');
  requireOneOf(input.decision, ['scheduled', 'suppressed'] as const, 'invitation.decision');
  if (typeof input.reasonCode !== 'string' || !CODE.test(input.reasonCode)) throw new TypeError('invitation.reasonCode must be an UPPER_SNAKE code');
  if (typeof input.serviceType !== 'string' || !SERVICE_TYPE.test(input.serviceType)) throw new TypeError('invitation.serviceType must be a partner organisationType');
  if (input.decision === 'scheduled') {
    requireOneOf(input.channel, ['email', 'sms'] as const, 'invitation.channel');
    requireDate(input.dueAt, 'invitation.dueAt');
  }
  return input;
}

export interface InvitationRow {
  invitation_id: string;
  referral_id: string;
  delivery_id: string;
  service_type: string;
  postcode_district: string | null;
  decision: 'scheduled' | 'suppressed';
  reason_code: string;
  channel: 'email' | 'sms' | null;
  status: FeedbackInvitationStatus;
  outcome_code: string | null;
  notification_id: string | null;
  attempts: number;
  decided_at: Date;
  due_at: Date;
  finished_at: Date | null;
  person_id: string | null;
  token_expires_at: Date | null;
  token_used_at: Date | null;
}

/** The columns `toInvitation` reads (never the token's digest); shared with subject access. */
export const INVITATION_COLUMNS = `invitation_id::text AS invitation_id, referral_id::text AS referral_id, delivery_id::text AS delivery_id, service_type, postcode_district,
  decision, reason_code, channel, status, outcome_code, notification_id::text AS notification_id, attempts, decided_at, due_at, finished_at,
  person_id::text AS person_id, token_expires_at, token_used_at`;

const date = (value: Date | string | null): Date | null => (value === null ? null : new Date(value));

export function toInvitation(row: InvitationRow): StoredFeedbackInvitation {
  return {
    invitationId: row.invitation_id,
    referralId: row.referral_id,
    deliveryId: row.delivery_id,
    serviceType: row.service_type,
    postcodeDistrict: row.postcode_district,
    decision: row.decision,
    reasonCode: row.reason_code,
    channel: row.channel,
    status: row.status,
    outcomeCode: row.outcome_code,
    notificationId: row.notification_id,
    attempts: Number(row.attempts),
    decidedAt: new Date(row.decided_at),
    dueAt: new Date(row.due_at),
    finishedAt: date(row.finished_at),
    personId: row.person_id,
    tokenExpiresAt: date(row.token_expires_at),
    tokenUsedAt: date(row.token_used_at),
  };
}

/** In the closure's transaction: the decision row (once per delivery) and, when scheduled, its job. */
async function insertInvitation(tx: Queryable, input: FeedbackInvitationInput, at: Date): Promise<OutboxEntry[]> {
  const scheduled = input.decision === 'scheduled';
  // Service type from the routing (the partner registry); postcode district copied from the referral.
  const inserted = await tx.query<{ invitation_id: string; message_id: string }>(
    `INSERT INTO feedback_invitations (invitation_id, referral_id, delivery_id, service_type, postcode_district, decision, reason_code, channel, status, decided_at, due_at)
     SELECT $1::uuid, d.referral_id, d.id, $3, r.postcode_district, $4, $5, $6, $7, $8::timestamptz, $9::timestamptz
       FROM deliveries d JOIN referrals r ON r.id = d.referral_id
      WHERE d.id = $2::uuid
     ON CONFLICT DO NOTHING
     RETURNING invitation_id::text AS invitation_id, (SELECT message_id::text FROM referrals WHERE id = referral_id) AS message_id`,
    [
      input.invitationId,
      input.deliveryId,
      input.serviceType,
      input.decision,
      input.reasonCode,
      scheduled ? input.channel : null,
      scheduled ? 'scheduled' : 'suppressed',
      at,
      scheduled ? input.dueAt : at,
    ],
  );
  const row = inserted.rows[0];
  if (!row || !scheduled) return [];
  return insertOutboxJobs(tx, [feedbackInviteJob(row.message_id, row.invitation_id)]);
}

export function createFeedbackStore(deps: { db: Db; assertOpen(): void }): FeedbackInvitationStore {
  const { db, assertOpen } = deps;

  const selectInvitations = async (where: string, param: string): Promise<StoredFeedbackInvitation[]> => {
    const res = await db.query<InvitationRow>(`SELECT ${INVITATION_COLUMNS} FROM feedback_invitations WHERE ${where} ORDER BY decided_at, invitation_id`, [param]);
    return res.rows.map(toInvitation);
  };

  return {
    async recordClosure(deliveryId, input) {
      assertOpen();
      if (!isUuid(deliveryId)) return { recorded: false, outbox: [] };
      const at = requireDate(input?.at, 'at');
      const invitation = input.invitation ? checkFeedbackInvitation(deliveryId, input.invitation) : undefined;
      return db.transaction(async (tx) => {
        // Exactly what recordFeedback(deliveryId, { kind: 'closed', at }) does, then the invitation.
        const recorded = await updateFeedback(tx, deliveryId, 'closed', at);
        if (!recorded || !invitation) return { recorded, outbox: [] };
        return { recorded, outbox: await insertInvitation(tx, invitation, at) };
      });
    },

    async feedbackInvitation(invitationId) {
      assertOpen();
      if (!isUuid(invitationId)) return null;
      return (await selectInvitations('invitation_id = $1::uuid', invitationId))[0] ?? null;
    },

    async listFeedbackInvitations(referralId) {
      assertOpen();
      if (!isUuid(referralId)) return [];
      return selectInvitations('referral_id = $1::uuid', referralId);
    },

    async recordFeedbackInvitationAttempt(invitationId) {
      assertOpen();
      const id = requireUuid(invitationId, 'invitationId');
      const res = await db.query<{ attempts: number }>(`UPDATE feedback_invitations SET attempts = attempts + 1 WHERE invitation_id = $1::uuid RETURNING attempts`, [id]);
      if (!res.rows[0]) throw new NotFoundError('unknown feedback invitation');
      return Number(res.rows[0].attempts);
    },

    async issueFeedbackToken(invitationId, input) {
      assertOpen();
      const id = requireUuid(invitationId, 'invitationId');
      const digest = requireBuffer(input?.tokenSha256, 'tokenSha256');
      if (digest.length !== 32) throw new TypeError('tokenSha256 must be 32 bytes (SHA-256)');
      const expiresAt = requireDate(input.expiresAt, 'expiresAt');
      const personId = requireUuid(input.personId, 'personId');
      // Only a scheduled invitation whose token was never used gets a (fresh) token.
      const res = await db.query(
        `UPDATE feedback_invitations SET token_sha256 = $2, token_expires_at = $3, person_id = $4::uuid
          WHERE invitation_id = $1::uuid AND status = 'scheduled' AND token_used_at IS NULL RETURNING invitation_id`,
        [id, digest, expiresAt, personId],
      );
      if (res.rows.length === 0) throw new NotFoundError('no scheduled feedback invitation to issue a token for');
    },

    async finishFeedbackInvitation(invitationId, input) {
      assertOpen();
      const id = requireUuid(invitationId, 'invitationId');
      const status = requireOneOf(input?.status, ['sent', 'failed'] as const, 'status');
      if (typeof input.outcomeCode !== 'string' || !OUTCOME.test(input.outcomeCode)) throw new TypeError('outcomeCode must be a code');
      if (input.notificationId !== undefined && !isUuid(input.notificationId)) throw new TypeError('notificationId must be a uuid');
      const at = requireDate(input.at, 'at');
      // A failed invitation's token (if one was issued) never reached anyone: it is withdrawn.
      const res = await db.query(
        `UPDATE feedback_invitations
            SET status = $2, outcome_code = $3, notification_id = $4::uuid, finished_at = $5,
                token_sha256 = CASE WHEN $2 = 'failed' AND token_used_at IS NULL THEN NULL ELSE token_sha256 END,
                token_expires_at = CASE WHEN $2 = 'failed' AND token_used_at IS NULL THEN NULL ELSE token_expires_at END
          WHERE invitation_id = $1::uuid AND status = 'scheduled' RETURNING invitation_id`,
        [id, status, input.outcomeCode, input.notificationId ?? null, at],
      );
      return res.rows.length > 0;
    },

    async recordMessageOptOut(input) {
      assertOpen();
      const personId = requireUuid(input?.personId, 'personId');
      const source = requireOneOf(input.source, OPT_OUT_SOURCES, 'source');
      const recordedBy = input.recordedBy === undefined ? null : requireText(input.recordedBy, 'recordedBy', 128);
      const at = requireDate(input.at, 'at');
      const res = await db.query<{ known: boolean }>(
        `WITH person AS (SELECT id FROM people WHERE id = $1::uuid),
              ins AS (INSERT INTO family_message_opt_outs (person_id, opted_out_at, source, recorded_by)
                      SELECT id, $2, $3, $4 FROM person ON CONFLICT (person_id) DO NOTHING)
         SELECT EXISTS (SELECT 1 FROM person) AS known`,
        [personId, at, source, recordedBy],
      );
      if (!res.rows[0]?.known) throw new NotFoundError('unknown person');
    },

    async messageOptOuts(personIds) {
      assertOpen();
      const ids = [...new Set(personIds.filter(isUuid).map((id) => id.toLowerCase()))];
      if (ids.length === 0) return [];
      const res = await db.query<{ person_id: string; opted_out_at: Date; source: MessageOptOutSource; recorded_by: string | null }>(
        `SELECT person_id::text AS person_id, opted_out_at, source, recorded_by FROM family_message_opt_outs WHERE person_id = ANY($1::uuid[]) ORDER BY person_id`,
        [ids],
      );
      return res.rows.map((r): MessageOptOut => ({ personId: r.person_id, optedOutAt: new Date(r.opted_out_at), source: r.source, recordedBy: r.recorded_by }));
    },
  };
}
