-- Review flags (SPEC §11, issue 17): one customer can no longer hide any review by flagging
-- it. A review stays visible until a moderator acts or three different users have flagged
-- it; each user flags a review once (the primary key). `open_flags` counts the flags not
-- yet settled; a moderator's status change settles them (resolved_at), so a review put
-- back to visible needs three new flaggers to be hidden again.
CREATE TABLE review_flags (
  review_id   TEXT   NOT NULL REFERENCES reviews (id),
  user_id     TEXT   NOT NULL,
  reason      TEXT   NOT NULL DEFAULT '',
  created_at  BIGINT NOT NULL,
  resolved_at BIGINT,
  CONSTRAINT review_flags_pkey PRIMARY KEY (review_id, user_id)
);
ALTER TABLE reviews ADD COLUMN open_flags INTEGER NOT NULL DEFAULT 0;
-- The moderators' "reported" list (GET /reviews?reported=true).
CREATE INDEX reviews_open_flags_idx ON reviews (open_flags) WHERE open_flags > 0;
