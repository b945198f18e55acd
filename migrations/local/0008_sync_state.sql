-- Pull's progress: the feed position this database's view is as of, and the
-- changes read past it but not applied yet. Changes are applied only at a
-- complete checkpoint with the outbox drained (docs/sync-protocol.md), so a
-- crash between pages keeps what was read and loses nothing.
-- A migration that has landed is never edited: add the next file instead.
CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    checkpoint      INTEGER NOT NULL DEFAULT 0,
    staged_through  INTEGER NOT NULL DEFAULT 0,
    last_sync_at    TEXT,
    -- The last sync's report (JSON), for the app's day-end view.
    last_report     TEXT,
    -- The initial snapshot: the feed position it is as of (from its first
    -- request; a resumed download keeps it), the last row stored as
    -- `entity:key` (where a broken download resumes), rows stored, and
    -- whether its end line arrived.
    snapshot_position  INTEGER,
    snapshot_resume    TEXT,
    snapshot_rows      INTEGER NOT NULL DEFAULT 0,
    snapshot_done      INTEGER NOT NULL DEFAULT 0,
    -- The snapshot is filling an empty slice: secondary indexes and the
    -- search index are built once at its end (as a first import does).
    snapshot_fresh     INTEGER NOT NULL DEFAULT 0
);

-- The secondary indexes a fresh snapshot dropped, recreated at its end
-- (kept here so a download that resumes after a crash still rebuilds them).
CREATE TABLE snapshot_deferred_indexes (
    name  TEXT PRIMARY KEY,
    sql   TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sync_staging (
    position  INTEGER PRIMARY KEY,
    key       TEXT NOT NULL,
    version   INTEGER NOT NULL,
    row       TEXT NOT NULL
);

-- When the registry answered each mutation.
ALTER TABLE outbox ADD COLUMN answered_at TEXT;

-- Leases on call targets from the registry. mine = 1: granted to this
-- laptop until expires_at (its phone bank hands the target out only then,
-- once the laptop is enrolled); mine = 0: held by another device until
-- expires_at.
CREATE TABLE registry_leases (
    target      TEXT PRIMARY KEY,
    epoch       INTEGER NOT NULL,
    expires_at  TEXT NOT NULL,
    mine        INTEGER NOT NULL CHECK (mine IN (0, 1))
) WITHOUT ROWID;
