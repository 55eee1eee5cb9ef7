//! The stored deadlines of cases: what `domain::lifecycle::schedule` derives from each history, kept as rows so
//! that the portal figures and the sweep can count them in SQL. Only `case_work::history` writes them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{case_deadlines, cases};
use crate::domain::lifecycle::Deadline;

/// Replaces the stored deadlines of a case with `deadlines`.
pub fn replace(
    conn: &mut PgConnection,
    case_id: Uuid,
    jurisdiction_code: &str,
    deadlines: &[Deadline],
) -> QueryResult<()> {
    diesel::delete(case_deadlines::table.filter(case_deadlines::case_id.eq(case_id))).execute(conn)?;
    let rows: Vec<_> = deadlines
        .iter()
        .enumerate()
        .map(|(seq, d)| {
            (
                case_deadlines::case_id.eq(case_id),
                case_deadlines::seq.eq(seq as i32),
                case_deadlines::jurisdiction_code.eq(jurisdiction_code),
                case_deadlines::kind.eq(d.kind.as_str()),
                case_deadlines::starts_at.eq(d.starts_at),
                case_deadlines::due_at.eq(d.due_at),
                case_deadlines::met_at.eq(d.met_at),
                case_deadlines::waived.eq(d.waived),
            )
        })
        .collect();
    diesel::insert_into(case_deadlines::table).values(rows).execute(conn)?;
    Ok(())
}

/// Cases with no stored deadlines yet (written before deadlines were stored, or in bulk): id and jurisdiction.
pub fn cases_without(conn: &mut PgConnection, limit: i64) -> QueryResult<Vec<(Uuid, String)>> {
    cases::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            case_deadlines::table.filter(case_deadlines::case_id.eq(cases::id)),
        )))
        .select((cases::id, cases::jurisdiction_code))
        .limit(limit)
        .load(conn)
}

/// A deadline staff owed that ran out unmet, not yet recorded in the case's history.
#[derive(Queryable, Debug, Clone)]
pub struct Missed {
    pub case_id: Uuid,
    pub jurisdiction_code: String,
    pub kind: String,
    pub due_at: DateTime<Utc>,
}

/// Deadlines of `kinds` that ran out unmet before `now` and have no `DEADLINE_MISSED` entry yet, oldest first.
pub fn missed_unrecorded(
    conn: &mut PgConnection,
    kinds: &[&str],
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<Missed>> {
    use crate::db::schema::case_events;
    case_deadlines::table
        .filter(case_deadlines::met_at.is_null())
        .filter(case_deadlines::waived.eq(false))
        .filter(case_deadlines::due_at.le(now))
        .filter(case_deadlines::kind.eq_any(kinds))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            case_events::table
                .filter(case_events::case_id.eq(case_deadlines::case_id))
                .filter(case_events::kind.eq("DEADLINE_MISSED"))
                .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "case_events.payload ->> 'deadline' = case_deadlines.kind
                     AND (case_events.payload ->> 'dueAt')::timestamptz = case_deadlines.due_at",
                )),
        )))
        .order((case_deadlines::due_at, case_deadlines::case_id))
        .select((
            case_deadlines::case_id,
            case_deadlines::jurisdiction_code,
            case_deadlines::kind,
            case_deadlines::due_at,
        ))
        .limit(limit)
        .load(conn)
}
