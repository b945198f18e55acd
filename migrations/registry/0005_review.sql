-- The coordinator's review queue is decided on the registry: who decided an
-- item and why, and the two voter states a decision confirms (a death or a
-- move reported at a door or on a call changes the voter file only then).

ALTER TABLE review_queue
    ADD COLUMN resolved_by     uuid,
    ADD COLUMN resolution_note text;

-- Items a coordinator sees: open ones in the office's precincts, oldest first.
CREATE INDEX review_queue_open_precinct ON review_queue (campaign_id, precinct_code, created_at)
    WHERE resolved_at IS NULL;

ALTER TABLE voters
    ADD COLUMN deceased boolean NOT NULL DEFAULT false,
    ADD COLUMN moved    boolean NOT NULL DEFAULT false;
