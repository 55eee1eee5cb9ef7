//! The append-only history of a case. There is no update or delete here, and the database refuses both.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::announce;
use crate::db::schema::case_events;
use crate::domain::case::{CaseStatus, EventKind};
use crate::domain::ids::CaseId;
use crate::domain::permission::Decision;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = case_events, check_for_backend(diesel::pg::Pg))]
pub struct CaseEvent {
    pub id: i64,
    pub case_id: CaseId,
    #[diesel(embed)]
    pub entry: CaseEntry,
    pub recorded_at: DateTime<Utc>,
    pub staff_only: bool,
    /// Its place in the case's hash chain (1, 2, …), the digest before it and its own (migration 24).
    pub chain_position: i32,
    pub prev_digest: Option<String>,
    pub digest: String,
}

#[derive(Insertable)]
#[diesel(table_name = case_events)]
pub struct NewCaseEvent<'a> {
    pub case_id: CaseId,
    pub jurisdiction_code: &'a str,
    #[diesel(embed)]
    pub entry: CaseEntry,
    pub staff_only: bool,
}

history_entry!(
    /// What an entry of a case's history says.
    CaseEntry,
    case_events,
    EventKind,
    CaseStatus
);

pub fn append(conn: &mut PgConnection, decided: &impl Decision, e: &NewCaseEvent<'_>) -> QueryResult<i64> {
    super::decided_for(decided, e.case_id)?;
    let id = diesel::insert_into(case_events::table).values(e).returning(case_events::id).get_result(conn)?;
    announce::case_entry_written(id);
    Ok(id)
}

/// The histories of several cases at once, each in the order things happened (for the batched `events` field).
pub(super) fn of_cases(
    conn: &mut PgConnection,
    case_ids: &[CaseId],
    include_staff_only: bool,
) -> QueryResult<Vec<CaseEvent>> {
    let mut q = case_events::table
        .filter(case_events::case_id.eq_any(case_ids))
        .order((case_events::case_id, case_events::occurred_at, case_events::id))
        .select(CaseEvent::as_select())
        .into_boxed();
    if !include_staff_only {
        q = q.filter(case_events::staff_only.eq(false));
    }
    q.load(conn)
}

/// As [`append`], but does nothing when a unique index says the entry is already there (the sweep's
/// `DEADLINE_MISSED`, recorded once however many servers sweep). Returns whether it was written.
pub fn append_once(conn: &mut PgConnection, decided: &impl Decision, e: &NewCaseEvent<'_>) -> QueryResult<bool> {
    super::decided_for(decided, e.case_id)?;
    let id: Option<i64> = diesel::insert_into(case_events::table)
        .values(e)
        .on_conflict_do_nothing()
        .returning(case_events::id)
        .get_result(conn)
        .optional()?;
    id.iter().for_each(|id| announce::case_entry_written(*id));
    Ok(id.is_some())
}

/// One entry, for live updates.
pub(super) fn find(conn: &mut PgConnection, id: i64) -> QueryResult<Option<CaseEvent>> {
    case_events::table.find(id).select(CaseEvent::as_select()).first(conn).optional()
}
