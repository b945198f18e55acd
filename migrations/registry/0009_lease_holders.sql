-- Who at the device holds a lease: the volunteer signed in on the laptop
-- that took it (a turf taken out shows whose it is, not only which laptop).
-- A landed migration is never edited.
ALTER TABLE leases ADD COLUMN holder text CHECK (length(holder) BETWEEN 1 AND 200);
