-- The words and the people of the office's work, the same on every laptop
-- of the office: every version of every survey question, the scripts, the
-- volunteers, and how each call list or turf is set up (its script, the
-- result codes its volunteers see, who it is assigned to). Each row holds
-- the domain's record as JSON (`groundgame_domain::survey`), keyed as the
-- registry keys it, so a row from the registry and one made here are the
-- same row. A migration that has landed is never edited.

CREATE TABLE office_records (
    -- question, script, volunteer or work_setup
    kind     TEXT NOT NULL CHECK (kind IN ('question', 'script', 'volunteer', 'work_setup')),
    -- question: slug and version (`support:2`); script, volunteer: its id;
    -- work_setup: `call_list:<uid>` or `turf:<uid>` (`local:<id>` for a
    -- list made before this laptop synced, which stays here).
    id       TEXT NOT NULL,
    -- question: its slug; script, volunteer: the name (for lookups).
    name     TEXT NOT NULL,
    record   TEXT NOT NULL,
    retired  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE INDEX office_records_name ON office_records (kind, name);

-- The version of the question that was asked, and the "other" note.
ALTER TABLE survey_answers ADD COLUMN version INTEGER;
ALTER TABLE survey_answers ADD COLUMN other TEXT;

-- The old, never-synced tables of the first scripts: the standard script
-- now lives in the domain, and every other script in office_records.
UPDATE call_lists SET script_id = NULL;
DELETE FROM survey_options;
DELETE FROM survey_questions;
DELETE FROM scripts;
DROP TABLE volunteers;
