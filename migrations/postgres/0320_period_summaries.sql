-- The weekly_summary and monthly_summary notifications (SPEC §15.5): one row per period
-- summarised (kind 'week' or 'month', its first business date YYYYMMDD), claimed in the
-- transaction that queues the summary, so two instances or a restart never send it twice.
CREATE TABLE period_summaries (
  kind         TEXT    NOT NULL CHECK (kind IN ('week', 'month')),
  period_start TEXT    NOT NULL,
  created_at   BIGINT  NOT NULL,
  recipients   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, period_start)
);
