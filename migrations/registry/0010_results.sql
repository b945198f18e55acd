-- The day's results (issue 14). A landed migration is never edited.
--
-- The office's goals, and the coordinators' decisions on flagged batches,
-- are office records like questions and scripts: kept per office, sent to
-- every device of the office through the feed and the snapshot.
ALTER TABLE office_records DROP CONSTRAINT office_records_kind_check;
ALTER TABLE office_records ADD CONSTRAINT office_records_kind_check
    CHECK (kind IN ('question', 'script', 'volunteer', 'work_setup', 'goals', 'batch_decision'));
