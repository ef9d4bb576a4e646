-- Account tokens (SPEC §15.1): the single-use tokens a password reset and an email
-- verification mail carry. Only the SHA-256 hash of a token is stored (the token itself
-- is 256 random bits, in the mail's link and nowhere else); `used_at` is set when it is
-- spent, so a token works once; `created_at` also counts the reset mails of an account
-- (at most 3 an hour).
CREATE TABLE account_tokens (
  token_hash TEXT   NOT NULL PRIMARY KEY,
  user_id    TEXT   NOT NULL REFERENCES users (id),
  purpose    TEXT   NOT NULL
    CONSTRAINT account_tokens_purpose_check CHECK (purpose IN ('password_reset', 'verify_email')),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT
);

CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose, created_at);
