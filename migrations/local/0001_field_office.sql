-- The field office's slice of the voter file: who lives where, how to reach
-- them, and the work cut from it (turfs, call lists).
-- A migration that has landed is never edited: add the next file instead.

CREATE TABLE office (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE precincts (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    county  TEXT NOT NULL
) WITHOUT ROWID;

-- One household per normalised residential address; each apartment unit is
-- its own household.
CREATE TABLE households (
    id             INTEGER PRIMARY KEY,
    address_key    TEXT NOT NULL UNIQUE,
    house_number   INTEGER,
    street         TEXT NOT NULL,
    unit           TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL,
    state          TEXT NOT NULL,
    zip            TEXT NOT NULL,
    precinct_code  TEXT REFERENCES precincts (code)
);
CREATE INDEX households_walk_order ON households (street, house_number % 2, house_number, unit);
CREATE INDEX households_precinct ON households (precinct_code);

CREATE TABLE voters (
    id             INTEGER PRIMARY KEY,
    voter_id       TEXT NOT NULL UNIQUE,
    household_id   INTEGER REFERENCES households (id),
    last_name      TEXT NOT NULL,
    first_name     TEXT NOT NULL,
    middle_name    TEXT NOT NULL DEFAULT '',
    suffix         TEXT NOT NULL DEFAULT '',
    birth_year     INTEGER,
    gender         TEXT NOT NULL DEFAULT '',
    party          TEXT NOT NULL,
    status         TEXT NOT NULL,
    registered_on  TEXT,
    -- Set when the state withholds the voter's address: the app never shows it.
    confidential   INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0, 1))
);
CREATE INDEX voters_name_order ON voters (last_name, first_name, id);
CREATE INDEX voters_household ON voters (household_id);

CREATE TABLE phones (
    id        INTEGER PRIMARY KEY,
    voter_id  INTEGER NOT NULL REFERENCES voters (id),
    number    TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('cell', 'landline', 'unknown')),
    UNIQUE (voter_id, number)
);
CREATE INDEX phones_number ON phones (number);

CREATE TABLE turfs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE turf_households (
    turf_id       INTEGER NOT NULL REFERENCES turfs (id),
    household_id  INTEGER NOT NULL REFERENCES households (id),
    PRIMARY KEY (turf_id, household_id)
) WITHOUT ROWID;

CREATE TABLE call_lists (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- A list never queues the same phone twice: household members who share a
-- landline get one call.
CREATE TABLE call_items (
    id            INTEGER PRIMARY KEY,
    call_list_id  INTEGER NOT NULL REFERENCES call_lists (id),
    voter_id      INTEGER NOT NULL REFERENCES voters (id),
    phone         TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'available'
                  CHECK (status IN ('available', 'leased', 'attempted', 'completed', 'skipped')),
    UNIQUE (call_list_id, phone)
);

-- Full-text search over names, addresses, ids and phone numbers. The rowid is
-- voters.id. unicode61 with remove_diacritics folds RENÉE to renee.
CREATE VIRTUAL TABLE voter_search USING fts5 (
    name,
    address,
    ids,
    tokenize = 'unicode61 remove_diacritics 2'
);
