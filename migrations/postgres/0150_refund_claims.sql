-- The refund job's claim (jobs/refund_retry): an owed refund is sent to its gateway by one
-- process at a time, whichever instance (`crema serve` or `crema worker`) claims it first.
-- `claimed_until` is set (now + a lease well above a gateway call's timeout) by a
-- conditional UPDATE before the gateway call, and cleared in the transaction that settles
-- the refund; a process that dies in between leaves a lease that runs out, and the next
-- pass sends the refund again (with the same idempotency key). A refund booked by a request
-- that settles it itself (a manager's refund, a success for a cancelled order) is booked
-- claimed, so no job sends it meanwhile.
ALTER TABLE payment_refunds ADD COLUMN claimed_until BIGINT;
