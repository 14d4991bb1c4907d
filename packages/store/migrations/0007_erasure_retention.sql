-- Erasure by key destruction, legal holds and scheduled retention (issue 5; docs/data-protection.md).
--
-- Erasing a referral destroys its wrapped data key (referrals.dek_wrapped/dek_iv/dek_tag become
-- zero-length) and its inbound message's: the canonical referral, every delivery payload and the
-- inbound body stay behind as ciphertext that nothing can decrypt any more. erased_at says when;
-- the CHECKs tie the two together, so a row is erased exactly when its key is gone.
ALTER TABLE referrals ADD COLUMN erased_at timestamptz;
ALTER TABLE referrals ADD CONSTRAINT referrals_erased_key_check CHECK ((erased_at IS NULL) = (length(dek_wrapped) > 0));
ALTER TABLE inbound_messages ADD COLUMN erased_at timestamptz;
ALTER TABLE inbound_messages ADD CONSTRAINT inbound_messages_erased_key_check CHECK ((erased_at IS NULL) = (length(dek_wrapped) > 0));

-- The retention planner walks the records not yet erased, in id order.
CREATE INDEX referrals_not_erased_idx ON referrals (id) WHERE erased_at IS NULL;
CREATE INDEX inbound_messages_not_erased_idx ON inbound_messages (received_at) WHERE erased_at IS NULL;

-- One tombstone per erased record: what was erased, when, by which rule (retention) or operator,
-- why (a reason code), and what it covered. Ids, codes and counts only. No foreign keys: the
-- tombstone is the evidence and outlives everything it describes. Append-only, like the ledger.
CREATE TABLE erasures (
  id                uuid        PRIMARY KEY,
  record_class      text        NOT NULL CHECK (record_class IN ('referral', 'inbound-message')),
  record_id         uuid        NOT NULL,
  -- The inbound message whose key went with a referral's.
  message_id        uuid,
  erased_at         timestamptz NOT NULL,
  rule_id           text,
  operator_id       text,
  run_id            uuid,
  reason_code       text        NOT NULL,
  -- Hub person ids that appeared in the record (ids, never names).
  subjects          uuid[]      NOT NULL,
  keys_destroyed    integer     NOT NULL CHECK (keys_destroyed >= 0),
  payloads          integer     NOT NULL CHECK (payloads >= 0),
  deliveries_closed integer     NOT NULL CHECK (deliveries_closed >= 0),
  ledger_entry_id   uuid,
  CONSTRAINT erasures_record_key UNIQUE (record_class, record_id),
  CHECK ((rule_id IS NULL) <> (operator_id IS NULL))
);

CREATE INDEX erasures_erased_at_idx ON erasures (erased_at, id);
CREATE INDEX erasures_run_idx ON erasures (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX erasures_subjects_idx ON erasures USING gin (subjects);

CREATE FUNCTION erasures_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'erasure tombstones are append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER erasures_append_only
  BEFORE UPDATE OR DELETE ON erasures
  FOR EACH ROW EXECUTE FUNCTION erasures_refuse_change();

CREATE TRIGGER erasures_no_truncate
  BEFORE TRUNCATE ON erasures
  FOR EACH STATEMENT EXECUTE FUNCTION erasures_refuse_change();

-- Legal holds: while a hold is active, nothing under it is erased, by an operator or by retention.
-- A hold covers one referral, or every referral a hub person appears in. `reason` is what the
-- DPO typed (a case or matter reference, never personal details). Released, never deleted.
CREATE TABLE legal_holds (
  id             uuid        PRIMARY KEY,
  scope          text        NOT NULL CHECK (scope IN ('referral', 'person')),
  target_id      uuid        NOT NULL,
  reason         text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  placed_by      text        NOT NULL,
  placed_at      timestamptz NOT NULL,
  released_at    timestamptz,
  released_by    text,
  release_reason text,
  CHECK ((released_at IS NULL) = (released_by IS NULL)),
  CHECK ((released_at IS NULL) = (release_reason IS NULL))
);

CREATE INDEX legal_holds_active_idx ON legal_holds (scope, target_id) WHERE released_at IS NULL;
CREATE INDEX legal_holds_placed_idx ON legal_holds (placed_at, id);

-- Retention runs (dry runs and erasing runs): progress while they run, and the report they made
-- (counts by class and rule, ids of what went or was held — ids and codes only). The evidence
-- itself is in the audit trail, the tombstones and the ledger; this table is the console's view.
CREATE TABLE retention_runs (
  id           uuid        PRIMARY KEY,
  mode         text        NOT NULL CHECK (mode IN ('dry-run', 'erase')),
  trigger      text        NOT NULL CHECK (trigger IN ('schedule', 'console', 'cli')),
  requested_by text,
  as_of        date        NOT NULL,
  status       text        NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  phase        text        CHECK (phase IN ('planning', 'erasing')),
  done         integer     NOT NULL DEFAULT 0,
  total        integer,
  created_at   timestamptz NOT NULL,
  started_at   timestamptz,
  finished_at  timestamptz,
  report       jsonb,
  error_code   text
);

CREATE INDEX retention_runs_created_idx ON retention_runs (created_at, id);

-- The ledger records erasures: outcome 'erased' (one row per erased referral, decided by a
-- retention rule or an operator). Existing rows and their hashes are untouched: the outcome is
-- part of each row's hashed content, and no existing row changes.
--
-- The outcome CHECK is rebuilt from whatever values it allows now plus 'erased', so another
-- migration that widened it too keeps its values; the row-shape CHECK that demanded delivery
-- details of everything but 'not-disclosed' now demands them of 'disclosed' rows only.
DO $$
DECLARE
  c record;
  allowed text[];
BEGIN
  FOR c IN SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
            WHERE conrelid = 'ledger'::regclass AND contype = 'c' LOOP
    IF c.def ~ 'payload_sha256 IS NOT NULL' THEN
      EXECUTE format('ALTER TABLE ledger DROP CONSTRAINT %I', c.conname);
    ELSIF c.def ~ '\moutcome\M' AND c.def ~ 'ANY|IN \(' THEN
      SELECT array_agg(DISTINCT m[1]) INTO allowed FROM regexp_matches(c.def, '''([^'']+)''', 'g') AS m;
      EXECUTE format('ALTER TABLE ledger DROP CONSTRAINT %I', c.conname);
    END IF;
  END LOOP;
  allowed := coalesce(allowed, ARRAY['disclosed', 'not-disclosed']);
  IF NOT 'erased' = ANY (allowed) THEN
    allowed := array_append(allowed, 'erased');
  END IF;
  EXECUTE format('ALTER TABLE ledger ADD CONSTRAINT ledger_outcome_check CHECK (outcome = ANY (%L::text[]))', allowed);
  ALTER TABLE ledger ADD CONSTRAINT ledger_disclosed_shape_check CHECK (outcome <> 'disclosed' OR (delivery_id IS NOT NULL
    AND recipient_partner_id IS NOT NULL AND purpose IS NOT NULL AND art6 IS NOT NULL AND payload_sha256 IS NOT NULL
    AND channel IS NOT NULL));
END $$;
