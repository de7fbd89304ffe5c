-- Up Migration
-- On call (issue 13). PostgreSQL holds every timer: BullMQ and Redis only carry deliveries, and a
-- per-worker ticker fires due rows with FOR UPDATE SKIP LOCKED, so a restart or a Redis flush
-- loses nothing and two replicas fire each step once.

-- "I take tonight": overrides made from Slack (/oncall take).
CREATE TABLE oncall_overrides (
  id            bigserial PRIMARY KEY,
  schedule      text NOT NULL,
  user_id       text NOT NULL,
  starts_at     timestamptz NOT NULL,
  ends_at       timestamptz NOT NULL CHECK (ends_at > starts_at),
  created_by    text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  cancelled_at  timestamptz,
  cancelled_by  text
);
CREATE INDEX oncall_overrides_active_idx ON oncall_overrides (schedule, ends_at) WHERE cancelled_at IS NULL;

-- One row per escalation step or reminder of an incident: the timer and its outcome.
CREATE TABLE oncall_pages (
  id             bigserial PRIMARY KEY,
  incident_id    bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  key            text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('step', 'reminder')),
  step           integer,
  due_at         timestamptz NOT NULL,
  fired_at       timestamptz,
  cancelled_at   timestamptz,
  cancel_reason  text,
  lateness_ms    integer,
  targets        jsonb NOT NULL DEFAULT '[]',
  UNIQUE (incident_id, key)
);
CREATE INDEX oncall_pages_due_idx ON oncall_pages (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- Side effects of a fired page outside the thread: direct messages and outbound webhooks.
CREATE TABLE oncall_deliveries (
  id           bigserial PRIMARY KEY,
  page_id      bigint NOT NULL REFERENCES oncall_pages (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('dm', 'webhook')),
  target       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  claimed_at   timestamptz,
  posted_ts    text,
  done_at      timestamptz,
  given_up_at  timestamptz,
  attempts     integer NOT NULL DEFAULT 0,
  last_error   text,
  UNIQUE (page_id, kind, target)
);
CREATE INDEX oncall_deliveries_pending_idx ON oncall_deliveries (created_at)
  WHERE done_at IS NULL AND given_up_at IS NULL;

-- The members last written to each synced Slack user group.
CREATE TABLE oncall_usergroups (
  group_id   text PRIMARY KEY,
  users      text[] NOT NULL,
  synced_at  timestamptz NOT NULL
);

-- Down Migration
DROP TABLE oncall_usergroups;
DROP TABLE oncall_deliveries;
DROP TABLE oncall_pages;
DROP TABLE oncall_overrides;
