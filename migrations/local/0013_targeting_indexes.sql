-- What the targeting index reads again after every write (work.rs,
-- `read_work`): the few voters who are gone and the few numbers that are
-- not good, each from a partial index instead of a scan of the whole table.
-- A migration that has landed is never edited: add the next file instead.
CREATE INDEX voters_gone ON voters (id) WHERE removed_at IS NOT NULL OR moved = 1 OR deceased = 1;
CREATE INDEX phones_not_ok ON phones (voter_id) WHERE status <> 'ok';
