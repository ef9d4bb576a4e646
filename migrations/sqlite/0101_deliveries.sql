-- Delivery (SPEC §8). A driver is a profile of a user with role driver (one per user).
-- A delivery is one assignment of a delivery order to a driver: `assigned` → `picked_up`
-- → `delivered`, or `failed` (the order goes back to ready, unassigned). At most one
-- delivery of an order is active (assigned or picked_up) at a time. orders.driver_id keeps
-- the assigned driver's *user id* (who may read the order and hears its events); the
-- order's delivery_info.driver_id is the driver profile id. last_location_at also paces
-- POST /deliveries/{id}/location (at most one per second per delivery, on every instance).
CREATE TABLE drivers (
  id         TEXT    NOT NULL PRIMARY KEY,
  user_id    TEXT    NOT NULL REFERENCES users (id),
  name       TEXT    NOT NULL,
  phone      TEXT,
  vehicle    TEXT    NOT NULL DEFAULT '',
  is_active  INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  version    BIGINT  NOT NULL DEFAULT 1,
  created_at BIGINT  NOT NULL,
  updated_at BIGINT  NOT NULL,
  CONSTRAINT drivers_user_key UNIQUE (user_id)
);
CREATE INDEX drivers_created_idx ON drivers (created_at, id);

CREATE TABLE deliveries (
  id               TEXT    NOT NULL PRIMARY KEY,
  order_id         TEXT    NOT NULL REFERENCES orders (id),
  driver_id        TEXT    NOT NULL REFERENCES drivers (id),
  status           TEXT    NOT NULL DEFAULT 'assigned'
    CHECK (status IN ('assigned', 'picked_up', 'delivered', 'failed')),
  eta              BIGINT,
  last_lat         DOUBLE PRECISION,
  last_lng         DOUBLE PRECISION,
  last_location_at BIGINT,
  failure_reason   TEXT,
  version          BIGINT  NOT NULL DEFAULT 1,
  created_at       BIGINT  NOT NULL,
  updated_at       BIGINT  NOT NULL
);
CREATE UNIQUE INDEX deliveries_active_order_idx ON deliveries (order_id)
  WHERE status IN ('assigned', 'picked_up');
CREATE INDEX deliveries_driver_idx ON deliveries (driver_id, created_at, id);
CREATE INDEX deliveries_created_idx ON deliveries (created_at, id);
CREATE INDEX deliveries_order_idx ON deliveries (order_id);
