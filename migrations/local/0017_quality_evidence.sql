-- Quality control's evidence from the registry (issue 14): what it noticed
-- about an attempt when the attempt arrived there (a call under a lease that
-- had passed on, or on a number another laptop held; results a revoked
-- laptop sent). Kept beside the attempt, which is append-only: a laptop's
-- own attempt learns its flags when the registry's feed brings it back.
CREATE TABLE attempt_flags (
    attempt_id  TEXT NOT NULL REFERENCES contact_attempts (id),
    flag        TEXT NOT NULL CHECK (flag IN ('after_revocation', 'stale_lease', 'leased_to_another')),
    PRIMARY KEY (attempt_id, flag)
) WITHOUT ROWID;

-- Quality control reads the last days' attempts from this index alone (a
-- week of a county's office is half a million attempts; reading each one's
-- row by its key took most of the 17 s it took). It starts with
-- recorded_at, so it also does what contact_attempts_time did.
CREATE INDEX contact_attempts_quality
    ON contact_attempts (recorded_at, volunteer, channel, result, household_id);
DROP INDEX contact_attempts_time;
