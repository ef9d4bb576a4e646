-- Product reviews (SPEC §11): one per customer per product, rating 1–5, a comment of at most
-- 2000 characters. Only `visible` reviews are public and count in the product's
-- rating_avg_milli / rating_count (kept in the review's transaction, under the product's
-- row lock, so concurrent reviews never lose a count). `flag_reason`/`flagged_by` keep the
-- last flag for the moderation queue (GET /reviews?status=flagged).
CREATE TABLE reviews (
  id          TEXT    NOT NULL PRIMARY KEY,
  product_id  TEXT    NOT NULL REFERENCES products (id),
  customer_id TEXT    NOT NULL REFERENCES users (id),
  rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment     TEXT    NOT NULL DEFAULT '',
  status      TEXT    NOT NULL DEFAULT 'visible' CHECK (status IN ('visible', 'flagged', 'hidden')),
  flag_reason TEXT,
  flagged_by  TEXT,
  version     BIGINT  NOT NULL DEFAULT 1,
  created_at  BIGINT  NOT NULL,
  updated_at  BIGINT  NOT NULL,
  CONSTRAINT reviews_product_customer_key UNIQUE (product_id, customer_id)
);

-- GET /products/{id}/reviews (visible, newest first) and the moderation queue.
CREATE INDEX reviews_product_idx ON reviews (product_id, status, created_at, id);
CREATE INDEX reviews_status_idx ON reviews (status, created_at, id);
CREATE INDEX reviews_customer_idx ON reviews (customer_id);
