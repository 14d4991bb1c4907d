-- First-start initialisation for the compose `postgres` service.
--
-- The postgres image runs this once, on an empty data volume, as POSTGRES_USER (`hub`)
-- connected to POSTGRES_DB (`hub`); the image has already created both from the
-- environment, with the password taken from POSTGRES_PASSWORD, so no secret appears
-- here. The hub's own tables are created by its numbered migrations (@hub/store),
-- not by this file.

\set ON_ERROR_STOP on

DO $$
BEGIN
  -- Timestamps are stored and compared in UTC; local time (08:30 school-day
  -- deadlines) is computed by the application with an explicit time zone.
  EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'UTC');
  -- A session left idle inside a transaction holds locks and blocks the outbox
  -- sweeper; end it rather than let it linger.
  EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout TO %L',
                 current_database(), '60s');
  -- Nobody but the owner connects to the hub database.
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
END
$$;

-- PostgreSQL 15 already denies CREATE on schema public to PUBLIC; keep it explicit.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- A 202 from the gateway means "committed to PostgreSQL": synchronous_commit must stay
-- on (the server default) for the hub's role.
ALTER ROLE CURRENT_USER SET synchronous_commit TO on;
