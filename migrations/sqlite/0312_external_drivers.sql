-- Delivery platforms (SPEC §15.5): a driver profile may be `external` — a platform's courier,
-- with no account (user_id null), created by a manager or admin; partner API keys with the
-- scope deliveries:write assign such drivers and move their deliveries.
-- SQLite cannot drop a NOT NULL: drivers is rebuilt, and deliveries with it (it references
-- drivers, so the old drivers table can only go once no table points at it). The new tables
-- reference each other by name before the renames, which keep the references right.
CREATE TABLE drivers_0312 (
  id         TEXT    NOT NULL PRIMARY KEY,
  user_id    TEXT    REFERENCES users (id),
  name       TEXT    NOT NULL,
  phone      TEXT,
  vehicle    TEXT    NOT NULL DEFAULT '',
  is_active  INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  version    BIGINT  NOT NULL DEFAULT 1,
  created_at BIGINT  NOT NULL,
  updated_at BIGINT  NOT NULL,
  external   INTEGER NOT NULL DEFAULT 0 CHECK (external IN (0, 1)),
  CONSTRAINT drivers_user_key UNIQUE (user_id),
  CONSTRAINT drivers_external_user_check
    CHECK ((external = 1 AND user_id IS NULL) OR (external = 0 AND user_id IS NOT NULL))
);
INSERT INTO drivers_0312 (id, user_id, name, phone, vehicle, is_active, version, created_at,
                          updated_at, external)
  SELECT id, user_id, name, phone, vehicle, is_active, version, created_at, updated_at, 0
  FROM drivers;

CREATE TABLE deliveries_0312 (
  id               TEXT    NOT NULL PRIMARY KEY,
  order_id         TEXT    NOT NULL REFERENCES orders (id),
  driver_id        TEXT    NOT NULL REFERENCES drivers_0312 (id),
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
INSERT INTO deliveries_0312 (id, order_id, driver_id, status, eta, last_lat, last_lng,
                             last_location_at, failure_reason, version, created_at, updated_at)
  SELECT id, order_id, driver_id, status, eta, last_lat, last_lng, last_location_at,
         failure_reason, version, created_at, updated_at
  FROM deliveries;

DROP TABLE deliveries;
DROP TABLE drivers;
ALTER TABLE drivers_0312 RENAME TO drivers;
ALTER TABLE deliveries_0312 RENAME TO deliveries;
CREATE INDEX drivers_created_idx ON drivers (created_at, id);
CREATE UNIQUE INDEX deliveries_active_order_idx ON deliveries (order_id)
  WHERE status IN ('assigned', 'picked_up');
CREATE INDEX deliveries_driver_idx ON deliveries (driver_id, created_at, id);
CREATE INDEX deliveries_created_idx ON deliveries (created_at, id);
CREATE INDEX deliveries_order_idx ON deliveries (order_id);
