-- Inbound messages: one row per (partner, webhook-id), the idempotency key for as long as the
-- row exists. The body is stored only as an AES-256-GCM envelope (see src/crypto.ts); no column
-- holds plaintext personal data.
CREATE TABLE inbound_messages (
  message_id      uuid        PRIMARY KEY,
  partner_id      text        NOT NULL,
  webhook_id      text        NOT NULL,
  type            text        NOT NULL,
  schema_id       text        NOT NULL,
  received_at     timestamptz NOT NULL,
  body_sha256     text        NOT NULL CHECK (body_sha256 ~ '^[0-9a-f]{64}$'),
  key_id          text        NOT NULL,
  dek_wrapped     bytea       NOT NULL,
  dek_iv          bytea       NOT NULL,
  dek_tag         bytea       NOT NULL,
  body_iv         bytea       NOT NULL,
  body_tag        bytea       NOT NULL,
  body_ciphertext bytea       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT inbound_messages_partner_webhook_key UNIQUE (partner_id, webhook_id)
);

-- Ciphertext does not compress: skip the attempt, still move large values out of line.
ALTER TABLE inbound_messages ALTER COLUMN body_ciphertext SET STORAGE EXTERNAL;

-- Transactional outbox: written in the same transaction as the message, swept into the queue.
-- queued_at IS NULL means "not yet handed to the queue"; leased_until stops two sweepers taking
-- the same row, and lets another take it if the first dies before markQueued.
CREATE TABLE outbox (
  outbox_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id   uuid        NOT NULL REFERENCES inbound_messages (message_id),
  job_name     text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  leased_until timestamptz,
  claims       integer     NOT NULL DEFAULT 0,
  queued_at    timestamptz,
  CONSTRAINT outbox_message_job_key UNIQUE (message_id, job_name)
);

CREATE INDEX outbox_pending_idx ON outbox (outbox_id) WHERE queued_at IS NULL;
