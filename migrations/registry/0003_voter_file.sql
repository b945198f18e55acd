-- The master voter file: households, voters, phones and vote history, loaded
-- with COPY by the same readers the laptops use. Master data flows from the
-- registry to devices only; a newer snapshot is applied as a diff, and a
-- voter absent from it is marked removed, never deleted (their history stays).
-- Households are keyed by their normalised address, so a load needs no id
-- look-ups; every table is keyed by campaign first.

CREATE TABLE households (
    campaign_id    uuid NOT NULL REFERENCES campaigns (id),
    address_key    text NOT NULL,
    house_number   bigint,
    street         text NOT NULL,
    unit           text NOT NULL DEFAULT '',
    city           text NOT NULL,
    state          text NOT NULL,
    zip            text NOT NULL,
    precinct_code  text,
    time_zone      text NOT NULL,
    PRIMARY KEY (campaign_id, address_key)
);
CREATE INDEX households_precinct ON households (campaign_id, precinct_code);

CREATE TABLE voters (
    campaign_id    uuid NOT NULL REFERENCES campaigns (id),
    voter_id       text NOT NULL,
    -- households.address_key; NULL when the state withholds the address.
    household_key  text,
    last_name      text NOT NULL,
    first_name     text NOT NULL,
    middle_name    text NOT NULL DEFAULT '',
    suffix         text NOT NULL DEFAULT '',
    birth_year     integer,
    gender         text NOT NULL DEFAULT '',
    party          text NOT NULL,
    status         text NOT NULL,
    registered_on  date,
    confidential   boolean NOT NULL DEFAULT false,
    county         text NOT NULL,
    precinct_code  text,
    -- The layout it came from: "removed" is judged per layout and county.
    source         text NOT NULL,
    content_hash   bigint NOT NULL,
    -- Bumped on every change; corrections carry the version they saw.
    version        bigint NOT NULL DEFAULT 1,
    removed_at     timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, voter_id)
);
CREATE INDEX voters_precinct ON voters (campaign_id, precinct_code);
CREATE INDEX voters_source_county ON voters (campaign_id, source, county);

CREATE TABLE phones (
    campaign_id  uuid NOT NULL,
    voter_id     text NOT NULL,
    number       text NOT NULL,
    status       text NOT NULL CHECK (status IN ('ok', 'invalid', 'wrong', 'disconnected')),
    source       text NOT NULL,
    PRIMARY KEY (campaign_id, voter_id, number),
    FOREIGN KEY (campaign_id, voter_id) REFERENCES voters (campaign_id, voter_id)
);

CREATE TABLE vote_history (
    campaign_id    uuid NOT NULL,
    voter_id       text NOT NULL,
    election_date  date NOT NULL,
    election_type  text NOT NULL,
    election_desc  text NOT NULL DEFAULT '',
    method         text NOT NULL DEFAULT '',
    party          text NOT NULL DEFAULT '',
    PRIMARY KEY (campaign_id, voter_id, election_date, election_type),
    FOREIGN KEY (campaign_id, voter_id) REFERENCES voters (campaign_id, voter_id)
);

CREATE TABLE imports (
    campaign_id  uuid NOT NULL REFERENCES campaigns (id),
    id           bigint GENERATED ALWAYS AS IDENTITY,
    layout       text NOT NULL,
    file_name    text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    rows         bigint NOT NULL DEFAULT 0,
    new          bigint NOT NULL DEFAULT 0,
    moved        bigint NOT NULL DEFAULT 0,
    changed      bigint NOT NULL DEFAULT 0,
    removed      bigint NOT NULL DEFAULT 0,
    unchanged    bigint NOT NULL DEFAULT 0,
    votes        bigint NOT NULL DEFAULT 0,
    skipped      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, id)
);
