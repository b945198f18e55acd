-- Hardening (issue 11): what a review item holds is named by the mutation
-- kind it was pushed as, so an item reads back as its typed mutation rather
-- than by guessing from the reason's slug (older rows keep NULL and are read
-- by that slug, as before); the open items one device created are counted
-- on every new one (a device may have at most a fixed number open).
ALTER TABLE review_queue ADD COLUMN mutation_kind text;
CREATE INDEX review_queue_device_open ON review_queue (campaign_id, device_id)
    WHERE resolved_at IS NULL;

-- Enrolment attempts refused (a used, expired or unknown code), with the
-- client address they came from: codes are guessed at the enrolment
-- endpoint, so every miss is kept. A miss whose code belongs to a campaign
-- names it (and is also in that campaign's audit log); a code nobody issued
-- names none.
CREATE TABLE failed_enrolments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    campaign_id  uuid REFERENCES campaigns (id),
    client       text,
    reason       text NOT NULL
);
CREATE INDEX failed_enrolments_at ON failed_enrolments (at);
