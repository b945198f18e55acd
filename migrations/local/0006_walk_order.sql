-- Each turf's doors numbered in walking order when the turf is cut (street,
-- odd side, even side, house number, unit), so a walk list is read in order
-- from an index instead of being sorted every time it is opened. A turf's
-- households never change address, so the order holds for the turf's life.
ALTER TABLE turf_households ADD COLUMN walk_seq INTEGER;
UPDATE turf_households AS th SET walk_seq = o.seq
FROM (
    SELECT t.turf_id, t.household_id,
           row_number() OVER (
               PARTITION BY t.turf_id
               ORDER BY h.street, coalesce(h.house_number, 0) % 2 DESC, h.house_number, h.unit, h.id
           ) AS seq
    FROM turf_households t JOIN households h ON h.id = t.household_id
) AS o
WHERE th.turf_id = o.turf_id AND th.household_id = o.household_id;
CREATE INDEX turf_households_walk ON turf_households (turf_id, walk_seq);
