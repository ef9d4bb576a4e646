-- Product images (SPEC §4). The original is stored as uploaded; a thumbnail (at most
-- 320 px) and a web copy (at most 1600 px, WebP) are made in the background, and the row
-- is `ready` once both exist (`failed` when the image could not be decoded). The bytes live
-- in the object store (CREMA_MEDIA_DIR) under these keys.
CREATE TABLE product_images (
  id            TEXT    NOT NULL PRIMARY KEY,
  product_id    TEXT    NOT NULL REFERENCES products (id),
  original_key  TEXT    NOT NULL,
  thumbnail_key TEXT,
  web_key       TEXT,
  content_type  TEXT    NOT NULL,
  width         INTEGER NOT NULL,
  height        INTEGER NOT NULL,
  status        TEXT    NOT NULL CHECK (status IN ('pending', 'ready', 'failed')),
  position      INTEGER NOT NULL,
  created_at    BIGINT  NOT NULL,
  updated_at    BIGINT  NOT NULL
);

CREATE INDEX product_images_product_idx ON product_images (product_id, position, id);
CREATE INDEX product_images_status_idx ON product_images (status, created_at);
