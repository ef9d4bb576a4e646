-- PostgreSQL's 0041 replaces the per-day counter row with a sequence (no hot row under
-- concurrent orders). SQLite has one writer, so orders are serialised anyway and keep the
-- gap-free `order_counters` of 0040; this migration only keeps the two sets in step.
SELECT 1;
