//! Readers that do not filter by scope, gathered here so that every use is easy to review (`unscoped::`).
//!
//! Each is for code that has already established, through a scoped query (`case::find_visible`,
//! `case::lock_visible`, `escalation::find_visible`, ...), that the caller may read the case the rows belong to;
//! or for the system itself (the deadline backfill); or for public tracking, where the reference and its query
//! code are the scope. The implementations stay private to `crate::models`, so nothing reaches them otherwise.

use diesel::prelude::*;
use uuid::Uuid;

use super::case::Case;
use super::case_event::CaseEvent;
use super::escalation::Escalation;
use crate::domain::schedule::Deadline;

/// The histories of cases the caller may read, each in the order things happened.
pub fn histories(conn: &mut PgConnection, case_ids: &[Uuid], include_staff_only: bool) -> QueryResult<Vec<CaseEvent>> {
    super::case_event::of_cases(conn, case_ids, include_staff_only)
}

/// One history entry, announced to a subscriber who is then checked against its case.
pub fn history_entry(conn: &mut PgConnection, id: i64) -> QueryResult<Option<CaseEvent>> {
    super::case_event::find(conn, id)
}

/// The stored deadlines of cases the caller may read.
pub fn deadlines(conn: &mut PgConnection, case_ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Deadline)>> {
    super::deadline::of_cases(conn, case_ids)
}

/// The escalations of cases the caller may read, oldest first.
pub fn escalations(conn: &mut PgConnection, case_ids: &[Uuid]) -> QueryResult<Vec<Escalation>> {
    super::escalation::of_cases(conn, case_ids)
}

/// One escalation by id, to find its case; the caller must then load that case through their scope.
pub fn escalation(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Escalation>> {
    super::escalation::find(conn, id)
}

/// The petitioner's contact data in full, for the audited reveal (`revealPetitionerContact`) only.
pub fn contact(conn: &mut PgConnection, case_id: Uuid) -> QueryResult<(Option<String>, Option<String>)> {
    super::case::contact_of(conn, case_id)
}

/// One case, locked for the system's own step on it (the sweep), unless another transaction holds it: then `None`,
/// and the next sweep tries again.
pub fn lock_case_for_system(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Case>> {
    super::case::lock_skipping(conn, id)
}

/// A case and its query code's digest by reference, for public tracking (the code is the scope).
pub fn case_by_reference(conn: &mut PgConnection, reference: &str) -> QueryResult<Option<(Case, Vec<u8>)>> {
    super::case::find_by_reference(conn, reference)
}
