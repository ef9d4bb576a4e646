-- The shop's settings (SPEC §15.3): one row (id 1), written by PUT /settings and PUT
-- /settings/online-ordering and read into memory by every instance. Until the first change
-- there is no row and the defaults apply (no hours: open around the clock; no limits, no
-- fees). `hours` is JSON text [{day, open, close}] (minutes after midnight), `closures`
-- [{date, reason}]; money is integer minor units, times epoch milliseconds.
CREATE TABLE shop_settings (
  id                     INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  name                   TEXT    NOT NULL DEFAULT '',
  address                TEXT    NOT NULL DEFAULT '',
  phone                  TEXT    NOT NULL DEFAULT '',
  hours                  TEXT    NOT NULL DEFAULT '[]',
  closures               TEXT    NOT NULL DEFAULT '[]',
  online_paused          BOOLEAN NOT NULL DEFAULT FALSE,
  online_reason          TEXT    NOT NULL DEFAULT '',
  online_until           BIGINT,
  max_orders_per_slot    INTEGER CHECK (max_orders_per_slot >= 1),
  delivery_fee           BIGINT  CHECK (delivery_fee >= 0),
  free_delivery_over     BIGINT  CHECK (free_delivery_over >= 0),
  min_order_for_delivery BIGINT  CHECK (min_order_for_delivery >= 0),
  service_charge_bps     INTEGER CHECK (service_charge_bps BETWEEN 0 AND 10000),
  version                BIGINT  NOT NULL DEFAULT 1,
  updated_at             BIGINT  NOT NULL DEFAULT 0,
  updated_by             TEXT
);
