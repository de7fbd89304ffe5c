-- Up Migration
-- Issue 14: incidents declared by hand, severity SEV1–SEV4, a communications lead, status updates.

-- SEV1..SEV4 (1 is the worst); NULL on rows older than this migration (derived from the label).
ALTER TABLE incidents ADD COLUMN sev smallint CHECK (sev BETWEEN 1 AND 4);
ALTER TABLE incidents ADD COLUMN comms_lead text;
-- Set for incidents declared by hand (slash command, shortcut, modal, CLI): who declared it.
ALTER TABLE incidents ADD COLUMN declared_by text;
-- The latest status update (text shown to stakeholders) and when it was posted.
ALTER TABLE incidents ADD COLUMN status_update text;
ALTER TABLE incidents ADD COLUMN status_updated_at timestamptz;
ALTER TABLE incidents ADD COLUMN status_update_by text;
-- The stakeholder channel's one message per incident: posted once (claim + ts), then edited in place.
ALTER TABLE incidents ADD COLUMN stakeholder_claimed_at timestamptz;
ALTER TABLE incidents ADD COLUMN stakeholder_ts text;
ALTER TABLE incidents ADD COLUMN stakeholder_version integer NOT NULL DEFAULT 0;
-- The last update reminder sent (SEV1/SEV2 without a status update for a while).
ALTER TABLE incidents ADD COLUMN update_reminded_at timestamptz;

-- Down Migration
ALTER TABLE incidents DROP COLUMN update_reminded_at;
ALTER TABLE incidents DROP COLUMN stakeholder_version;
ALTER TABLE incidents DROP COLUMN stakeholder_ts;
ALTER TABLE incidents DROP COLUMN stakeholder_claimed_at;
ALTER TABLE incidents DROP COLUMN status_update_by;
ALTER TABLE incidents DROP COLUMN status_updated_at;
ALTER TABLE incidents DROP COLUMN status_update;
ALTER TABLE incidents DROP COLUMN declared_by;
ALTER TABLE incidents DROP COLUMN comms_lead;
ALTER TABLE incidents DROP COLUMN sev;
