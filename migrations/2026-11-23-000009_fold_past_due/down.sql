DROP INDEX case_events_lead_designated_idx;
CREATE INDEX case_events_lead_designated_idx ON case_events (jurisdiction_code, occurred_at)
    WHERE kind = 'CASE_LEAD_DESIGNATED';
DROP INDEX open_case_figures_due_idx;
DROP INDEX open_deadline_figures_due_idx;
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
    DELETE FROM open_deadline_figures WHERE route = 0 AND answer = 0 AND evaluate = 0;

    WITH moved AS (DELETE FROM open_case_figure_changes RETURNING *),
         folded AS (INSERT INTO open_case_figures
                    SELECT jurisdiction_code, next_due_at, sum(open), sum(flagged)
                    FROM moved GROUP BY 1, 2
                    ON CONFLICT (jurisdiction_code, next_due_at) DO UPDATE SET
                        open = open_case_figures.open + excluded.open,
                        flagged = open_case_figures.flagged + excluded.flagged)
    SELECT count(*) INTO c FROM moved;
    DELETE FROM open_case_figures WHERE open = 0 AND flagged = 0;
    RETURN a + b + c;
END;
$$;

