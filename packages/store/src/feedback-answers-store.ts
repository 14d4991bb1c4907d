// Families' feedback answers (issue 6 item 4; migration 0011; docs/data-protection.md "Feedback from
// families"). An answer arrives at the gateway's POST /v1/feedback with the invitation's bearer
// token; the store keeps only the token's SHA-256. Submitting uses the token (single use) and stores
// the answer in one transaction, apart from the case: family_feedback carries no referral,
// delivery or invitation id — only what reporting needs (service type, postcode district, month),
// the person the invitation went to (for subject access, objection and erasure), the ratings, and
// the free-text comment sealed under the answer's own data key.
import { randomUUID } from 'node:crypto';
import { requireBuffer, requireDate } from './checks.ts';
import { createDataKey, openWithDataKey, sealWithDataKey, unwrapDataKey, type MasterKeys } from './crypto.ts';
import type { Db } from './db.ts';
import type { FeedbackAnswerInput, FeedbackAnswerStore } from './feedback-types.ts';

/** The questions a family may rate (schemas/inbound/family.feedback.submitted.v1.json). */
export const FEEDBACK_QUESTION_IDS = ['overall', 'listened', 'helpful', 'easy-to-reach'] as const;
/** The schema's bound on the comment, in characters. */
export const FEEDBACK_COMMENT_MAX = 2000;

/** The data key context of one answer; destroying the wrapped key erases its comment. */
export function feedbackKeyContext(feedbackId: string): string {
  return `family_feedback/${feedbackId}`;
}

/** The context the comment is sealed under (authenticated with it). */
export function feedbackCommentContext(feedbackId: string): string {
  return `family_feedback/${feedbackId}/comment`;
}

/** The sealed columns of one family_feedback row (all null when there was no comment). */
export interface SealedFeedbackComment {
  key_id: string | null;
  dek_wrapped: Buffer | null;
  dek_iv: Buffer | null;
  dek_tag: Buffer | null;
  comment_iv: Buffer | null;
  comment_tag: Buffer | null;
  comment_ciphertext: Buffer | null;
}

/**
 * The comment of one answer in clear (for subject access only), or null when it had none. Throws
 * ErasedError once the answer's data key was destroyed, DecryptionError on any mismatch.
 */
export function openFeedbackComment(masterKeys: MasterKeys, feedbackId: string, row: SealedFeedbackComment): string | null {
  if (row.comment_ciphertext === null || row.key_id === null) return null;
  const dataKey = unwrapDataKey(masterKeys, feedbackKeyContext(feedbackId), {
    keyId: row.key_id,
    wrappedKey: Buffer.from(row.dek_wrapped ?? []),
    wrapIv: Buffer.from(row.dek_iv ?? []),
    wrapTag: Buffer.from(row.dek_tag ?? []),
  });
  try {
    return openWithDataKey(dataKey, feedbackCommentContext(feedbackId), {
      iv: Buffer.from(row.comment_iv ?? []),
      tag: Buffer.from(row.comment_tag ?? []),
      ciphertext: Buffer.from(row.comment_ciphertext),
    }).toString('utf8');
  } finally {
    dataKey.fill(0);
  }
}

const LONDON_MONTH = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit' });

/** The first day of the Europe/London calendar month `at` falls in, as `YYYY-MM-01`. */
export function londonMonthStart(at: Date): string {
  const parts: Record<string, string> = {};
  for (const part of LONDON_MONTH.formatToParts(at)) if (part.type !== 'literal') parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-01`;
}

interface CheckedAnswer {
  tokenSha256: Buffer;
  at: Date;
  ratings: Record<string, number>;
  comment: string | null;
  noMoreRequests: boolean;
}

/** Checks an answer before the transaction; errors name the field, never a value. */
function checkAnswer(input: FeedbackAnswerInput): CheckedAnswer {
  const tokenSha256 = requireBuffer(input?.tokenSha256, 'tokenSha256');
  if (tokenSha256.length !== 32) throw new TypeError('tokenSha256 must be 32 bytes');
  const at = requireDate(input.at, 'at');
  if (input.noMoreRequests !== undefined && typeof input.noMoreRequests !== 'boolean') throw new TypeError('noMoreRequests must be a boolean');
  const noMoreRequests = input.noMoreRequests === true;
  const raw: unknown = input.ratings ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new TypeError('ratings must be an object of question id to rating');
  const ratings: Record<string, number> = {};
  for (const [question, rating] of Object.entries(raw)) {
    if (!(FEEDBACK_QUESTION_IDS as readonly string[]).includes(question)) throw new TypeError(`ratings may only name the questions ${FEEDBACK_QUESTION_IDS.join(', ')}`);
    if (!Number.isInteger(rating) || (rating as number) < 1 || (rating as number) > 5) throw new TypeError(`ratings/${question} must be an integer from 1 to 5`);
    ratings[question] = rating as number;
  }
  if (Object.keys(ratings).length === 0 && !noMoreRequests) throw new TypeError('ratings must rate at least one question unless noMoreRequests is true');
  let comment: string | null = null;
  if (input.comment !== undefined) {
    if (typeof input.comment !== 'string' || input.comment.length === 0 || input.comment.length > FEEDBACK_COMMENT_MAX) {
      throw new TypeError(`comment must be a non-empty string of at most ${FEEDBACK_COMMENT_MAX} characters`);
    }
    comment = input.comment;
  }
  return { tokenSha256, at, ratings, comment, noMoreRequests };
}

interface UsedInvitationRow {
  person_id: string | null;
  service_type: string;
  postcode_district: string | null;
}

export function createFeedbackAnswersStore(deps: { db: Db; masterKeys: MasterKeys; assertOpen(): void }): FeedbackAnswerStore {
  const { db, masterKeys, assertOpen } = deps;
  return {
    async feedbackTokenUsable(tokenSha256, at) {
      assertOpen();
      if (!(tokenSha256 instanceof Uint8Array) || tokenSha256.length !== 32) return false;
      const when = requireDate(at, 'at');
      const res = await db.query<{ usable: boolean }>(
        `SELECT true AS usable FROM feedback_invitations WHERE token_sha256 = $1 AND token_used_at IS NULL AND token_expires_at > $2`,
        [requireBuffer(tokenSha256, 'tokenSha256'), when],
      );
      return res.rows.length > 0;
    },

    async submitFeedback(input) {
      assertOpen();
      const answer = checkAnswer(input);
      const feedbackId = randomUUID();
      // Sealed before the transaction, so the data key is zeroed whatever happens next.
      let sealed: { keyId: string; wrappedKey: Buffer; wrapIv: Buffer; wrapTag: Buffer; iv: Buffer; tag: Buffer; ciphertext: Buffer } | null = null;
      if (answer.comment !== null) {
        const { dataKey, wrapped } = createDataKey(masterKeys, feedbackKeyContext(feedbackId));
        try {
          sealed = { ...wrapped, ...sealWithDataKey(dataKey, feedbackCommentContext(feedbackId), Buffer.from(answer.comment, 'utf8')) };
        } finally {
          dataKey.fill(0);
        }
      }

      return db.transaction(async (tx) => {
        // Single use: of two concurrent submissions, the second waits for the first's row lock and
        // then finds token_used_at set, so exactly one answer is stored.
        const used = await tx.query<UsedInvitationRow>(
          `UPDATE feedback_invitations SET token_used_at = $2
             WHERE token_sha256 = $1 AND token_used_at IS NULL AND token_expires_at > $2
           RETURNING person_id::text AS person_id, service_type, postcode_district`,
          [answer.tokenSha256, answer.at],
        );
        const invitation = used.rows[0];
        if (!invitation) return { outcome: 'rejected' as const };

        await tx.query(
          `INSERT INTO family_feedback (feedback_id, person_id, service_type, postcode_district, month, submitted_at, ratings,
                                        key_id, dek_wrapped, dek_iv, dek_tag, comment_iv, comment_tag, comment_ciphertext)
           VALUES ($1, $2, $3, $4, $5::date, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14)`,
          [
            feedbackId,
            invitation.person_id,
            invitation.service_type,
            invitation.postcode_district,
            londonMonthStart(answer.at),
            answer.at,
            JSON.stringify(answer.ratings),
            sealed?.keyId ?? null,
            sealed?.wrappedKey ?? null,
            sealed?.wrapIv ?? null,
            sealed?.wrapTag ?? null,
            sealed?.iv ?? null,
            sealed?.tag ?? null,
            sealed?.ciphertext ?? null,
          ],
        );
        if (answer.noMoreRequests && invitation.person_id !== null) {
          await tx.query(
            `INSERT INTO family_message_opt_outs (person_id, opted_out_at, source, recorded_by)
             VALUES ($1, $2, 'feedback-response', NULL) ON CONFLICT (person_id) DO NOTHING`,
            [invitation.person_id, answer.at],
          );
        }
        return { outcome: 'stored' as const, feedbackId };
      });
    },
  };
}
