-- Which refunds a manager asked for (POST /payments/{id}/refund) rather than the system
-- owing them (a cancelled paid order, a success that came for a cancelled order). Only a
-- definite decline (a 4xx) fails a requested refund and gives its amount back; a timeout
-- or a 5xx is an unknown outcome, so the refund stays pending and the refund job retries
-- it with the same idempotency key. An owed refund stays pending on a decline too.
ALTER TABLE payment_refunds ADD COLUMN requested INTEGER NOT NULL DEFAULT 0;
