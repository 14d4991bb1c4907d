import { createHash, randomBytes } from 'node:crypto';
import { createNotifyClient, sendFeedbackInvitation, type NotifyClient } from '@hub/adapters';
import type { FeedbackSettings, HubConfig, NotifySettings } from '@hub/config';
import type { Logger } from '@hub/observability';
import { feedbackInvite, type FeedbackInvitePayload } from '@hub/queues';
import { ErasedError, type Store } from '@hub/store';
import { familyMessageChecks } from './acknowledge.ts';
import { finishedStep, startFamilyMessageWorker, type FamilyMessageWorker } from './family-message-worker.ts';

// Feedback invitations (issue 6 item 4; docs/data-protection.md "Feedback from families"): the
// `family.feedback-invite` worker. The job arrives as soon as the closure is routed and waits
// (delayed in BullMQ) until the invitation is due; then the referral is read again, the family's
// safety, rights and wishes re-checked, a single-use token issued (only its SHA-256 is stored) and
// the invitation sent through Notify. Ids and codes only in logs: never the token or the link.

const DAY_MS = 24 * 3600_000;

/** What one `family.feedback-invite` job did (ids and codes only). */
export type FeedbackInviteStep =
  /** Not due yet: wait until `dueMs`. */
  | { kind: 'not-due'; dueMs: number }
  | { kind: 'sent'; notificationId?: string }
  | { kind: 'failed'; code: string }
  | { kind: 'suppressed'; code: string }
  | { kind: 'already-finished' }
  | { kind: 'unknown' }
  | { kind: 'retry'; code: string; retryAfterMs?: number };

export interface FeedbackInviteDeps {
  store: Store;
  client: NotifyClient;
  notify: Pick<NotifySettings, 'feedbackEmailTemplateId' | 'feedbackSmsTemplateId'>;
  feedback: Pick<FeedbackSettings, 'tokenTtlDays' | 'formUrl'>;
  /** Sends before a `retry` answer becomes a recorded failure. */
  maxSends: number;
  now?: () => Date;
  /** The token's 32 random bytes (tests may fix them). */
  randomToken?: () => Buffer;
}

class PersonMissing extends Error {}

/** The link a family follows: the form, with the token in the fragment (never sent to a web server or its logs). */
export function feedbackLink(formUrl: string, token: string): string {
  return `${formUrl}#token=${token}`;
}

/**
 * Sends one feedback invitation when it is due. Idempotent: only a `scheduled` invitation is sent,
 * and its outcome recorded once (scheduled → sent/failed). Suppressed at send time (contact
 * unsafe, restriction, objection or opt-out since the closure) → `failed` with that code, nothing
 * sent. Each send attempt gets a fresh token that replaces the last unused one.
 */
export async function inviteOnce(deps: FeedbackInviteDeps, invitationId: string): Promise<FeedbackInviteStep> {
  const now = deps.now ?? (() => new Date());
  const invitation = await deps.store.feedbackInvitation(invitationId);
  if (!invitation) return { kind: 'unknown' };
  if (invitation.status !== 'scheduled') return { kind: 'already-finished' };
  if (invitation.dueAt.getTime() > now().getTime()) return { kind: 'not-due', dueMs: invitation.dueAt.getTime() };
  const finish = async (status: 'sent' | 'failed', outcomeCode: string, notificationId?: string): Promise<void> => {
    await deps.store.finishFeedbackInvitation(invitation.invitationId, { status, outcomeCode, at: now(), ...(notificationId ? { notificationId } : {}) });
  };
  const fail = async (code: string): Promise<FeedbackInviteStep> => {
    await finish('failed', code);
    return { kind: 'failed', code };
  };
  const formUrl = deps.feedback.formUrl;
  if (!formUrl) return fail('NO_FORM_URL');
  let stored: Awaited<ReturnType<Store['readReferral']>>;
  try {
    stored = await deps.store.readReferral(invitation.referralId);
  } catch (err) {
    if (err instanceof ErasedError) return fail('ERASED');
    throw err;
  }
  if (!stored) return fail('REFERRAL_MISSING');
  const people = stored.people;
  const referral = JSON.parse(stored.canonical.toString('utf8')) as Parameters<typeof sendFeedbackInvitation>[2];
  const checks = await familyMessageChecks(deps.store, people.map((p) => p.hubPersonId));
  let attempts = 0;
  let result: Awaited<ReturnType<typeof sendFeedbackInvitation>>;
  try {
    result = await sendFeedbackInvitation(deps.client, { emailTemplateId: deps.notify.feedbackEmailTemplateId, smsTemplateId: deps.notify.feedbackSmsTemplateId }, referral, {
      reference: invitation.invitationId,
      checks,
      prepare: async (recipient) => {
        const personId = people.find((p) => p.personRef === recipient.personRef)?.hubPersonId ?? recipient.hubPersonId;
        if (!personId) throw new PersonMissing();
        attempts = await deps.store.recordFeedbackInvitationAttempt(invitation.invitationId);
        const token = (deps.randomToken?.() ?? randomBytes(32)).toString('base64url');
        const expiresAt = new Date(now().getTime() + deps.feedback.tokenTtlDays * DAY_MS);
        await deps.store.issueFeedbackToken(invitation.invitationId, { tokenSha256: createHash('sha256').update(token, 'utf8').digest(), expiresAt, personId });
        return { link: feedbackLink(formUrl, token), expiresAt };
      },
    });
  } catch (err) {
    if (err instanceof PersonMissing) return fail('PERSON_MISSING');
    throw err;
  }
  if (result.kind === 'suppressed') {
    // Unsafe, restricted, objected or opted out since the closure: never written to.
    await finish('failed', result.reasonCode);
    return { kind: 'suppressed', code: result.reasonCode };
  }
  const outcome = result.outcome;
  if (outcome.kind === 'sent') {
    await finish('sent', 'SENT', outcome.notificationId);
    return { kind: 'sent', ...(outcome.notificationId ? { notificationId: outcome.notificationId } : {}) };
  }
  if (outcome.kind === 'permanent' || attempts >= deps.maxSends) return fail(outcome.kind === 'permanent' ? outcome.code : `RETRIES_EXHAUSTED_${outcome.code}`);
  return { kind: 'retry', code: outcome.code, ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}) };
}

export type FeedbackInviteWorker = FamilyMessageWorker;

/**
 * The `family.feedback-invite` worker, started by the delivery runtime when Notify is configured.
 * A job picked up before its invitation is due moves itself to delayed until then. Logs carry the
 * invitation id and outcome codes only.
 */
export function startFeedbackInviteWorker(
  config: HubConfig,
  store: Store,
  logger: Logger,
  opts: { notify: NotifySettings; feedback: FeedbackSettings; concurrency?: number; client?: NotifyClient },
): FeedbackInviteWorker {
  const client = opts.client ?? createNotifyClient({ baseUrl: opts.notify.baseUrl, apiKey: opts.notify.apiKey, timeoutMs: opts.notify.timeoutMs, allowHttp: opts.notify.allowHttp });
  const deps: FeedbackInviteDeps = { store, client, notify: opts.notify, feedback: opts.feedback, maxSends: feedbackInvite.maxSends };
  return startFamilyMessageWorker<FeedbackInvitePayload>(config, logger, {
    queue: feedbackInvite.queue,
    name: feedbackInvite.name,
    label: 'feedback invitation',
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    async run(data) {
      const step = await inviteOnce(deps, data.invitationId);
      return step.kind === 'not-due' ? { kind: 'wait', untilMs: step.dueMs, note: 'waits until it is due' } : finishedStep(step);
    },
  });
}
