-- A shop's category pages are often sorted by price: GET /products?category=…&sort=price
-- reads this index in order instead of sorting the category.
CREATE INDEX products_category_price_idx ON products (is_active, category, price, id);

-- GET /products?q= is a substring match. A B-tree cannot answer one, so SQLite gets a
-- trigram full-text index (FTS5, the equivalent of PostgreSQL's pg_trgm index): queries of
-- three characters or more look their rows up in it instead of reading every product.
-- The FTS rows are keyed by product_search.search_id, an INTEGER PRIMARY KEY, because a
-- table's implicit rowid (products has a text key) may change on VACUUM. Triggers keep
-- both in step with products.search_text.
CREATE TABLE product_search (
  search_id   INTEGER PRIMARY KEY,
  product_id  TEXT    NOT NULL UNIQUE,
  search_text TEXT    NOT NULL
);
CREATE VIRTUAL TABLE product_search_fts USING fts5(
  search_text, content = 'product_search', content_rowid = 'search_id', tokenize = 'trigram');

INSERT INTO product_search (product_id, search_text) SELECT id, search_text FROM products;
INSERT INTO product_search_fts (product_search_fts) VALUES ('rebuild');

CREATE TRIGGER product_search_fts_insert AFTER INSERT ON product_search BEGIN
  INSERT INTO product_search_fts (rowid, search_text) VALUES (new.search_id, new.search_text);
END;
CREATE TRIGGER product_search_fts_delete AFTER DELETE ON product_search BEGIN
  INSERT INTO product_search_fts (product_search_fts, rowid, search_text)
    VALUES ('delete', old.search_id, old.search_text);
END;
CREATE TRIGGER product_search_fts_update AFTER UPDATE ON product_search BEGIN
  INSERT INTO product_search_fts (product_search_fts, rowid, search_text)
    VALUES ('delete', old.search_id, old.search_text);
  INSERT INTO product_search_fts (rowid, search_text) VALUES (new.search_id, new.search_text);
END;

CREATE TRIGGER products_search_insert AFTER INSERT ON products BEGIN
  INSERT INTO product_search (product_id, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER products_search_update AFTER UPDATE OF search_text ON products BEGIN
  UPDATE product_search SET search_text = new.search_text WHERE product_id = new.id;
END;
CREATE TRIGGER products_search_delete AFTER DELETE ON products BEGIN
  DELETE FROM product_search WHERE product_id = old.id;
END;
