-- Orders (SPEC §6). Money is integer minor units, times epoch milliseconds, JSON columns
-- JSON text. `stock_needs` keeps exactly what the order reserved (item id → thousandths),
-- so confirming, cancelling and expiring commit, release or restock the same needs, and
-- `stock_state` says where those needs stand: reserved (pending), committed (confirmed and
-- later), released (cancelled while pending), restocked (cancelled while confirmed) or
-- consumed (cancelled once preparing: nothing goes back). `prep_minutes` is the order's
-- own prep time (the longest of its items), summed over the kitchen queue for
-- estimated_time. `expires_at` is set while an unpaid online order is held.
CREATE TABLE orders (
  id                TEXT    NOT NULL PRIMARY KEY,
  order_number      TEXT    NOT NULL,
  business_date     TEXT    NOT NULL,
  type              TEXT    NOT NULL CHECK (type IN ('dine-in', 'takeaway', 'online', 'event')),
  status            TEXT    NOT NULL
    CHECK (status IN ('pending', 'confirmed', 'preparing', 'ready', 'out_for_delivery',
                      'delivered', 'completed', 'cancelled')),
  payment_status    TEXT    NOT NULL DEFAULT 'pending'
    CHECK (payment_status IN ('pending', 'paid', 'failed', 'refunded', 'partially_refunded')),
  payment_method    TEXT,
  customer_id       TEXT,
  created_by        TEXT,
  api_key_id        TEXT,
  subtotal          BIGINT  NOT NULL,
  adjustment_amount BIGINT  NOT NULL DEFAULT 0,
  tax_amount        BIGINT  NOT NULL,
  total_amount      BIGINT  NOT NULL,
  refunded_amount   BIGINT  NOT NULL DEFAULT 0,
  currency          TEXT    NOT NULL,
  customer_info     TEXT,
  delivery_info     TEXT,
  driver_id         TEXT,
  is_pickup         BOOLEAN NOT NULL DEFAULT TRUE,
  table_number      TEXT,
  notes             TEXT,
  metadata          TEXT    NOT NULL DEFAULT '{}',
  prep_minutes      INTEGER NOT NULL DEFAULT 0,
  estimated_time    INTEGER NOT NULL DEFAULT 0,
  stock_needs       TEXT    NOT NULL DEFAULT '[]',
  stock_state       TEXT    NOT NULL DEFAULT 'reserved'
    CHECK (stock_state IN ('reserved', 'committed', 'released', 'restocked', 'consumed')),
  version           BIGINT  NOT NULL DEFAULT 1,
  created_at        BIGINT  NOT NULL,
  updated_at        BIGINT  NOT NULL,
  confirmed_at      BIGINT,
  completed_at      BIGINT,
  cancelled_at      BIGINT,
  cancel_reason     TEXT,
  expires_at        BIGINT,
  CONSTRAINT orders_number_key UNIQUE (order_number)
);

-- GET /orders is newest first with a (created_at, id) keyset; customers, drivers and the
-- kitchen queue read by their own columns.
CREATE INDEX orders_created_idx ON orders (created_at, id);
CREATE INDEX orders_customer_idx ON orders (customer_id, created_at, id);
CREATE INDEX orders_driver_idx ON orders (driver_id, created_at, id);
CREATE INDEX orders_status_idx ON orders (status, created_at, id);
CREATE INDEX orders_expiry_idx ON orders (expires_at) WHERE expires_at IS NOT NULL;

-- The lines of an order: a snapshot of the product's name and price at order time.
CREATE TABLE order_items (
  id                   TEXT    NOT NULL PRIMARY KEY,
  order_id             TEXT    NOT NULL REFERENCES orders (id),
  position             INTEGER NOT NULL,
  product_id           TEXT    NOT NULL,
  name                 TEXT    NOT NULL,
  unit_price           BIGINT  NOT NULL,
  quantity             INTEGER NOT NULL CHECK (quantity >= 1),
  modifiers            TEXT    NOT NULL DEFAULT '[]',
  options              TEXT    NOT NULL DEFAULT '{}',
  special_instructions TEXT,
  line_total           BIGINT  NOT NULL,
  prep_minutes         INTEGER NOT NULL DEFAULT 0
);

CREATE INDEX order_items_order_idx ON order_items (order_id, position);

-- Every status an order went through, and who moved it (NULL: the system).
CREATE TABLE order_history (
  id       TEXT   NOT NULL PRIMARY KEY,
  order_id TEXT   NOT NULL REFERENCES orders (id),
  status   TEXT   NOT NULL,
  at       BIGINT NOT NULL,
  by_id    TEXT,
  reason   TEXT
);

CREATE INDEX order_history_order_idx ON order_history (order_id, at, id);

-- The day's last order number per business date (YYYYMMDD in CREMA_TIMEZONE).
CREATE TABLE order_counters (
  business_date TEXT   NOT NULL PRIMARY KEY,
  last_number   BIGINT NOT NULL
);

-- Idempotency-Key (SPEC §2): one row per caller, route and key, claimed in the transaction
-- that does the work, so of two identical concurrent requests one does it and the other
-- replays its answer. `fingerprint` is a hash of the request body.
CREATE TABLE idempotency_keys (
  scope         TEXT    NOT NULL,
  route         TEXT    NOT NULL,
  idem_key      TEXT    NOT NULL,
  fingerprint   TEXT    NOT NULL,
  status        INTEGER NOT NULL DEFAULT 0,
  response_body TEXT,
  created_at    BIGINT  NOT NULL,
  PRIMARY KEY (scope, route, idem_key)
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- A customer's cart (SPEC §6): the lines as given, priced when read.
CREATE TABLE carts (
  user_id    TEXT   NOT NULL PRIMARY KEY,
  items      TEXT   NOT NULL DEFAULT '[]',
  updated_at BIGINT NOT NULL
);
