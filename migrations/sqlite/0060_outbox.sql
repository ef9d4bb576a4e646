-- The transactional outbox (SPEC §10): one row per message to send — a notification or a
-- partner webhook delivery — written in the transaction of the change that causes it and
-- delivered by the workers. A row is `queued` until it is `sent`, or `failed` after the last
-- try. A worker claims a due row by setting claimed_by/claimed_until (a lease): a row whose
-- lease ran out (its worker was killed) is due again. Times are epoch milliseconds.
CREATE TABLE outbox (
  id              TEXT    NOT NULL PRIMARY KEY,
  kind            TEXT    NOT NULL CHECK (kind IN ('notification', 'webhook')),
  type            TEXT    NOT NULL,
  channel         TEXT    NOT NULL CHECK (channel IN ('log', 'email', 'sms', 'webhook')),
  recipient       TEXT    NOT NULL,
  user_id         TEXT,
  webhook_id      TEXT,
  payload         TEXT    NOT NULL DEFAULT '{}',
  status          TEXT    NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  last_status     INTEGER,
  next_attempt_at BIGINT  NOT NULL,
  claimed_by      TEXT,
  claimed_until   BIGINT,
  sent_at         BIGINT,
  created_at      BIGINT  NOT NULL,
  updated_at      BIGINT  NOT NULL
);

-- The workers' question: queued rows by due time.
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_kind_created_idx ON outbox (kind, created_at, id);
CREATE INDEX outbox_webhook_idx ON outbox (webhook_id, created_at, id);

-- Every delivery attempt (the webhook deliveries log shows them).
CREATE TABLE outbox_attempts (
  id          TEXT    NOT NULL PRIMARY KEY,
  outbox_id   TEXT    NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
  attempt     INTEGER NOT NULL,
  ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
  status_code INTEGER,
  error       TEXT,
  duration_ms BIGINT  NOT NULL,
  at          BIGINT  NOT NULL
);

CREATE INDEX outbox_attempts_outbox_idx ON outbox_attempts (outbox_id, attempt);

-- Partner webhook endpoints. The signing secret is sealed with CREMA_DATA_KEY (it must be
-- read back to sign, so it cannot be hashed). events is a JSON array of event types.
CREATE TABLE webhooks (
  id            TEXT   NOT NULL PRIMARY KEY,
  url           TEXT   NOT NULL,
  events        TEXT   NOT NULL DEFAULT '[]',
  description   TEXT   NOT NULL DEFAULT '',
  secret_sealed TEXT   NOT NULL,
  created_by    TEXT,
  created_at    BIGINT NOT NULL,
  deleted_at    BIGINT
);

CREATE INDEX webhooks_created_idx ON webhooks (created_at, id);
