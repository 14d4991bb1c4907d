import type { FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { Queue } from 'bullmq';
import type { HubConfig } from '@hub/config';
import type { DirectorySource } from '@hub/directory';
import type { HubMetrics } from '@hub/observability';
import type { OutboxEnqueuer } from '@hub/queues';
import type { Store } from '@hub/store';

/** Console roles, least to most trusted for operations (dpo is a separate line of trust). */
export const CONSOLE_ROLES = ['viewer', 'operator', 'dpo', 'admin'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

/** The signed-in user of this request, set by the session hook from the server-side session. */
export interface SignedInUser {
  username: string;
  role: ConsoleRole;
  /** The session's CSRF token: every state-changing form carries it as `_csrf`. */
  csrfToken: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: SignedInUser;
  }
}

/** What the audit trail records for one action (no personal data: ids, codes and the user's reason). */
export interface AuditEventInput {
  action: string;
  targetType?: string;
  targetId?: string;
  /** The reason the user typed (reveals, replays, decisions) — required by those forms. */
  reason?: string;
  outcome?: 'ok' | 'denied' | 'failed';
  /** Ids, counts and codes only. */
  details?: Record<string, string | number | boolean>;
}

export interface ConsoleDeps {
  config: HubConfig;
  store: Store;
  enqueuer: OutboxEnqueuer;
  /** BullMQ Queue objects for every hub queue (route + one per delivering partner), read-only use. */
  queues: () => Queue[];
  /** Appends to the audit trail with the request's user, IP and time. */
  audit(request: FastifyRequest, event: AuditEventInput): Promise<void>;
  now(): Date;
  /** The process's metrics, when it has them (counts operators' not-disclosed decisions). */
  metrics?: HubMetrics;
  /** The local service directory for signposting (none: the referral page says so). */
  directory?: DirectorySource;
}

/**
 * One console page or form handler. `roles` is checked on the server before the handler runs
 * (403 page otherwise); routes without a session redirect to /login (GET) or answer 401.
 * POST routes are CSRF-checked before the handler runs. The security tests walk this list.
 */
export interface PageRoute {
  method: 'GET' | 'POST';
  url: string;
  roles: readonly ConsoleRole[];
  schema?: FastifySchema;
  handler(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
}

export const ALL_ROLES: readonly ConsoleRole[] = CONSOLE_ROLES;
/** Roles that may see personal data after stating a reason (issue 4: dpo or operator). */
export const REVEAL_ROLES: readonly ConsoleRole[] = ['operator', 'dpo'];
/** Roles that may change what the hub does with referrals (holds, dead letters). */
export const OPERATE_ROLES: readonly ConsoleRole[] = ['operator', 'admin'];
