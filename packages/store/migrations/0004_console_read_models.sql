-- Read models for the operators' console (issue 4): circuit-breaker state per partner, search by
-- the source's own reference, and the indexes that the searches, timelines, partner health and
-- overview queries use (src/read-model-store.ts). No column holds plaintext personal data.

-- The last breaker transition each delivery worker saw for a partner; a write older than the
-- stored one is ignored (last write by changed_at wins).
CREATE TABLE partner_breakers (
  partner_id text        PRIMARY KEY,
  state      text        NOT NULL CHECK (state IN ('closed', 'open', 'half-open')),
  changed_at timestamptz NOT NULL
);

-- The source's reference (e.g. a police occurrence number) is searchable by exact match but stored
-- only as HMAC-SHA256 under a key derived (HKDF, label 'hub.referrals.source-reference.hmac.v1')
-- from the master key source_reference_key_id; lookups try every key in the ring.
ALTER TABLE referrals ADD COLUMN source_reference_hmac bytea;
ALTER TABLE referrals ADD COLUMN source_reference_key_id text;
ALTER TABLE referrals ADD CONSTRAINT referrals_source_reference_key_check
  CHECK ((source_reference_hmac IS NULL) = (source_reference_key_id IS NULL));
CREATE INDEX referrals_source_reference_idx ON referrals (source_reference_hmac) WHERE source_reference_hmac IS NOT NULL;

-- Referral search: newest first, optionally by source partner or status.
CREATE INDEX referrals_received_idx ON referrals (received_at, id);
CREATE INDEX referrals_source_received_idx ON referrals (source_partner_id, received_at);
CREATE INDEX referrals_status_received_idx ON referrals (status, received_at);

-- Search by recipient or delivery status; partner health counts.
CREATE INDEX deliveries_recipient_status_idx ON deliveries (recipient_partner_id, status);
CREATE INDEX deliveries_status_referral_idx ON deliveries (status, referral_id);
-- Last success per partner, and the overview's deliveries per five minutes.
CREATE INDEX deliveries_recipient_delivered_idx ON deliveries (recipient_partner_id, delivered_at) WHERE delivered_at IS NOT NULL;
CREATE INDEX deliveries_delivered_idx ON deliveries (delivered_at) WHERE delivered_at IS NOT NULL;
-- Today's deadlines, met or missed (deliveries_deadline_idx covers only those not yet missed).
CREATE INDEX deliveries_deadline_all_idx ON deliveries (deadline_at) WHERE deadline_at IS NOT NULL;

-- Attempts per partner in the last 24 hours, failed attempts per five minutes.
CREATE INDEX delivery_attempts_at_idx ON delivery_attempts (at);

-- Messages received per five minutes.
CREATE INDEX inbound_messages_received_idx ON inbound_messages (received_at);
