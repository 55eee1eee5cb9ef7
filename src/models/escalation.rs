//! Escalations (DOMAIN.md §5): reviews, re-reviews, joint conferences and urgent reports. Every read goes through
//! the scope of the cases they are about.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;

use super::case::visible_to;
use super::jurisdiction::escape_like;
use super::page::{keyset_page, scoped_list, Page, PageRequest, TimeKey};
use crate::db::schema::{cases, escalations, jurisdictions};
use crate::domain::escalation::{EscalationDecision, EscalationKind, EscalationStatus};
use crate::domain::ids::AccountId;
use crate::domain::ids::CaseId;
use crate::domain::ids::EscalationId;
use crate::domain::permission::Decision;
use crate::domain::scope::EscalationScope;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = escalations, check_for_backend(diesel::pg::Pg))]
pub struct Escalation {
    pub id: EscalationId,
    pub case_id: CaseId,
    pub jurisdiction_code: String,
    pub kind: EscalationKind,
    pub from_jurisdiction: String,
    pub to_jurisdiction: String,
    pub requested_by: Option<AccountId>,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub status: EscalationStatus,
    pub decision: Option<EscalationDecision>,
    pub opinion: Option<String>,
    pub decided_by: Option<AccountId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub disputed_with: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = escalations, treat_none_as_default_value = false)]
pub struct NewEscalation<'a> {
    pub id: EscalationId,
    pub case_id: CaseId,
    pub jurisdiction_code: &'a str,
    pub kind: EscalationKind,
    pub from_jurisdiction: &'a str,
    pub to_jurisdiction: &'a str,
    pub requested_by: AccountId,
    pub reason: &'a str,
    pub requested_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub disputed_with: Option<&'a str>,
}

pub fn insert(conn: &mut PgConnection, decided: &impl Decision, e: &NewEscalation<'_>) -> QueryResult<Escalation> {
    super::decided_for(decided, e.case_id)?;
    diesel::insert_into(escalations::table).values(e).returning(Escalation::as_returning()).get_result(conn)
}

pub(super) fn find(conn: &mut PgConnection, id: EscalationId) -> QueryResult<Option<Escalation>> {
    escalations::table.find(id).select(Escalation::as_select()).first(conn).optional()
}

/// The escalations of several cases, oldest first (for the batched `escalations` field).
pub(super) fn of_cases(conn: &mut PgConnection, case_ids: &[CaseId]) -> QueryResult<Vec<Escalation>> {
    escalations::table
        .filter(escalations::case_id.eq_any(case_ids))
        .order((escalations::case_id, escalations::requested_at, escalations::id))
        .select(Escalation::as_select())
        .load(conn)
}

/// How a pending escalation ends: `DECIDED` with a decision, or `WITHDRAWN`; `text` is the opinion or the reason.
#[derive(AsChangeset)]
#[diesel(table_name = escalations, treat_none_as_null = true)]
pub struct Settlement<'a> {
    pub status: EscalationStatus,
    pub decision: Option<EscalationDecision>,
    #[diesel(column_name = opinion)]
    pub text: &'a str,
    #[diesel(column_name = decided_by)]
    pub by: AccountId,
    #[diesel(column_name = decided_at)]
    pub at: DateTime<Utc>,
}

/// Ends a pending escalation; the decision must be about this one (a proof for another escalation of the same
/// case is refused).
pub fn settle(
    conn: &mut PgConnection,
    decided: &impl Decision,
    id: EscalationId,
    s: &Settlement<'_>,
) -> QueryResult<Escalation> {
    super::decided_for(decided, id)?;
    diesel::update(escalations::table.find(id)).set(s).returning(Escalation::as_returning()).get_result(conn)
}

/// Filters on top of the scope; each has an index.
#[derive(Clone, Debug, Default)]
pub struct EscalationFilter {
    pub kinds: Option<Vec<EscalationKind>>,
    pub statuses: Option<Vec<EscalationStatus>>,
    /// The path of a jurisdiction whose subtree the cases must lie in.
    pub within_path: Option<String>,
    /// Addressed to exactly this jurisdiction.
    pub addressed_to: Option<String>,
    /// Pending and past due at this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    pub case_id: Option<CaseId>,
}

fn filtered(scope: &EscalationScope, filter: &EscalationFilter) -> escalations::BoxedQuery<'static, Pg> {
    let visible_cases = cases::table.filter(visible_to(&scope.cases)).select(cases::id).into_boxed();
    let mut q = escalations::table.filter(escalations::case_id.eq_any(visible_cases)).into_boxed();
    if !scope.staff {
        q = q.filter(escalations::kind.eq_any([EscalationKind::Review, EscalationKind::ReReview]));
    }
    if let Some(kinds) = &filter.kinds {
        q = q.filter(escalations::kind.eq_any(kinds.clone()));
    }
    if let Some(statuses) = &filter.statuses {
        q = q.filter(escalations::status.eq_any(statuses.clone()));
    }
    if let Some(path) = &filter.within_path {
        let codes = jurisdictions::table
            .filter(jurisdictions::path.like(format!("{}%", escape_like(path))))
            .select(jurisdictions::code);
        q = q.filter(escalations::jurisdiction_code.eq_any(codes));
    }
    if let Some(to) = &filter.addressed_to {
        q = q.filter(escalations::to_jurisdiction.eq(to.clone()));
    }
    if let Some(now) = filter.overdue_at {
        q = q.filter(escalations::status.eq(EscalationStatus::Pending)).filter(escalations::due_at.lt(now));
    }
    if let Some(case_id) = filter.case_id {
        q = q.filter(escalations::case_id.eq(case_id));
    }
    q
}

scoped_list!(EscalationList, EscalationScope, EscalationFilter, TimeKey, Escalation, check = addressed_to_exists);

/// The jurisdiction an escalation list is filtered to as the addressee must exist.
fn addressed_to_exists(conn: &mut PgConnection, filter: &EscalationFilter) -> crate::error::AppResult<()> {
    if let Some(code) = &filter.addressed_to {
        super::jurisdiction::subtree_path(conn, code, "filter.addressedTo")?;
    }
    Ok(())
}

pub fn key_of(e: &Escalation) -> TimeKey {
    (e.requested_at, e.id.uuid())
}

/// A page of the escalations the scope reaches, newest first.
pub fn list_visible(
    conn: &mut PgConnection,
    scope: &EscalationScope,
    filter: &EscalationFilter,
    page: &PageRequest<TimeKey>,
) -> QueryResult<Page<Escalation>> {
    let q = filtered(scope, filter).select(Escalation::as_select());
    let q = keyset_page!(q, escalations::requested_at, escalations::id, page, false);
    Ok(page.finish(q.load(conn)?))
}

pub fn count_visible(conn: &mut PgConnection, scope: &EscalationScope, filter: &EscalationFilter) -> QueryResult<i64> {
    filtered(scope, filter).count().get_result(conn)
}

/// One escalation, if the scope reaches it.
pub fn find_visible(
    conn: &mut PgConnection,
    scope: &EscalationScope,
    id: EscalationId,
) -> QueryResult<Option<Escalation>> {
    filtered(scope, &EscalationFilter::default())
        .filter(escalations::id.eq(id))
        .select(Escalation::as_select())
        .first(conn)
        .optional()
}

/// Whether the case has a pending escalation of `kind`.
pub(in crate::models) fn pending_of_kind(
    conn: &mut PgConnection,
    case_id: CaseId,
    kind: EscalationKind,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        escalations::table
            .filter(escalations::case_id.eq(case_id))
            .filter(escalations::kind.eq(kind))
            .filter(escalations::status.eq(EscalationStatus::Pending)),
    ))
    .get_result(conn)
}
