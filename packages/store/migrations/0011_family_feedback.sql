-- Family feedback (issue 6 items 3-5; docs/data-protection.md "Feedback from families").
--
-- feedback_invitations: one row per delivery a recipient closed (`referral.closed`), written in
-- the routing transaction of that message: whether an invitation was scheduled (and when it is
-- due) or suppressed (and why, as a code), then what happened when it was sent. The token itself
-- is never stored: only its SHA-256, its expiry and when it was used (single use). No personal
-- data: the family's address or number is read from the encrypted referral at send time.
CREATE TABLE feedback_invitations (
  invitation_id     uuid        PRIMARY KEY,
  referral_id       uuid        NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
  delivery_id       uuid        NOT NULL UNIQUE REFERENCES deliveries (id) ON DELETE CASCADE,
  -- The recipient's organisationType (partners.v1.json): the "service type" feedback is reported by.
  service_type      text        NOT NULL CHECK (service_type ~ '^[a-z][a-z0-9-]{0,63}$'),
  -- The family's postcode district (never the full postcode), copied from referrals for reporting.
  postcode_district text        CHECK (postcode_district ~ '^[A-Z]{1,2}[0-9][0-9A-Z]?$'),
  decision          text        NOT NULL CHECK (decision IN ('scheduled', 'suppressed')),
  reason_code       text        NOT NULL CHECK (reason_code ~ '^[A-Z][A-Z0-9_]{0,63}$'),
  channel           text        CHECK (channel IN ('email', 'sms')),
  status            text        NOT NULL CHECK (status IN ('scheduled', 'sent', 'failed', 'suppressed')),
  outcome_code      text        CHECK (outcome_code ~ '^[A-Za-z0-9_]{1,64}$'),
  notification_id   uuid,
  attempts          integer     NOT NULL DEFAULT 0,
  decided_at        timestamptz NOT NULL,
  due_at            timestamptz NOT NULL,
  finished_at       timestamptz,
  -- The hub person the invitation was addressed to (set when sent): for subject access and opt-out.
  person_id         uuid        REFERENCES people (id),
  token_sha256      bytea       UNIQUE CHECK (token_sha256 IS NULL OR length(token_sha256) = 32),
  token_expires_at  timestamptz,
  token_used_at     timestamptz,
  CHECK ((decision = 'suppressed') = (status = 'suppressed')),
  CHECK (decision = 'suppressed' OR channel IS NOT NULL),
  CHECK ((token_sha256 IS NULL) = (token_expires_at IS NULL)),
  CHECK (token_used_at IS NULL OR token_sha256 IS NOT NULL)
);

CREATE INDEX feedback_invitations_referral_idx ON feedback_invitations (referral_id);
CREATE INDEX feedback_invitations_person_idx ON feedback_invitations (person_id) WHERE person_id IS NOT NULL;

-- family_feedback: the answers, kept apart from the case. No referral, delivery or invitation id:
-- only what reporting needs (service type, area, month) and the person the invitation went to, so
-- that subject access, objection and erasure can find it. Ratings are 1-5 per question id. The
-- optional free text is personal data: AES-256-GCM under the row's own data key (wrapped by a
-- master key, context `family_feedback/<feedback_id>`); destroying dek_wrapped erases it.
CREATE TABLE family_feedback (
  feedback_id        uuid        PRIMARY KEY,
  person_id          uuid        REFERENCES people (id),
  service_type       text        NOT NULL CHECK (service_type ~ '^[a-z][a-z0-9-]{0,63}$'),
  postcode_district  text        CHECK (postcode_district ~ '^[A-Z]{1,2}[0-9][0-9A-Z]?$'),
  -- First day of the London calendar month the answer arrived in.
  month              date        NOT NULL CHECK (extract(day FROM month) = 1),
  submitted_at       timestamptz NOT NULL,
  ratings            jsonb       NOT NULL,
  key_id             text,
  dek_wrapped        bytea,
  dek_iv             bytea,
  dek_tag            bytea,
  comment_iv         bytea,
  comment_tag        bytea,
  comment_ciphertext bytea,
  erased_at          timestamptz,
  CHECK ((comment_ciphertext IS NULL) = (key_id IS NULL))
);

CREATE INDEX family_feedback_month_idx ON family_feedback (month);
CREATE INDEX family_feedback_person_idx ON family_feedback (person_id) WHERE person_id IS NOT NULL;

-- People who asked not to get messages from the hub (acknowledgements and feedback invitations).
-- From a feedback answer ("do not ask me again") or recorded by an operator with a reason.
CREATE TABLE family_message_opt_outs (
  person_id    uuid        PRIMARY KEY REFERENCES people (id),
  opted_out_at timestamptz NOT NULL,
  source       text        NOT NULL CHECK (source IN ('feedback-response', 'console')),
  recorded_by  text        CHECK (recorded_by IS NULL OR length(recorded_by) BETWEEN 1 AND 128)
);

-- Signposting links go into a self-referral's acknowledgement when an operator shared them before
-- it was sent: the directory's public URL for the service, kept with the share.
ALTER TABLE signpost_shares ADD COLUMN service_url text CHECK (service_url IS NULL OR service_url ~ '^https?://');
