-- The words of the search index and how many voters each is on, kept as a
-- plain table: the FTS5 vocabulary view counts a word's voters by reading its
-- whole list on every look-up, which made typo correction slow on common
-- words. Refreshed after every import; words added later (a correction, a
-- person met at a door) are found by search but not offered as corrections
-- until the next import.
CREATE TABLE search_words (
    word    TEXT PRIMARY KEY,
    voters  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO search_words (word, voters) SELECT term, doc FROM voter_terms;
