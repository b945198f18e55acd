-- The coordinators' work, kept per office and sent to every device of the
-- office (feed scope `office:<id>`, and the snapshot): saved segments, call
-- lists with their items, and turfs with their doors. Ids are the
-- client-made UUIDs the coordinator's laptop gave them. Nothing is ever
-- removed: a deleted list keeps its row (state 'deleted') and its results.
-- A landed migration is never edited.

CREATE TABLE segments (
    campaign_id  uuid NOT NULL,
    id           text NOT NULL,
    office_id    uuid NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 400),
    filter       jsonb NOT NULL,
    state        text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'deleted')),
    recorded_at  text NOT NULL,
    device_id    uuid NOT NULL,
    saved_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, id),
    FOREIGN KEY (campaign_id, office_id) REFERENCES offices (campaign_id, id)
);
CREATE UNIQUE INDEX segments_name ON segments (campaign_id, office_id, name) WHERE state <> 'deleted';

CREATE TABLE call_lists (
    campaign_id  uuid NOT NULL,
    id           text NOT NULL,
    office_id    uuid NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 400),
    rules        jsonb NOT NULL,
    script       text,
    segment      jsonb,
    items        integer NOT NULL CHECK (items >= 0),
    state        text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'deleted')),
    recorded_at  text NOT NULL,
    device_id    uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, id),
    FOREIGN KEY (campaign_id, office_id) REFERENCES offices (campaign_id, id)
);
CREATE UNIQUE INDEX call_lists_name ON call_lists (campaign_id, office_id, name) WHERE state <> 'deleted';

CREATE TABLE call_list_items (
    campaign_id  uuid NOT NULL,
    list_id      text NOT NULL,
    position     integer NOT NULL CHECK (position > 0),
    voter_id     text NOT NULL,
    phone        text NOT NULL,
    PRIMARY KEY (campaign_id, list_id, position),
    FOREIGN KEY (campaign_id, list_id) REFERENCES call_lists (campaign_id, id),
    FOREIGN KEY (campaign_id, voter_id) REFERENCES voters (campaign_id, voter_id)
);

CREATE TABLE turfs (
    campaign_id    uuid NOT NULL,
    id             text NOT NULL,
    office_id      uuid NOT NULL,
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 400),
    precinct_code  text,
    kind           text NOT NULL,
    segment        jsonb,
    -- Address keys in walking order.
    doors          text[] NOT NULL,
    state          text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'deleted')),
    recorded_at    text NOT NULL,
    device_id      uuid NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, id),
    FOREIGN KEY (campaign_id, office_id) REFERENCES offices (campaign_id, id)
);
CREATE UNIQUE INDEX turfs_name ON turfs (campaign_id, office_id, name) WHERE state <> 'deleted';
CREATE INDEX turfs_office ON turfs (campaign_id, office_id);
CREATE INDEX call_lists_office ON call_lists (campaign_id, office_id);
CREATE INDEX segments_office ON segments (campaign_id, office_id);
