-- Every admin and manager mutation (SPEC §12), written in the transaction of the change.
CREATE TABLE audit_log (
  id          TEXT   NOT NULL PRIMARY KEY,
  actor_id    TEXT,
  actor_role  TEXT,
  action      TEXT   NOT NULL,
  target_type TEXT   NOT NULL,
  target_id   TEXT,
  summary     TEXT   NOT NULL DEFAULT '',
  ip          TEXT,
  request_id  TEXT,
  at          BIGINT NOT NULL
);

CREATE INDEX audit_log_at_idx ON audit_log (at, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at, id);
CREATE INDEX audit_log_action_idx ON audit_log (action, at, id);
