-- Exactly-once push and the change feed (docs/sync-protocol.md): every
-- mutation a device pushed with its stored result, the field work they carry
-- (contact attempts, the do-not-contact ledger, voter corrections, callbacks),
-- the coordinators' review queue, and the feed devices pull, whose positions
-- are handed out in commit order by one sequencer row per campaign.
-- Every table is keyed by campaign first. A landed migration is never edited.

-- One row per (device, seq) ever applied: a repeat is answered from here.
CREATE TABLE mutations (
    campaign_id  uuid NOT NULL,
    device_id    uuid NOT NULL,
    seq          bigint NOT NULL CHECK (seq > 0),
    mutation_id  text NOT NULL,
    kind         text NOT NULL,
    version      integer NOT NULL,
    hlc          text NOT NULL,
    payload      jsonb NOT NULL,
    result       text NOT NULL CHECK (result IN ('applied', 'rejected', 'conflict')),
    reason       text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, device_id, seq),
    FOREIGN KEY (campaign_id, device_id) REFERENCES devices (campaign_id, id)
);

-- Contact attempts are facts: written once, never changed (the trigger makes
-- that a rule). Keyed by the attempt id the device made, so a fact delivered
-- twice by any path is stored once.
CREATE TABLE contact_attempts (
    campaign_id    uuid NOT NULL,
    id             text NOT NULL,
    voter_id       text NOT NULL,
    precinct_code  text,
    channel        text NOT NULL CHECK (channel IN ('door', 'phone', 'text')),
    result         text NOT NULL,
    phone          text,
    call_list      text,
    turf           text,
    volunteer      text,
    note           text NOT NULL DEFAULT '',
    answers        jsonb NOT NULL DEFAULT '[]',
    recorded_at    text NOT NULL,
    hlc            text NOT NULL,
    device_id      uuid NOT NULL,
    -- Why a coordinator should look: `stale_lease`, `after_revocation`.
    flags          text[] NOT NULL DEFAULT '{}',
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, id),
    FOREIGN KEY (campaign_id, voter_id) REFERENCES voters (campaign_id, voter_id)
);
CREATE INDEX contact_attempts_voter ON contact_attempts (campaign_id, voter_id);

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER contact_attempts_append_only BEFORE UPDATE OR DELETE ON contact_attempts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The do-not-contact ledger: entries are never changed; a reversal is its
-- own entry naming the one it lifts.
CREATE TABLE dnc_entries (
    campaign_id  uuid NOT NULL,
    id           text NOT NULL,
    scope        text NOT NULL CHECK (scope IN ('person', 'phone', 'address', 'household')),
    target       text NOT NULL,
    channel      text NOT NULL CHECK (channel IN ('phone', 'door', 'text', 'all')),
    source       text NOT NULL,
    recorded_at  text NOT NULL,
    hlc          text NOT NULL,
    reverses     text,
    device_id    uuid,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, id)
);
CREATE INDEX dnc_entries_target ON dnc_entries (campaign_id, scope, target);
CREATE TRIGGER dnc_entries_append_only BEFORE UPDATE OR DELETE ON dnc_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Every correction a device sent, with what became of it: the history of a
-- voter's record.
CREATE TABLE voter_corrections (
    campaign_id   uuid NOT NULL,
    id            text NOT NULL,
    voter_id      text NOT NULL,
    field         text NOT NULL,
    value         text NOT NULL,
    base_version  bigint NOT NULL,
    hlc           text NOT NULL,
    device_id     uuid NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('applied', 'superseded', 'review')),
    recorded_at   text NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, id),
    FOREIGN KEY (campaign_id, voter_id) REFERENCES voters (campaign_id, voter_id)
);
CREATE INDEX voter_corrections_voter ON voter_corrections (campaign_id, voter_id, field);

-- Soft fields take the later write by hybrid logical clock: the clock of
-- the write each field now holds, followed by its device's id (the
-- tie-break), as one string whose text order is that order.
CREATE TABLE voter_field_clocks (
    campaign_id  uuid NOT NULL,
    voter_id     text NOT NULL,
    field        text NOT NULL,
    hlc          text NOT NULL,
    PRIMARY KEY (campaign_id, voter_id, field)
);

-- Fields a laptop can correct and the registry did not get from the file.
ALTER TABLE voters ADD COLUMN language text NOT NULL DEFAULT '';
ALTER TABLE voters ADD COLUMN best_time text NOT NULL DEFAULT '';
-- Someone met at a door (a NEW- id), not from a state file.
ALTER TABLE voters ADD COLUMN added_by uuid;

CREATE TABLE callbacks (
    campaign_id  uuid NOT NULL,
    id           text NOT NULL,
    voter_id     text NOT NULL,
    phone        text NOT NULL,
    call_list    text NOT NULL,
    due_at       text NOT NULL,
    device_id    uuid NOT NULL,
    recorded_at  text NOT NULL,
    PRIMARY KEY (campaign_id, id),
    FOREIGN KEY (campaign_id, voter_id) REFERENCES voters (campaign_id, voter_id)
);

-- What a coordinator decides: identity-field conflicts, moved and deceased
-- reports, people added at doors, results from outside a device's scope.
CREATE TABLE review_queue (
    campaign_id    uuid NOT NULL,
    id             bigint GENERATED ALWAYS AS IDENTITY,
    kind           text NOT NULL,
    voter_id       text,
    precinct_code  text,
    device_id      uuid NOT NULL,
    mutation_id    text NOT NULL,
    payload        jsonb NOT NULL,
    reason         text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at    timestamptz,
    resolution     text,
    PRIMARY KEY (campaign_id, id)
);
CREATE INDEX review_queue_open ON review_queue (campaign_id, created_at) WHERE resolved_at IS NULL;

-- The sequencer: a writer takes its feed positions from this row last, and
-- its row lock is held to commit, so positions become visible in order.
CREATE TABLE feed_heads (
    campaign_id  uuid PRIMARY KEY REFERENCES campaigns (id),
    position     bigint NOT NULL DEFAULT 0
);

-- The change feed devices pull. scope_key is `precinct:<code>` or
-- `campaign`; a device reads only its office's keys.
CREATE TABLE changes (
    campaign_id  uuid NOT NULL,
    position     bigint NOT NULL,
    scope_key    text NOT NULL,
    entity       text NOT NULL,
    key          text NOT NULL,
    op           text NOT NULL CHECK (op IN ('upsert', 'delete')),
    version      bigint NOT NULL DEFAULT 1,
    payload      jsonb NOT NULL,
    PRIMARY KEY (campaign_id, position, scope_key)
);
CREATE INDEX changes_scope ON changes (campaign_id, scope_key, position);

-- Leases on call targets (`phone:<ten digits>` or `household:<address key>`):
-- at most one device holds a target at a time, because a grant is one
-- INSERT ... ON CONFLICT DO UPDATE ... WHERE expired OR same device on this
-- primary key. The epoch goes up whenever the target passes to another
-- device, so a result carrying an older epoch is known to be stale.
CREATE TABLE leases (
    campaign_id  uuid NOT NULL,
    target       text NOT NULL,
    device_id    uuid NOT NULL,
    epoch        bigint NOT NULL DEFAULT 1,
    granted_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, target)
);
CREATE INDEX leases_device ON leases (campaign_id, device_id);
