-- Catering event requests (SPEC §11): requested → quoted → confirmed → completed;
-- requested/quoted → declined or cancelled; confirmed → cancelled (which cancels the
-- linked order). `items` is JSON text [{product_id, qty}]; `date` is the event's business
-- date (YYYY-MM-DD); quote_amount is integer minor units. Confirming creates the linked
-- order (type event) in the same transaction and stores its id in order_id.
CREATE TABLE event_requests (
  id             TEXT    NOT NULL PRIMARY KEY,
  customer_id    TEXT    NOT NULL REFERENCES users (id),
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
CREATE INDEX event_requests_created_idx ON event_requests (created_at, id);
CREATE INDEX event_requests_customer_idx ON event_requests (customer_id, created_at, id);
CREATE INDEX event_requests_status_idx ON event_requests (status, created_at, id);
