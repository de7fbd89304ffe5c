-- Up Migration

-- One row per Alertmanager group: the lock every notification of the group takes, and the
-- group's current incident (a group that resolves and fires again later gets a new incident).
CREATE TABLE alert_groups (
  group_key            text PRIMARY KEY,
  current_incident_id  bigint
);

-- Storm messages: when too many incidents start in a channel, they are listed here instead of
-- each getting its own root message.
CREATE TABLE incident_storms (
  id              bigserial PRIMARY KEY,
  channel         text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- The storm's version is the sum of its incidents' versions (it grows whenever one changes),
  -- so intake never has to lock the storm row; this is the sum last shown in Slack.
  synced_version  bigint NOT NULL DEFAULT 0,
  root_ts         text,
  root_claimed_at timestamptz,
  lease_owner     text,
  lease_until     timestamptz
);
CREATE INDEX incident_storms_channel_idx ON incident_storms (channel, id DESC);

CREATE TABLE incidents (
  id                  bigserial PRIMARY KEY,
  group_key           text NOT NULL,
  channel             text NOT NULL,
  status              text NOT NULL CHECK (status IN ('firing', 'resolved')),
  alertname           text NOT NULL DEFAULT '',
  severity            text NOT NULL DEFAULT '',
  receiver            text NOT NULL DEFAULT '',
  external_url        text NOT NULL DEFAULT '',
  group_labels        jsonb NOT NULL DEFAULT '{}',
  common_labels       jsonb NOT NULL DEFAULT '{}',
  common_annotations  jsonb NOT NULL DEFAULT '{}',
  truncated_alerts    integer NOT NULL DEFAULT 0,
  started_at          timestamptz NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  resolved_at         timestamptz,
  resolved_by         text,
  acked_at            timestamptz,
  acked_by            text,
  commander           text,
  time_to_ack_ms      bigint,
  time_to_resolve_ms  bigint,
  flap_count          integer NOT NULL DEFAULT 0,
  checklist           jsonb NOT NULL DEFAULT '{}',
  storm_id            bigint REFERENCES incident_storms (id),
  -- Sync bookkeeping: `version` grows with every stored change; the worker brings Slack up to it.
  version             integer NOT NULL DEFAULT 1,
  synced_version      integer NOT NULL DEFAULT 0,
  changed_at          timestamptz NOT NULL DEFAULT now(),
  root_ts             text,
  root_claimed_at     timestamptz,
  lease_owner         text,
  lease_until         timestamptz,
  opened_hook_at      timestamptz
);
CREATE INDEX incidents_group_idx ON incidents (group_key, id DESC);
CREATE INDEX incidents_channel_created_idx ON incidents (channel, created_at DESC);
CREATE INDEX incidents_unsynced_idx ON incidents (changed_at) WHERE synced_version < version;
CREATE INDEX incidents_open_idx ON incidents (status) WHERE status = 'firing';
CREATE INDEX incidents_storm_idx ON incidents (storm_id) WHERE storm_id IS NOT NULL;

CREATE TABLE incident_alerts (
  incident_id    bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  fingerprint    text NOT NULL,
  status         text NOT NULL,
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz,
  labels         jsonb NOT NULL,
  annotations    jsonb NOT NULL,
  generator_url  text NOT NULL DEFAULT '',
  PRIMARY KEY (incident_id, fingerprint)
);

-- Every accepted notification, once: the dedup key is the primary key.
CREATE TABLE alert_notifications (
  dedup_key    text PRIMARY KEY,
  group_key    text NOT NULL,
  incident_id  bigint,
  status       text NOT NULL,
  alert_count  integer NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  payload      jsonb NOT NULL
);
CREATE INDEX alert_notifications_incident_idx ON alert_notifications (incident_id);
CREATE INDEX alert_notifications_received_idx ON alert_notifications (received_at);

-- The incident timeline; rows with `post` are also replies in the thread (posted in id order).
CREATE TABLE incident_events (
  id               bigserial PRIMARY KEY,
  incident_id      bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  at               timestamptz NOT NULL DEFAULT now(),
  kind             text NOT NULL,
  actor            text,
  data             jsonb NOT NULL DEFAULT '{}',
  post             boolean NOT NULL DEFAULT true,
  post_started_at  timestamptz,
  posted_ts        text,
  -- For messages edited after posting (the checklist): the revision shown in Slack.
  rev              integer NOT NULL DEFAULT 0,
  synced_rev       integer NOT NULL DEFAULT 0
);
CREATE INDEX incident_events_incident_idx ON incident_events (incident_id, id);

CREATE TABLE incident_silences (
  silence_id   text PRIMARY KEY,
  incident_id  bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  ends_at      timestamptz NOT NULL,
  expired_at   timestamptz,
  expired_by   text
);
CREATE INDEX incident_silences_incident_idx ON incident_silences (incident_id);

-- Down Migration
DROP TABLE incident_silences;
DROP TABLE incident_events;
DROP TABLE alert_notifications;
DROP TABLE incident_alerts;
DROP TABLE incidents;
DROP TABLE incident_storms;
DROP TABLE alert_groups;
