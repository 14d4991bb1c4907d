-- Signposting (issue 6, part 2; src/signposting-store.ts): an operator's record that a directory
-- service suggested for a referral was shared with the family. No personal data: the referral id,
-- the directory's service id and public name, the operator's console username and the time. The
-- operator's stated reason goes to the audit trail (action signpost.shared), not here. Rows go
-- with their referral.
CREATE TABLE signpost_shares (
  id           uuid        PRIMARY KEY,
  referral_id  uuid        NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
  service_id   text        NOT NULL CHECK (length(service_id) BETWEEN 1 AND 100),
  service_name text        NOT NULL CHECK (length(service_name) BETWEEN 1 AND 300),
  operator_id  text        NOT NULL CHECK (length(operator_id) BETWEEN 1 AND 128),
  shared_at    timestamptz NOT NULL
);

CREATE INDEX signpost_shares_referral_idx ON signpost_shares (referral_id, shared_at);
