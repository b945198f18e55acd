-- The words and the people of each office's work: every version of every
-- survey question, the scripts, the volunteers, and how each call list or
-- turf is set up (script, result codes shown, volunteers assigned). Each
-- row holds the domain's record (`groundgame_domain::survey`) as JSON; the
-- rules that admit it are the domain's. Kept per office and sent to every
-- device of the office (feed scope `office:<id>` and the snapshot). Nothing
-- is removed: a question, script or volunteer is retired, never deleted.
-- A landed migration is never edited.

CREATE TABLE office_records (
    campaign_id  uuid NOT NULL,
    office_id    uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('question', 'script', 'volunteer', 'work_setup')),
    -- question: `slug:version` (version zero-padded to five digits, so
    -- keys sort by version); script, volunteer: the client-made id;
    -- work_setup: `call_list:<id>` or `turf:<id>`.
    id           text NOT NULL,
    -- question: its slug; script, volunteer: the name.
    name         text NOT NULL,
    record       jsonb NOT NULL,
    retired      boolean NOT NULL DEFAULT false,
    recorded_at  text NOT NULL,
    device_id    uuid NOT NULL,
    saved_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, office_id, kind, id),
    FOREIGN KEY (campaign_id, office_id) REFERENCES offices (campaign_id, id)
);
CREATE INDEX office_records_name ON office_records (campaign_id, office_id, kind, name);
