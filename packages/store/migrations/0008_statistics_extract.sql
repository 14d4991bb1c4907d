-- Anonymised statistics, performance against targets and the national evaluation extract
-- (issue 5, parts 5–7; src/statistics-store.ts). No column holds plaintext personal data.

-- Non-identifying dimensions of each referral, kept beside the ciphertext so that statistics are
-- counted without decrypting anything: the Supporting Families need codes and the postcode
-- DISTRICT (outward code, e.g. M14) only — the full postcode never leaves the ciphertext, and the
-- CHECK refuses anything longer than an outward code. Set when the referral is routed; rows routed
-- before this migration have needs NULL until `pnpm hub stats backfill` fills them from the
-- decrypted canonical referral (needs '{}' then means "no need recorded").
ALTER TABLE referrals ADD COLUMN needs text[];
ALTER TABLE referrals ADD COLUMN postcode_district text;
ALTER TABLE referrals ADD CONSTRAINT referrals_postcode_district_check
  CHECK (postcode_district ~ '^[A-Z]{1,2}[0-9][0-9A-Z]?$');
CREATE INDEX referrals_needs_missing_idx ON referrals (id) WHERE needs IS NULL;

-- Performance against targets needs the FIRST acknowledgement and the acceptance time, which
-- feedback_status/feedback_at (the latest feedback only) lose. recordFeedback sets each once, to
-- the earliest time seen: any feedback counts as an acknowledgement (a recipient that accepts or
-- declines has plainly received the referral). Existing rows get the latest feedback time, the
-- best value still known (never earlier than the truth, so a backfilled row can only look slower).
ALTER TABLE deliveries ADD COLUMN acknowledged_at timestamptz;
ALTER TABLE deliveries ADD COLUMN accepted_at timestamptz;
UPDATE deliveries SET acknowledged_at = feedback_at WHERE feedback_at IS NOT NULL;
UPDATE deliveries SET accepted_at = feedback_at WHERE feedback_status = 'accepted';

-- One row per national evaluation extract (DESIGN §8; DOMAIN §4). The CSV itself is not kept: the
-- operator transfers it; its SHA-256 is here and in the extract's `disclosed` ledger row
-- (ledger_entry_id), which names every person included as a subject. Counts only, no names.
CREATE TABLE evaluation_extracts (
  id                   uuid        PRIMARY KEY,
  -- Referrals received in [period_from, period_to), London calendar dates.
  period_from          date        NOT NULL,
  period_to            date        NOT NULL,
  created_at           timestamptz NOT NULL,
  created_by           text        NOT NULL,
  recipient_partner_id text        NOT NULL,
  purpose              text        NOT NULL,
  art6                 text        NOT NULL,
  file_name            text        NOT NULL,
  csv_sha256           text        NOT NULL CHECK (csv_sha256 ~ '^[0-9a-f]{64}$'),
  families             integer     NOT NULL CHECK (families >= 0),
  people               integer     NOT NULL CHECK (people >= 0),
  people_excluded      integer     NOT NULL CHECK (people_excluded >= 0),
  referrals            integer     NOT NULL CHECK (referrals >= 0),
  ledger_entry_id      uuid        NOT NULL,
  CHECK (period_from < period_to)
);

CREATE INDEX evaluation_extracts_created_idx ON evaluation_extracts (created_at);
