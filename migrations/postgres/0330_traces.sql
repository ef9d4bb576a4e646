-- Distributed tracing (SPEC §15.5). An outbox row keeps the W3C traceparent of the change
-- that queued it, so its delivery — a partner webhook sent a minute later, perhaps by
-- another process — continues that change's trace. Null when the change was not traced.
ALTER TABLE outbox ADD COLUMN traceparent TEXT;

-- An order's trace (the request that placed it), so its payment webhook — a call from the
-- gateway that knows nothing of it — and what that queues continue the order's trace. A row
-- only for an order placed while traced.
CREATE TABLE order_traces (
  order_id    TEXT NOT NULL PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
  traceparent TEXT NOT NULL
);
