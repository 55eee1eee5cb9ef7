-- The account arm of the similar-matter search (models::case::earlier_similar) was planned on the petitioner's
-- btree index whenever statistics said the petitioner had few cases (a new petitioner always does), and then
-- computed the trigram similarity of every case the petitioner ever filed, about 30 µs each. Keyed by an
-- expression that only this index holds, the search can only be answered here, where closed cases are not even in
-- the index and unrelated ones are passed over by their trigram signatures.
DROP INDEX cases_similar_by_account_idx;
CREATE INDEX cases_similar_by_account_idx ON cases
    USING gist ((petitioner_account_id::text), (title || ' ' || content) gist_trgm_ops (siglen = 256))
    WHERE petitioner_account_id IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');

-- The day of an instant in the figures' time zone, called by the figure triggers of every step: as a SQL function
-- with a subquery it could not be inlined and was planned again at every call. Here the query has no parameter, so
-- its plan is kept for the session, and the rest is a plain expression.
CREATE OR REPLACE FUNCTION figure_day(at TIMESTAMPTZ) RETURNS DATE LANGUAGE plpgsql STABLE AS $$
DECLARE
    zone TEXT;
BEGIN
    SELECT time_zone INTO zone FROM figure_settings;
    RETURN (at AT TIME ZONE zone)::date;
END;
$$;
