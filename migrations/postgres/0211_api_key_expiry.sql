-- API keys (SPEC §3): an optional end of life (`expires_at`: the key answers 401 from then
-- on, as a revoked one does) and when each was last used (`last_used_at`, written at most
-- once a minute per key), listed so an admin can tell a forgotten key from a busy one.
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
