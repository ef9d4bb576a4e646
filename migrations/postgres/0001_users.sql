-- Users of every role (SPEC §3). Ids are UUID v7 text; emails are stored lower-case, so
-- UNIQUE is case-insensitive in effect; times are Unix epoch milliseconds; addresses and
-- metadata are JSON text (the same text as on SQLite). totp_secret is encrypted by the
-- application (CREMA_DATA_KEY) before it is stored.
CREATE TABLE users (
  id                 TEXT    NOT NULL PRIMARY KEY,
  name               TEXT    NOT NULL,
  email              TEXT    NOT NULL,
  phone              TEXT,
  password_hash      TEXT    NOT NULL,
  role               TEXT    NOT NULL
    CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'manager', 'staff', 'driver', 'customer')),
  addresses          TEXT    NOT NULL DEFAULT '[]',
  marketing_opt_in   BOOLEAN NOT NULL DEFAULT FALSE,
  is_active          BOOLEAN NOT NULL DEFAULT TRUE,
  two_factor_enabled BOOLEAN NOT NULL DEFAULT FALSE,
  totp_secret        TEXT,
  metadata           TEXT    NOT NULL DEFAULT '{}',
  version            BIGINT  NOT NULL DEFAULT 1,
  created_at         BIGINT  NOT NULL,
  updated_at         BIGINT  NOT NULL,
  CONSTRAINT users_email_key UNIQUE (email)
);

CREATE INDEX users_role_idx ON users (role);
