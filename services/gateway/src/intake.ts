import { createHash } from 'node:crypto';
import sjson from 'secure-json-parse';
import type { PartnerRegistry } from '@hub/config';
import { routeReferral, type OutboxJob } from '@hub/queues';
import type { Store } from '@hub/store';
import { StoreUnavailableError } from '@hub/store';
import type { MessageValidator, ValidationIssue } from '@hub/validation';
import type { PartnerRateLimiter } from './rate-limit.ts';
import type { SignatureVerifier, WebhookHeaders } from './signature.ts';

/**
 * Every way an inbound request can end. Mapped to an HTTP answer in one exhaustive switch.
 * `messageType` is set once the envelope has been validated (so it is a catalogue type), for metrics.
 */
export type IntakeOutcome = IntakeResult & { messageType?: string };

type IntakeResult =
  | { kind: 'accepted'; messageId: string }
  | { kind: 'duplicate'; messageId: string }
  | { kind: 'conflict' }
  | { kind: 'unauthenticated' }
  | { kind: 'timestamp-out-of-tolerance' }
  | { kind: 'bad-webhook-id' }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'invalid-utf8' }
  | { kind: 'malformed-json' }
  | { kind: 'forbidden-key' }
  | { kind: 'bad-envelope'; issues: ValidationIssue[] }
  | { kind: 'type-not-allowed' }
  | { kind: 'feedback-not-recipient' }
  | { kind: 'invalid'; issues: ValidationIssue[] }
  | { kind: 'storage-unavailable' };

export interface IntakeDeps {
  partners: PartnerRegistry;
  verifier: SignatureVerifier;
  rateLimiter: PartnerRateLimiter;
  validator: MessageValidator;
  store: Pick<Store, 'acceptInbound' | 'findInbound' | 'deliveryRecipient'>;
  enqueuer: { enqueue(job: OutboxJob): void };
  toleranceSeconds: number;
  now?: () => Date;
}

export interface InboundRequest {
  partnerId: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const FEEDBACK_TYPES = new Set(['referral.acknowledged', 'referral.accepted', 'referral.declined', 'referral.closed']);
const WEBHOOK_ID = /^[\x21-\x7e]{1,255}$/;
/** secure-json-parse's message when it meets __proto__ or constructor.prototype. */
const FORBIDDEN_KEY_MESSAGE = 'Object contains forbidden prototype property';
const utf8 = new TextDecoder('utf-8', { fatal: true });

function header(headers: InboundRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}

type Rejection = Exclude<IntakeResult, { kind: 'accepted' | 'duplicate' | 'conflict' | 'storage-unavailable' }>;

/**
 * Authenticates, checks and durably stores one inbound message. Order matters:
 * authentication first (nothing is revealed to an unauthenticated caller), then the
 * partner's rate limit, then the body. A message the hub already holds for this
 * (partner, webhook-id) always gets its first answer — checked by the store's unique key
 * on the way in, and before any rejection on the way out — so a partner retrying days later
 * is answered as before even if the rules have changed since.
 */
export async function receiveInbound(deps: IntakeDeps, req: InboundRequest): Promise<IntakeOutcome> {
  const now = deps.now?.() ?? new Date();
  const webhookId = header(req.headers, 'webhook-id');
  const timestamp = header(req.headers, 'webhook-timestamp');
  const signature = header(req.headers, 'webhook-signature');
  if (webhookId === undefined || timestamp === undefined || signature === undefined) return { kind: 'unauthenticated' };
  if (!/^[0-9]{1,12}$/.test(timestamp)) return { kind: 'unauthenticated' };
  // Checked before the partner is looked up, so it tells an unknown caller nothing.
  if (Math.abs(Number(timestamp) - Math.floor(now.getTime() / 1000)) > deps.toleranceSeconds) return { kind: 'timestamp-out-of-tolerance' };

  const partner = deps.partners.get(req.partnerId);
  const headers: WebhookHeaders = { 'webhook-id': webhookId, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
  if (!deps.verifier.verify(partner?.id, req.body, headers) || !partner) return { kind: 'unauthenticated' };
  if (!WEBHOOK_ID.test(webhookId)) return { kind: 'bad-webhook-id' };

  const retryAfterSeconds = deps.rateLimiter.take(partner.id, partner.rateLimit);
  if (retryAfterSeconds > 0) return { kind: 'rate-limited', retryAfterSeconds };

  const bodySha256 = createHash('sha256').update(req.body).digest('hex');
  const checked = checkBody(deps, partner.messageTypes, req.body);
  const typed = (outcome: IntakeResult): IntakeOutcome => (checked.type === undefined ? outcome : { ...outcome, messageType: checked.type });
  if ('rejection' in checked) return typed(await answerRejection(deps, partner.id, webhookId, bodySha256, checked.rejection));
  return typed(await storeChecked(deps, { partnerId: partner.id, webhookId, bodySha256, now, body: req.body }, checked));
}

/** Stores a message whose body passed every check (a feedback message only from the delivery's recipient). */
async function storeChecked(
  deps: IntakeDeps,
  req: { partnerId: string; webhookId: string; bodySha256: string; now: Date; body: Buffer },
  checked: { type: string; data: unknown },
): Promise<IntakeResult> {
  const { partnerId, webhookId, bodySha256, now } = req;
  if (FEEDBACK_TYPES.has(checked.type)) {
    // Only the recipient of a delivery may report on it; an unknown delivery gets the same answer.
    let recipient: string | null;
    try {
      recipient = await deps.store.deliveryRecipient(String((checked.data as { deliveryId?: unknown }).deliveryId));
    } catch (err) {
      if (err instanceof StoreUnavailableError) return { kind: 'storage-unavailable' };
      throw err;
    }
    if (recipient !== partnerId) return answerRejection(deps, partnerId, webhookId, bodySha256, { kind: 'feedback-not-recipient' });
  }

  try {
    const result = await deps.store.acceptInbound({
      partnerId,
      webhookId,
      type: checked.type,
      schemaId: deps.validator.schemaIdFor(checked.type),
      receivedAt: now,
      body: req.body,
      bodySha256,
    });
    switch (result.outcome) {
      case 'accepted':
        deps.enqueuer.enqueue({ outboxId: result.outboxId, ...routeReferral.spec(result.messageId) });
        return { kind: 'accepted', messageId: result.messageId };
      case 'duplicate':
        return { kind: 'duplicate', messageId: result.messageId };
      case 'conflict':
        return { kind: 'conflict' };
      default: {
        const unreachable: never = result;
        throw new Error(`unhandled store outcome ${String(unreachable)}`);
      }
    }
  } catch (err) {
    if (err instanceof StoreUnavailableError) return { kind: 'storage-unavailable' };
    throw err;
  }
}

/** A body that failed one of checkBody's checks. */
export type BodyRejection = Extract<Rejection, { kind: 'invalid-utf8' | 'malformed-json' | 'forbidden-key' | 'bad-envelope' | 'type-not-allowed' | 'invalid' }>;

/**
 * UTF-8, secure JSON parse, envelope, allowed type, then the type's schema and domain rules. Shared
 * by partner intake and POST /v1/feedback. `type` is set once the envelope is valid (the envelope
 * schema lists the catalogue's types).
 */
export function checkBody(deps: Pick<IntakeDeps, 'validator'>, allowedTypes: ReadonlySet<string>, body: Buffer): { type: string; data: unknown } | { rejection: BodyRejection; type?: string } {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { rejection: { kind: 'invalid-utf8' } };
  }
  let parsed: unknown;
  try {
    parsed = sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const forbidden = err instanceof SyntaxError && err.message === FORBIDDEN_KEY_MESSAGE;
    return { rejection: { kind: forbidden ? 'forbidden-key' : 'malformed-json' } };
  }
  const envelope = deps.validator.validateEnvelope(parsed);
  if (!envelope.ok) return { rejection: { kind: 'bad-envelope', issues: envelope.issues } };
  const { type, data } = envelope.envelope;
  if (!allowedTypes.has(type)) return { rejection: { kind: 'type-not-allowed' }, type };
  const issues = deps.validator.validateMessage(type, data);
  if (issues.length > 0) return { rejection: { kind: 'invalid', issues }, type };
  return { type, data };
}

async function answerRejection(deps: IntakeDeps, partnerId: string, webhookId: string, bodySha256: string, rejection: Rejection): Promise<IntakeResult> {
  try {
    const earlier = await deps.store.findInbound(partnerId, webhookId);
    if (!earlier) return rejection;
    return earlier.bodySha256 === bodySha256 ? { kind: 'duplicate', messageId: earlier.messageId } : { kind: 'conflict' };
  } catch (err) {
    // Without the store we cannot tell a retry of an accepted message from a new one.
    if (err instanceof StoreUnavailableError) return { kind: 'storage-unavailable' };
    throw err;
  }
}
