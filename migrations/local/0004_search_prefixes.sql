-- Search as you type on a whole county: prefix indexes for two and three
-- characters, so "jo" or "smi" read one prepared list instead of merging the
-- lists of every word that starts that way. detail = column keeps which
-- column a word is in but not its position (search never asks for phrases),
-- which makes the index smaller and loading a voter file faster. The table is
-- rebuilt with the options; its vocabulary view is rebuilt on top of it.
CREATE VIRTUAL TABLE voter_search_prefixed USING fts5 (
    name,
    address,
    ids,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3',
    detail = column
);
INSERT INTO voter_search_prefixed (rowid, name, address, ids)
SELECT rowid, name, address, ids FROM voter_search;
DROP TABLE voter_terms;
DROP TABLE voter_search;
ALTER TABLE voter_search_prefixed RENAME TO voter_search;
CREATE VIRTUAL TABLE voter_terms USING fts5vocab (voter_search, 'row');
