-- Up Migration
-- A stormed incident promoted to a thread of its own from its storm message: its storm_id is
-- cleared (from then on it is synced like any incident: root, checklist, replies) and the storm it
-- came from is kept here, so the storm message still lists it, with a link to its thread.
ALTER TABLE incidents ADD COLUMN promoted_from_storm_id bigint REFERENCES incident_storms (id);
CREATE INDEX incidents_promoted_idx ON incidents (promoted_from_storm_id)
  WHERE promoted_from_storm_id IS NOT NULL;

-- Down Migration
DROP INDEX incidents_promoted_idx;
ALTER TABLE incidents DROP COLUMN promoted_from_storm_id;
