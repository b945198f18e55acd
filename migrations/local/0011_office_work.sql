-- The coordinator's work, the same on every laptop of the office: saved
-- segments, and call lists and turfs with ids that mean the same everywhere
-- (client-made UUIDs; lists made before sync have none and stay local), a
-- state (open, closed, deleted: an explicit, synced act) and what they
-- were made from. A migration that has landed is never edited.

CREATE TABLE segments (
    id        INTEGER PRIMARY KEY,
    uid       TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    -- The domain's SegmentFilter, as JSON.
    filter    TEXT NOT NULL,
    state     TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'deleted')),
    saved_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX segments_name ON segments (name) WHERE state <> 'deleted';

ALTER TABLE call_lists ADD COLUMN uid TEXT;
ALTER TABLE call_lists ADD COLUMN state TEXT NOT NULL DEFAULT 'open'
    CHECK (state IN ('open', 'closed', 'deleted'));
ALTER TABLE call_lists ADD COLUMN segment TEXT;
-- How many items the coordinator's laptop made: the list is whole on this
-- laptop once it holds that many.
ALTER TABLE call_lists ADD COLUMN expected_items INTEGER;
CREATE UNIQUE INDEX call_lists_uid ON call_lists (uid);

ALTER TABLE turfs ADD COLUMN uid TEXT;
ALTER TABLE turfs ADD COLUMN state TEXT NOT NULL DEFAULT 'open'
    CHECK (state IN ('open', 'closed', 'deleted'));
ALTER TABLE turfs ADD COLUMN precinct_code TEXT;
ALTER TABLE turfs ADD COLUMN segment TEXT;
CREATE UNIQUE INDEX turfs_uid ON turfs (uid);
