// Server-side sessions of the operators' console and its append-only audit trail (issue 4).
// Neither holds personal data: usernames are staff accounts, targets are ids, and the only
// free text is the reason a user typed for an action.

/** A console session. The browser holds a random id; only its SHA-256 is stored. */
export interface ConsoleSessionInput {
  /** Lower-case hex SHA-256 of the session id in the `hub_session` cookie. */
  idSha256: string;
  username: string;
  role: string;
  /** The synchronizer token every state-changing form of this session must carry. */
  csrfToken: string;
  createdAt: Date;
  ip: string | null;
}

export interface ConsoleSession extends ConsoleSessionInput {
  lastSeenAt: Date;
}

export type AuditOutcome = 'ok' | 'denied' | 'failed';

/** One row for the audit trail: who did what to which id, when, from where, and why. */
export interface AuditEventRecord {
  at: Date;
  /** Username, admin-API operator id, or `(unknown account)`. */
  actor: string;
  /** Console role, `api-token`, or `(none)`. */
  role: string;
  /** e.g. `sign-in`, `hold.share`, `queue.retry`. */
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  /** The reason the user typed; shown only on the audit page. */
  reason?: string | null;
  outcome: AuditOutcome;
  ip?: string | null;
  /** Ids, counts and codes only. */
  details?: Record<string, string | number | boolean>;
}

export interface AuditEvent {
  /** bigint identity, as a string. */
  id: string;
  at: Date;
  actor: string;
  role: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  reason: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  details: Record<string, string | number | boolean>;
}

export interface AuditQuery {
  /** Exact username / operator id. */
  actor?: string;
  /** An action (`sign-in`) or a family of them (`queue` matches `queue.retry`, `queue.pause`, …). */
  action?: string;
  /** at >= from */
  from?: Date;
  /** at < to */
  to?: Date;
  limit: number;
  offset: number;
}

export interface ConsoleStore {
  createConsoleSession(session: ConsoleSessionInput): Promise<void>;
  findConsoleSession(idSha256: string): Promise<ConsoleSession | null>;
  /** Records activity (sliding idle timeout) and the account's current role. */
  touchConsoleSession(idSha256: string, at: Date, role: string): Promise<void>;
  /** True when there was such a session. */
  deleteConsoleSession(idSha256: string): Promise<boolean>;
  /** Ends every session of an account (removed, or signed out everywhere). Returns how many. */
  deleteConsoleSessionsOf(username: string): Promise<number>;
  /** Housekeeping: deletes sessions idle since before `idleBefore` or created before `createdBefore`. */
  deleteExpiredConsoleSessions(limits: { idleBefore: Date; createdBefore: Date }): Promise<number>;
  /** Appends one audit row (the table refuses UPDATE, DELETE and TRUNCATE). Returns its id. */
  appendAudit(event: AuditEventRecord): Promise<string>;
  /** Newest first. */
  listAudit(query: AuditQuery): Promise<{ total: number; items: AuditEvent[] }>;
}
