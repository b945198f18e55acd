-- The field office's work: vote history, imports and their diffs, contact
-- attempts (append-only), result codes, scripts and surveys, callbacks, the
-- do-not-contact ledger, volunteers, the sync outbox and a local audit log.
-- A migration that has landed is never edited: add the next file instead.

-- Where a voter came from, so a newer snapshot of the same file is a diff.
ALTER TABLE voters ADD COLUMN source TEXT NOT NULL DEFAULT 'demo';
ALTER TABLE voters ADD COLUMN county TEXT NOT NULL DEFAULT '';
-- A hash of every imported field except the address: "changed" in a diff.
ALTER TABLE voters ADD COLUMN content_hash INTEGER NOT NULL DEFAULT 0;
ALTER TABLE voters ADD COLUMN last_import_id INTEGER;
-- Absent from the newest snapshot: kept (with its history), no longer worked.
ALTER TABLE voters ADD COLUMN removed_at TEXT;
-- Bumped by every local correction; a correction carries the version it saw.
ALTER TABLE voters ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE voters ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE voters ADD COLUMN best_time TEXT NOT NULL DEFAULT '';
-- Set by "moved" and "deceased" results until a coordinator confirms them.
ALTER TABLE voters ADD COLUMN moved INTEGER NOT NULL DEFAULT 0;
ALTER TABLE voters ADD COLUMN deceased INTEGER NOT NULL DEFAULT 0;
-- Added at the door, not from a voter file.
ALTER TABLE voters ADD COLUMN added_locally INTEGER NOT NULL DEFAULT 0;
ALTER TABLE voters ADD COLUMN cong_district TEXT NOT NULL DEFAULT '';
ALTER TABLE voters ADD COLUMN senate_district TEXT NOT NULL DEFAULT '';
ALTER TABLE voters ADD COLUMN house_district TEXT NOT NULL DEFAULT '';
ALTER TABLE voters ADD COLUMN municipality TEXT NOT NULL DEFAULT '';
CREATE INDEX voters_source_county ON voters (source, county);

-- Calls respect calling hours in the voter's own time zone (IANA name).
ALTER TABLE households ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'America/New_York';
-- Set by an "inaccessible" door result (gate, dog).
ALTER TABLE households ADD COLUMN inaccessible INTEGER NOT NULL DEFAULT 0;
CREATE INDEX households_zip ON households (zip);

-- ok: dialable; wrong: wrong number for this person; disconnected: dead for
-- everyone; invalid: not a dialable number as the file gave it.
ALTER TABLE phones ADD COLUMN status TEXT NOT NULL DEFAULT 'ok';
ALTER TABLE phones ADD COLUMN source TEXT NOT NULL DEFAULT 'file';

CREATE TABLE districts (
    kind  TEXT NOT NULL,
    code  TEXT NOT NULL,
    name  TEXT NOT NULL,
    PRIMARY KEY (kind, code)
) WITHOUT ROWID;

CREATE TABLE vote_history (
    voter_id       INTEGER NOT NULL REFERENCES voters (id),
    election_date  TEXT NOT NULL,
    election_type  TEXT NOT NULL,
    election_desc  TEXT NOT NULL DEFAULT '',
    method         TEXT NOT NULL DEFAULT '',
    party          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (voter_id, election_date, election_type)
) WITHOUT ROWID;

-- One row per file imported; the counts are the import's summary.
CREATE TABLE imports (
    id           INTEGER PRIMARY KEY,
    layout       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    rows         INTEGER NOT NULL DEFAULT 0,
    new          INTEGER NOT NULL DEFAULT 0,
    moved        INTEGER NOT NULL DEFAULT 0,
    changed      INTEGER NOT NULL DEFAULT 0,
    removed      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    skipped      INTEGER NOT NULL DEFAULT 0
);

-- Column mappings for the generic importer, saved by name for reuse.
CREATE TABLE import_mappings (
    name        TEXT PRIMARY KEY,
    definition  TEXT NOT NULL,
    saved_at    TEXT NOT NULL
) WITHOUT ROWID;

-- Result codes and their consequences, filled from the app's catalogue.
CREATE TABLE result_codes (
    slug                TEXT PRIMARY KEY,
    label               TEXT NOT NULL,
    class               TEXT NOT NULL,
    scope               TEXT NOT NULL,
    effect              TEXT NOT NULL,
    retry_after_hours   INTEGER,
    needs_confirmation  INTEGER NOT NULL,
    door                INTEGER NOT NULL,
    phone               INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE volunteers (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL DEFAULT 'caller'
               CHECK (role IN ('canvasser', 'caller', 'coordinator', 'admin')),
    languages  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE scripts (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE,
    body  TEXT NOT NULL
);

CREATE TABLE survey_questions (
    id         INTEGER PRIMARY KEY,
    script_id  INTEGER REFERENCES scripts (id),
    slug       TEXT NOT NULL UNIQUE,
    prompt     TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE survey_options (
    question_id  INTEGER NOT NULL REFERENCES survey_questions (id),
    slug         TEXT NOT NULL,
    label        TEXT NOT NULL,
    key          TEXT NOT NULL DEFAULT '',
    position     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (question_id, slug)
) WITHOUT ROWID;

-- Who gets called, how often, and when.
ALTER TABLE call_lists ADD COLUMN script_id INTEGER REFERENCES scripts (id);
ALTER TABLE call_lists ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3;
-- No voter is called again sooner than this after any attempt.
ALTER TABLE call_lists ADD COLUMN recycle_hours INTEGER NOT NULL DEFAULT 4;
-- Local calling hours, in minutes after midnight in the voter's time zone.
ALTER TABLE call_lists ADD COLUMN calling_start INTEGER NOT NULL DEFAULT 540;
ALTER TABLE call_lists ADD COLUMN calling_end INTEGER NOT NULL DEFAULT 1260;

ALTER TABLE call_items ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE call_items ADD COLUMN last_attempt_at TEXT;
-- Earliest time the item may be handed out again (retry delay, callback).
ALTER TABLE call_items ADD COLUMN not_before TEXT;
ALTER TABLE call_items ADD COLUMN leased_to TEXT;
ALTER TABLE call_items ADD COLUMN lease_expires_at TEXT;
ALTER TABLE call_items ADD COLUMN lease_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE call_items ADD COLUMN needs_language TEXT NOT NULL DEFAULT '';
ALTER TABLE call_items ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
CREATE INDEX call_items_queue ON call_items (call_list_id, status, not_before, position);
CREATE INDEX call_items_voter ON call_items (voter_id);

ALTER TABLE turfs ADD COLUMN kind TEXT NOT NULL DEFAULT 'hand-picked';
ALTER TABLE turfs ADD COLUMN criteria TEXT NOT NULL DEFAULT '';
CREATE INDEX turf_households_household ON turf_households (household_id);

-- Contact attempts are facts: written once, never updated or deleted (the
-- triggers below make that a rule, not a habit). The id is the
-- client-generated UUIDv7 that sync sends.
CREATE TABLE contact_attempts (
    id            TEXT PRIMARY KEY,
    voter_id      INTEGER NOT NULL REFERENCES voters (id),
    household_id  INTEGER REFERENCES households (id),
    channel       TEXT NOT NULL CHECK (channel IN ('door', 'phone', 'text')),
    result        TEXT NOT NULL REFERENCES result_codes (slug),
    phone         TEXT,
    call_list_id  INTEGER REFERENCES call_lists (id),
    turf_id       INTEGER REFERENCES turfs (id),
    volunteer     TEXT,
    note          TEXT NOT NULL DEFAULT '',
    recorded_at   TEXT NOT NULL,
    hlc           TEXT NOT NULL,
    origin        TEXT NOT NULL DEFAULT 'local'
) WITHOUT ROWID;
CREATE INDEX contact_attempts_voter ON contact_attempts (voter_id, recorded_at);
CREATE INDEX contact_attempts_household ON contact_attempts (household_id, recorded_at);
CREATE TRIGGER contact_attempts_append_only_update BEFORE UPDATE ON contact_attempts
BEGIN SELECT RAISE(ABORT, 'contact attempts are append-only'); END;
CREATE TRIGGER contact_attempts_append_only_delete BEFORE DELETE ON contact_attempts
BEGIN SELECT RAISE(ABORT, 'contact attempts are append-only'); END;

CREATE TABLE survey_answers (
    attempt_id  TEXT NOT NULL REFERENCES contact_attempts (id),
    question    TEXT NOT NULL,
    answer      TEXT NOT NULL,
    PRIMARY KEY (attempt_id, question)
) WITHOUT ROWID;

CREATE TABLE callbacks (
    id            TEXT PRIMARY KEY,
    call_item_id  INTEGER NOT NULL REFERENCES call_items (id),
    due_at        TEXT NOT NULL,
    done          INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX callbacks_due ON callbacks (done, due_at);

-- The do-not-contact ledger: entries are never deleted; a reversal is its own
-- entry naming the one it lifts.
CREATE TABLE dnc_entries (
    id           TEXT PRIMARY KEY,
    scope        TEXT NOT NULL CHECK (scope IN ('person', 'phone', 'address', 'household')),
    target       TEXT NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('phone', 'door', 'text', 'all')),
    source       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    hlc          TEXT NOT NULL,
    reverses     TEXT REFERENCES dnc_entries (id)
) WITHOUT ROWID;
CREATE INDEX dnc_entries_target ON dnc_entries (scope, target);
CREATE INDEX dnc_entries_reverses ON dnc_entries (reverses);
CREATE TRIGGER dnc_entries_append_only_update BEFORE UPDATE ON dnc_entries
BEGIN SELECT RAISE(ABORT, 'the do-not-contact ledger is append-only; reverse an entry instead'); END;
CREATE TRIGGER dnc_entries_append_only_delete BEFORE DELETE ON dnc_entries
BEGIN SELECT RAISE(ABORT, 'the do-not-contact ledger is append-only; reverse an entry instead'); END;

-- The entries in force: not reversed. Reads go through this view.
CREATE VIEW dnc_active AS
SELECT e.* FROM dnc_entries e
WHERE e.reverses IS NULL
  AND NOT EXISTS (SELECT 1 FROM dnc_entries r WHERE r.reverses = e.id);

-- This device's identity and its hybrid logical clock.
CREATE TABLE device (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    device_id    TEXT NOT NULL,
    hlc          TEXT NOT NULL,
    next_seq     INTEGER NOT NULL DEFAULT 1
);

-- Mutations waiting for sync, written in the same transaction as the local
-- change they describe. seq is the per-device sequence the registry checks.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY,
    mutation_id  TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    payload      TEXT NOT NULL,
    hlc          TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'applied', 'duplicate', 'rejected', 'conflict')),
    reason       TEXT
);
CREATE INDEX outbox_state ON outbox (state, seq);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
