-- The similar-matter search at intake (models::case::earlier_similar) was sometimes answered by the text search's
-- GIN index (cases_text_trgm_idx, on the same expression `title || ' ' || content`, which supports `%` as well):
-- a bitmap scan of every case sharing trigrams with the new text, filtered by petitioner afterwards. The planner
-- chose it when the statistics lagged behind a burst of intake (measured: 160-230 ms per search instead of 0.2 ms,
-- intake down from 1,300 to 40-80 petitions a second until the next ANALYZE). These indexes now key the text as
-- `title || (' ' || content)`: the same string, so the same trigrams and the same similarity, but an expression
-- the GIN index does not hold, so the search can only be answered here, whatever the statistics say.
DROP INDEX cases_similar_by_account_idx;
CREATE INDEX cases_similar_by_account_idx ON cases
    USING gist ((petitioner_account_id::text), (title || (' ' || content)) gist_trgm_ops (siglen = 256))
    WHERE petitioner_account_id IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');
DROP INDEX cases_similar_by_id_number_idx;
CREATE INDEX cases_similar_by_id_number_idx ON cases
    USING gist (petitioner_id_number, (title || (' ' || content)) gist_trgm_ops (siglen = 256))
    WHERE petitioner_id_number IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');
DROP INDEX cases_similar_by_phone_idx;
CREATE INDEX cases_similar_by_phone_idx ON cases
    USING gist (petitioner_phone, (title || (' ' || content)) gist_trgm_ops (siglen = 256))
    WHERE petitioner_phone IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');
