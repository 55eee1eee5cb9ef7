-- Back to the figures without skip-level counts: the columns go first (a SQL function's result must match its
-- table's row when it is created), then the functions of the figure aggregates migration come back as they were.
ALTER TABLE case_figure_changes DROP COLUMN skip_city, DROP COLUMN skip_province, DROP COLUMN skip_national,
    DROP COLUMN skip_repeats;
ALTER TABLE case_figures DROP COLUMN skip_city, DROP COLUMN skip_province, DROP COLUMN skip_national,
    DROP COLUMN skip_repeats;
ALTER TABLE cases DROP CONSTRAINT cases_received_by_above, DROP COLUMN received_by_code, DROP COLUMN received_level;

CREATE OR REPLACE FUNCTION case_figure_terms(c cases, sign INTEGER) RETURNS SETOF case_figures LANGUAGE sql STABLE AS $$
    SELECT c.jurisdiction_code, figure_day(c.received_at), sign::bigint,
           sign * (c.repeat_of_case_id IS NOT NULL)::int::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
           sign * (c.evaluation ->> 'bureau' IS NOT NULL)::int::bigint,
           sign * coalesce(c.evaluation ->> 'bureau' IN ('SATISFIED', 'BASICALLY_SATISFIED'), false)::int::bigint,
           sign * (c.evaluation ->> 'unit' IS NOT NULL)::int::bigint,
           sign * coalesce(c.evaluation ->> 'unit' IN ('SATISFIED', 'BASICALLY_SATISFIED'), false)::int::bigint
$$;

CREATE OR REPLACE FUNCTION deadline_figure_terms(d case_deadlines, c cases, sign INTEGER) RETURNS SETOF case_figures
LANGUAGE sql STABLE AS $$
    SELECT c.jurisdiction_code, figure_day(c.received_at), 0::bigint, 0::bigint,
           sign * (d.kind = 'ROUTE' AND d.met_at <= d.due_at)::int::bigint,
           sign * (d.kind = 'ROUTE' AND d.met_at > d.due_at)::int::bigint,
           sign * (d.kind = 'ANSWER' AND d.met_at <= d.due_at)::int::bigint,
           sign * (d.kind = 'ANSWER' AND d.met_at > d.due_at)::int::bigint,
           sign * (d.kind = 'EVALUATE' AND d.met_at IS NOT NULL)::int::bigint,
           0::bigint, 0::bigint, 0::bigint, 0::bigint
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
               sum(bureau_satisfied), sum(unit_evaluated), sum(unit_satisfied)
        FROM (SELECT t.* FROM new_rows n, LATERAL case_figure_terms(n, 1) t
              UNION ALL SELECT t.* FROM old_rows o, LATERAL case_figure_terms(o, -1) t) x
        GROUP BY 1, 2
        HAVING (sum(received), sum(repeats), sum(bureau_evaluated), sum(bureau_satisfied), sum(unit_evaluated),
                sum(unit_satisfied)) <> (0, 0, 0, 0, 0, 0);
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
                           sum(bureau_evaluated), sum(bureau_satisfied), sum(unit_evaluated), sum(unit_satisfied)
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
                        unit_satisfied = case_figures.unit_satisfied + excluded.unit_satisfied)
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
    -- A deadline long past due is overdue for every reader from now on, whenever exactly it fell due: its count
    -- moves to the bucket '-infinity', so that the rows stay one per jurisdiction and day (an evaluation window
    -- that ran out unused stays open for ever). A later change of it lands at its own due instant, also long
    -- past, and the two cancel in every sum a reader makes.
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
    -- Likewise open cases whose next deadline is long past: in the backlog for every reader from now on.
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
