-- Inventory down to the ingredient (SPEC §5). Quantities are integer thousandths (2.125 kg
-- is 2125); available = on_hand - reserved and can never be negative: reservations use a
-- conditional update, and the CHECK below turns any bug that would oversell into an error
-- instead of silent corruption. A tracked product's item has the product's id (kind
-- 'product'); `tracked` is false while that product's track_stock is off (kept, not
-- counted). `low_alerted` remembers that the current dip below the threshold was already
-- announced, so one alert is raised per crossing, not per order.
-- Sort columns use COLLATE "C" (byte order), as SQLite sorts, so both stores order and
-- page the same way whatever the cluster's locale.
CREATE TABLE inventory_items (
  id                  TEXT    NOT NULL PRIMARY KEY,
  name                TEXT    NOT NULL,
  name_lower          TEXT    COLLATE "C" NOT NULL,
  unit                TEXT    NOT NULL,
  kind                TEXT    NOT NULL CHECK (kind IN ('ingredient', 'product')),
  on_hand             BIGINT  NOT NULL,
  reserved            BIGINT  NOT NULL DEFAULT 0,
  low_stock_threshold BIGINT  NOT NULL DEFAULT 0 CHECK (low_stock_threshold >= 0),
  tracked             BOOLEAN NOT NULL DEFAULT TRUE,
  low_alerted         BOOLEAN NOT NULL DEFAULT FALSE,
  version             BIGINT  NOT NULL DEFAULT 1,
  created_at          BIGINT  NOT NULL,
  updated_at          BIGINT  NOT NULL,
  CONSTRAINT inventory_items_stock_check CHECK (reserved >= 0 AND on_hand >= reserved)
);

CREATE INDEX inventory_items_name_idx ON inventory_items (name_lower, id);
CREATE INDEX inventory_items_kind_name_idx ON inventory_items (kind, name_lower, id);

-- Every change of an item (SPEC §5). delta is the change of available stock for reserve
-- and release, and of on_hand for the other kinds; on_hand_after and reserved_after are
-- the item's figures right after the change.
CREATE TABLE inventory_logs (
  id                TEXT   NOT NULL PRIMARY KEY,
  inventory_item_id TEXT   NOT NULL REFERENCES inventory_items (id),
  delta             BIGINT NOT NULL,
  kind              TEXT   NOT NULL
    CHECK (kind IN ('reserve', 'commit', 'release', 'restock', 'adjust', 'receive', 'waste')),
  reason            TEXT   NOT NULL DEFAULT '',
  order_id          TEXT,
  actor_id          TEXT,
  on_hand_after     BIGINT NOT NULL,
  reserved_after    BIGINT NOT NULL,
  created_at        BIGINT NOT NULL
);

CREATE INDEX inventory_logs_item_idx ON inventory_logs (inventory_item_id, created_at, id);
CREATE INDEX inventory_logs_order_idx ON inventory_logs (order_id);
