-- The voter's version as the registry last said it (from the snapshot or a
-- change in the feed). A pulled change older than it is a replay (the feed
-- from the snapshot's position repeats what the snapshot already holds) and
-- must not move the voter back, or clear a newer removal. Kept apart from
-- `version`, which a local correction bumps before the registry has decided
-- on it. 0 means the registry has said nothing of this voter yet.
ALTER TABLE voters ADD COLUMN registry_version INTEGER NOT NULL DEFAULT 0;
