-- Up Migration
CREATE TABLE backup_runs (
  id            bigserial PRIMARY KEY,
  target        text NOT NULL CHECK (target IN ('postgres', 'redis', 'minio')),
  status        text NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
  trigger       text NOT NULL DEFAULT 'slack',
  requested_by  text,
  job_id        text,
  started_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  bytes         bigint,
  checksum      text,
  location      text,
  object_key    text,
  verified      boolean NOT NULL DEFAULT false,
  verification  text,
  error         text,
  details       jsonb NOT NULL DEFAULT '{}',
  expired_at    timestamptz
);
-- One backup per target at a time, whatever the replica (the advisory lock tells live from killed).
CREATE UNIQUE INDEX backup_runs_one_running ON backup_runs (target) WHERE status = 'running';
CREATE INDEX backup_runs_target_idx ON backup_runs (target, started_at DESC);

CREATE TABLE backup_drills (
  id           bigserial PRIMARY KEY,
  backup_id    bigint REFERENCES backup_runs (id) ON DELETE SET NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  ok           boolean NOT NULL DEFAULT false,
  tables       integer,
  mismatches   jsonb NOT NULL DEFAULT '[]',
  error        text
);

-- Down Migration
DROP TABLE backup_drills;
DROP TABLE backup_runs;
