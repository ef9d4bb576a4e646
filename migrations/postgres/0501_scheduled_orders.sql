-- Orders for later (SPEC §15.3). `scheduled_for`: when the customer wants the order (epoch
-- ms; null: as soon as possible). `slot_start`: the start of the capacity slot it holds in
-- `schedule_slots` (null: none held — unscheduled, or no slot limit when it was placed), given
-- back when it is cancelled or expires. `due_at`: when it appears to the kitchen
-- (scheduled_for minus its prep time; null: at once), and `due_announced_at` when the
-- `order_due` event went out (once, whichever instance's job claims it).
ALTER TABLE orders ADD COLUMN scheduled_for BIGINT;
ALTER TABLE orders ADD COLUMN slot_start BIGINT;
ALTER TABLE orders ADD COLUMN due_at BIGINT;
ALTER TABLE orders ADD COLUMN due_announced_at BIGINT;
CREATE INDEX orders_due_unannounced ON orders (due_at)
  WHERE due_at IS NOT NULL AND due_announced_at IS NULL;

-- Orders held per slot and kind (`max_orders_per_slot` each for pickup and delivery): taken
-- in the placing transaction by a conditional upsert, so concurrent orders never exceed the
-- limit on either store.
CREATE TABLE schedule_slots (
  slot_start BIGINT  NOT NULL,
  kind       TEXT    NOT NULL CHECK (kind IN ('pickup', 'delivery')),
  taken      INTEGER NOT NULL CHECK (taken >= 0),
  PRIMARY KEY (slot_start, kind)
);
