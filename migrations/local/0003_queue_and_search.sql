-- The call queue walks a list in order and stops at the first item that may
-- be called, so its cost does not grow with the list.
CREATE INDEX call_items_order ON call_items (call_list_id, position, id);
CREATE INDEX callbacks_item ON callbacks (call_item_id, done);

-- The search index's vocabulary, so a word that matches nothing can be
-- corrected to the nearest words that do (typo-tolerant search).
CREATE VIRTUAL TABLE voter_terms USING fts5vocab (voter_search, 'row');
