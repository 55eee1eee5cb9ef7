-- Figures down to townships (乡镇、街道): a case whose township is known is counted under its township, which lies
-- in its county's subtree, so every county, city and province sums to exactly what it did, and a county's portal
-- that opens its townships sees each one's own figures instead of zeros. (A case's township is set at intake; the
-- deadline terms read it from the case, so a later change of it would have to move them too.)
CREATE OR REPLACE FUNCTION case_figure_terms(c cases, sign INTEGER) RETURNS SETOF case_figures LANGUAGE sql STABLE AS $$
    SELECT coalesce(c.township_code, c.jurisdiction_code), figure_day(c.received_at), sign::bigint,
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

CREATE OR REPLACE FUNCTION open_case_terms(c cases, sign INTEGER) RETURNS SETOF open_case_figures LANGUAGE sql STABLE AS $$
    SELECT coalesce(c.township_code, c.jurisdiction_code), coalesce(c.next_due_at, 'infinity'), sign::bigint,
           sign * c.is_backlog::int::bigint
    WHERE case_is_open(c.status)
$$;

CREATE OR REPLACE FUNCTION deadline_figure_terms(d case_deadlines, c cases, sign INTEGER) RETURNS SETOF case_figures
LANGUAGE sql STABLE AS $$
    SELECT coalesce(c.township_code, c.jurisdiction_code), figure_day(c.received_at), 0::bigint, 0::bigint,
           sign * (d.kind = 'ROUTE' AND d.met_at <= d.due_at)::int::bigint,
           sign * (d.kind = 'ROUTE' AND d.met_at > d.due_at)::int::bigint,
           sign * (d.kind = 'ANSWER' AND d.met_at <= d.due_at)::int::bigint,
           sign * (d.kind = 'ANSWER' AND d.met_at > d.due_at)::int::bigint,
           sign * (d.kind = 'EVALUATE' AND d.met_at IS NOT NULL)::int::bigint,
           0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint
    WHERE d.met_at IS NOT NULL AND d.kind IN ('ROUTE', 'ANSWER', 'EVALUATE')
$$;

CREATE OR REPLACE FUNCTION open_deadline_terms(d case_deadlines, c cases, sign INTEGER)
RETURNS SETOF open_deadline_figures LANGUAGE sql STABLE AS $$
    SELECT coalesce(c.township_code, c.jurisdiction_code), figure_day(c.received_at), d.due_at,
           sign * (d.kind = 'ROUTE')::int::bigint, sign * (d.kind = 'ANSWER')::int::bigint,
           sign * (d.kind = 'EVALUATE')::int::bigint
    WHERE d.met_at IS NULL AND NOT d.waived AND d.kind IN ('ROUTE', 'ANSWER', 'EVALUATE')
$$;

-- The cases counted so far move to their townships.
SELECT rebuild_figures();
