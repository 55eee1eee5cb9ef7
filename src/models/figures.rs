//! The statements behind the portal figures (DOMAIN.md §8), over the aggregates the database keeps as cases move
//! (migrations/…_figure_aggregates): per jurisdiction and day of receipt, totals plus the differences not yet folded
//! into them, so a reader sees every committed change. Each statement answers for every jurisdiction in the subtrees
//! asked for, one row per jurisdiction (and month), and the caller adds them up for any subtree inside: a province,
//! its cities and their counties come from the same rows.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Text, Timestamptz};

use crate::domain::figures::CohortCounts;

/// What every figure statement is asked: the subtrees (by materialised path), the period as local days (for the
/// cohorts) and as instants (for the leads and notices), the moment deadlines are judged at, and which statuses count
/// as resolved.
pub struct Asked<'a> {
    pub subtrees: &'a [String],
    pub days: (NaiveDate, NaiveDate),
    pub times: (DateTime<Utc>, DateTime<Utc>),
    pub now: DateTime<Utc>,
    pub resolved: &'a [&'a str],
}

/// One of the figure statements, with its parameters bound.
type Statement<'a> = diesel::query_builder::BoxedSqlQuery<'a, diesel::pg::Pg, diesel::query_builder::SqlQuery>;

/// The plans PostgreSQL chooses for the four figure statements (`EXPLAIN (FORMAT JSON)`, by statement name), with
/// the same parameters as a read: for checking that they stay good whatever the planner's statistics.
pub fn plans(conn: &mut PgConnection, asked: &Asked<'_>) -> QueryResult<Vec<(&'static str, String)>> {
    #[derive(QueryableByName)]
    struct Plan {
        #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
        plan: String,
    }
    const EXPLAIN: &str = "EXPLAIN (FORMAT JSON)";
    let statements = [
        ("cohorts", cohorts_statement(EXPLAIN, asked)),
        ("backlog", backlog_statement(EXPLAIN, asked)),
        ("leads", leads_statement(EXPLAIN, asked)),
        ("notices", notices_statement(EXPLAIN, asked)),
    ];
    statements.into_iter().map(|(name, statement)| Ok((name, statement.get_result::<Plan>(conn)?.plan))).collect()
}

/// The jurisdictions in the subtrees with these materialised paths.
const SUBTREES: &str = "j AS (SELECT code, path FROM jurisdictions
    WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS r(path) WHERE starts_with(jurisdictions.path, r.path)))";

/// Counts of one jurisdiction (not its subtree) and month.
#[derive(QueryableByName)]
pub struct MonthRow {
    #[diesel(sql_type = Text)]
    pub path: String,
    /// `YYYY-MM`, in the configured time zone.
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = BigInt)]
    received: i64,
    #[diesel(sql_type = BigInt)]
    repeats: i64,
    #[diesel(sql_type = BigInt)]
    route_on_time: i64,
    #[diesel(sql_type = BigInt)]
    route_late: i64,
    #[diesel(sql_type = BigInt)]
    route_overdue: i64,
    #[diesel(sql_type = BigInt)]
    answer_on_time: i64,
    #[diesel(sql_type = BigInt)]
    answer_late: i64,
    #[diesel(sql_type = BigInt)]
    answer_overdue: i64,
    #[diesel(sql_type = BigInt)]
    evaluated: i64,
    #[diesel(sql_type = BigInt)]
    evaluation_expired: i64,
    #[diesel(sql_type = BigInt)]
    bureau_evaluated: i64,
    #[diesel(sql_type = BigInt)]
    bureau_satisfied: i64,
    #[diesel(sql_type = BigInt)]
    unit_evaluated: i64,
    #[diesel(sql_type = BigInt)]
    unit_satisfied: i64,
    #[diesel(sql_type = BigInt)]
    skip_city: i64,
    #[diesel(sql_type = BigInt)]
    skip_province: i64,
    #[diesel(sql_type = BigInt)]
    skip_national: i64,
    #[diesel(sql_type = BigInt)]
    skip_repeats: i64,
}

impl MonthRow {
    pub fn counts(&self) -> CohortCounts {
        CohortCounts {
            received: self.received,
            repeats: self.repeats,
            route_on_time: self.route_on_time,
            route_late: self.route_late,
            route_overdue: self.route_overdue,
            answer_on_time: self.answer_on_time,
            answer_late: self.answer_late,
            answer_overdue: self.answer_overdue,
            evaluated: self.evaluated,
            evaluation_expired: self.evaluation_expired,
            bureau_evaluated: self.bureau_evaluated,
            bureau_satisfied: self.bureau_satisfied,
            unit_evaluated: self.unit_evaluated,
            unit_satisfied: self.unit_satisfied,
            skip_city: self.skip_city,
            skip_province: self.skip_province,
            skip_national: self.skip_national,
            skip_repeats: self.skip_repeats,
        }
    }
}

/// The cases received on the local days `[from, to]`, per jurisdiction and month: how many, how many repeat an
/// earlier case, how their routing and answer deadlines stand at `now` (met on time, met late, or unmet and past
/// due), whether they were evaluated or the window expired, and how satisfied the petitioners were.
pub fn cohorts_by_month(conn: &mut PgConnection, asked: &Asked<'_>) -> QueryResult<Vec<MonthRow>> {
    cohorts_statement("", asked).load(conn)
}

fn cohorts_statement<'a>(prefix: &str, asked: &Asked<'a>) -> Statement<'a> {
    const MET: &str = "jurisdiction_code, received_on, received, repeats, route_on_time, route_late, 0::bigint,
        answer_on_time, answer_late, 0::bigint, evaluated, 0::bigint, bureau_evaluated, bureau_satisfied,
        unit_evaluated, unit_satisfied, skip_city, skip_province, skip_national, skip_repeats";
    const OPEN: &str =
        "jurisdiction_code, received_on, 0, 0, 0, 0, route, 0, 0, answer, 0, evaluate, 0, 0, 0, 0, 0, 0, 0, 0";
    let period = "received_on BETWEEN $2 AND $3";
    diesel::sql_query(format!(
        "{prefix} WITH {SUBTREES}
         SELECT j.path, to_char(f.received_on, 'YYYY-MM') AS month,
           sum(received)::bigint AS received, sum(repeats)::bigint AS repeats,
           sum(route_on_time)::bigint AS route_on_time, sum(route_late)::bigint AS route_late,
           sum(route_overdue)::bigint AS route_overdue,
           sum(answer_on_time)::bigint AS answer_on_time, sum(answer_late)::bigint AS answer_late,
           sum(answer_overdue)::bigint AS answer_overdue,
           sum(evaluated)::bigint AS evaluated, sum(evaluation_expired)::bigint AS evaluation_expired,
           sum(bureau_evaluated)::bigint AS bureau_evaluated, sum(bureau_satisfied)::bigint AS bureau_satisfied,
           sum(unit_evaluated)::bigint AS unit_evaluated, sum(unit_satisfied)::bigint AS unit_satisfied,
           sum(skip_city)::bigint AS skip_city, sum(skip_province)::bigint AS skip_province,
           sum(skip_national)::bigint AS skip_national, sum(skip_repeats)::bigint AS skip_repeats
         FROM (SELECT {MET} FROM case_figures WHERE {period}
               UNION ALL SELECT {MET} FROM case_figure_changes WHERE {period}
               UNION ALL SELECT {OPEN} FROM open_deadline_figures WHERE {period} AND due_at <= $4
               UNION ALL SELECT {OPEN} FROM open_deadline_figure_changes WHERE {period} AND due_at <= $4)
           AS f (jurisdiction_code, received_on, received, repeats, route_on_time, route_late, route_overdue,
                 answer_on_time, answer_late, answer_overdue, evaluated, evaluation_expired, bureau_evaluated,
                 bureau_satisfied, unit_evaluated, unit_satisfied, skip_city, skip_province, skip_national,
                 skip_repeats)
         JOIN j ON j.code = f.jurisdiction_code
         GROUP BY 1, 2"
    ))
    .into_boxed()
    .bind::<Array<Text>, _>(asked.subtrees)
    .bind::<Date, _>(asked.days.0)
    .bind::<Date, _>(asked.days.1)
    .bind::<Timestamptz, _>(asked.now)
}

#[derive(QueryableByName)]
pub struct BacklogRow {
    #[diesel(sql_type = Text)]
    pub path: String,
    /// Open cases.
    #[diesel(sql_type = BigInt)]
    pub open: i64,
    /// Open cases past a deadline staff owe, or flagged as backlog (积案).
    #[diesel(sql_type = BigInt)]
    pub backlog: i64,
}

/// The backlog as it stands at `now` (whenever the cases came in), per jurisdiction: open cases, and those past
/// due or flagged.
pub fn backlog(conn: &mut PgConnection, asked: &Asked<'_>) -> QueryResult<Vec<BacklogRow>> {
    backlog_statement("", asked).load(conn)
}

fn backlog_statement<'a>(prefix: &str, asked: &Asked<'a>) -> Statement<'a> {
    diesel::sql_query(format!(
        "{prefix} WITH {SUBTREES}
         SELECT j.path, sum(f.open)::bigint AS open,
                (coalesce(sum(f.open) FILTER (WHERE f.next_due_at <= $2), 0)
                 + coalesce(sum(f.flagged) FILTER (WHERE f.next_due_at > $2), 0))::bigint AS backlog
         FROM (SELECT * FROM open_case_figures UNION ALL SELECT * FROM open_case_figure_changes) f
         JOIN j ON j.code = f.jurisdiction_code
         GROUP BY 1"
    ))
    .into_boxed()
    .bind::<Array<Text>, _>(asked.subtrees)
    .bind::<Timestamptz, _>(asked.now)
}

#[derive(QueryableByName)]
pub struct LeadRow {
    #[diesel(sql_type = Text)]
    pub path: String,
    /// Cases whose lead was designated in the period.
    #[diesel(sql_type = BigInt)]
    pub lead_cases: i64,
    /// Of those, the resolved ones (as they stand now).
    #[diesel(sql_type = BigInt)]
    pub resolved: i64,
}

/// Case-lead resolution (包案化解), per jurisdiction: cases whose lead was designated in `[from, to)`, and how many
/// are resolved. Read from the history (a partial index holds just these entries): leads are designated for the
/// hard cases only, so this is proportional to the period's designations, not to all cases.
pub fn case_leads(conn: &mut PgConnection, asked: &Asked<'_>) -> QueryResult<Vec<LeadRow>> {
    leads_statement("", asked).load(conn)
}

fn leads_statement<'a>(prefix: &str, asked: &Asked<'a>) -> Statement<'a> {
    diesel::sql_query(format!(
        "{prefix} WITH {SUBTREES},
         led AS (SELECT DISTINCT e.jurisdiction_code, e.case_id FROM case_events e
                 WHERE e.kind = 'CASE_LEAD_DESIGNATED' AND e.occurred_at >= $2 AND e.occurred_at < $3
                   AND e.jurisdiction_code IN (SELECT code FROM j))
         SELECT j.path, count(*) AS lead_cases, count(*) FILTER (WHERE cs.status = ANY($4)) AS resolved
         FROM led JOIN cases cs ON cs.id = led.case_id JOIN j ON j.code = led.jurisdiction_code
         GROUP BY 1"
    ))
    .into_boxed()
    .bind::<Array<Text>, _>(asked.subtrees)
    .bind::<Timestamptz, _>(asked.times.0)
    .bind::<Timestamptz, _>(asked.times.1)
    .bind::<Array<Text>, _>(asked.resolved)
}

#[derive(QueryableByName)]
pub struct NoticeRow {
    #[diesel(sql_type = Text)]
    pub path: String,
    #[diesel(sql_type = BigInt)]
    pub issued: i64,
    #[diesel(sql_type = BigInt)]
    pub open: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
}

/// Supervision notices to units of each jurisdiction issued in `[from, to)`: how many, how many are still open,
/// and how many of those await a response past due at `now`.
pub fn notices(conn: &mut PgConnection, asked: &Asked<'_>) -> QueryResult<Vec<NoticeRow>> {
    notices_statement("", asked).load(conn)
}

fn notices_statement<'a>(prefix: &str, asked: &Asked<'a>) -> Statement<'a> {
    diesel::sql_query(format!(
        "{prefix} WITH {SUBTREES}
         SELECT j.path, count(*) AS issued,
                count(*) FILTER (WHERE n.status <> 'CLOSED') AS open,
                count(*) FILTER (WHERE n.status IN ('ISSUED', 'ACKNOWLEDGED', 'REOPENED') AND n.response_due_at <= $4)
                  AS overdue
         FROM j JOIN supervision_notices n ON n.jurisdiction_code = j.code
         WHERE n.issued_at >= $2 AND n.issued_at < $3
         GROUP BY 1"
    ))
    .into_boxed()
    .bind::<Array<Text>, _>(asked.subtrees)
    .bind::<Timestamptz, _>(asked.times.0)
    .bind::<Timestamptz, _>(asked.times.1)
    .bind::<Timestamptz, _>(asked.now)
}

/// Folds the differences not yet folded into the totals (see the migration's `compact_figures`). Returns how many
/// it folded, or `None` when another server was folding at that moment.
pub fn compact(conn: &mut PgConnection) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Folded {
        #[diesel(sql_type = BigInt)]
        folded: i64,
    }
    let n = diesel::sql_query("SELECT compact_figures() AS folded").get_result::<Folded>(conn)?.folded;
    Ok((n >= 0).then_some(n))
}

/// Recounts every aggregate from the cases and their deadlines, in the time zone `time_zone` (which it stores).
pub fn rebuild(conn: &mut PgConnection, time_zone: &str) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::sql_query("UPDATE figure_settings SET time_zone = $1").bind::<Text, _>(time_zone).execute(conn)?;
        diesel::sql_query("SELECT rebuild_figures()").execute(conn)?;
        Ok(())
    })
}

/// The time zone the aggregates count days in.
pub fn time_zone(conn: &mut PgConnection) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Tz {
        #[diesel(sql_type = Text)]
        time_zone: String,
    }
    Ok(diesel::sql_query("SELECT time_zone FROM figure_settings").get_result::<Tz>(conn)?.time_zone)
}
