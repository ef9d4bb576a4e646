-- The catalogue (SPEC §4): one product entity behind the café's /menu/items and the
-- bakery's /products routes. Money is integer minor units; name_lower and search_text
-- (lower-cased name, description and category) serve case-insensitive sorting and `?q=`.
-- sale_enabled is PUT …/stock {"in_stock": …}; in_stock itself is derived from it, the
-- product's own inventory item (same id) and its recipe's ingredients. rating_avg_milli is
-- the average rating × 1000 (integer, for exact sorting), kept by the reviews feature.
-- modifiers and attributes are JSON text; the recipe is a table so availability can be
-- computed in SQL (filters and keyset pages over in_stock).
-- Sort columns use COLLATE "C" (byte order), as SQLite sorts, so both stores order and
-- page the same way whatever the cluster's locale.
CREATE TABLE products (
  id               TEXT    NOT NULL PRIMARY KEY,
  name             TEXT    NOT NULL,
  name_lower       TEXT    COLLATE "C" NOT NULL,
  description      TEXT    NOT NULL DEFAULT '',
  category         TEXT    COLLATE "C" NOT NULL,
  search_text      TEXT    NOT NULL,
  price            BIGINT  NOT NULL CHECK (price >= 0),
  attributes       TEXT    NOT NULL DEFAULT '{}',
  modifiers        TEXT    NOT NULL DEFAULT '[]',
  prep_minutes     INTEGER NOT NULL DEFAULT 0,
  track_stock      BOOLEAN NOT NULL DEFAULT FALSE,
  sale_enabled     BOOLEAN NOT NULL DEFAULT TRUE,
  is_active        BOOLEAN NOT NULL DEFAULT TRUE,
  rating_avg_milli BIGINT  NOT NULL DEFAULT 0,
  rating_count     BIGINT  NOT NULL DEFAULT 0,
  version          BIGINT  NOT NULL DEFAULT 1,
  created_at       BIGINT  NOT NULL,
  updated_at       BIGINT  NOT NULL
);

-- One index per sort of GET /products, led by is_active (the public list shows active
-- products only) and ending with id (the keyset tie-breaker); category lists use the
-- category one.
CREATE INDEX products_name_idx ON products (is_active, name_lower, id);
CREATE INDEX products_price_idx ON products (is_active, price, id);
CREATE INDEX products_created_idx ON products (is_active, created_at, id);
CREATE INDEX products_rating_idx ON products (is_active, rating_avg_milli, id);
CREATE INDEX products_category_idx ON products (is_active, category, name_lower, id);

-- What one unit of a product consumes (SPEC §4 recipe, staff+ only).
CREATE TABLE product_recipe (
  product_id        TEXT   NOT NULL REFERENCES products (id),
  inventory_item_id TEXT   NOT NULL REFERENCES inventory_items (id),
  quantity          BIGINT NOT NULL CHECK (quantity > 0),
  position          INTEGER NOT NULL,
  PRIMARY KEY (product_id, inventory_item_id)
);

CREATE INDEX product_recipe_item_idx ON product_recipe (inventory_item_id, product_id);

-- `?q=` is a substring match (LIKE '%…%'): a trigram index answers it without reading
-- every row. pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may
-- create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX products_search_trgm_idx ON products USING gin (search_text gin_trgm_ops);
