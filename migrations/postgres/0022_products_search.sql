-- A shop's category pages are often sorted by price: GET /products?category=…&sort=price
-- reads this index in order instead of sorting the category. (Substring search is served
-- by the pg_trgm index of 0021; SQLite gets its equivalent in its own 0022.)
CREATE INDEX products_category_price_idx ON products (is_active, category, price, id);
