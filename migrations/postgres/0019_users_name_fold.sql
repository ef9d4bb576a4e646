-- GET /users?q= matches names case-insensitively. LOWER() folds only ASCII on SQLite and
-- follows the cluster's locale on PostgreSQL, so the two stores disagreed on names such as
-- "Élodie". The application now stores the folded name (util::fold_case, the same folding
-- as product and inventory names) and searches that column on both stores. Existing rows
-- get LOWER(name) here and the exact folding at their next change.
ALTER TABLE users ADD COLUMN name_fold TEXT NOT NULL DEFAULT '';
UPDATE users SET name_fold = LOWER(name);
