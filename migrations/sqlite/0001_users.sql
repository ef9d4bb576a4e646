-- Users of every role (SPEC §3). Ids are UUID v7 text; emails are stored lower-case, so
-- UNIQUE is case-insensitive in effect; times are Unix epoch milliseconds; booleans are
-- INTEGER 0/1; addresses and metadata are JSON text. totp_secret is encrypted by the
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
  marketing_opt_in   INTEGER NOT NULL DEFAULT 0 CHECK (marketing_opt_in IN (0, 1)),
  is_active          INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  two_factor_enabled INTEGER NOT NULL DEFAULT 0 CHECK (two_factor_enabled IN (0, 1)),
  totp_secret        TEXT,
  metadata           TEXT    NOT NULL DEFAULT '{}',
  version            BIGINT  NOT NULL DEFAULT 1,
  created_at         BIGINT  NOT NULL,
  updated_at         BIGINT  NOT NULL,
  CONSTRAINT users_email_key UNIQUE (email)
);

CREATE INDEX users_role_idx ON users (role);
