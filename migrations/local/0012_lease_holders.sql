-- Who holds a target another device leased (its name as its office
-- enrolled it), so a canvasser whose turf is taken is told by whom.
-- A migration that has landed is never edited: add the next file instead.
ALTER TABLE registry_leases ADD COLUMN holder TEXT;
