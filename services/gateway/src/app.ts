import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { HubConfig } from '@hub/config';
import { problem, type HubErrorCode, type ProblemIssue } from '@hub/errors';
import { FAMILY_FEEDBACK_TYPE, isFeedbackType, isReferralSourceType } from '@hub/domain';
import { UNKNOWN_LABEL, type HubMetrics, type Logger } from '@hub/observability';
import type { OutboxJob } from '@hub/queues';
import type { Store } from '@hub/store';
import type { MessageValidator } from '@hub/validation';
import { feedbackRateLimiter, registerFeedbackRoute } from './feedback.ts';
import { registerFeedbackForm } from './feedback-form.ts';
import { receiveInbound, type IntakeOutcome } from './intake.ts';
import { PartnerRateLimiter } from './rate-limit.ts';
import { SignatureVerifier } from './signature.ts';

export interface GatewayDeps {
  config: HubConfig;
  store: Pick<Store, 'acceptInbound' | 'findInbound' | 'ping' | 'deliveryRecipient' | 'feedbackTokenUsable' | 'submitFeedback'>;
  validator: MessageValidator;
  enqueuer: { enqueue(job: OutboxJob): void };
  logger: Logger;
  /** Reports whether Redis answers, for /readyz's information only (it never gates readiness). */
  redisStatus?: () => 'up' | 'down';
  now?: () => Date;
  /** Intake counters; `/metrics` itself is served on the private health port, never by this app. */
  metrics?: HubMetrics;
}

const INBOUND_ROUTE = '/v1/inbound/:partnerId';

/** A message type as a metric label: a catalogue type, else `unknown` (never a raw value). */
function typeLabel(type: string | undefined): string {
  return type !== undefined && (isReferralSourceType(type) || isFeedbackType(type) || type === FAMILY_FEEDBACK_TYPE) ? type : UNKNOWN_LABEL;
}

const RETRY_AFTER_STORAGE_SECONDS = 5;

const acceptedSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, status: { type: 'string' } },
  required: ['id', 'status'],
} as const;

/** Builds the gateway's Fastify app; `main.ts` listens, tests use `app.inject()`. */
export function buildApp(deps: GatewayDeps): FastifyInstance {
  const { settings, partners } = deps.config;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: settings.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    return503OnClosing: true,
  });

  const intakeDeps = {
    partners,
    verifier: new SignatureVerifier(partners.all()),
    rateLimiter: new PartnerRateLimiter(),
    validator: deps.validator,
    store: deps.store,
    enqueuer: deps.enqueuer,
    toleranceSeconds: settings.signatureToleranceSeconds,
    ...(deps.now ? { now: deps.now } : {}),
  };

  // The raw bytes are what was signed and what is stored, so JSON is parsed later, by us.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('cache-control', 'no-store');
  });
  // How each intake request ended, for the metrics counted when its response is sent.
  const intakeOutcomes = new WeakMap<object, IntakeOutcome>();
  const { metrics } = deps;
  if (metrics) {
    app.addHook('onResponse', async (request, reply) => {
      if (request.routeOptions.url !== INBOUND_ROUTE) return;
      metrics.intakeRequests.inc({ status: String(reply.statusCode) });
      const outcome = intakeOutcomes.get(request);
      const type = typeLabel(outcome?.messageType);
      if (outcome?.kind === 'accepted') metrics.messagesReceived.inc({ type });
      else if (outcome?.kind === 'duplicate') metrics.messagesDuplicate.inc({ type });
      else {
        // Every other answer carries its HUB_ERR code (set by sendProblem, also for parser errors).
        const code = reply.getHeader('x-hub-error-code');
        metrics.messagesRejected.inc({ type, code: typeof code === 'string' && /^HUB_ERR_[A-Z_]+$/.test(code) ? code : UNKNOWN_LABEL });
      }
    });
  }
  app.addHook('onResponse', async (request, reply) => {
    // Method, route and status only: never the URL's query, a header value or the body.
    request.log.info(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', partnerId: (request.params as { partnerId?: string } | undefined)?.partnerId, statusCode: reply.statusCode, code: reply.getHeader('x-hub-error-code'), ms: Math.round(reply.elapsedTime) },
      'request completed',
    );
  });

  function sendProblem(reply: FastifyReply, code: HubErrorCode, instance: string, errors?: ProblemIssue[]): FastifyReply {
    const body = problem(code, { instance: `urn:uuid:${instance}`, ...(errors ? { errors } : {}) });
    return reply.code(body.status).header('content-type', 'application/problem+json; charset=utf-8').header('x-hub-error-code', code).send(body);
  }

  app.setErrorHandler((error: FastifyError, request, reply) => {
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(reply, 'HUB_ERR_BODY_TOO_LARGE', request.id);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendProblem(reply, error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE' : 'HUB_ERR_MALFORMED_JSON', request.id);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendProblem(reply, 'HUB_ERR_MALFORMED_JSON', request.id);
      default:
        request.log.error({ reqId: request.id, err: { message: error.message, code: error.code, stack: error.stack } }, 'unexpected error');
        return sendProblem(reply, 'HUB_ERR_INTERNAL', request.id);
    }
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, 'HUB_ERR_NOT_FOUND', request.id));

  app.get('/livez', { schema: { response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const redis = deps.redisStatus?.() ?? 'unknown';
    try {
      await deps.store.ping();
      return { status: 'ready', checks: { postgres: 'up', redis } };
    } catch {
      return reply.code(503).header('retry-after', String(RETRY_AFTER_STORAGE_SECONDS)).send({ status: 'not-ready', checks: { postgres: 'down', redis } });
    }
  });

  app.post<{ Params: { partnerId: string }; Body: Buffer }>(
    INBOUND_ROUTE,
    {
      schema: {
        params: { type: 'object', properties: { partnerId: { type: 'string' } }, required: ['partnerId'] },
        response: { 200: acceptedSchema, 202: acceptedSchema },
      },
    },
    async (request, reply) => {
      if (!Buffer.isBuffer(request.body)) return sendProblem(reply, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE', request.id);
      const outcome = await receiveInbound(intakeDeps, { partnerId: request.params.partnerId, headers: request.headers, body: request.body });
      intakeOutcomes.set(request, outcome);
      return answer(reply, request.id, outcome);
    },
  );

  // A family's answer to a feedback invitation, authenticated by the invitation's bearer token.
  registerFeedbackRoute(
    app,
    { store: deps.store, validator: deps.validator, rateLimiter: feedbackRateLimiter(), ...(deps.now ? { now: deps.now } : {}), ...(metrics ? { metrics } : {}) },
    sendProblem,
  );
  // The form the invitation's link opens (HUB_FEEDBACK_FORM_URL may point here); it posts to the route above.
  registerFeedbackForm(app);

  function answer(reply: FastifyReply, reqId: string, outcome: IntakeOutcome): FastifyReply {
    switch (outcome.kind) {
      case 'accepted':
        return reply.code(202).send({ id: outcome.messageId, status: 'accepted' });
      case 'duplicate':
        return reply.code(200).send({ id: outcome.messageId, status: 'accepted' });
      case 'conflict':
        return sendProblem(reply, 'HUB_ERR_IDEMPOTENCY_CONFLICT', reqId);
      case 'unauthenticated':
        return sendProblem(reply, 'HUB_ERR_UNAUTHENTICATED', reqId);
      case 'timestamp-out-of-tolerance':
        return sendProblem(reply, 'HUB_ERR_TIMESTAMP_OUT_OF_TOLERANCE', reqId);
      case 'bad-webhook-id':
        return sendProblem(reply, 'HUB_ERR_BAD_WEBHOOK_ID', reqId);
      case 'rate-limited':
        reply.header('retry-after', String(outcome.retryAfterSeconds));
        return sendProblem(reply, 'HUB_ERR_RATE_LIMITED', reqId);
      case 'invalid-utf8':
        return sendProblem(reply, 'HUB_ERR_INVALID_UTF8', reqId);
      case 'malformed-json':
        return sendProblem(reply, 'HUB_ERR_MALFORMED_JSON', reqId);
      case 'forbidden-key':
        return sendProblem(reply, 'HUB_ERR_FORBIDDEN_KEY', reqId);
      case 'bad-envelope':
        return sendProblem(reply, 'HUB_ERR_BAD_ENVELOPE', reqId, outcome.issues);
      case 'type-not-allowed':
        return sendProblem(reply, 'HUB_ERR_MESSAGE_TYPE_NOT_ALLOWED', reqId);
      case 'feedback-not-recipient':
        return sendProblem(reply, 'HUB_ERR_FEEDBACK_NOT_RECIPIENT', reqId);
      case 'invalid':
        return sendProblem(reply, 'HUB_ERR_VALIDATION', reqId, outcome.issues);
      case 'storage-unavailable':
        reply.header('retry-after', String(RETRY_AFTER_STORAGE_SECONDS));
        return sendProblem(reply, 'HUB_ERR_STORAGE_UNAVAILABLE', reqId);
      default: {
        const unreachable: never = outcome;
        throw new Error(`unhandled intake outcome ${String(unreachable)}`);
      }
    }
  }

  return app;
}
