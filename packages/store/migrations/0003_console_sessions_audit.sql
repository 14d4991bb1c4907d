-- The operators' console (issue 4): server-side sessions and the audit trail.

-- A session lives here, not in the browser: the cookie holds 32 random bytes and the table only
-- their SHA-256, so reading this table does not let anyone take a session over. Rows are deleted
-- on sign-out, on expiry (idle or absolute) and when the account is removed from the accounts file.
CREATE TABLE console_sessions (
  id_sha256     text        PRIMARY KEY CHECK (id_sha256 ~ '^[0-9a-f]{64}$'),
  username      text        NOT NULL,
  role          text        NOT NULL CHECK (role IN ('viewer', 'operator', 'dpo', 'admin')),
  csrf_token    text        NOT NULL,
  created_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL,
  ip            text
);

CREATE INDEX console_sessions_username_idx ON console_sessions (username);
CREATE INDEX console_sessions_last_seen_idx ON console_sessions (last_seen_at);

-- Who did what, to which id, when, from where and why: sign-ins and their failures, sign-outs,
-- refused access, reveals of personal data, decisions on held referrals, dead-letter replays,
-- queue actions, admin-API calls. Ids, codes and the user's reason only; no personal data.
CREATE TABLE audit_events (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor        text        NOT NULL,
  role         text        NOT NULL,
  action       text        NOT NULL,
  target_type  text,
  target_id    text,
  reason       text,
  outcome      text        NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
  ip           text,
  details      jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_events_at_idx ON audit_events (at, id);
CREATE INDEX audit_events_actor_idx ON audit_events (actor, at);
CREATE INDEX audit_events_action_idx ON audit_events (action, at);

-- Append-only, like the ledger: this stops the application role and mistakes, not someone with
-- DDL rights (see the note on ledger_refuse_change in 0002).
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_events_append_only
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();

CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
