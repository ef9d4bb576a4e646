-- Guest checkout (SPEC §15.1): the X-Order-Token of an order placed without an account.
-- Only the SHA-256 hash of the token is stored (the token itself, 256 random bits, is in
-- the 201 answer and nowhere else but that answer's Idempotency-Key record, for 24 hours).
-- A token opens its one order; it expires 30 days after the order ends (completed,
-- delivered or cancelled: the order's completed_at or cancelled_at), which is read from the
-- order, so no status change has to touch this table. The retention job deletes the
-- expired ones.
CREATE TABLE guest_tokens (
  token_hash TEXT   NOT NULL PRIMARY KEY,
  order_id   TEXT   NOT NULL UNIQUE REFERENCES orders (id),
  created_at BIGINT NOT NULL
);
