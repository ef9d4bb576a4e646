-- Fewer index entries written per order (issue 10; docs/PERFORMANCE.md, "POST /api/v1/orders
-- on PostgreSQL"). Orders placed at the till have no customer and most orders no driver,
-- yet each wrote a NULL key into both indexes; the lists that use them always ask for one
-- customer or one driver (`customer_id = …`, `driver_id = …`), which implies the partial
-- indexes' condition on both stores.
DROP INDEX orders_customer_idx;
CREATE INDEX orders_customer_idx ON orders (customer_id, created_at, id)
  WHERE customer_id IS NOT NULL;
DROP INDEX orders_driver_idx;
CREATE INDEX orders_driver_idx ON orders (driver_id, created_at, id) WHERE driver_id IS NOT NULL;

-- An order's history is read by order id (a handful of rows, sorted after the read):
-- order_history_status_idx (order_id, status, at, by_id; migration 0120) serves that too,
-- so every status change writes one history index entry instead of two.
DROP INDEX order_history_order_idx;

-- (PostgreSQL also gets a partial index for the kitchen queue here; SQLite's planner keeps
-- to orders_status_idx for that query, so it would only cost writes.)
