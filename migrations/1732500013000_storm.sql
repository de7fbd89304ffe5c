-- Up Migration
-- A storm message that cannot name all its groups has the full list as a file in its thread:
-- how many groups the last uploaded list held (0: none uploaded), so it is re-uploaded only when
-- the storm has grown.
ALTER TABLE incident_storms ADD COLUMN list_file_members integer NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE incident_storms DROP COLUMN list_file_members;
