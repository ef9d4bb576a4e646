-- Email verification (SPEC §15.1): whether the account proved it reads its email (the link
-- of the verify_email mail). Existing accounts start unverified.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0
  CHECK (email_verified IN (0, 1));
