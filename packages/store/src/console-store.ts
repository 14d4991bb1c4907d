// The console's sessions and audit trail: checks and the SQL of console_sessions and audit_events.
import { optionalDate, optionalText, requireDate, requireNonNegativeInteger, requireOneOf, requireText } from './checks.ts';
import type { AuditEvent, AuditOutcome, AuditQuery, ConsoleSession, ConsoleStore } from './console-types.ts';
import type { Db } from './db.ts';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const SESSION_ROLES = ['viewer', 'operator', 'dpo', 'admin'] as const;
const OUTCOMES: readonly AuditOutcome[] = ['ok', 'denied', 'failed'];
const MAX_REASON = 2000;
const MAX_DETAILS = 50;

function requireSessionKey(value: unknown): string {
  if (typeof value !== 'string' || !SHA256_HEX.test(value)) throw new TypeError('idSha256 must be 64 lower-case hex characters');
  return value;
}

function checkDetails(value: unknown): Record<string, string | number | boolean> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError('details must be an object');
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_DETAILS) throw new TypeError(`details may hold at most ${MAX_DETAILS} entries`);
  for (const [key, item] of entries) {
    requireText(key, 'details key', 64);
    if (typeof item === 'string') {
      if (item.length > 512 || item.includes('\u0000')) throw new TypeError(`details.${key} must be at most 512 characters without NUL`);
    } else if (typeof item !== 'boolean' && !(typeof item === 'number' && Number.isFinite(item))) throw new TypeError(`details.${key} must be a string, a finite number or a boolean`);
  }
  return value as Record<string, string | number | boolean>;
}

/** `%` and `_` are LIKE wildcards; a filter value means itself. */
function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}.%`;
}

interface SessionRow {
  id_sha256: string;
  username: string;
  role: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  ip: string | null;
}

interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  role: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  reason: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  details: Record<string, string | number | boolean> | string;
}

function toSession(row: SessionRow): ConsoleSession {
  return {
    idSha256: row.id_sha256,
    username: row.username,
    role: row.role,
    csrfToken: row.csrf_token,
    createdAt: new Date(row.created_at),
    lastSeenAt: new Date(row.last_seen_at),
    ip: row.ip,
  };
}

function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    id: String(row.id),
    at: new Date(row.at),
    actor: row.actor,
    role: row.role,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    reason: row.reason,
    outcome: row.outcome,
    ip: row.ip,
    details: typeof row.details === 'string' ? (JSON.parse(row.details) as AuditEvent['details']) : row.details,
  };
}

export function createConsoleStore(deps: { db: Db; assertOpen(): void }): ConsoleStore {
  const { db, assertOpen } = deps;
  return {
    async createConsoleSession(session) {
      assertOpen();
      const createdAt = requireDate(session.createdAt, 'createdAt');
      await db.query(
        `INSERT INTO console_sessions (id_sha256, username, role, csrf_token, created_at, last_seen_at, ip)
         VALUES ($1, $2, $3, $4, $5, $5, $6)`,
        [
          requireSessionKey(session.idSha256),
          requireText(session.username, 'username', 64),
          requireOneOf(session.role, SESSION_ROLES, 'role'),
          requireText(session.csrfToken, 'csrfToken', 128),
          createdAt,
          optionalText(session.ip, 'ip', 64),
        ],
      );
    },

    async findConsoleSession(idSha256) {
      assertOpen();
      if (typeof idSha256 !== 'string' || !SHA256_HEX.test(idSha256)) return null;
      const result = await db.query<SessionRow>('SELECT id_sha256, username, role, csrf_token, created_at, last_seen_at, ip FROM console_sessions WHERE id_sha256 = $1', [idSha256]);
      const row = result.rows[0];
      return row ? toSession(row) : null;
    },

    async touchConsoleSession(idSha256, at, role) {
      assertOpen();
      await db.query('UPDATE console_sessions SET last_seen_at = GREATEST(last_seen_at, $2), role = $3 WHERE id_sha256 = $1', [
        requireSessionKey(idSha256),
        requireDate(at, 'at'),
        requireOneOf(role, SESSION_ROLES, 'role'),
      ]);
    },

    async deleteConsoleSession(idSha256) {
      assertOpen();
      if (typeof idSha256 !== 'string' || !SHA256_HEX.test(idSha256)) return false;
      const result = await db.query('DELETE FROM console_sessions WHERE id_sha256 = $1', [idSha256]);
      return result.rowCount > 0;
    },

    async deleteConsoleSessionsOf(username) {
      assertOpen();
      const result = await db.query('DELETE FROM console_sessions WHERE username = $1', [requireText(username, 'username', 64)]);
      return result.rowCount;
    },

    async deleteExpiredConsoleSessions(limits) {
      assertOpen();
      const result = await db.query('DELETE FROM console_sessions WHERE last_seen_at < $1 OR created_at < $2', [
        requireDate(limits.idleBefore, 'idleBefore'),
        requireDate(limits.createdBefore, 'createdBefore'),
      ]);
      return result.rowCount;
    },

    async appendAudit(event) {
      assertOpen();
      const result = await db.query<{ id: string }>(
        `INSERT INTO audit_events (at, actor, role, action, target_type, target_id, reason, outcome, ip, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
         RETURNING id::text AS id`,
        [
          requireDate(event.at, 'at'),
          requireText(event.actor, 'actor', 128),
          requireText(event.role, 'role', 32),
          requireText(event.action, 'action', 64),
          optionalText(event.targetType, 'targetType', 64),
          optionalText(event.targetId, 'targetId', 256),
          optionalText(event.reason, 'reason', MAX_REASON),
          requireOneOf(event.outcome, OUTCOMES, 'outcome'),
          optionalText(event.ip, 'ip', 64),
          JSON.stringify(checkDetails(event.details)),
        ],
      );
      return (result.rows[0] as { id: string }).id;
    },

    async listAudit(query: AuditQuery) {
      assertOpen();
      const limit = requireNonNegativeInteger(query.limit, 'limit');
      const offset = requireNonNegativeInteger(query.offset, 'offset');
      if (limit < 1 || limit > 1000) throw new TypeError('limit must be between 1 and 1000');
      const where: string[] = [];
      const params: unknown[] = [];
      const actor = optionalText(query.actor, 'actor', 128);
      if (actor !== null) {
        params.push(actor);
        where.push(`actor = $${params.length}`);
      }
      const action = optionalText(query.action, 'action', 64);
      if (action !== null) {
        params.push(action, likePrefix(action));
        where.push(`(action = $${params.length - 1} OR action LIKE $${params.length})`);
      }
      const from = optionalDate(query.from, 'from');
      if (from !== null) {
        params.push(from);
        where.push(`at >= $${params.length}`);
      }
      const to = optionalDate(query.to, 'to');
      if (to !== null) {
        params.push(to);
        where.push(`at < $${params.length}`);
      }
      const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
      const [count, page] = await Promise.all([
        db.query<{ total: string }>(`SELECT count(*)::text AS total FROM audit_events ${filter}`, params),
        db.query<AuditRow>(
          `SELECT id::text AS id, at, actor, role, action, target_type, target_id, reason, outcome, ip, details
             FROM audit_events ${filter}
            ORDER BY at DESC, id DESC
            LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
          [...params, limit, offset],
        ),
      ]);
      return { total: Number((count.rows[0] as { total: string }).total), items: page.rows.map(toAuditEvent) };
    },
  };
}
