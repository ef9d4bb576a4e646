-- Phone-in catering requests (SPEC §15.5): staff+ enter a request for a customer without an
-- account, who is then only the request's customer_info (name and a phone or an email).
-- customer_id becomes nullable; SQLite cannot drop a NOT NULL, so the table is rebuilt with
-- the same columns, rows and indexes (nothing references event_requests).
CREATE TABLE event_requests_0311 (
  id             TEXT    NOT NULL PRIMARY KEY,
  customer_id    TEXT    REFERENCES users (id),
  customer_info  TEXT    NOT NULL DEFAULT '{}',
  event_type     TEXT    NOT NULL,
  date           TEXT    NOT NULL,
  guests         INTEGER NOT NULL CHECK (guests >= 1),
  theme          TEXT,
  items          TEXT    NOT NULL DEFAULT '[]',
  notes          TEXT,
  status         TEXT    NOT NULL DEFAULT 'requested'
    CHECK (status IN ('requested', 'quoted', 'confirmed', 'declined', 'completed', 'cancelled')),
  quote_amount   BIGINT,
  assigned_admin TEXT,
  order_id       TEXT,
  version        BIGINT  NOT NULL DEFAULT 1,
  created_at     BIGINT  NOT NULL,
  updated_at     BIGINT  NOT NULL
);
INSERT INTO event_requests_0311 (id, customer_id, customer_info, event_type, date, guests, theme,
                                 items, notes, status, quote_amount, assigned_admin, order_id,
                                 version, created_at, updated_at)
  SELECT id, customer_id, customer_info, event_type, date, guests, theme, items, notes, status,
         quote_amount, assigned_admin, order_id, version, created_at, updated_at
  FROM event_requests;
DROP TABLE event_requests;
ALTER TABLE event_requests_0311 RENAME TO event_requests;
CREATE INDEX event_requests_created_idx ON event_requests (created_at, id);
CREATE INDEX event_requests_customer_idx ON event_requests (customer_id, created_at, id);
CREATE INDEX event_requests_status_idx ON event_requests (status, created_at, id);
