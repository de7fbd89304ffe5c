-- Up Migration
-- The post-incident phase: the postmortem's root cause and lessons (written in a modal from the
-- thread) and the Markdown document drafted at the last resolution.
CREATE TABLE incident_postmortems (
  incident_id  bigint PRIMARY KEY REFERENCES incidents (id) ON DELETE CASCADE,
  root_cause   text NOT NULL DEFAULT '',
  lessons      text NOT NULL DEFAULT '',
  updated_by   text,
  updated_at   timestamptz,
  draft        text,
  drafted_at   timestamptz
);

-- Preventive measures with an owner and a due date. Reminders are claimed by an UPDATE of their
-- column (…_sent_at), so each is sent once whatever the number of replicas.
CREATE TABLE incident_followups (
  id                bigserial PRIMARY KEY,
  incident_id       bigint NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  title             text NOT NULL,
  owner             text NOT NULL,
  due_on            date NOT NULL,
  -- The end of the due day (UTC): reminders are relative to it.
  due_at            timestamptz NOT NULL,
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  closed_at         timestamptz,
  closed_by         text,
  remind_before_at  timestamptz NOT NULL,
  reminded_before_at timestamptz,
  remind_after_at   timestamptz NOT NULL,
  reminded_after_at timestamptz,
  tracker_sent_at   timestamptz,
  tracker_ref       text,
  -- Which submission created it (a modal submitted twice creates one follow-up).
  submission_key    text UNIQUE
);
CREATE INDEX incident_followups_incident_idx ON incident_followups (incident_id);
CREATE INDEX incident_followups_owner_idx ON incident_followups (owner) WHERE closed_at IS NULL;
CREATE INDEX incident_followups_open_due_idx ON incident_followups (due_at) WHERE closed_at IS NULL;
CREATE INDEX incidents_alertname_started_idx ON incidents (alertname, started_at DESC);

-- Down Migration
DROP INDEX incidents_alertname_started_idx;
DROP TABLE incident_followups;
DROP TABLE incident_postmortems;
