-- Acknowledgements to families who self-refer (issue 6 item 3; docs/data-protection.md
-- "Acknowledging self-referrals"). One row per self-referral, written in the routing transaction:
-- whether an acknowledgement was queued or suppressed (and why, as a code), then what happened
-- when it was sent. No column holds personal data: the recipient's address or number and the
-- first name are read from the encrypted referral when the message is sent, never stored here.
CREATE TABLE family_acknowledgements (
  acknowledgement_id uuid        PRIMARY KEY,
  referral_id        uuid        NOT NULL UNIQUE REFERENCES referrals (id) ON DELETE CASCADE,
  decision           text        NOT NULL CHECK (decision IN ('queued', 'suppressed')),
  reason_code        text        NOT NULL CHECK (reason_code ~ '^[A-Z][A-Z0-9_]{0,63}$'),
  channel            text        CHECK (channel IN ('email', 'sms')),
  status             text        NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'suppressed')),
  outcome_code       text        CHECK (outcome_code ~ '^[A-Za-z0-9_]{1,64}$'),
  notification_id    uuid,
  attempts           integer     NOT NULL DEFAULT 0,
  decided_at         timestamptz NOT NULL,
  finished_at        timestamptz,
  CHECK ((decision = 'suppressed') = (status = 'suppressed')),
  CHECK (decision = 'suppressed' OR channel IS NOT NULL)
);
