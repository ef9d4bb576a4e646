-- Payments (SPEC §9). One row per payment attempt at a gateway (`gateway` is the
-- payment_method that selected the adapter). `transaction_id` is the gateway's id (Stripe
-- pi_…, PayPal order id, the local gateway's id; for counter methods Crema's own), unique
-- per gateway so a webhook finds its row. `refunded_amount` sums the refunds taken from this
-- payment; `raw_response` is the gateway's last answer (JSON text, never a secret or card
-- data). `capture_ref` is what a refund names at the gateway when it is not the
-- transaction id (PayPal's capture id). Money in minor units, times epoch milliseconds.
CREATE TABLE payment_transactions (
  id              TEXT    NOT NULL PRIMARY KEY,
  order_id        TEXT    NOT NULL REFERENCES orders (id),
  gateway         TEXT    NOT NULL
    CHECK (gateway IN ('cash', 'card', 'mobile', 'stripe', 'paypal', 'local')),
  amount          BIGINT  NOT NULL CHECK (amount >= 0),
  currency        TEXT    NOT NULL,
  transaction_id  TEXT    NOT NULL,
  status          TEXT    NOT NULL
    CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded', 'partially_refunded')),
  refunded_amount BIGINT  NOT NULL DEFAULT 0,
  raw_response    TEXT    NOT NULL DEFAULT '{}',
  capture_ref     TEXT,
  created_by      TEXT,
  created_at      BIGINT  NOT NULL,
  updated_at      BIGINT  NOT NULL,
  CONSTRAINT payment_transactions_gateway_txn_key UNIQUE (gateway, transaction_id)
);

CREATE INDEX payment_transactions_order_idx ON payment_transactions (order_id, created_at, id);

-- Refunds of a payment: `status` pending until the gateway answered (succeeded / failed).
CREATE TABLE payment_refunds (
  id             TEXT   NOT NULL PRIMARY KEY,
  payment_id     TEXT   NOT NULL REFERENCES payment_transactions (id),
  amount         BIGINT NOT NULL CHECK (amount > 0),
  reason         TEXT,
  status         TEXT   NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  gateway_ref    TEXT,
  raw_response   TEXT   NOT NULL DEFAULT '{}',
  created_by     TEXT,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL
);

CREATE INDEX payment_refunds_payment_idx ON payment_refunds (payment_id, created_at);
-- Automatic refunds the gateway did not take yet, retried by the refund job.
CREATE INDEX payment_refunds_pending_idx ON payment_refunds (updated_at) WHERE status = 'pending';

-- Webhook events applied, one row per gateway event id, inserted in the transaction that
-- applies the event: a replay or a racing second delivery finds the row and changes nothing.
CREATE TABLE payment_events (
  gateway     TEXT   NOT NULL,
  event_id    TEXT   NOT NULL,
  type        TEXT   NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (gateway, event_id)
);
