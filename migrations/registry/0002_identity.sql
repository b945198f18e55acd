-- Who may sync what: offices and the precincts they cover, devices enrolled
-- with a coordinator's one-time code, their access tokens, and an audit log
-- of who did what from which device. Every table is keyed by campaign first
-- (ARCHITECTURE.md, "Scaling the registry"). Secrets, codes and tokens are
-- stored only as SHA-256 digests: all three are random and high-entropy,
-- so a slow password hash would add nothing.

CREATE TABLE offices (
    campaign_id  uuid NOT NULL REFERENCES campaigns (id),
    id           uuid NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, id),
    UNIQUE (campaign_id, name)
);

-- An office's scope: the precincts whose voters its devices see.
CREATE TABLE office_precincts (
    campaign_id    uuid NOT NULL,
    office_id      uuid NOT NULL,
    precinct_code  text NOT NULL CHECK (length(precinct_code) BETWEEN 1 AND 64),
    PRIMARY KEY (campaign_id, office_id, precinct_code),
    FOREIGN KEY (campaign_id, office_id) REFERENCES offices (campaign_id, id)
);

CREATE TABLE enrolment_codes (
    campaign_id  uuid NOT NULL REFERENCES campaigns (id),
    code_hash    bytea NOT NULL,
    office_id    uuid NOT NULL,
    role         text NOT NULL CHECK (role IN ('canvasser', 'caller', 'coordinator', 'admin')),
    issued_by    text NOT NULL,
    issued_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    device_id    uuid,
    PRIMARY KEY (campaign_id, code_hash),
    FOREIGN KEY (campaign_id, office_id) REFERENCES offices (campaign_id, id)
);
-- A device enrols with the code alone, before anyone knows its campaign.
CREATE INDEX enrolment_codes_hash ON enrolment_codes (code_hash);

CREATE TABLE devices (
    campaign_id   uuid NOT NULL REFERENCES campaigns (id),
    id            uuid NOT NULL,
    office_id     uuid NOT NULL,
    role          text NOT NULL CHECK (role IN ('canvasser', 'caller', 'coordinator', 'admin')),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    secret_hash   bytea NOT NULL,
    enrolled_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    wiped_at      timestamptz,
    last_seen_at  timestamptz,
    -- The last push sequence applied for this device (exactly-once push).
    last_seq      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign_id, id),
    FOREIGN KEY (campaign_id, office_id) REFERENCES offices (campaign_id, id)
);
CREATE INDEX devices_id ON devices (id);

-- Short-lived access tokens; kept here, not in a process, so any registry
-- instance can check any token, and a revocation holds at once.
CREATE TABLE access_tokens (
    campaign_id  uuid NOT NULL,
    token_hash   bytea NOT NULL,
    device_id    uuid NOT NULL,
    issued_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, token_hash),
    FOREIGN KEY (campaign_id, device_id) REFERENCES devices (campaign_id, id)
);
CREATE INDEX access_tokens_hash ON access_tokens (token_hash);
CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);

CREATE TABLE audit_log (
    campaign_id  uuid NOT NULL REFERENCES campaigns (id),
    id           bigint GENERATED ALWAYS AS IDENTITY,
    at           timestamptz NOT NULL DEFAULT now(),
    -- `admin` (the ops CLI) or `device:<id>`.
    actor        text NOT NULL,
    action       text NOT NULL,
    detail       text NOT NULL,
    PRIMARY KEY (campaign_id, id)
);
