-- Where a petition was received, apart from where its matter belongs. A petition received above the county of its
-- matter (by the city's or the province's bureau, or through a national channel) is a skip-level petition (越级)
-- for that county, counted by the level it went to. Cases from before keep "received at the matter's level".
ALTER TABLE cases
    ADD COLUMN received_level TEXT NOT NULL DEFAULT 'LOCAL'
        CONSTRAINT cases_received_level_known CHECK (received_level IN ('LOCAL', 'CITY', 'PROVINCE', 'NATIONAL')),
    -- The jurisdiction of the bureau that received it, when that is not the matter's own.
    ADD COLUMN received_by_code TEXT REFERENCES jurisdictions (code),
    ADD CONSTRAINT cases_received_by_above CHECK ((received_level = 'LOCAL') = (received_by_code IS NULL));

-- The portal figures count them per jurisdiction of the matter and day of receipt, with the others: by level, and
-- the repeat petitions among them.
ALTER TABLE case_figures
    ADD COLUMN skip_city BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN skip_province BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN skip_national BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN skip_repeats BIGINT NOT NULL DEFAULT 0;
ALTER TABLE case_figure_changes
    ADD COLUMN skip_city BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN skip_province BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN skip_national BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN skip_repeats BIGINT NOT NULL DEFAULT 0;

-- The functions that produce rows of `case_figures` produce the new columns too.
CREATE OR REPLACE FUNCTION case_figure_terms(c cases, sign INTEGER) RETURNS SETOF case_figures LANGUAGE sql STABLE AS $$
    SELECT c.jurisdiction_code, figure_day(c.received_at), sign::bigint,
           sign * (c.repeat_of_case_id IS NOT NULL)::int::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
           sign * (c.evaluation ->> 'bureau' IS NOT NULL)::int::bigint,
           sign * coalesce(c.evaluation ->> 'bureau' IN ('SATISFIED', 'BASICALLY_SATISFIED'), false)::int::bigint,
           sign * (c.evaluation ->> 'unit' IS NOT NULL)::int::bigint,
           sign * coalesce(c.evaluation ->> 'unit' IN ('SATISFIED', 'BASICALLY_SATISFIED'), false)::int::bigint,
           sign * (c.received_level = 'CITY')::int::bigint,
           sign * (c.received_level = 'PROVINCE')::int::bigint,
           sign * (c.received_level = 'NATIONAL')::int::bigint,
           sign * (c.received_level <> 'LOCAL' AND c.repeat_of_case_id IS NOT NULL)::int::bigint
$$;

CREATE OR REPLACE FUNCTION deadline_figure_terms(d case_deadlines, c cases, sign INTEGER) RETURNS SETOF case_figures
LANGUAGE sql STABLE AS $$
    SELECT c.jurisdiction_code, figure_day(c.received_at), 0::bigint, 0::bigint,
           sign * (d.kind = 'ROUTE' AND d.met_at <= d.due_at)::int::bigint,
           sign * (d.kind = 'ROUTE' AND d.met_at > d.due_at)::int::bigint,
           sign * (d.kind = 'ANSWER' AND d.met_at <= d.due_at)::int::bigint,
           sign * (d.kind = 'ANSWER' AND d.met_at > d.due_at)::int::bigint,
           sign * (d.kind = 'EVALUATE' AND d.met_at IS NOT NULL)::int::bigint,
           0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint
    WHERE d.met_at IS NOT NULL AND d.kind IN ('ROUTE', 'ANSWER', 'EVALUATE')
$$;

CREATE OR REPLACE FUNCTION cases_keep_figures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO case_figure_changes SELECT t.* FROM new_rows n, LATERAL case_figure_terms(n, 1) t;
        INSERT INTO open_case_figure_changes SELECT t.* FROM new_rows n, LATERAL open_case_terms(n, 1) t;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO case_figure_changes SELECT t.* FROM old_rows o, LATERAL case_figure_terms(o, -1) t;
        INSERT INTO open_case_figure_changes SELECT t.* FROM old_rows o, LATERAL open_case_terms(o, -1) t;
    ELSE
        INSERT INTO case_figure_changes
        SELECT jurisdiction_code, received_on, sum(received), sum(repeats), 0, 0, 0, 0, 0, sum(bureau_evaluated),
               sum(bureau_satisfied), sum(unit_evaluated), sum(unit_satisfied), sum(skip_city), sum(skip_province),
               sum(skip_national), sum(skip_repeats)
        FROM (SELECT t.* FROM new_rows n, LATERAL case_figure_terms(n, 1) t
              UNION ALL SELECT t.* FROM old_rows o, LATERAL case_figure_terms(o, -1) t) x
        GROUP BY 1, 2
        HAVING (sum(received), sum(repeats), sum(bureau_evaluated), sum(bureau_satisfied), sum(unit_evaluated),
                sum(unit_satisfied), sum(skip_city), sum(skip_province), sum(skip_national), sum(skip_repeats))
               <> (0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        INSERT INTO open_case_figure_changes
        SELECT jurisdiction_code, next_due_at, sum(open), sum(flagged)
        FROM (SELECT t.* FROM new_rows n, LATERAL open_case_terms(n, 1) t
              UNION ALL SELECT t.* FROM old_rows o, LATERAL open_case_terms(o, -1) t) x
        GROUP BY 1, 2
        HAVING (sum(open), sum(flagged)) <> (0, 0);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION compact_figures() RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE
    a BIGINT; b BIGINT; c BIGINT;
BEGIN
    IF NOT pg_try_advisory_xact_lock(8270010) THEN
        RETURN -1;
    END IF;
    WITH moved AS (DELETE FROM case_figure_changes RETURNING *),
         folded AS (INSERT INTO case_figures
                    SELECT jurisdiction_code, received_on, sum(received), sum(repeats), sum(route_on_time),
                           sum(route_late), sum(answer_on_time), sum(answer_late), sum(evaluated),
                           sum(bureau_evaluated), sum(bureau_satisfied), sum(unit_evaluated), sum(unit_satisfied),
                           sum(skip_city), sum(skip_province), sum(skip_national), sum(skip_repeats)
                    FROM moved GROUP BY 1, 2
                    ON CONFLICT (jurisdiction_code, received_on) DO UPDATE SET
                        received = case_figures.received + excluded.received,
                        repeats = case_figures.repeats + excluded.repeats,
                        route_on_time = case_figures.route_on_time + excluded.route_on_time,
                        route_late = case_figures.route_late + excluded.route_late,
                        answer_on_time = case_figures.answer_on_time + excluded.answer_on_time,
                        answer_late = case_figures.answer_late + excluded.answer_late,
                        evaluated = case_figures.evaluated + excluded.evaluated,
                        bureau_evaluated = case_figures.bureau_evaluated + excluded.bureau_evaluated,
                        bureau_satisfied = case_figures.bureau_satisfied + excluded.bureau_satisfied,
                        unit_evaluated = case_figures.unit_evaluated + excluded.unit_evaluated,
                        unit_satisfied = case_figures.unit_satisfied + excluded.unit_satisfied,
                        skip_city = case_figures.skip_city + excluded.skip_city,
                        skip_province = case_figures.skip_province + excluded.skip_province,
                        skip_national = case_figures.skip_national + excluded.skip_national,
                        skip_repeats = case_figures.skip_repeats + excluded.skip_repeats)
    SELECT count(*) INTO a FROM moved;

    WITH moved AS (DELETE FROM open_deadline_figure_changes RETURNING *),
         folded AS (INSERT INTO open_deadline_figures
                    SELECT jurisdiction_code, received_on, due_at, sum(route), sum(answer), sum(evaluate)
                    FROM moved GROUP BY 1, 2, 3
                    ON CONFLICT (jurisdiction_code, received_on, due_at) DO UPDATE SET
                        route = open_deadline_figures.route + excluded.route,
                        answer = open_deadline_figures.answer + excluded.answer,
                        evaluate = open_deadline_figures.evaluate + excluded.evaluate)
    SELECT count(*) INTO b FROM moved;
    WITH old AS (DELETE FROM open_deadline_figures
                 WHERE due_at < now() - interval '2 days' AND due_at > '-infinity' RETURNING *)
    INSERT INTO open_deadline_figures
    SELECT jurisdiction_code, received_on, '-infinity', sum(route), sum(answer), sum(evaluate) FROM old GROUP BY 1, 2
    ON CONFLICT (jurisdiction_code, received_on, due_at) DO UPDATE SET
        route = open_deadline_figures.route + excluded.route,
        answer = open_deadline_figures.answer + excluded.answer,
        evaluate = open_deadline_figures.evaluate + excluded.evaluate;
    DELETE FROM open_deadline_figures WHERE route = 0 AND answer = 0 AND evaluate = 0;

    WITH moved AS (DELETE FROM open_case_figure_changes RETURNING *),
         folded AS (INSERT INTO open_case_figures
                    SELECT jurisdiction_code, next_due_at, sum(open), sum(flagged)
                    FROM moved GROUP BY 1, 2
                    ON CONFLICT (jurisdiction_code, next_due_at) DO UPDATE SET
                        open = open_case_figures.open + excluded.open,
                        flagged = open_case_figures.flagged + excluded.flagged)
    SELECT count(*) INTO c FROM moved;
    WITH old AS (DELETE FROM open_case_figures
                 WHERE next_due_at < now() - interval '2 days' AND next_due_at > '-infinity' RETURNING *)
    INSERT INTO open_case_figures SELECT jurisdiction_code, '-infinity', sum(open), sum(flagged) FROM old GROUP BY 1
    ON CONFLICT (jurisdiction_code, next_due_at) DO UPDATE SET
        open = open_case_figures.open + excluded.open,
        flagged = open_case_figures.flagged + excluded.flagged;
    DELETE FROM open_case_figures WHERE open = 0 AND flagged = 0;
    RETURN a + b + c;
END;
$$;
