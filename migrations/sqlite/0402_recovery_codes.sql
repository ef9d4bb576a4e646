-- Two-factor recovery codes (SPEC §15.1): ten one-time codes per account with TOTP, shown
-- once when 2FA is enabled (or the set is replaced) and stored only as SHA-256 hashes.
-- `used_at` is set when a code signs in in place of a TOTP code; each works once.
CREATE TABLE recovery_codes (
  user_id    TEXT   NOT NULL REFERENCES users (id),
  code_hash  TEXT   NOT NULL,
  created_at BIGINT NOT NULL,
  used_at    BIGINT,
  PRIMARY KEY (user_id, code_hash)
);
