-- Up Migration
-- One row per digest day (in the digest's time zone), claimed before posting so that replicas and
-- retries never post the same day twice.
CREATE TABLE digest_runs (
  day             date PRIMARY KEY,
  status          text NOT NULL DEFAULT 'claimed' CHECK (status IN ('claimed', 'posted')),
  job_id          text,
  claimed_at      timestamptz NOT NULL DEFAULT now(),
  posted_at       timestamptz,
  channel_id      text,
  message_ts      text,
  chart_uploaded  boolean NOT NULL DEFAULT false
);

-- pg_stat_statements totals of the target database as seen by each day's digest, for "change since yesterday".
CREATE TABLE digest_query_snapshots (
  taken_on  date NOT NULL,
  queryid   bigint NOT NULL,
  calls     bigint NOT NULL,
  total_ms  double precision NOT NULL,
  PRIMARY KEY (taken_on, queryid)
);

-- Down Migration
DROP TABLE digest_query_snapshots;
DROP TABLE digest_runs;
