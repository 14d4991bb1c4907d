// POST /v1/feedback: a family's answer to a feedback invitation (issue 6 item 4). Authenticated by
// the invitation's single-use bearer token, not a partner signature; the body is the usual envelope
// {type: 'family.feedback.submitted', timestamp, data}, checked exactly as partner intake checks
// its bodies. The answer is stored apart from the case (FeedbackAnswerStore.submitFeedback).
//
// Order: the client's rate limit; the token's shape; whether the token is usable (every unusable
// token — unknown, used, expired, forged — gets the same 401, so nobody learns whether it ever
// existed); the body (a bad body does not use the token, so the family can correct and resend);
// then the store, which uses the token and stores the answer in one transaction. Nothing here logs
// the token, the comment or the ratings; metrics count outcomes only.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubErrorCode, ProblemIssue } from '@hub/errors';
import { FAMILY_FEEDBACK_TYPE, type InboundDataByType } from '@hub/domain';
import type { HubMetrics } from '@hub/observability';
import type { Store } from '@hub/store';
import { StoreUnavailableError } from '@hub/store';
import { RULE_MESSAGES, type MessageValidator, type ValidationIssue } from '@hub/validation';
import { checkBody, type BodyRejection } from './intake.ts';
import { PartnerRateLimiter } from './rate-limit.ts';

export const FEEDBACK_ROUTE = '/v1/feedback';

/** 32 random bytes, base64url without padding (feedback-types.ts, the invitation side issues them). */
const BEARER = /^Bearer ([A-Za-z0-9_-]{43})$/i;

/**
 * Per client address, in this process (like the partner limits: intake goes on without Redis).
 * Generous, because a council's form server may post every family's answer from one address.
 */
export const FEEDBACK_RATE_LIMIT = { requestsPerMinute: 60, burst: 20 } as const;
/** Client addresses remembered by the limiter at most (least recently seen forgotten first). */
export const FEEDBACK_RATE_LIMIT_KEYS = 10_000;

const RETRY_AFTER_STORAGE_SECONDS = 5;

export type FeedbackOutcome =
  | { kind: 'stored' }
  | { kind: 'unauthenticated' }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | BodyRejection
  | { kind: 'storage-unavailable' };

/** The metric label of an outcome: a fixed word, never anything from the request. */
export function feedbackOutcomeLabel(outcome: FeedbackOutcome): 'stored' | 'unauthenticated' | 'rate-limited' | 'invalid' | 'unavailable' {
  switch (outcome.kind) {
    case 'stored':
    case 'unauthenticated':
    case 'rate-limited':
      return outcome.kind;
    case 'storage-unavailable':
      return 'unavailable';
    default:
      return 'invalid';
  }
}

export interface FeedbackDeps {
  store: Pick<Store, 'feedbackTokenUsable' | 'submitFeedback'>;
  validator: MessageValidator;
  rateLimiter: PartnerRateLimiter;
  now?: () => Date;
}

export interface FeedbackRequest {
  /** The client's address (the rate limit's key; never logged or stored). */
  clientIp: string;
  authorization: string | undefined;
  body: Buffer;
}

const ONLY_FEEDBACK = new Set<string>([FAMILY_FEEDBACK_TYPE]);

/** Checks and stores one answer; every way it can end, for one exhaustive mapping to HTTP. */
export async function receiveFeedback(deps: FeedbackDeps, req: FeedbackRequest): Promise<FeedbackOutcome> {
  const retryAfterSeconds = deps.rateLimiter.take(req.clientIp, FEEDBACK_RATE_LIMIT);
  if (retryAfterSeconds > 0) return { kind: 'rate-limited', retryAfterSeconds };

  const token = req.authorization === undefined ? undefined : BEARER.exec(req.authorization)?.[1];
  if (token === undefined) return { kind: 'unauthenticated' };
  const tokenSha256 = createHash('sha256').update(token, 'utf8').digest();
  const now = deps.now?.() ?? new Date();

  try {
    if (!(await deps.store.feedbackTokenUsable(tokenSha256, now))) return { kind: 'unauthenticated' };
    const checked = checkBody(deps, ONLY_FEEDBACK, req.body);
    if ('rejection' in checked) return checked.rejection;
    const data = checked.data as InboundDataByType['family.feedback.submitted'];
    const result = await deps.store.submitFeedback({
      tokenSha256,
      at: now,
      ratings: { ...(data.ratings ?? {}) },
      ...(data.comment !== undefined ? { comment: data.comment } : {}),
      ...(data.noMoreRequests !== undefined ? { noMoreRequests: data.noMoreRequests } : {}),
    });
    // Used (or expired) since it was checked: answered as any other unusable token.
    return result.outcome === 'stored' ? { kind: 'stored' } : { kind: 'unauthenticated' };
  } catch (err) {
    if (err instanceof StoreUnavailableError) return { kind: 'storage-unavailable' };
    throw err;
  }
}

/** At /v1/feedback a partner's type is not "not allowed for this partner": the envelope's type is wrong. */
const WRONG_TYPE: ValidationIssue[] = [{ pointer: '/type', code: 'schema.const', message: RULE_MESSAGES['schema.const'] }];

export function registerFeedbackRoute(
  app: FastifyInstance,
  deps: FeedbackDeps & { metrics?: HubMetrics },
  sendProblem: (reply: FastifyReply, code: HubErrorCode, instance: string, errors?: ProblemIssue[]) => FastifyReply,
): void {
  const outcomes = new WeakMap<FastifyRequest, FeedbackOutcome>();
  const { metrics } = deps;
  if (metrics) {
    app.addHook('onResponse', async (request) => {
      if (request.routeOptions.url !== FEEDBACK_ROUTE) return;
      const outcome = outcomes.get(request);
      // A body the parser refused (too large, wrong media type) never reached the handler.
      metrics.feedbackAnswers.inc({ outcome: outcome ? feedbackOutcomeLabel(outcome) : 'invalid' });
    });
  }

  app.post<{ Body: Buffer }>(
    FEEDBACK_ROUTE,
    { schema: { response: { 201: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] } } } },
    async (request, reply) => {
      const authorization = typeof request.headers.authorization === 'string' ? request.headers.authorization : undefined;
      if (!Buffer.isBuffer(request.body)) return sendProblem(reply, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE', request.id);
      const outcome = await receiveFeedback(deps, { clientIp: request.ip, authorization, body: request.body });
      outcomes.set(request, outcome);
      switch (outcome.kind) {
        case 'stored':
          return reply.code(201).send({ status: 'received' });
        case 'unauthenticated':
          // The same answer for a missing, malformed, unknown, used, expired or forged token.
          reply.header('www-authenticate', 'Bearer');
          return sendProblem(reply, 'HUB_ERR_UNAUTHENTICATED', request.id);
        case 'rate-limited':
          reply.header('retry-after', String(outcome.retryAfterSeconds));
          return sendProblem(reply, 'HUB_ERR_RATE_LIMITED', request.id);
        case 'invalid-utf8':
          return sendProblem(reply, 'HUB_ERR_INVALID_UTF8', request.id);
        case 'malformed-json':
          return sendProblem(reply, 'HUB_ERR_MALFORMED_JSON', request.id);
        case 'forbidden-key':
          return sendProblem(reply, 'HUB_ERR_FORBIDDEN_KEY', request.id);
        case 'bad-envelope':
          return sendProblem(reply, 'HUB_ERR_BAD_ENVELOPE', request.id, outcome.issues);
        case 'type-not-allowed':
          return sendProblem(reply, 'HUB_ERR_BAD_ENVELOPE', request.id, WRONG_TYPE);
        case 'invalid':
          return sendProblem(reply, 'HUB_ERR_VALIDATION', request.id, outcome.issues);
        case 'storage-unavailable':
          reply.header('retry-after', String(RETRY_AFTER_STORAGE_SECONDS));
          return sendProblem(reply, 'HUB_ERR_STORAGE_UNAVAILABLE', request.id);
        default: {
          const unreachable: never = outcome;
          throw new Error(`unhandled feedback outcome ${String(unreachable)}`);
        }
      }
    },
  );
}

/** The limiter POST /v1/feedback uses: client addresses, bounded. */
export function feedbackRateLimiter(now?: () => number): PartnerRateLimiter {
  return new PartnerRateLimiter(now, FEEDBACK_RATE_LIMIT_KEYS);
}
