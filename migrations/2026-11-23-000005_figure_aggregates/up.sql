-- Portal figures (DOMAIN.md §8) from aggregates kept as cases move, so that a province's figures for a year cost the
-- same at a million cases as at a thousand: counts per jurisdiction and day of receipt, written by triggers in the
-- same transaction as every change of a case or of its stored deadlines, whoever writes it (the API, the demo
-- loader, the generator, a bulk load in SQL).
--
-- Writers never update a shared counter row (intakes into one county on one day would queue on its lock): each
-- change appends its difference to a `*_changes` table, and a compaction (`crate::oversight::figures`, every few
-- seconds on every server) folds the differences into the totals in one transaction. Readers add totals and
-- pending differences in one statement, so they see every committed change, exactly.
--
-- What depends on the time of reading (a deadline is overdue once `now` passes it) is kept by due instant: open
-- deadlines by when they fall due, open cases by their next due instant, and the reader counts those due by `now`.
-- Instants long past are folded into one bucket ('-infinity'): overdue for every reader from then on.

-- The time zone whose days the figures count in: the server's TIME_ZONE, written at start-up (which rebuilds the
-- figures if it changed).
CREATE TABLE figure_settings (
    only_row  BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    time_zone TEXT NOT NULL
);
INSERT INTO figure_settings (time_zone) VALUES ('Asia/Shanghai');

CREATE FUNCTION figure_day(at TIMESTAMPTZ) RETURNS DATE LANGUAGE sql STABLE AS $$
    SELECT (at AT TIME ZONE (SELECT time_zone FROM figure_settings))::date
$$;

-- The statuses `domain::case::CaseStatus::is_open` calls open (a test holds the two together).
CREATE FUNCTION case_is_open(status TEXT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE AS $$
    SELECT status NOT IN ('ROUTED_OUT', 'NOT_ACCEPTED', 'FINAL', 'CLOSED')
$$;

-- Per jurisdiction and day of receipt: what does not depend on when one reads.
CREATE TABLE case_figures (
    jurisdiction_code TEXT NOT NULL,
    received_on       DATE NOT NULL,
    received          BIGINT NOT NULL DEFAULT 0,
    repeats           BIGINT NOT NULL DEFAULT 0,
    route_on_time     BIGINT NOT NULL DEFAULT 0,
    route_late        BIGINT NOT NULL DEFAULT 0,
    answer_on_time    BIGINT NOT NULL DEFAULT 0,
    answer_late       BIGINT NOT NULL DEFAULT 0,
    evaluated         BIGINT NOT NULL DEFAULT 0,
    bureau_evaluated  BIGINT NOT NULL DEFAULT 0,
    bureau_satisfied  BIGINT NOT NULL DEFAULT 0,
    unit_evaluated    BIGINT NOT NULL DEFAULT 0,
    unit_satisfied    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (jurisdiction_code, received_on)
);
CREATE TABLE case_figure_changes (LIKE case_figures INCLUDING DEFAULTS);
CREATE INDEX case_figure_changes_idx ON case_figure_changes (jurisdiction_code, received_on);

-- Deadlines of the figures (routing, answer, evaluation) still open, per jurisdiction, day of receipt and the
-- instant they fall due: overdue = open and due by now.
CREATE TABLE open_deadline_figures (
    jurisdiction_code TEXT NOT NULL,
    received_on       DATE NOT NULL,
    due_at            TIMESTAMPTZ NOT NULL,
    route             BIGINT NOT NULL DEFAULT 0,
    answer            BIGINT NOT NULL DEFAULT 0,
    evaluate          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (jurisdiction_code, received_on, due_at)
);
CREATE INDEX open_deadline_figures_due_idx ON open_deadline_figures (due_at);
CREATE INDEX open_deadline_figures_settled_idx ON open_deadline_figures (jurisdiction_code)
    WHERE route = 0 AND answer = 0 AND evaluate = 0;
CREATE TABLE open_deadline_figure_changes (LIKE open_deadline_figures INCLUDING DEFAULTS);
CREATE INDEX open_deadline_figure_changes_idx ON open_deadline_figure_changes (jurisdiction_code, received_on);

-- Open cases per jurisdiction and next instant a deadline staff owe falls due ('infinity' for none), and of those
-- the ones flagged as backlog (积案): backlog = open and due by now, or flagged.
CREATE TABLE open_case_figures (
    jurisdiction_code TEXT NOT NULL,
    next_due_at       TIMESTAMPTZ NOT NULL,
    open              BIGINT NOT NULL DEFAULT 0,
    flagged           BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (jurisdiction_code, next_due_at)
);
CREATE INDEX open_case_figures_due_idx ON open_case_figures (next_due_at);
CREATE INDEX open_case_figures_settled_idx ON open_case_figures (jurisdiction_code) WHERE open = 0 AND flagged = 0;
CREATE TABLE open_case_figure_changes (LIKE open_case_figures INCLUDING DEFAULTS);
CREATE INDEX open_case_figure_changes_idx ON open_case_figure_changes (jurisdiction_code);

-- What one case adds to the figures (sign +1), or takes away (sign -1).
CREATE FUNCTION case_figure_terms(c cases, sign INTEGER) RETURNS SETOF case_figures LANGUAGE sql STABLE AS $$
    SELECT c.jurisdiction_code, figure_day(c.received_at), sign::bigint,
           sign * (c.repeat_of_case_id IS NOT NULL)::int::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
           sign * (c.evaluation ->> 'bureau' IS NOT NULL)::int::bigint,
           sign * coalesce(c.evaluation ->> 'bureau' IN ('SATISFIED', 'BASICALLY_SATISFIED'), false)::int::bigint,
           sign * (c.evaluation ->> 'unit' IS NOT NULL)::int::bigint,
           sign * coalesce(c.evaluation ->> 'unit' IN ('SATISFIED', 'BASICALLY_SATISFIED'), false)::int::bigint
$$;

CREATE FUNCTION open_case_terms(c cases, sign INTEGER) RETURNS SETOF open_case_figures LANGUAGE sql STABLE AS $$
    SELECT c.jurisdiction_code, coalesce(c.next_due_at, 'infinity'), sign::bigint, sign * c.is_backlog::int::bigint
    WHERE case_is_open(c.status)
$$;

-- What one stored deadline of case `c` adds or takes away: when it was met (on time or late), or that it is open.
CREATE FUNCTION deadline_figure_terms(d case_deadlines, c cases, sign INTEGER) RETURNS SETOF case_figures
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

CREATE FUNCTION open_deadline_terms(d case_deadlines, c cases, sign INTEGER) RETURNS SETOF open_deadline_figures
LANGUAGE sql STABLE AS $$
    SELECT c.jurisdiction_code, figure_day(c.received_at), d.due_at,
           sign * (d.kind = 'ROUTE')::int::bigint, sign * (d.kind = 'ANSWER')::int::bigint,
           sign * (d.kind = 'EVALUATE')::int::bigint
    WHERE d.met_at IS NULL AND NOT d.waived AND d.kind IN ('ROUTE', 'ANSWER', 'EVALUATE')
$$;

-- The triggers. Statement-level, with the rows the statement changed: a bulk load of many cases costs one trigger
-- call, not one per row. An update appends only what it changed (the sum over its old and new rows, where not 0).
CREATE FUNCTION cases_keep_figures() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER cases_figures_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_keep_figures();
CREATE TRIGGER cases_figures_update AFTER UPDATE ON cases
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_keep_figures();
CREATE TRIGGER cases_figures_delete AFTER DELETE ON cases
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION cases_keep_figures();

CREATE FUNCTION case_deadlines_keep_figures() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO case_figure_changes
        SELECT t.* FROM new_rows d JOIN cases c ON c.id = d.case_id, LATERAL deadline_figure_terms(d, c, 1) t;
        INSERT INTO open_deadline_figure_changes
        SELECT t.* FROM new_rows d JOIN cases c ON c.id = d.case_id, LATERAL open_deadline_terms(d, c, 1) t;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO case_figure_changes
        SELECT t.* FROM old_rows d JOIN cases c ON c.id = d.case_id, LATERAL deadline_figure_terms(d, c, -1) t;
        INSERT INTO open_deadline_figure_changes
        SELECT t.* FROM old_rows d JOIN cases c ON c.id = d.case_id, LATERAL open_deadline_terms(d, c, -1) t;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER case_deadlines_figures_insert AFTER INSERT ON case_deadlines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_deadlines_keep_figures();
CREATE TRIGGER case_deadlines_figures_update AFTER UPDATE ON case_deadlines
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION case_deadlines_keep_figures();
CREATE TRIGGER case_deadlines_figures_delete AFTER DELETE ON case_deadlines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_deadlines_keep_figures();

-- Folds the pending differences into the totals. Servers call it every few seconds; one at a time folds (an
-- advisory lock: two folding at once could lock the same totals in opposite orders), the others return at once.
-- Returns how many differences it folded, or -1 when another was folding.
CREATE FUNCTION compact_figures() RETURNS BIGINT LANGUAGE plpgsql AS $$
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

-- Recounts every aggregate from the cases and their stored deadlines (after a change of time zone, or to repair
-- after a bulk load with triggers off). Takes locks that keep writers out meanwhile.
CREATE FUNCTION rebuild_figures() RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(8270010);
    LOCK TABLE cases, case_deadlines IN SHARE MODE;
    TRUNCATE case_figures, case_figure_changes, open_deadline_figures, open_deadline_figure_changes,
             open_case_figures, open_case_figure_changes;
    INSERT INTO case_figure_changes SELECT t.* FROM cases c, LATERAL case_figure_terms(c, 1) t;
    INSERT INTO case_figure_changes
    SELECT t.* FROM case_deadlines d JOIN cases c ON c.id = d.case_id, LATERAL deadline_figure_terms(d, c, 1) t;
    INSERT INTO open_deadline_figure_changes
    SELECT t.* FROM case_deadlines d JOIN cases c ON c.id = d.case_id, LATERAL open_deadline_terms(d, c, 1) t;
    INSERT INTO open_case_figure_changes SELECT t.* FROM cases c, LATERAL open_case_terms(c, 1) t;
    PERFORM compact_figures();
END;
$$;

SELECT rebuild_figures();

-- Case leads designated in a period, per jurisdiction: the figure reads them from this index alone (they are few,
-- the hard cases only).
CREATE INDEX case_events_lead_designated_idx ON case_events (jurisdiction_code, occurred_at) INCLUDE (case_id)
    WHERE kind = 'CASE_LEAD_DESIGNATED';
CREATE INDEX supervision_notices_issued_idx ON supervision_notices (jurisdiction_code, issued_at);
