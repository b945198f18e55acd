-- This laptop's enrolment with the campaign's registry: where the registry
-- is, and the device credential it issued. The secret is shown once and kept
-- only here, inside the encrypted database; a revoked device wipes it with
-- everything else.
CREATE TABLE enrolment (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    registry_url   TEXT NOT NULL,
    device_id      TEXT NOT NULL,
    device_secret  TEXT NOT NULL,
    device_name    TEXT NOT NULL,
    campaign       TEXT NOT NULL,
    office         TEXT NOT NULL,
    role           TEXT NOT NULL,
    enrolled_at    TEXT NOT NULL
);
