-- The day's results (issue 14). A landed migration is never edited.
--
-- The dashboard reads rollups kept as attempts, answers, doors and calls
-- arrive, by whatever path (recorded here, pulled, from a snapshot): a
-- county's dashboard reads thousands of rows, not millions. Each rollup is
-- keyed by only what its figures need, so it stays small however the work
-- is spread. A trigger fires only for a row really inserted, so an attempt
-- delivered twice (INSERT OR IGNORE) is counted once. Hours are UTC
-- (`2026-11-03T18`); the reader puts them on the office's calendar day.
-- The precinct is the voter's when the attempt arrived. Absent keys are ''
-- and 0, not NULL, so that they take part in the primary key.

-- The day's figures and each volunteer's.
CREATE TABLE hour_tallies (
    hour       TEXT NOT NULL,
    volunteer  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    result     TEXT NOT NULL,
    attempts   INTEGER NOT NULL,
    first_at   TEXT NOT NULL,
    last_at    TEXT NOT NULL,
    PRIMARY KEY (hour, volunteer, channel, result)
) WITHOUT ROWID;

-- Results by precinct.
CREATE TABLE precinct_tallies (
    precinct  TEXT NOT NULL,
    channel   TEXT NOT NULL,
    result    TEXT NOT NULL,
    attempts  INTEGER NOT NULL,
    PRIMARY KEY (precinct, channel, result)
) WITHOUT ROWID;

-- What each turf and call list has seen.
CREATE TABLE work_tallies (
    turf_id       INTEGER NOT NULL,
    call_list_id  INTEGER NOT NULL,
    channel       TEXT NOT NULL,
    result        TEXT NOT NULL,
    attempts      INTEGER NOT NULL,
    PRIMARY KEY (turf_id, call_list_id, channel, result)
) WITHOUT ROWID;

-- Survey answers, by the hour.
CREATE TABLE answer_tallies (
    hour       TEXT NOT NULL,
    volunteer  TEXT NOT NULL,
    question   TEXT NOT NULL,
    answer     TEXT NOT NULL,
    answers    INTEGER NOT NULL,
    PRIMARY KEY (hour, volunteer, question, answer)
) WITHOUT ROWID;

-- A turf's doors and its doors knocked (a household with a door result
-- from the turf, once however often it was knocked).
CREATE TABLE turf_knocks (
    turf_id       INTEGER NOT NULL,
    household_id  INTEGER NOT NULL,
    PRIMARY KEY (turf_id, household_id)
) WITHOUT ROWID;
CREATE TABLE turf_progress (
    turf_id  INTEGER PRIMARY KEY,
    doors    INTEGER NOT NULL DEFAULT 0,
    knocked  INTEGER NOT NULL DEFAULT 0
);

-- A call list's calls, those done (completed or skipped) and those tried.
CREATE TABLE call_list_progress (
    call_list_id  INTEGER PRIMARY KEY,
    items         INTEGER NOT NULL DEFAULT 0,
    done          INTEGER NOT NULL DEFAULT 0,
    attempted     INTEGER NOT NULL DEFAULT 0
);

-- What is there already.
INSERT INTO hour_tallies
SELECT substr(recorded_at, 1, 13), coalesce(volunteer, ''), channel, result,
       count(*), min(recorded_at), max(recorded_at)
FROM contact_attempts GROUP BY 1, 2, 3, 4;

INSERT INTO precinct_tallies
SELECT coalesce(h.precinct_code, ''), a.channel, a.result, count(*)
FROM contact_attempts a
LEFT JOIN voters v ON v.id = a.voter_id
LEFT JOIN households h ON h.id = v.household_id
GROUP BY 1, 2, 3;

INSERT INTO work_tallies
SELECT coalesce(turf_id, 0), coalesce(call_list_id, 0), channel, result, count(*)
FROM contact_attempts WHERE turf_id IS NOT NULL OR call_list_id IS NOT NULL
GROUP BY 1, 2, 3, 4;

INSERT INTO answer_tallies
SELECT substr(a.recorded_at, 1, 13), coalesce(a.volunteer, ''), s.question, s.answer, count(*)
FROM survey_answers s JOIN contact_attempts a ON a.id = s.attempt_id
GROUP BY 1, 2, 3, 4;

INSERT INTO turf_knocks
SELECT DISTINCT turf_id, household_id FROM contact_attempts
WHERE channel = 'door' AND turf_id IS NOT NULL AND household_id IS NOT NULL;

INSERT INTO turf_progress (turf_id, doors, knocked)
SELECT t.id,
       (SELECT count(*) FROM turf_households th WHERE th.turf_id = t.id),
       (SELECT count(*) FROM turf_knocks k WHERE k.turf_id = t.id)
FROM turfs t;

INSERT INTO call_list_progress (call_list_id, items, done, attempted)
SELECT call_list_id, count(*),
       count(CASE WHEN status IN ('completed', 'skipped') THEN 1 END),
       count(CASE WHEN attempts > 0 THEN 1 END)
FROM call_items GROUP BY call_list_id;

-- And what arrives from now on.
CREATE TRIGGER contact_attempts_tally AFTER INSERT ON contact_attempts
BEGIN
    INSERT INTO hour_tallies
    VALUES (substr(NEW.recorded_at, 1, 13), coalesce(NEW.volunteer, ''), NEW.channel, NEW.result,
            1, NEW.recorded_at, NEW.recorded_at)
    ON CONFLICT DO UPDATE SET attempts = attempts + 1,
        first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at);
    INSERT INTO precinct_tallies
    SELECT coalesce((SELECT h.precinct_code FROM voters v JOIN households h ON h.id = v.household_id
                     WHERE v.id = NEW.voter_id), ''),
           NEW.channel, NEW.result, 1
    WHERE true
    ON CONFLICT DO UPDATE SET attempts = attempts + 1;
    INSERT INTO work_tallies
    SELECT coalesce(NEW.turf_id, 0), coalesce(NEW.call_list_id, 0), NEW.channel, NEW.result, 1
    WHERE NEW.turf_id IS NOT NULL OR NEW.call_list_id IS NOT NULL
    ON CONFLICT DO UPDATE SET attempts = attempts + 1;
    INSERT OR IGNORE INTO turf_knocks
    SELECT NEW.turf_id, NEW.household_id
    WHERE NEW.channel = 'door' AND NEW.turf_id IS NOT NULL AND NEW.household_id IS NOT NULL;
END;

CREATE TRIGGER turf_knocks_progress AFTER INSERT ON turf_knocks
BEGIN
    INSERT INTO turf_progress (turf_id, knocked) VALUES (NEW.turf_id, 1)
    ON CONFLICT DO UPDATE SET knocked = knocked + 1;
END;

CREATE TRIGGER turf_households_progress AFTER INSERT ON turf_households
BEGIN
    INSERT INTO turf_progress (turf_id, doors) VALUES (NEW.turf_id, 1)
    ON CONFLICT DO UPDATE SET doors = doors + 1;
END;

CREATE TRIGGER turf_households_progress_out AFTER DELETE ON turf_households
BEGIN
    UPDATE turf_progress SET doors = doors - 1 WHERE turf_id = OLD.turf_id;
END;

CREATE TRIGGER survey_answers_tally AFTER INSERT ON survey_answers
BEGIN
    INSERT INTO answer_tallies
    SELECT substr(a.recorded_at, 1, 13), coalesce(a.volunteer, ''), NEW.question, NEW.answer, 1
    FROM contact_attempts a WHERE a.id = NEW.attempt_id
    ON CONFLICT DO UPDATE SET answers = answers + 1;
END;

CREATE TRIGGER call_items_progress AFTER INSERT ON call_items
BEGIN
    INSERT INTO call_list_progress (call_list_id, items, done, attempted)
    VALUES (NEW.call_list_id, 1, NEW.status IN ('completed', 'skipped'), NEW.attempts > 0)
    ON CONFLICT DO UPDATE SET items = items + 1, done = done + excluded.done,
        attempted = attempted + excluded.attempted;
END;

CREATE TRIGGER call_items_progress_change AFTER UPDATE OF status, attempts ON call_items
BEGIN
    UPDATE call_list_progress
    SET done = done + (NEW.status IN ('completed', 'skipped')) - (OLD.status IN ('completed', 'skipped')),
        attempted = attempted + (NEW.attempts > 0) - (OLD.attempts > 0)
    WHERE call_list_id = NEW.call_list_id;
END;

CREATE TRIGGER call_items_progress_out AFTER DELETE ON call_items
BEGIN
    UPDATE call_list_progress
    SET items = items - 1, done = done - (OLD.status IN ('completed', 'skipped')),
        attempted = attempted - (OLD.attempts > 0)
    WHERE call_list_id = OLD.call_list_id;
END;

-- The office's goals, and (later in this issue) the coordinators' decisions
-- on flagged batches, are office records like questions and scripts. SQLite
-- cannot widen a CHECK, so the table is made again with the same rows.
CREATE TABLE office_records_new (
    kind     TEXT NOT NULL
             CHECK (kind IN ('question', 'script', 'volunteer', 'work_setup', 'goals', 'batch_decision')),
    id       TEXT NOT NULL,
    name     TEXT NOT NULL,
    record   TEXT NOT NULL,
    retired  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
INSERT INTO office_records_new (kind, id, name, record, retired)
    SELECT kind, id, name, record, retired FROM office_records;
DROP TABLE office_records;
ALTER TABLE office_records_new RENAME TO office_records;
CREATE INDEX office_records_name ON office_records (kind, name);
