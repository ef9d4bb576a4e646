-- Order numbers without a hot row (SPEC §6, §14). One `order_counters` row per business day
-- was updated by every order and stayed locked until that order committed, so on
-- PostgreSQL orders queued behind each other's WAL flush. Now an order draws
-- nextval('order_number_seq') (never locks, never waits) and its number of the day is
-- that value minus the day's first value, plus one; `order_day_starts` keeps each day's
-- first value, written once per day by the day's first order. Numbers still rise through
-- the day and never repeat; an order that rolls back leaves a gap (as sequences do).
-- SQLite keeps order_counters: its single writer serialises orders anyway.
CREATE SEQUENCE order_number_seq;

CREATE TABLE order_day_starts (
  business_date TEXT   NOT NULL PRIMARY KEY,
  first_seq     BIGINT NOT NULL
);

-- Days already numbered by order_counters keep going from their last number.
INSERT INTO order_day_starts (business_date, first_seq)
  SELECT business_date, 1 - last_number FROM order_counters;
