-- Top products (SPEC §12) from a rollup: units and line revenue of each product's sales per
-- business date. Joining a month of sales to their lines at query time took 0.5 s at a
-- million orders (docs/PERFORMANCE.md#reports); this table makes it a range read of
-- days × products rows.
--
-- It is kept by a trigger in the transaction of every change that makes an order become or
-- stop being a sale (status, payment_status) or moves a sale to another business date, so no
-- service has to remember it: the order's lines are added with its new business date when it
-- becomes a sale and taken off its old one when it stops. Orders are inserted pending (never
-- as sales) and lines never change afterwards, so inserts need no trigger — which also keeps
-- `crema migrate-store` (rows copied as they are, this table included) and restores exact.
-- `name` is the greatest line name added for the product that day (names are snapshots).
CREATE TABLE product_sales_daily (
  business_date TEXT   NOT NULL,
  product_id    TEXT   NOT NULL,
  name          TEXT   NOT NULL,
  quantity      BIGINT NOT NULL,
  revenue       BIGINT NOT NULL,
  PRIMARY KEY (business_date, product_id)
);

-- The sales already there.
INSERT INTO product_sales_daily (business_date, product_id, name, quantity, revenue)
  SELECT o.business_date, i.product_id, MAX(i.name), SUM(i.quantity), SUM(i.line_total)
  FROM orders o JOIN order_items i ON i.order_id = o.id
  WHERE o.status <> 'cancelled' AND o.payment_status IN ('paid', 'partially_refunded')
  GROUP BY o.business_date, i.product_id;

CREATE TRIGGER orders_product_sales AFTER UPDATE OF status, payment_status, business_date ON orders
WHEN (OLD.status <> 'cancelled' AND OLD.payment_status IN ('paid', 'partially_refunded')) <>
     (NEW.status <> 'cancelled' AND NEW.payment_status IN ('paid', 'partially_refunded'))
  OR (OLD.business_date <> NEW.business_date AND
      NEW.status <> 'cancelled' AND NEW.payment_status IN ('paid', 'partially_refunded'))
BEGIN
  INSERT INTO product_sales_daily (business_date, product_id, name, quantity, revenue)
    SELECT OLD.business_date, product_id, MAX(name), -SUM(quantity), -SUM(line_total)
    FROM order_items
    WHERE order_id = OLD.id AND OLD.status <> 'cancelled'
      AND OLD.payment_status IN ('paid', 'partially_refunded')
    GROUP BY product_id ORDER BY product_id
  ON CONFLICT (business_date, product_id) DO UPDATE SET
    quantity = product_sales_daily.quantity + excluded.quantity,
    revenue = product_sales_daily.revenue + excluded.revenue;
  INSERT INTO product_sales_daily (business_date, product_id, name, quantity, revenue)
    SELECT NEW.business_date, product_id, MAX(name), SUM(quantity), SUM(line_total)
    FROM order_items
    WHERE order_id = NEW.id AND NEW.status <> 'cancelled'
      AND NEW.payment_status IN ('paid', 'partially_refunded')
    GROUP BY product_id ORDER BY product_id
  ON CONFLICT (business_date, product_id) DO UPDATE SET
    quantity = product_sales_daily.quantity + excluded.quantity,
    revenue = product_sales_daily.revenue + excluded.revenue,
    name = MAX(product_sales_daily.name, excluded.name);
END;
