-- A coordinator's decision about a change this laptop sent that went to
-- review (or was refused as outside the office). The registry sends it in
-- the change feed; the change leaves the needs-attention list, since nobody
-- here has anything left to do about it. Kept, like the outbox, for the day's
-- record.
CREATE TABLE outbox_decisions (
    mutation_id  TEXT PRIMARY KEY,
    action       TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    decided_at   TEXT NOT NULL
);
