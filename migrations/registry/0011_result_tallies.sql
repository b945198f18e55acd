-- The campaign's figures from rollups (issue 14), as every laptop's
-- dashboard reads its own. A landed migration is never edited.
--
-- `GET /v1/stats` grouped every attempt of the campaign on each call:
-- 14 s at 2,000,000 attempts. These tables keep the same groups as
-- attempts arrive, by push or by COPY (a restore), so a call reads a few
-- thousand rows. contact_attempts is append-only (0004's trigger refuses
-- UPDATE and DELETE), so an insert is the only change to follow.
--
-- Each row is keyed by the set of offices whose precincts held the voter's
-- precinct (`holders`, ordered, empty for none): what the figures of an
-- office and of the campaign need (`quality::counts_for`), and a handful
-- of values however many precincts there are. When an office's precincts
-- change, the campaign's rows are worked out again from its attempts.
-- Hours are UTC (`2026-11-03T18`, the first 13 characters of a stamp every
-- push has checked); the reader puts them on the asked zone's calendar.
-- Absent volunteers are '', so that they take part in the key.
--
-- A push only appends to the `_deltas` tables (no key, so no row another
-- push could be waiting on, and no two pushes locking shared rows in
-- opposite orders); `fold_tallies()`, which the registry runs every few
-- seconds, moves them into the keyed tables, and a reader sums both. All
-- four are derived: a backup leaves them out and a restore rebuilds them.

CREATE TABLE attempt_tallies (
    campaign_id  uuid NOT NULL,
    holders      uuid[] NOT NULL,
    hour         text NOT NULL,
    volunteer    text NOT NULL,
    channel      text NOT NULL,
    result       text NOT NULL,
    attempts     bigint NOT NULL,
    first_at     text COLLATE "C" NOT NULL,
    last_at      text COLLATE "C" NOT NULL,
    PRIMARY KEY (campaign_id, holders, hour, volunteer, channel, result)
);

CREATE TABLE answer_tallies (
    campaign_id  uuid NOT NULL,
    holders      uuid[] NOT NULL,
    hour         text NOT NULL,
    volunteer    text NOT NULL,
    question     text NOT NULL,
    answer       text NOT NULL,
    answers      bigint NOT NULL,
    PRIMARY KEY (campaign_id, holders, hour, volunteer, question, answer)
);

-- The same columns (and collations), without the key.
CREATE TABLE attempt_tally_deltas (LIKE attempt_tallies);
CREATE TABLE answer_tally_deltas (LIKE answer_tallies);

-- Which offices hold a precinct, looked up per pushed attempt.
CREATE INDEX office_precincts_precinct ON office_precincts (campaign_id, precinct_code);

-- Attempts as they arrive: one statement per push insert or COPY, over
-- the rows really inserted (ON CONFLICT DO NOTHING leaves a copy out of the
-- transition table), so an attempt is counted once.
CREATE FUNCTION tally_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH held AS (
        SELECT p.campaign_id, p.precinct_code, array_agg(p.office_id ORDER BY p.office_id) AS offices
          FROM office_precincts p
         WHERE (p.campaign_id, p.precinct_code) IN (SELECT campaign_id, precinct_code FROM new_attempts)
         GROUP BY 1, 2),
    arrived AS (
        SELECT a.*, coalesce(held.offices, '{}') AS holders
          FROM new_attempts a
          LEFT JOIN held ON held.campaign_id = a.campaign_id AND held.precinct_code = a.precinct_code),
    counted AS (
        INSERT INTO attempt_tally_deltas
        SELECT campaign_id, holders, substr(recorded_at, 1, 13), coalesce(volunteer, ''), channel, result,
               count(*), min(recorded_at COLLATE "C"), max(recorded_at COLLATE "C")
          FROM arrived GROUP BY 1, 2, 3, 4, 5, 6)
    INSERT INTO answer_tally_deltas
    SELECT a.campaign_id, a.holders, substr(a.recorded_at, 1, 13), coalesce(a.volunteer, ''),
           s.value ->> 'question', s.value ->> 'answer', count(*)
      FROM arrived a
      CROSS JOIN LATERAL jsonb_array_elements(
           CASE WHEN jsonb_typeof(a.answers) = 'array' THEN a.answers ELSE '[]' END) s
     WHERE s.value ->> 'question' IS NOT NULL AND s.value ->> 'answer' IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

CREATE TRIGGER contact_attempts_tally AFTER INSERT ON contact_attempts
    REFERENCING NEW TABLE AS new_attempts
    FOR EACH STATEMENT EXECUTE FUNCTION tally_attempts();

-- Every campaign's deltas moved into the keyed rows, in key order (two
-- folds at once wait for each other rather than deadlock); how many delta
-- rows it moved. A delta a push has not committed yet waits for the next.
CREATE FUNCTION fold_tallies() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    moved bigint;
    answers_moved bigint;
BEGIN
    WITH gone AS (DELETE FROM attempt_tally_deltas RETURNING *),
    folded AS (
        INSERT INTO attempt_tallies AS t
        SELECT campaign_id, holders, hour, volunteer, channel, result,
               sum(attempts), min(first_at), max(last_at)
          FROM gone GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (campaign_id, holders, hour, volunteer, channel, result) DO UPDATE
           SET attempts = t.attempts + excluded.attempts,
               first_at = least(t.first_at, excluded.first_at),
               last_at = greatest(t.last_at, excluded.last_at))
    SELECT count(*) INTO moved FROM gone;
    WITH gone AS (DELETE FROM answer_tally_deltas RETURNING *),
    folded AS (
        INSERT INTO answer_tallies AS t
        SELECT campaign_id, holders, hour, volunteer, question, answer, sum(answers)
          FROM gone GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (campaign_id, holders, hour, volunteer, question, answer) DO UPDATE
           SET answers = t.answers + excluded.answers)
    SELECT count(*) INTO answers_moved FROM gone;
    RETURN moved + answers_moved;
END $$;

-- A campaign's tallies worked out again from its attempts. Pushes wait
-- (SHARE blocks inserts, and waits for those under way to commit), so no
-- attempt is counted under the offices it had before, nor missed.
CREATE FUNCTION retally(campaign uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE contact_attempts IN SHARE MODE;
    -- Deltas before keyed rows, the order a fold takes them in.
    DELETE FROM attempt_tally_deltas WHERE campaign_id = campaign;
    DELETE FROM answer_tally_deltas WHERE campaign_id = campaign;
    DELETE FROM attempt_tallies WHERE campaign_id = campaign;
    DELETE FROM answer_tallies WHERE campaign_id = campaign;

    WITH held AS (
        SELECT precinct_code, array_agg(office_id ORDER BY office_id) AS offices
          FROM office_precincts WHERE campaign_id = campaign GROUP BY 1)
    INSERT INTO attempt_tallies
    SELECT a.campaign_id, coalesce(held.offices, '{}'), substr(a.recorded_at, 1, 13),
           coalesce(a.volunteer, ''), a.channel, a.result,
           count(*), min(a.recorded_at COLLATE "C"), max(a.recorded_at COLLATE "C")
      FROM contact_attempts a LEFT JOIN held ON held.precinct_code = a.precinct_code
     WHERE a.campaign_id = campaign
     GROUP BY 1, 2, 3, 4, 5, 6;

    WITH held AS (
        SELECT precinct_code, array_agg(office_id ORDER BY office_id) AS offices
          FROM office_precincts WHERE campaign_id = campaign GROUP BY 1)
    INSERT INTO answer_tallies
    SELECT a.campaign_id, coalesce(held.offices, '{}'), substr(a.recorded_at, 1, 13),
           coalesce(a.volunteer, ''), s.value ->> 'question', s.value ->> 'answer', count(*)
      FROM contact_attempts a
      CROSS JOIN LATERAL jsonb_array_elements(
           CASE WHEN jsonb_typeof(a.answers) = 'array' THEN a.answers ELSE '[]' END) s
      LEFT JOIN held ON held.precinct_code = a.precinct_code
     WHERE a.campaign_id = campaign
       AND s.value ->> 'question' IS NOT NULL AND s.value ->> 'answer' IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6;
END $$;

-- When an office's precincts change (an office is created), each campaign
-- touched is worked out again.
CREATE FUNCTION retally_precincts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM retally(c) FROM (SELECT DISTINCT campaign_id AS c FROM new_precincts ORDER BY 1) touched;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM retally(c) FROM (SELECT DISTINCT campaign_id AS c FROM old_precincts ORDER BY 1) touched;
    ELSE
        PERFORM retally(c) FROM (SELECT campaign_id AS c FROM old_precincts
                                 UNION SELECT campaign_id FROM new_precincts ORDER BY 1) touched;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER office_precincts_added AFTER INSERT ON office_precincts
    REFERENCING NEW TABLE AS new_precincts
    FOR EACH STATEMENT EXECUTE FUNCTION retally_precincts();
CREATE TRIGGER office_precincts_changed AFTER UPDATE ON office_precincts
    REFERENCING OLD TABLE AS old_precincts NEW TABLE AS new_precincts
    FOR EACH STATEMENT EXECUTE FUNCTION retally_precincts();
CREATE TRIGGER office_precincts_removed AFTER DELETE ON office_precincts
    REFERENCING OLD TABLE AS old_precincts
    FOR EACH STATEMENT EXECUTE FUNCTION retally_precincts();

-- What is there already.
SELECT retally(id) FROM campaigns ORDER BY id;
