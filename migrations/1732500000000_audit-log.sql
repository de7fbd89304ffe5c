-- Up Migration
CREATE TABLE command_audit (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  user_id      text NOT NULL,
  team_id      text,
  channel_id   text,
  command      text NOT NULL,
  arguments    text NOT NULL DEFAULT '',
  source       text NOT NULL DEFAULT 'slack',
  outcome      text NOT NULL,
  detail       text,
  duration_ms  integer,
  job_id       text UNIQUE
);
CREATE INDEX command_audit_at_idx ON command_audit (at DESC);
CREATE INDEX command_audit_user_idx ON command_audit (user_id, at DESC);

-- Down Migration
DROP TABLE command_audit;
