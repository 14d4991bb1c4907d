-- Routing, delivery and the disclosure ledger (DESIGN §4, §5, §6).
--
-- No column holds plaintext personal data: the canonical referral and every outbound payload are
-- AES-256-GCM ciphertext under the referral's own data key (wrapped by a master key), people are
-- known by an HMAC of their NHS number, and everything else is ids, codes, JSON pointers, times
-- and fixed texts. Destroying a referral's wrapped data key (referrals.dek_wrapped) makes its
-- canonical form and every payload built from it unreadable.

-- One referral per routed inbound message. The data key is wrapped under the context
-- `referrals/<id>`; the canonical JSON and each delivery payload are encrypted under it with their
-- own contexts (see src/referrals.ts).
CREATE TABLE referrals (
  id                   uuid        PRIMARY KEY,
  message_id           uuid        NOT NULL REFERENCES inbound_messages (message_id),
  source_partner_id    text        NOT NULL,
  source_type          text        NOT NULL,
  urgency              text        NOT NULL CHECK (urgency IN ('routine', 'medium', 'high', 'urgent')),
  status               text        NOT NULL CHECK (status IN ('routed', 'held', 'closed')),
  received_at          timestamptz NOT NULL,
  routed_at            timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  key_id               text        NOT NULL,
  dek_wrapped          bytea       NOT NULL,
  dek_iv               bytea       NOT NULL,
  dek_tag              bytea       NOT NULL,
  canonical_iv         bytea       NOT NULL,
  canonical_tag        bytea       NOT NULL,
  canonical_ciphertext bytea       NOT NULL,
  -- The idempotency key of routing: a message is routed once.
  CONSTRAINT referrals_message_key UNIQUE (message_id)
);

ALTER TABLE referrals ALTER COLUMN canonical_ciphertext SET STORAGE EXTERNAL;
CREATE INDEX referrals_held_idx ON referrals (received_at) WHERE status = 'held';

-- People known to the hub. Linked by exact NHS number only: nhs_number_hmac is
-- HMAC-SHA256(bare NHS number) under a key derived (HKDF) from the master key hmac_key_id; a person
-- without an NHS number always gets a new row (no automatic merge on names or dates of birth).
CREATE TABLE people (
  id              uuid        PRIMARY KEY,
  nhs_number_hmac bytea       UNIQUE,
  hmac_key_id     text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((nhs_number_hmac IS NULL) = (hmac_key_id IS NULL))
);

CREATE TABLE referral_people (
  referral_id uuid NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
  person_id   uuid NOT NULL REFERENCES people (id),
  person_ref  text NOT NULL,
  role        text NOT NULL,
  PRIMARY KEY (referral_id, person_ref)
);

CREATE INDEX referral_people_person_idx ON referral_people (person_id);

-- Every sharing decision, by a rule or an operator, whether or not it shares (DOMAIN §7).
-- `reason` is a fixed text chosen by the code or the console, never free text about the family.
CREATE TABLE sharing_decisions (
  id                   uuid        PRIMARY KEY,
  referral_id          uuid        NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
  recipient_partner_id text,
  decision             text        NOT NULL CHECK (decision IN ('share', 'not-share', 'hold')),
  rule_id              text,
  operator_id          text,
  reason               text        NOT NULL,
  purpose              text,
  priority             text        CHECK (priority IN ('urgent', 'high', 'routine')),
  decided_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sharing_decisions_referral_idx ON sharing_decisions (referral_id);

-- Referrals no rule covers (or without consent and a documented reason) wait for an operator.
CREATE TABLE review_holds (
  referral_id       uuid        PRIMARY KEY REFERENCES referrals (id) ON DELETE CASCADE,
  reasons           text[]      NOT NULL,
  held_at           timestamptz NOT NULL DEFAULT now(),
  resolved_at       timestamptz,
  resolved_by       text,
  resolution        text        CHECK (resolution IN ('shared', 'closed')),
  resolution_reason text,
  CHECK ((resolved_at IS NULL) = (resolution IS NULL))
);

CREATE INDEX review_holds_open_idx ON review_holds (held_at) WHERE resolved_at IS NULL;

-- One delivery per (referral, recipient). The payload is the exact bytes to send, encrypted under
-- the referral's data key; payload_sha256 (hex) is what the ledger records.
CREATE TABLE deliveries (
  id                   uuid        PRIMARY KEY,
  referral_id          uuid        NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
  recipient_partner_id text        NOT NULL,
  decision_id          uuid        NOT NULL REFERENCES sharing_decisions (id),
  rule_id              text,
  operator_id          text,
  channel              text        NOT NULL,
  priority             text        NOT NULL CHECK (priority IN ('urgent', 'high', 'routine')),
  status               text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead', 'closed')),
  attempts             integer     NOT NULL DEFAULT 0,
  last_error_code      text,
  next_attempt_at      timestamptz,
  deadline_at          timestamptz,
  deadline_missed_at   timestamptz,
  payload_iv           bytea       NOT NULL,
  payload_tag          bytea       NOT NULL,
  payload_ciphertext   bytea       NOT NULL,
  payload_sha256       text        NOT NULL CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
  fields               text[]      NOT NULL,
  subjects             uuid[]      NOT NULL,
  purpose              text        NOT NULL,
  art6                 text        NOT NULL,
  art9                 text,
  sch1_paragraph       text,
  art10                text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  delivered_at         timestamptz,
  feedback_status      text        CHECK (feedback_status IN ('acknowledged', 'accepted', 'declined', 'closed')),
  feedback_at          timestamptz,
  CONSTRAINT deliveries_referral_recipient_key UNIQUE (referral_id, recipient_partner_id)
);

ALTER TABLE deliveries ALTER COLUMN payload_ciphertext SET STORAGE EXTERNAL;
CREATE INDEX deliveries_dead_idx ON deliveries (recipient_partner_id, created_at) WHERE status = 'dead';
CREATE INDEX deliveries_deadline_idx ON deliveries (deadline_at) WHERE deadline_at IS NOT NULL AND deadline_missed_at IS NULL;

CREATE TABLE delivery_attempts (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id  uuid        NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
  attempt      integer     NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  outcome      text        NOT NULL,
  http_status  integer,
  error_code   text,
  duration_ms  integer     NOT NULL
);

CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, id);

-- Operator (and automatic) actions on dead letters and partner endpoints: the audit trail of
-- "never silently dropped". Endpoint actions name the partner and no delivery.
CREATE TABLE delivery_actions (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  delivery_id uuid        REFERENCES deliveries (id) ON DELETE CASCADE,
  partner_id  text,
  action      text        NOT NULL CHECK (action IN ('replay', 'close', 'disable-endpoint', 'enable-endpoint')),
  operator_id text,
  reason      text        NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  CHECK (delivery_id IS NOT NULL OR partner_id IS NOT NULL)
);

CREATE INDEX delivery_actions_delivery_idx ON delivery_actions (delivery_id);

-- A partner endpoint is disabled (e.g. after 410 Gone) until an operator enables it again.
CREATE TABLE partner_endpoints (
  partner_id           text        PRIMARY KEY,
  disabled_at          timestamptz,
  disabled_reason_code text,
  enabled_at           timestamptz,
  enabled_by           text
);

-- The disclosure ledger (DESIGN §5): one row per disclosure and per decision not to disclose,
-- each carrying the SHA-256 of the previous row (prev_hash) and its own
-- hash = SHA-256(prev_hash || canonical JSON of its fields) — see packages/ledger.
-- seq is assigned by the writer as last seq + 1 under a transaction-scoped advisory lock (not by a
-- sequence, which skips numbers on rollback), so a missing row shows as a gap.
-- No foreign keys: the ledger outlives the referrals and deliveries it describes (retention).
CREATE TABLE ledger (
  seq                   bigint      PRIMARY KEY CHECK (seq > 0),
  id                    uuid        NOT NULL UNIQUE,
  at                    timestamptz NOT NULL,
  referral_id           uuid        NOT NULL,
  delivery_id           uuid,
  subjects              uuid[]      NOT NULL,
  recipient_partner_id  text,
  purpose               text,
  art6                  text,
  art9                  text,
  sch1_paragraph        text,
  art10                 text,
  fields                text[]      NOT NULL,
  payload_sha256        text        CHECK (payload_sha256 ~ '^[0-9a-f]{64}$'),
  channel               text,
  outcome               text        NOT NULL CHECK (outcome IN ('disclosed', 'not-disclosed')),
  decided_by_rule       text,
  decided_by_operator   text,
  prev_hash             bytea       NOT NULL CHECK (length(prev_hash) = 32),
  hash                  bytea       NOT NULL CHECK (length(hash) = 32),
  CHECK (outcome = 'not-disclosed' OR (delivery_id IS NOT NULL AND recipient_partner_id IS NOT NULL
         AND purpose IS NOT NULL AND art6 IS NOT NULL AND payload_sha256 IS NOT NULL AND channel IS NOT NULL))
);

CREATE INDEX ledger_referral_idx ON ledger (referral_id, seq);
CREATE INDEX ledger_recipient_idx ON ledger (recipient_partner_id, seq);
CREATE INDEX ledger_at_idx ON ledger (at);
CREATE INDEX ledger_subjects_idx ON ledger USING gin (subjects);

-- Append-only. This stops the application role and mistakes; it does not stop someone with DDL
-- rights (the table owner or a superuser can DISABLE TRIGGER, set session_replication_role =
-- replica, or drop the trigger), which is why the hash chain exists and `hub ledger verify`
-- checks it. Works the same on PGlite (plpgsql is built in).
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the disclosure ledger is append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER ledger_append_only
  BEFORE UPDATE OR DELETE ON ledger
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE TRIGGER ledger_no_truncate
  BEFORE TRUNCATE ON ledger
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- The outbox carries any job, not only referral.route: the queue, the job name and a
-- deterministic job id, an ids-only payload and a BullMQ priority (1 first; NULL = none).
ALTER TABLE outbox ADD COLUMN queue_name text;
ALTER TABLE outbox ADD COLUMN job_id text;
ALTER TABLE outbox ADD COLUMN payload jsonb;
ALTER TABLE outbox ADD COLUMN priority integer;

UPDATE outbox
   SET queue_name = 'referral.route',
       job_id = 'route-' || message_id::text,
       payload = jsonb_build_object('messageId', message_id::text)
 WHERE job_name = 'referral.route';

ALTER TABLE outbox ALTER COLUMN queue_name SET NOT NULL;
ALTER TABLE outbox ALTER COLUMN job_id SET NOT NULL;
ALTER TABLE outbox ALTER COLUMN payload SET NOT NULL;

-- Deliveries share their referral's message id, so (message_id, job_name) is no longer unique;
-- the job id is.
ALTER TABLE outbox DROP CONSTRAINT outbox_message_job_key;
ALTER TABLE outbox ADD CONSTRAINT outbox_job_id_key UNIQUE (job_id);
CREATE INDEX outbox_pending_priority_idx ON outbox ((coalesce(priority, 0)), outbox_id) WHERE queued_at IS NULL;
