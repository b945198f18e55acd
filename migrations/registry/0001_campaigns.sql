-- The registry's root: every table that follows is keyed by campaign, so a
-- campaign's rows can be distributed together (see ARCHITECTURE.md, "Scaling
-- the registry"). A migration that has landed is never edited.

CREATE TABLE campaigns (
    id          uuid PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);
