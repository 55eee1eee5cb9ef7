//! The statements behind the portal figures (DOMAIN.md §8). Each takes the whole set of jurisdictions asked for
//! (a province and all its counties, say) and answers for all of them at once, so a portal's request costs the
//! same few statements however many children it shows. Cases count under every requested jurisdiction whose
//! subtree holds them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text, Timestamptz};

use crate::domain::figures::CohortCounts;

/// The jurisdictions asked for: codes and their materialised paths, in the same order.
pub struct Roots {
    pub codes: Vec<String>,
    pub paths: Vec<String>,
}

const ROOTS: &str = "r AS (SELECT * FROM unnest($1::text[], $2::text[]) AS r(code, path))";

#[derive(QueryableByName)]
pub struct MonthRow {
    #[diesel(sql_type = Text)]
    pub root: String,
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
        }
    }
}

/// The cases received in `[from, to)`, per requested jurisdiction and month: how many, how many repeat an
/// earlier case, how their routing and answer deadlines stand at `now` (met on time, met late, or unmet and past
/// due), whether they were evaluated or the window expired, and how satisfied the petitioners were.
pub fn cohorts_by_month(
    conn: &mut PgConnection,
    roots: &Roots,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    time_zone: &str,
) -> QueryResult<Vec<MonthRow>> {
    let owed = |kind: &str, col: &str| -> String {
        match col {
            "on_time" => format!("count(*) FILTER (WHERE d.kind = '{kind}' AND d.met_at <= d.due_at)"),
            "late" => format!("count(*) FILTER (WHERE d.kind = '{kind}' AND d.met_at > d.due_at)"),
            _ => format!(
                "count(*) FILTER (WHERE d.kind = '{kind}' AND d.met_at IS NULL AND NOT d.waived AND d.due_at <= $5)"
            ),
        }
    };
    let sql = format!(
        "WITH {ROOTS},
         c AS (SELECT r.code AS root, cs.id, cs.received_at, cs.repeat_of_case_id, cs.evaluation
               FROM r JOIN jurisdictions j ON starts_with(j.path, r.path)
               JOIN cases cs ON cs.jurisdiction_code = j.code
               WHERE cs.received_at >= $3 AND cs.received_at < $4),
         d AS (SELECT d.case_id,
                 {} AS route_on_time, {} AS route_late, {} AS route_overdue,
                 {} AS answer_on_time, {} AS answer_late, {} AS answer_overdue,
                 count(*) FILTER (WHERE d.kind = 'EVALUATE' AND d.met_at IS NOT NULL) AS evaluated,
                 count(*) FILTER (WHERE d.kind = 'EVALUATE' AND d.met_at IS NULL AND NOT d.waived AND d.due_at <= $5)
                   AS evaluation_expired
               FROM case_deadlines d
               WHERE d.case_id IN (SELECT id FROM c) AND d.kind IN ('ROUTE', 'ANSWER', 'EVALUATE')
               GROUP BY d.case_id)
         SELECT c.root, to_char(c.received_at AT TIME ZONE $6, 'YYYY-MM') AS month,
           count(*) AS received,
           count(*) FILTER (WHERE c.repeat_of_case_id IS NOT NULL) AS repeats,
           coalesce(sum(d.route_on_time), 0)::bigint AS route_on_time,
           coalesce(sum(d.route_late), 0)::bigint AS route_late,
           coalesce(sum(d.route_overdue), 0)::bigint AS route_overdue,
           coalesce(sum(d.answer_on_time), 0)::bigint AS answer_on_time,
           coalesce(sum(d.answer_late), 0)::bigint AS answer_late,
           coalesce(sum(d.answer_overdue), 0)::bigint AS answer_overdue,
           coalesce(sum(d.evaluated), 0)::bigint AS evaluated,
           coalesce(sum(d.evaluation_expired), 0)::bigint AS evaluation_expired,
           count(*) FILTER (WHERE c.evaluation ->> 'bureau' IS NOT NULL) AS bureau_evaluated,
           count(*) FILTER (WHERE c.evaluation ->> 'bureau' IN ('SATISFIED', 'BASICALLY_SATISFIED')) AS bureau_satisfied,
           count(*) FILTER (WHERE c.evaluation ->> 'unit' IS NOT NULL) AS unit_evaluated,
           count(*) FILTER (WHERE c.evaluation ->> 'unit' IN ('SATISFIED', 'BASICALLY_SATISFIED')) AS unit_satisfied
         FROM c LEFT JOIN d ON d.case_id = c.id
         GROUP BY 1, 2 ORDER BY 1, 2",
        owed("ROUTE", "on_time"),
        owed("ROUTE", "late"),
        owed("ROUTE", "overdue"),
        owed("ANSWER", "on_time"),
        owed("ANSWER", "late"),
        owed("ANSWER", "overdue"),
    );
    diesel::sql_query(sql)
        .bind::<Array<Text>, _>(&roots.codes)
        .bind::<Array<Text>, _>(&roots.paths)
        .bind::<Timestamptz, _>(from)
        .bind::<Timestamptz, _>(to)
        .bind::<Timestamptz, _>(now)
        .bind::<Text, _>(time_zone)
        .load(conn)
}

#[derive(QueryableByName)]
pub struct BacklogRow {
    #[diesel(sql_type = Text)]
    pub root: String,
    /// Open cases.
    #[diesel(sql_type = BigInt)]
    pub open: i64,
    /// Open cases past a deadline staff owe, or flagged as backlog (积案).
    #[diesel(sql_type = BigInt)]
    pub backlog: i64,
}

/// The backlog as it stands at `now` (whenever the cases came in): open cases, and those past due or flagged.
pub fn backlog(
    conn: &mut PgConnection,
    roots: &Roots,
    open_statuses: &[&str],
    now: DateTime<Utc>,
) -> QueryResult<Vec<BacklogRow>> {
    diesel::sql_query(format!(
        "WITH {ROOTS}
         SELECT r.code AS root, count(*) AS open,
                count(*) FILTER (WHERE cs.next_due_at <= $4 OR cs.is_backlog) AS backlog
         FROM r JOIN jurisdictions j ON starts_with(j.path, r.path)
         JOIN cases cs ON cs.jurisdiction_code = j.code
         WHERE cs.status = ANY($3)
         GROUP BY r.code"
    ))
    .bind::<Array<Text>, _>(&roots.codes)
    .bind::<Array<Text>, _>(&roots.paths)
    .bind::<Array<Text>, _>(open_statuses)
    .bind::<Timestamptz, _>(now)
    .load(conn)
}

#[derive(QueryableByName)]
pub struct LeadRow {
    #[diesel(sql_type = Text)]
    pub root: String,
    /// Cases whose lead was designated in the period.
    #[diesel(sql_type = BigInt)]
    pub lead_cases: i64,
    /// Of those, the resolved ones (as they stand now).
    #[diesel(sql_type = BigInt)]
    pub resolved: i64,
}

/// Case-lead resolution (包案化解): cases whose lead was designated in `[from, to)`, and how many are resolved.
pub fn case_leads(
    conn: &mut PgConnection,
    roots: &Roots,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    resolved_statuses: &[&str],
) -> QueryResult<Vec<LeadRow>> {
    diesel::sql_query(format!(
        "WITH {ROOTS},
         led AS (SELECT DISTINCT r.code AS root, e.case_id
                 FROM r JOIN jurisdictions j ON starts_with(j.path, r.path)
                 JOIN case_events e ON e.jurisdiction_code = j.code
                 WHERE e.kind = 'CASE_LEAD_DESIGNATED' AND e.occurred_at >= $3 AND e.occurred_at < $4)
         SELECT led.root, count(*) AS lead_cases, count(*) FILTER (WHERE cs.status = ANY($5)) AS resolved
         FROM led JOIN cases cs ON cs.id = led.case_id
         GROUP BY led.root"
    ))
    .bind::<Array<Text>, _>(&roots.codes)
    .bind::<Array<Text>, _>(&roots.paths)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Array<Text>, _>(resolved_statuses)
    .load(conn)
}

#[derive(QueryableByName)]
pub struct NoticeRow {
    #[diesel(sql_type = Text)]
    pub root: String,
    #[diesel(sql_type = BigInt)]
    pub issued: i64,
    #[diesel(sql_type = BigInt)]
    pub open: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
}

/// Supervision notices to units of each subtree issued in `[from, to)`: how many, how many are still open, and how
/// many of those await a response past due at `now`.
pub fn notices(
    conn: &mut PgConnection,
    roots: &Roots,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<Vec<NoticeRow>> {
    diesel::sql_query(format!(
        "WITH {ROOTS}
         SELECT r.code AS root, count(*) AS issued,
                count(*) FILTER (WHERE n.status <> 'CLOSED') AS open,
                count(*) FILTER (WHERE n.status IN ('ISSUED', 'ACKNOWLEDGED', 'REOPENED') AND n.response_due_at <= $5)
                  AS overdue
         FROM r JOIN jurisdictions j ON starts_with(j.path, r.path)
         JOIN supervision_notices n ON n.jurisdiction_code = j.code
         WHERE n.issued_at >= $3 AND n.issued_at < $4
         GROUP BY r.code"
    ))
    .bind::<Array<Text>, _>(&roots.codes)
    .bind::<Array<Text>, _>(&roots.paths)
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(to)
    .bind::<Timestamptz, _>(now)
    .load(conn)
}
