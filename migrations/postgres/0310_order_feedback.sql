-- Order feedback (SPEC §15.5): the customer of a completed order rates it once, 1–5 with
-- an optional comment (the UNIQUE order_id makes a second one a conflict on every instance).
-- Managers list it newest first, optionally by rating (GET /feedback), and the staff
-- performance report averages it per staff member credited with the order.
CREATE TABLE order_feedback (
  id          TEXT    NOT NULL PRIMARY KEY,
  order_id    TEXT    NOT NULL REFERENCES orders (id),
  customer_id TEXT    NOT NULL REFERENCES users (id),
  rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment     TEXT    NOT NULL DEFAULT '',
  created_at  BIGINT  NOT NULL,
  CONSTRAINT order_feedback_order_key UNIQUE (order_id)
);
CREATE INDEX order_feedback_created_idx ON order_feedback (created_at, id);
CREATE INDEX order_feedback_rating_idx ON order_feedback (rating, created_at, id);
CREATE INDEX order_feedback_customer_idx ON order_feedback (customer_id);
