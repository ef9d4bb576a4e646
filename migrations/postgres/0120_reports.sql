-- Reports (SPEC §12). A sale is an order that is not cancelled and whose payment_status is
-- paid or partially_refunded; its day is its business_date (YYYYMMDD in CREMA_TIMEZONE, set
-- from created_at when the order is placed). The reports aggregate sales at query time on
-- these partial covering indexes, so no rollup table has to be kept in step with the order
-- and payment transactions (docs/PERFORMANCE.md has the measurements behind this choice).
-- The WHERE clause is written exactly as the report queries write it, so SQLite's planner
-- can prove the query implies it.

-- Daily, weekly and admin sales: day, method and type totals without touching the table
-- (status and payment_status too: SQLite reads them to check the WHERE unless they are there).
CREATE INDEX orders_sales_day_idx
  ON orders (business_date, payment_method, type, total_amount, refunded_amount, id, status,
             payment_status)
  WHERE status <> 'cancelled' AND payment_status IN ('paid', 'partially_refunded');

-- Customers: a customer's sales by day (first purchase, spend).
CREATE INDEX orders_sales_customer_idx
  ON orders (customer_id, business_date, total_amount, refunded_amount, status, payment_status)
  WHERE status <> 'cancelled' AND payment_status IN ('paid', 'partially_refunded');

-- Staff performance: who moved an order to ready, and when, found per order.
CREATE INDEX order_history_status_idx ON order_history (order_id, status, at, by_id);

-- The daily_summary notification (SPEC §10): one row per business date summarised, claimed
-- in the transaction that queues the summary, so two instances never send it twice.
CREATE TABLE daily_summaries (
  business_date TEXT   NOT NULL PRIMARY KEY,
  created_at    BIGINT NOT NULL,
  recipients    INTEGER NOT NULL DEFAULT 0
);
