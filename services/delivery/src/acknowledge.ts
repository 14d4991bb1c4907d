import { createNotifyClient, sendAcknowledgement, type AcknowledgementLink, type NotifyClient } from '@hub/adapters';
import type { HubConfig, NotifySettings } from '@hub/config';
import type { Logger } from '@hub/observability';
import { acknowledgeFamily, type AcknowledgeFamilyPayload } from '@hub/queues';
import { ErasedError, type Store } from '@hub/store';
import { finishedStep, startFamilyMessageWorker, type FamilyMessageWorker } from './family-message-worker.ts';

/** What one `family.acknowledge` job did (ids and codes only). */
export type AcknowledgeStep =
  /** Held until `untilMs` (NOTIFY_ACK_HOLD_MINUTES after the decision) so an operator can share links first. */
  | { kind: 'held'; untilMs: number }
  | { kind: 'sent'; notificationId?: string }
  | { kind: 'failed'; code: string }
  | { kind: 'suppressed'; code: string }
  | { kind: 'already-finished' }
  | { kind: 'unknown' }
  | { kind: 'retry'; code: string; retryAfterMs?: number };

export interface AcknowledgeDeps {
  store: Store;
  client: NotifyClient;
  notify: Pick<NotifySettings, 'acknowledgementEmailTemplateId' | 'acknowledgementSmsTemplateId'> & Partial<Pick<NotifySettings, 'acknowledgementHoldMs'>>;
  /** Sends before a `retry` answer becomes a recorded failure. */
  maxSends: number;
  /**
   * Signposting links an operator shared with the family before the send (issue 6 item 2). The
   * default: the referral's signpost shares that carry the service's public URL.
   */
  approvedLinks?: (referralId: string) => Promise<AcknowledgementLink[]>;
  now?: () => Date;
}

/** The links an operator shared with the family: signpost shares with the service's URL, in the order shared. */
export async function sharedLinks(store: Pick<Store, 'listSignpostShares'>, referralId: string): Promise<AcknowledgementLink[]> {
  return (await store.listSignpostShares(referralId)).flatMap((s) => (s.serviceUrl ? [{ name: s.serviceName, url: s.serviceUrl }] : []));
}

/**
 * The people's restriction/objection flags and opt-outs, read again just before a send: someone
 * who restricted, objected or opted out since the routing decided is never written to.
 */
export async function familyMessageChecks(store: Store, personIds: readonly string[]): Promise<{ rights: Awaited<ReturnType<Store['personRights']>>; optedOut: string[] }> {
  const ids = [...new Set(personIds)];
  const [rights, optOuts] = await Promise.all([store.personRights(ids), store.messageOptOuts(ids)]);
  return { rights, optedOut: optOuts.map((o) => o.personId) };
}

/**
 * Sends one self-referral's acknowledgement. Idempotent: only an acknowledgement still `queued`
 * is sent, and the outcome is recorded once (queued → sent/failed). A crash between Notify's 201
 * and the update can send it twice (Notify has no idempotency key); nothing else can. With a hold
 * (NOTIFY_ACK_HOLD_MINUTES) it answers `held` until the hold has passed.
 */
export async function acknowledgeOnce(deps: AcknowledgeDeps, referralId: string): Promise<AcknowledgeStep> {
  const now = deps.now ?? (() => new Date());
  const ack = await deps.store.acknowledgementFor(referralId);
  if (!ack) return { kind: 'unknown' };
  if (ack.status !== 'queued') return { kind: 'already-finished' };
  const holdUntil = ack.decidedAt.getTime() + (deps.notify.acknowledgementHoldMs ?? 0);
  if (holdUntil > now().getTime()) return { kind: 'held', untilMs: holdUntil };
  const finish = async (status: 'sent' | 'failed', outcomeCode: string, notificationId?: string): Promise<void> => {
    await deps.store.finishAcknowledgement(ack.acknowledgementId, { status, outcomeCode, at: now(), ...(notificationId ? { notificationId } : {}) });
  };
  let stored: Awaited<ReturnType<Store['readReferral']>>;
  try {
    stored = await deps.store.readReferral(referralId);
  } catch (err) {
    if (err instanceof ErasedError) {
      await finish('failed', 'ERASED');
      return { kind: 'failed', code: 'ERASED' };
    }
    throw err;
  }
  if (!stored) {
    await finish('failed', 'REFERRAL_MISSING');
    return { kind: 'failed', code: 'REFERRAL_MISSING' };
  }
  const referral = JSON.parse(stored.canonical.toString('utf8')) as Parameters<typeof sendAcknowledgement>[2];
  const links = deps.approvedLinks ? await deps.approvedLinks(referralId) : await sharedLinks(deps.store, referralId);
  const checks = await familyMessageChecks(deps.store, stored.people.map((p) => p.hubPersonId));
  const attempts = await deps.store.recordAcknowledgementAttempt(ack.acknowledgementId);
  const result = await sendAcknowledgement(deps.client, { emailTemplateId: deps.notify.acknowledgementEmailTemplateId, smsTemplateId: deps.notify.acknowledgementSmsTemplateId }, referral, { reference: ack.acknowledgementId, links, checks });
  if (result.kind === 'suppressed') {
    // Contact became unsafe (or details went, or someone restricted, objected or opted out) since routing: never written to.
    await finish('failed', result.reasonCode);
    return { kind: 'suppressed', code: result.reasonCode };
  }
  const outcome = result.outcome;
  if (outcome.kind === 'sent') {
    await finish('sent', 'SENT', outcome.notificationId);
    return { kind: 'sent', ...(outcome.notificationId ? { notificationId: outcome.notificationId } : {}) };
  }
  if (outcome.kind === 'permanent' || attempts >= deps.maxSends) {
    const code = outcome.kind === 'permanent' ? outcome.code : `RETRIES_EXHAUSTED_${outcome.code}`;
    await finish('failed', code);
    return { kind: 'failed', code };
  }
  return { kind: 'retry', code: outcome.code, ...(outcome.retryAfterMs !== undefined ? { retryAfterMs: outcome.retryAfterMs } : {}) };
}

export type AcknowledgementWorker = FamilyMessageWorker;

/**
 * The `family.acknowledge` worker, started by the delivery runtime when Notify is configured.
 * Logs carry the referral id and outcome codes only, never a recipient or personalisation.
 */
export function startAcknowledgementWorker(config: HubConfig, store: Store, logger: Logger, opts: { notify: NotifySettings; concurrency?: number; client?: NotifyClient }): AcknowledgementWorker {
  const client = opts.client ?? createNotifyClient({ baseUrl: opts.notify.baseUrl, apiKey: opts.notify.apiKey, timeoutMs: opts.notify.timeoutMs, allowHttp: opts.notify.allowHttp });
  const deps: AcknowledgeDeps = { store, client, notify: opts.notify, maxSends: acknowledgeFamily.maxSends };
  return startFamilyMessageWorker<AcknowledgeFamilyPayload>(config, logger, {
    queue: acknowledgeFamily.queue,
    name: acknowledgeFamily.name,
    label: 'acknowledgement',
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    async run(data) {
      const step = await acknowledgeOnce(deps, data.referralId);
      return step.kind === 'held' ? { kind: 'wait', untilMs: step.untilMs, note: 'held so that signposting links can be shared first' } : finishedStep(step);
    },
  });
}
