-- Quality control (issue 14) reads the last days' attempts in time order;
-- without this index it would read every attempt the office ever made.
-- A landed migration is never edited.
CREATE INDEX contact_attempts_time ON contact_attempts (recorded_at);
