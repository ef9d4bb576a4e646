-- How a user wants their order notifications (SPEC §15.1): `email` (the default), `sms`
-- (to their phone; by email while they have none) or `both`.
ALTER TABLE users ADD COLUMN notify_channel TEXT NOT NULL DEFAULT 'email'
  CONSTRAINT users_notify_channel_check CHECK (notify_channel IN ('email', 'sms', 'both'));
