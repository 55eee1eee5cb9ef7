//! Escalations (DOMAIN.md §5): reviews and re-reviews here; joint conferences and urgent reports later.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::escalations;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = escalations, check_for_backend(diesel::pg::Pg))]
pub struct Escalation {
    pub id: Uuid,
    pub case_id: Uuid,
    pub jurisdiction_code: String,
    pub kind: String,
    pub from_jurisdiction: String,
    pub to_jurisdiction: String,
    pub requested_by: Option<Uuid>,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub status: String,
    pub decision: Option<String>,
    pub opinion: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub struct NewEscalation<'a> {
    pub case_id: Uuid,
    pub jurisdiction_code: &'a str,
    pub kind: &'a str,
    pub from_jurisdiction: &'a str,
    pub to_jurisdiction: &'a str,
    pub requested_by: Uuid,
    pub reason: &'a str,
    pub requested_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

pub fn insert(conn: &mut PgConnection, e: &NewEscalation<'_>) -> QueryResult<Escalation> {
    diesel::insert_into(escalations::table)
        .values((
            escalations::id.eq(Uuid::new_v4()),
            escalations::case_id.eq(e.case_id),
            escalations::jurisdiction_code.eq(e.jurisdiction_code),
            escalations::kind.eq(e.kind),
            escalations::from_jurisdiction.eq(e.from_jurisdiction),
            escalations::to_jurisdiction.eq(e.to_jurisdiction),
            escalations::requested_by.eq(e.requested_by),
            escalations::reason.eq(e.reason),
            escalations::requested_at.eq(e.requested_at),
            escalations::due_at.eq(e.due_at),
        ))
        .returning(Escalation::as_returning())
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Escalation>> {
    escalations::table.find(id).select(Escalation::as_select()).first(conn).optional()
}

/// The escalations of several cases, oldest first (for the batched `escalations` field).
pub fn of_cases(conn: &mut PgConnection, case_ids: &[Uuid]) -> QueryResult<Vec<Escalation>> {
    escalations::table
        .filter(escalations::case_id.eq_any(case_ids))
        .order((escalations::case_id, escalations::requested_at, escalations::id))
        .select(Escalation::as_select())
        .load(conn)
}

pub fn decide(
    conn: &mut PgConnection,
    id: Uuid,
    decision: &str,
    opinion: &str,
    by: Uuid,
    at: DateTime<Utc>,
) -> QueryResult<Escalation> {
    diesel::update(escalations::table.find(id))
        .set((
            escalations::status.eq("DECIDED"),
            escalations::decision.eq(decision),
            escalations::opinion.eq(opinion),
            escalations::decided_by.eq(by),
            escalations::decided_at.eq(at),
        ))
        .returning(Escalation::as_returning())
        .get_result(conn)
}
