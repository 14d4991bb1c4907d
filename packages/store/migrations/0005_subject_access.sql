-- Subject access (UK GDPR Art 15; DESIGN §8): finding a person by name and date of birth, and the
-- register of subject access requests with their statutory due dates. No column holds plaintext
-- personal data: names and dates of birth are stored only as a keyed HMAC, and the requester's own
-- details (name, address, correspondence) are kept outside the hub, in the DPO's case file.

-- A keyed blind index of (normalised given name, family name, date of birth) per person per
-- referral: HMAC-SHA256 under a key derived (HKDF, label 'hub.people.name-dob.hmac.v1') from the
-- master key hmac_key_id (src/name-dob-index.ts). It finds candidates for the DPO to choose from;
-- it never links people (only the NHS number does, see `people`). Lookups try every key in the ring.
CREATE TABLE person_name_dob_index (
  referral_id   uuid  NOT NULL,
  person_ref    text  NOT NULL,
  name_dob_hmac bytea NOT NULL CHECK (length(name_dob_hmac) = 32),
  hmac_key_id   text  NOT NULL,
  PRIMARY KEY (referral_id, person_ref),
  FOREIGN KEY (referral_id, person_ref) REFERENCES referral_people (referral_id, person_ref) ON DELETE CASCADE
);

CREATE INDEX person_name_dob_index_hmac_idx ON person_name_dob_index (name_dob_hmac);

-- Erasure destroys a referral's data key (dek_wrapped made empty): its people's digests go with it,
-- whoever erases, so an erased referral cannot be found by name and date of birth any more.
CREATE FUNCTION person_name_dob_index_forget_erased() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM person_name_dob_index WHERE referral_id = NEW.id;
  RETURN NEW;
END $$;

CREATE TRIGGER person_name_dob_index_forget_erased
  AFTER UPDATE OF dek_wrapped ON referrals
  FOR EACH ROW WHEN (length(NEW.dek_wrapped) = 0)
  EXECUTE FUNCTION person_name_dob_index_forget_erased();

-- Referrals whose people have been indexed (whether or not any person had a name and date of
-- birth), so the backfill of referrals routed before this migration knows what is left to do.
CREATE TABLE person_name_dob_indexed (
  referral_id uuid        PRIMARY KEY REFERENCES referrals (id) ON DELETE CASCADE,
  indexed_at  timestamptz NOT NULL DEFAULT now()
);

-- The register of subject access requests. person_id is set when the DPO matches the request to
-- a hub person (never automatically). Dates are UK calendar dates. due_on is one calendar month
-- from receipt (end-of-month rule); extended_due_on is up to two further months, recorded with a
-- coded reason and the date the requester was told (which must fall within the first month).
CREATE TABLE subject_access_requests (
  id                 uuid        PRIMARY KEY,
  person_id          uuid        REFERENCES people (id) ON DELETE SET NULL,
  received_on        date        NOT NULL,
  due_on             date        NOT NULL,
  extended_due_on    date,
  extension_months   integer     CHECK (extension_months IN (1, 2)),
  extension_reason   text        CHECK (extension_reason IN ('complex', 'numerous')),
  -- Written by the DPO under a "no personal details" hint; never shown below the dpo role.
  extension_note     text        CHECK (length(extension_note) <= 500),
  requester_told_on  date,
  status             text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed')),
  completed_at       timestamptz,
  completed_by       text,
  created_by         text        NOT NULL,
  created_at         timestamptz NOT NULL DEFAULT now(),
  -- The statutory dates, checked here as well as computed by the caller (@hub/domain): PostgreSQL
  -- adds months with the same end-of-month rule (31 January + 1 month = 28/29 February).
  CHECK (due_on = (received_on + interval '1 month')::date),
  CHECK (extended_due_on IS NULL OR extended_due_on = (received_on + make_interval(months => 1 + extension_months))::date),
  CHECK ((extended_due_on IS NULL) = (extension_months IS NULL)),
  CHECK ((extended_due_on IS NULL) = (extension_reason IS NULL)),
  CHECK ((extended_due_on IS NULL) = (requester_told_on IS NULL)),
  CHECK (requester_told_on IS NULL OR (requester_told_on >= received_on AND requester_told_on <= due_on)),
  CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);

CREATE INDEX subject_access_requests_open_due_idx ON subject_access_requests ((coalesce(extended_due_on, due_on))) WHERE status = 'open';
CREATE INDEX subject_access_requests_received_idx ON subject_access_requests (received_on, id);
CREATE INDEX subject_access_requests_person_idx ON subject_access_requests (person_id) WHERE person_id IS NOT NULL;
