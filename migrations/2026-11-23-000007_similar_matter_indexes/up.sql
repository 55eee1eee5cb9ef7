-- Repeat detection at intake (DOMAIN.md §3): an earlier live case of the same petitioner (by account, ID number or
-- phone) on a similar matter (trigram similarity of title and content of at least 0.3). These indexes answer it
-- by index, petitioner and text together: a trigram signature per case lets the search pass over a petitioner's
-- unrelated cases without reading them, so a petitioner with a thousand earlier cases is not slower to serve.
-- Signatures of 256 bytes keep texts of a few hundred characters apart (the default 12 bytes saturate).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE INDEX cases_similar_by_account_idx ON cases
    USING gist (petitioner_account_id, (title || ' ' || content) gist_trgm_ops (siglen = 256))
    WHERE petitioner_account_id IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');
CREATE INDEX cases_similar_by_id_number_idx ON cases
    USING gist (petitioner_id_number, (title || ' ' || content) gist_trgm_ops (siglen = 256))
    WHERE petitioner_id_number IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');
CREATE INDEX cases_similar_by_phone_idx ON cases
    USING gist (petitioner_phone, (title || ' ' || content) gist_trgm_ops (siglen = 256))
    WHERE petitioner_phone IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');
