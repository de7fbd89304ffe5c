-- Up Migration
-- The incident version its root message shows. The sync edits the root before posting the thread's
-- replies (so the channel shows a resolution at once) and skips the edit when a retry finds the
-- root already showing this version.
ALTER TABLE incidents ADD COLUMN root_version bigint NOT NULL DEFAULT 0;

-- Down Migration
ALTER TABLE incidents DROP COLUMN root_version;
