DROP INDEX cases_similar_by_account_idx;
CREATE INDEX cases_similar_by_account_idx ON cases
    USING gist ((petitioner_account_id::text), (title || ' ' || content) gist_trgm_ops (siglen = 256))
    WHERE petitioner_account_id IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');
DROP INDEX cases_similar_by_id_number_idx;
CREATE INDEX cases_similar_by_id_number_idx ON cases
    USING gist (petitioner_id_number, (title || ' ' || content) gist_trgm_ops (siglen = 256))
    WHERE petitioner_id_number IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');
DROP INDEX cases_similar_by_phone_idx;
CREATE INDEX cases_similar_by_phone_idx ON cases
    USING gist (petitioner_phone, (title || ' ' || content) gist_trgm_ops (siglen = 256))
    WHERE petitioner_phone IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');
