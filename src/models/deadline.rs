//! The stored deadlines of cases: what `domain::schedule::schedule` derives from each history, kept as rows so
//! that the portal figures and the sweep can count them in SQL. Only `case_work::history` writes them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::schema::{case_deadlines, cases};
use crate::domain::case::CaseStatus;
use crate::domain::ids::CaseId;
use crate::domain::permission::Decision;
use crate::domain::schedule::{Deadline, DeadlineKind};

/// Replaces the stored deadlines of a case with `deadlines`.
pub fn replace(
    conn: &mut PgConnection,
    decided: &impl Decision,
    case_id: CaseId,
    jurisdiction_code: &str,
    deadlines: &[Deadline],
) -> QueryResult<()> {
    diesel::delete(case_deadlines::table.filter(case_deadlines::case_id.eq(case_id))).execute(conn)?;
    insert_many(conn, decided, &[(case_id, jurisdiction_code, deadlines)])
}

/// Stores the deadlines of cases that have none stored: case, its jurisdiction, its deadlines in order. Many rows
/// per statement (PostgreSQL takes at most 65,535 parameters in one).
pub fn insert_many(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    cases: &[(CaseId, &str, &[Deadline])],
) -> QueryResult<()> {
    let rows: Vec<_> = cases
        .iter()
        .flat_map(|(case_id, jurisdiction_code, deadlines)| {
            deadlines.iter().enumerate().map(move |(seq, d)| {
                (
                    case_deadlines::case_id.eq(*case_id),
                    case_deadlines::seq.eq(seq as i32),
                    case_deadlines::jurisdiction_code.eq(*jurisdiction_code),
                    case_deadlines::kind.eq(d.kind.as_str()),
                    case_deadlines::starts_at.eq(d.starts_at),
                    case_deadlines::due_at.eq(d.due_at),
                    case_deadlines::met_at.eq(d.met_at),
                    case_deadlines::waived.eq(d.waived),
                )
            })
        })
        .collect();
    for chunk in rows.chunks(4_000) {
        diesel::insert_into(case_deadlines::table).values(chunk).execute(conn)?;
    }
    Ok(())
}

/// A stored deadline row.
#[derive(Queryable, Selectable)]
#[diesel(table_name = case_deadlines, check_for_backend(diesel::pg::Pg))]
struct Stored {
    case_id: CaseId,
    kind: String,
    starts_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
    met_at: Option<DateTime<Utc>>,
    waived: bool,
}

/// The stored deadlines of `case_ids`, in the order they arose, with their case. A kind this build does not know
/// (written by a newer one) is left out rather than shown wrong.
pub(super) fn of_cases(conn: &mut PgConnection, case_ids: &[CaseId]) -> QueryResult<Vec<(CaseId, Deadline)>> {
    let rows: Vec<Stored> = case_deadlines::table
        .filter(case_deadlines::case_id.eq_any(case_ids))
        .order((case_deadlines::case_id, case_deadlines::seq))
        .select(Stored::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let kind = DeadlineKind::parse(&r.kind)?;
            Some((
                r.case_id,
                Deadline { kind, starts_at: r.starts_at, due_at: r.due_at, met_at: r.met_at, waived: r.waived },
            ))
        })
        .collect())
}

/// Cases with no stored deadlines yet (written before deadlines were stored, or in bulk): id and jurisdiction, in
/// id order after `after`. A case whose history implies no deadline at all stays without any, so callers walk on by
/// id rather than asking again from the start.
pub(in crate::models) fn cases_without(
    conn: &mut PgConnection,
    after: Option<CaseId>,
    limit: i64,
) -> QueryResult<Vec<(CaseId, String)>> {
    let mut q = cases::table
        .filter(diesel::dsl::not(diesel::dsl::exists(
            case_deadlines::table.filter(case_deadlines::case_id.eq(cases::id)),
        )))
        .select((cases::id, cases::jurisdiction_code))
        .order(cases::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(cases::id.gt(after));
    }
    q.load(conn)
}

/// Answered or reviewed cases whose window to request a review (or re-review) ran out unused before `now`, with
/// the moment it ran out, oldest first (DOMAIN.md §3 row 10: the sweep closes them).
pub(in crate::models) fn review_windows_lapsed(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(CaseId, DateTime<Utc>)>> {
    case_deadlines::table
        .inner_join(cases::table.on(cases::id.eq(case_deadlines::case_id)))
        .filter(case_deadlines::met_at.is_null())
        .filter(case_deadlines::waived.eq(false))
        .filter(case_deadlines::due_at.le(now))
        .filter(
            case_deadlines::kind.eq_any([DeadlineKind::RequestReview.as_str(), DeadlineKind::RequestReReview.as_str()]),
        )
        .filter(cases::status.eq_any([CaseStatus::Answered, CaseStatus::Reviewed]))
        .order((case_deadlines::due_at, case_deadlines::case_id))
        .select((case_deadlines::case_id, case_deadlines::due_at))
        .limit(limit)
        .load(conn)
}

/// A deadline staff owed that ran out unmet, not yet recorded in the case's history.
#[derive(Queryable, Debug, Clone)]
pub struct Missed {
    pub case_id: CaseId,
    pub jurisdiction_code: String,
    pub kind: DeadlineKind,
    pub due_at: DateTime<Utc>,
}

/// Deadlines of `kinds` that ran out unmet before `now` and have no `DEADLINE_MISSED` entry yet, oldest first.
pub(in crate::models) fn missed_unrecorded(
    conn: &mut PgConnection,
    kinds: &[DeadlineKind],
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
