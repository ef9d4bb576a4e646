-- Identity and access (SPEC §3): sessions (refresh-token families), the refresh tokens of
-- each session (stored only as SHA-256 hashes; rotated ones are kept until they expire so a
-- replay can be recognised), partner API keys (hashed), and the user columns TOTP and
-- erasure need.
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN erased_at BIGINT;

CREATE INDEX users_created_idx ON users (created_at, id);

CREATE TABLE sessions (
  id            TEXT   NOT NULL PRIMARY KEY,
  user_id       TEXT   NOT NULL REFERENCES users (id),
  created_at    BIGINT NOT NULL,
  last_used_at  BIGINT NOT NULL,
  expires_at    BIGINT NOT NULL,
  revoked_at    BIGINT,
  revoke_reason TEXT,
  ip            TEXT,
  user_agent    TEXT
);

CREATE INDEX sessions_user_idx ON sessions (user_id, created_at);

CREATE TABLE refresh_tokens (
  token_hash TEXT   NOT NULL PRIMARY KEY,
  session_id TEXT   NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  issued_at  BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  rotated_at BIGINT
);

CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

CREATE TABLE api_keys (
  id         TEXT   NOT NULL PRIMARY KEY,
  name       TEXT   NOT NULL,
  key_hash   TEXT   NOT NULL,
  key_prefix TEXT   NOT NULL,
  scopes     TEXT   NOT NULL DEFAULT '[]',
  tier       TEXT   NOT NULL CONSTRAINT api_keys_tier_check CHECK (tier IN ('standard', 'partner')),
  created_by TEXT   REFERENCES users (id),
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  CONSTRAINT api_keys_hash_key UNIQUE (key_hash)
);

CREATE INDEX api_keys_created_idx ON api_keys (created_at, id);
CREATE INDEX api_keys_creator_idx ON api_keys (created_by);
