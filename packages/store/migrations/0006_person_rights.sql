-- Data subject rights, part 2 (issue 5; DESIGN §8; docs/data-protection.md "Rectification",
-- "Restriction and objection"): restriction (UK GDPR Art 18) and objection (Art 21) flags on a
-- person with a safeguarding override, and rectification (Art 16) propagated to every recipient
-- that received the corrected field (Art 19). No column holds plaintext personal data: the reasons
-- people type and the old and new values of a corrected field are AES-256-GCM ciphertext.

-- The current flags of a person (one row once anything was ever set; people with no row have no
-- flags). A restricted or objected person's referrals are not disclosed unless a safeguarding
-- override is active (override_at set, and override_until NULL or in the future). The override's
-- reason lives in its history row (override_history_id), encrypted.
CREATE TABLE person_rights (
  person_id           uuid        PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
  restricted_at       timestamptz,
  restricted_by       text,
  objected_at         timestamptz,
  objected_by         text,
  override_at         timestamptz,
  override_by         text,
  override_until      timestamptz,
  override_history_id uuid,
  updated_at          timestamptz NOT NULL,
  CHECK ((restricted_at IS NULL) = (restricted_by IS NULL)),
  CHECK ((objected_at IS NULL) = (objected_by IS NULL)),
  CHECK ((override_at IS NULL) = (override_by IS NULL)),
  CHECK ((override_at IS NULL) = (override_history_id IS NULL)),
  CHECK (override_until IS NULL OR override_at IS NOT NULL)
);

CREATE INDEX person_rights_flagged_idx ON person_rights (person_id) WHERE restricted_at IS NOT NULL OR objected_at IS NOT NULL;

-- Every change of the flags, append-only (no UPDATE; rows go only with the person, on erasure).
-- The reason is free text that may itself be personal data: it is stored only as an envelope
-- (a fresh data key wrapped by the master key key_id, bound to the context
-- `person_rights_history/<id>`, see src/rights-store.ts) and never logged or audited.
CREATE TABLE person_rights_history (
  id                uuid        PRIMARY KEY,
  person_id         uuid        NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  action            text        NOT NULL CHECK (action IN ('restrict', 'lift-restriction', 'object', 'withdraw-objection', 'override', 'end-override')),
  actor             text        NOT NULL,
  at                timestamptz NOT NULL,
  override_until    timestamptz,
  key_id            text        NOT NULL,
  dek_wrapped       bytea       NOT NULL,
  dek_iv            bytea       NOT NULL,
  dek_tag           bytea       NOT NULL,
  reason_iv         bytea       NOT NULL,
  reason_tag        bytea       NOT NULL,
  reason_ciphertext bytea       NOT NULL,
  CHECK (override_until IS NULL OR action = 'override')
);

CREATE INDEX person_rights_history_person_idx ON person_rights_history (person_id, at);

CREATE FUNCTION person_rights_history_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'person_rights_history is append-only (UPDATE refused)' USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER person_rights_history_append_only
  BEFORE UPDATE ON person_rights_history
  FOR EACH ROW EXECUTE FUNCTION person_rights_history_refuse_update();

-- One row per correction of one field of one person on one referral. `pointer` is relative to the
-- person (e.g. /contact/phone), from the fixed list of correctable fields; the reason category is
-- a code. The typed reason and the old and new values are JSON encrypted under the REFERRAL's data
-- key (context `referrals/<referral>/rectifications/<id>`), so destroying that key erases them
-- with the rest of the referral.
CREATE TABLE rectifications (
  id                uuid        PRIMARY KEY,
  referral_id       uuid        NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
  person_ref        text        NOT NULL,
  person_id         uuid        NOT NULL REFERENCES people (id) ON DELETE CASCADE,
  pointer           text        NOT NULL CHECK (pointer ~ '^(/[A-Za-z]+)+$'),
  reason_category   text        NOT NULL CHECK (reason_category ~ '^[a-z][a-z-]{1,40}$'),
  actor             text        NOT NULL,
  at                timestamptz NOT NULL,
  detail_iv         bytea       NOT NULL,
  detail_tag        bytea       NOT NULL,
  detail_ciphertext bytea       NOT NULL,
  FOREIGN KEY (referral_id, person_ref) REFERENCES referral_people (referral_id, person_ref) ON DELETE CASCADE
);

CREATE INDEX rectifications_referral_idx ON rectifications (referral_id, at);
CREATE INDEX rectifications_person_idx ON rectifications (person_id, at);

-- A rectification reaches each recipient as a delivery of its own (kind 'rectification') through
-- the same queue, worker, adapter, retries, dead letters and ledger as the referral: the ledger row
-- is still written in the transaction that marks it delivered. It names the rectification and the
-- recipient's own referral delivery it corrects. A referral keeps at most one delivery per recipient;
-- a rectification at most one per recipient.
ALTER TABLE deliveries ADD COLUMN kind text NOT NULL DEFAULT 'referral' CHECK (kind IN ('referral', 'rectification'));
ALTER TABLE deliveries ADD COLUMN rectification_id uuid REFERENCES rectifications (id) ON DELETE CASCADE;
ALTER TABLE deliveries ADD COLUMN rectifies_delivery_id uuid REFERENCES deliveries (id) ON DELETE CASCADE;
ALTER TABLE deliveries ADD CONSTRAINT deliveries_kind_links_check
  CHECK (((kind = 'rectification') = (rectification_id IS NOT NULL)) AND ((rectification_id IS NULL) = (rectifies_delivery_id IS NULL)));

ALTER TABLE deliveries DROP CONSTRAINT deliveries_referral_recipient_key;
CREATE UNIQUE INDEX deliveries_referral_recipient_key ON deliveries (referral_id, recipient_partner_id) WHERE kind = 'referral';
CREATE UNIQUE INDEX deliveries_rectification_recipient_key ON deliveries (rectification_id, recipient_partner_id) WHERE kind = 'rectification';
CREATE INDEX deliveries_rectifies_idx ON deliveries (rectifies_delivery_id) WHERE rectifies_delivery_id IS NOT NULL;
