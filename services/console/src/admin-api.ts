import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubConfig } from '@hub/config';
import { problem, type HubErrorCode } from '@hub/errors';
import { deliverReferral, outboxJob, type OutboxEnqueuer, type OutboxJob } from '@hub/queues';
import { resolveHeldReferral } from '@hub/routing';
import type { Store } from '@hub/store';
import { NO_PARTNER_LABEL, type HubMetrics } from '@hub/observability';

export interface AdminApiDeps {
  config: HubConfig;
  store: Store;
  enqueuer: OutboxEnqueuer;
  /** operator id → bearer token (from HUB_ADMIN_TOKENS). */
  tokens: ReadonlyMap<string, string>;
  /** The clock of the audit rows (tests pass their own). */
  now?: () => Date;
  /** hub_disclosures_total for the not-disclosed ledger rows an operator's close writes. */
  metrics?: HubMetrics;
}

declare module 'fastify' {
  interface FastifyRequest {
    operatorId?: string;
  }
}

const reasonSchema = { type: 'string', minLength: 3, maxLength: 500 } as const;
const idSchema = { type: 'string', pattern: '^[0-9a-f-]{36}$' } as const;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Finds the operator whose token this is, comparing digests in constant time. */
export function operatorForToken(tokens: ReadonlyMap<string, string>, presented: string): string | undefined {
  const presentedDigest = digest(presented);
  let found: string | undefined;
  for (const [operatorId, token] of tokens) if (timingSafeEqual(digest(token), presentedDigest)) found = operatorId;
  return found;
}

/** The admin API's state-changing calls, as the audit trail names them (actor = operator id, role `api-token`). */
const AUDITED_CALLS: Readonly<Record<string, { action: string; targetType: string; param?: string }>> = {
  '/admin/holds/:referralId/share': { action: 'hold.share', targetType: 'referral', param: 'referralId' },
  '/admin/holds/:referralId/close': { action: 'hold.close', targetType: 'referral', param: 'referralId' },
  '/admin/dead-letters/replay': { action: 'dead-letter.replay', targetType: 'delivery' },
  '/admin/dead-letters/:deliveryId/close': { action: 'dead-letter.close', targetType: 'delivery', param: 'deliveryId' },
  '/admin/partners/:partnerId/enable': { action: 'endpoint.enable', targetType: 'partner', param: 'partnerId' },
  '/admin/ledger/verify': { action: 'ledger.verify', targetType: 'ledger' },
};

function shortText(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= max && !value.includes('\u0000') ? value : null;
}

/** Appends the audit row of an authenticated state-changing call, whatever its outcome. */
async function auditAdminCall(store: Store, now: () => Date, request: FastifyRequest, statusCode: number): Promise<void> {
  const spec = AUDITED_CALLS[request.routeOptions.url ?? ''];
  if (!spec || request.method !== 'POST' || !request.operatorId) return;
  const params = (request.params ?? {}) as Record<string, unknown>;
  const body = (request.body && typeof request.body === 'object' ? request.body : {}) as { reason?: unknown; deliveryIds?: unknown };
  const deliveryIds = Array.isArray(body.deliveryIds) ? body.deliveryIds : undefined;
  await store.appendAudit({
    at: now(),
    actor: request.operatorId,
    role: 'api-token',
    action: spec.action,
    targetType: spec.targetType,
    targetId: spec.param ? shortText(params[spec.param], 256) : deliveryIds?.length === 1 ? shortText(deliveryIds[0], 256) : null,
    reason: shortText(body.reason, 2000),
    outcome: statusCode < 400 ? 'ok' : 'failed',
    ip: request.ip ?? null,
    details: { status: statusCode, channel: 'admin-api', ...(deliveryIds ? { deliveries: deliveryIds.length } : {}) },
  });
}

function send(reply: FastifyReply, code: HubErrorCode, request: FastifyRequest): FastifyReply {
  const body = problem(code, { instance: `urn:uuid:${request.id}` });
  return reply.code(body.status).header('content-type', 'application/problem+json; charset=utf-8').send(body);
}

/**
 * The admin JSON API for operators: review holds, dead letters and their replay, partner
 * endpoints, and the ledger. Every call is authenticated by an operator's bearer token; the
 * operator id recorded with each decision comes from the token, never from the request body.
 * (The browser console with roles is built on these in a later issue.)
 */
export async function registerAdminApi(app: FastifyInstance, deps: AdminApiDeps): Promise<void> {
  const { store, config, enqueuer } = deps;
  const routingDeps = { store, partners: config.partners, sharing: config.sharing };

  /** Fast path; if Redis refuses, the committed outbox rows are queued by the sweeper. */
  async function requeue(jobs: OutboxJob[]): Promise<void> {
    await enqueuer.addNow(jobs).catch(() => undefined);
  }

  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : '';
    const operatorId = token ? operatorForToken(deps.tokens, token) : undefined;
    if (!operatorId) return send(reply, 'HUB_ERR_UNAUTHENTICATED', request);
    request.operatorId = operatorId;
  });

  const now = deps.now ?? (() => new Date());
  app.addHook('onSend', async (request, reply, payload) => {
    try {
      await auditAdminCall(store, now, request, reply.statusCode);
    } catch (err) {
      // The call has happened; a missing audit row must at least be loud.
      request.log.error({ reqId: request.id, err: { message: (err as Error).message } }, 'admin API call not audited');
    }
    return payload;
  });

  app.get('/admin/holds', async () => ({ holds: await store.listHolds() }));

  app.post<{ Params: { referralId: string }; Body: { recipients: { partnerId: string; purpose?: string }[]; reason: string } }>(
    '/admin/holds/:referralId/share',
    { schema: { params: { type: 'object', properties: { referralId: idSchema }, required: ['referralId'] }, body: { type: 'object', additionalProperties: false, required: ['recipients', 'reason'], properties: { recipients: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'object', additionalProperties: false, required: ['partnerId'], properties: { partnerId: { type: 'string', maxLength: 64 }, purpose: { type: 'string', maxLength: 64 } } } }, reason: reasonSchema } } } },
    async (request, reply) => {
      const result = await resolveHeldReferral(routingDeps, request.params.referralId, { operatorId: request.operatorId as string, reason: request.body.reason, recipients: request.body.recipients });
      if (result.kind === 'not-held') return send(reply, 'HUB_ERR_NOT_FOUND', request);
      if (result.kind === 'no-agreement') {
        const index = request.body.recipients.findIndex((r) => r.partnerId === result.recipientPartnerId);
        const issue = result.ambiguous
          ? { pointer: `/recipients/${index}/purpose`, code: 'recipient.purpose-required', message: 'This recipient has several data-sharing agreements: name the purpose.' }
          : { pointer: `/recipients/${index}`, code: 'recipient.no-agreement', message: 'This recipient has no delivery channel or no data-sharing agreement for the purpose.' };
        return reply.code(422).header('content-type', 'application/problem+json; charset=utf-8').send(problem('HUB_ERR_VALIDATION', { instance: `urn:uuid:${request.id}`, errors: [issue] }));
      }
      if (result.kind === 'shared') await requeue(result.jobs);
      return { status: result.kind, deliveries: result.kind === 'shared' ? result.deliveries : 0 };
    },
  );

  app.post<{ Params: { referralId: string }; Body: { reason: string } }>(
    '/admin/holds/:referralId/close',
    { schema: { params: { type: 'object', properties: { referralId: idSchema }, required: ['referralId'] }, body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: reasonSchema } } } },
    async (request, reply) => {
      const result = await resolveHeldReferral(routingDeps, request.params.referralId, { operatorId: request.operatorId as string, reason: request.body.reason, close: true });
      if (result.kind !== 'closed') return send(reply, 'HUB_ERR_NOT_FOUND', request);
      // Closing a hold writes one not-disclosed ledger row with no recipient.
      deps.metrics?.disclosures.inc({ partner: NO_PARTNER_LABEL, outcome: 'not-disclosed' });
      return { status: 'closed' };
    },
  );

  app.get<{ Querystring: { limit?: number; offset?: number; partnerId?: string } }>(
    '/admin/dead-letters',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, offset: { type: 'integer', minimum: 0, default: 0 }, partnerId: { type: 'string', maxLength: 64 } } } } },
    async (request) => ({ deadLetters: await store.listDeadLetters({ limit: request.query.limit ?? 100, offset: request.query.offset ?? 0, ...(request.query.partnerId ? { partnerId: request.query.partnerId } : {}) }) }),
  );

  app.post<{ Body: { deliveryIds: string[]; reason: string } }>(
    '/admin/dead-letters/replay',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['deliveryIds', 'reason'], properties: { deliveryIds: { type: 'array', minItems: 1, maxItems: 1000, uniqueItems: true, items: idSchema }, reason: reasonSchema } } } },
    async (request) => {
      const outbox = await store.replayDeliveries(request.body.deliveryIds, { operatorId: request.operatorId as string, reason: request.body.reason });
      await requeue(outbox.map(outboxJob));
      return { replayed: outbox.length };
    },
  );

  app.post<{ Params: { deliveryId: string }; Body: { reason: string } }>(
    '/admin/dead-letters/:deliveryId/close',
    { schema: { params: { type: 'object', properties: { deliveryId: idSchema }, required: ['deliveryId'] }, body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: reasonSchema } } } },
    async (request, reply) => {
      const closed = await store.closeDeadLetter(request.params.deliveryId, { operatorId: request.operatorId as string, reason: request.body.reason });
      if (!closed) return send(reply, 'HUB_ERR_NOT_FOUND', request);
      // One not-disclosed ledger row for the delivery's recipient (a partner id from config).
      const recipient = deps.metrics ? await store.deliveryRecipient(request.params.deliveryId).catch(() => null) : null;
      if (recipient) deps.metrics?.disclosures.inc({ partner: recipient, outcome: 'not-disclosed' });
      return { status: 'closed' };
    },
  );

  app.post<{ Params: { partnerId: string }; Body: { reason: string } }>(
    '/admin/partners/:partnerId/enable',
    { schema: { params: { type: 'object', properties: { partnerId: { type: 'string', maxLength: 64 } }, required: ['partnerId'] }, body: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: reasonSchema } } } },
    async (request, reply) => {
      if (!config.partners.get(request.params.partnerId)) return send(reply, 'HUB_ERR_NOT_FOUND', request);
      await store.enableEndpoint(request.params.partnerId, request.operatorId as string);
      // Deliveries parked while the endpoint was disabled wait on a timer: send them now.
      const parked = await enqueuer.queue(deliverReferral.queue(request.params.partnerId)).getDelayed(0, 10_000);
      let woken = 0;
      for (const job of parked) {
        if (await job.promote().then(() => true, () => false)) woken += 1;
      }
      return { status: 'enabled', resumedDeliveries: woken };
    },
  );

  app.get<{ Querystring: { personId?: string; referralId?: string; recipient?: string; from?: string; to?: string; limit?: number } }>(
    '/admin/ledger',
    { schema: { querystring: { type: 'object', additionalProperties: false, properties: { personId: idSchema, referralId: idSchema, recipient: { type: 'string', maxLength: 64 }, from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } } } },
    async (request) => {
      const q = request.query;
      const entries = await store.queryLedger({
        ...(q.personId ? { personId: q.personId } : {}),
        ...(q.referralId ? { referralId: q.referralId } : {}),
        ...(q.recipient ? { recipientPartnerId: q.recipient } : {}),
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
        limit: q.limit ?? 100,
      });
      return { entries };
    },
  );

  app.post('/admin/ledger/verify', async () => store.verifyLedger());
}
