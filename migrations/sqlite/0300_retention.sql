-- Retention (SPEC §15.5): when the contact details of an order placed without an account
-- (a guest, an API key, a walk-in with a name) were cleared, CREMA_RETENTION_DAYS_GUEST_PII
-- after it ended; null while they are kept. The index is what the clean-up asks: ended
-- orders without an account whose details are still there, oldest first.
ALTER TABLE orders ADD COLUMN pii_cleared_at BIGINT;
CREATE INDEX orders_guest_pii_idx ON orders (updated_at)
  WHERE customer_id IS NULL AND pii_cleared_at IS NULL;
