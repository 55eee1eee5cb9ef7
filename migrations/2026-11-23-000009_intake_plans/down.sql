DROP INDEX cases_similar_by_account_idx;
CREATE INDEX cases_similar_by_account_idx ON cases
    USING gist (petitioner_account_id, (title || ' ' || content) gist_trgm_ops (siglen = 256))
    WHERE petitioner_account_id IS NOT NULL AND status NOT IN ('CLOSED', 'ROUTED_OUT', 'NOT_ACCEPTED');

CREATE OR REPLACE FUNCTION figure_day(at TIMESTAMPTZ) RETURNS DATE LANGUAGE sql STABLE AS $$
    SELECT (at AT TIME ZONE (SELECT time_zone FROM figure_settings))::date
$$;
