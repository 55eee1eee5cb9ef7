//! Cases, and the one scope filter that every case query goes through.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use uuid::Uuid;

use super::case_event::NewCaseEvent;
use super::jurisdiction::escape_like;
use super::page::{keyset_page, scoped_list, Page, PageRequest};
use crate::db::schema::{cases, jurisdictions};
use crate::domain::case::{CaseStatus, Category, Channel, Outcome, ReceivedLevel, Routing};
use crate::domain::ids::AccountId;
use crate::domain::ids::CaseId;
use crate::domain::ids::UnitId;
use crate::domain::schedule::Deadline;
use crate::domain::scope::CaseScope;
use crate::domain::visibility::CaseFacts;
use crate::error::Message;

mod writes;

pub(in crate::models) use writes::earlier_similar;
pub use writes::SamePerson;
pub use writes::{
    apply_update, insert, insert_with_history, next_serial, reserve_serials, set_next_due_many, CaseUpdate,
    EarlierCase, NewCase,
};

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = cases, check_for_backend(diesel::pg::Pg))]
pub struct Case {
    pub id: CaseId,
    pub reference: String,
    pub jurisdiction_code: String,
    pub township_code: Option<String>,
    pub status: CaseStatus,
    pub channel: Channel,
    pub category: Option<Category>,
    pub title: String,
    pub content: String,
    pub petitioner_name: String,
    pub petitioner_phone: Option<String>,
    pub petitioner_id_number: Option<String>,
    pub petitioner_account_id: Option<AccountId>,
    pub is_anonymous: bool,
    pub group_size: i32,
    #[diesel(embed)]
    pub handling: Handling,
    pub received_at: DateTime<Utc>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub next_due_at: Option<DateTime<Utc>>,
    pub repeat_of_case_id: Option<CaseId>,
    pub representatives: serde_json::Value,
    pub outcome: Option<Outcome>,
    pub resolution_plan: Option<serde_json::Value>,
    pub evaluation: Option<serde_json::Value>,
    pub disposition_note: Option<String>,
    /// Where the petition was received, compared with where its matter belongs (越级 above the county).
    pub received_level: ReceivedLevel,
    /// The jurisdiction of the bureau that received it, when not the matter's own.
    pub received_by_code: Option<String>,
}

/// Where a case stands in its handling: the unit it is with, how it came there (forwarded or assigned) and the
/// days it was given, its case lead, and whether it is flagged as backlog (积案). Empty for a petition just
/// received; the same in the row read and the row written.
#[derive(Queryable, Selectable, Insertable, Clone, Debug, Default)]
#[diesel(table_name = cases, check_for_backend(diesel::pg::Pg), treat_none_as_default_value = false)]
pub struct Handling {
    pub current_unit_id: Option<UnitId>,
    pub routing: Option<Routing>,
    pub handling_days: Option<i32>,
    pub case_lead_account_id: Option<AccountId>,
    pub is_backlog: bool,
}

impl Case {
    /// What the visibility rules need to know about the case.
    pub fn facts(&self) -> CaseFacts {
        CaseFacts {
            petitioner_account_id: self.petitioner_account_id,
            category: self.category,
            is_anonymous: self.is_anonymous,
        }
    }
}

pub(in crate::models) type CaseCondition = Box<dyn BoxableExpression<cases::table, Pg, SqlType = Bool>>;

/// Cases whose jurisdiction lies in the subtree with materialised path `path`.
pub(in crate::models) fn in_subtree(path: &str) -> CaseCondition {
    let codes = jurisdictions::table
        .filter(jurisdictions::path.like(format!("{}%", escape_like(path))))
        .select(jurisdictions::code);
    // Cases are filed under their county, with the township kept beside it: below a county, a subtree's cases are
    // those of its townships.
    if path.matches('/').count() > COUNTY_DEPTH {
        return Box::new(cases::township_code.assume_not_null().eq_any(codes));
    }
    Box::new(cases::jurisdiction_code.eq_any(codes))
}

/// How many codes a county's materialised path holds (province, city, county).
const COUNTY_DEPTH: usize = 3;

/// The SQL form of [`CaseScope`]: the condition every case read applies (DOMAIN.md §2). An empty scope matches
/// nothing.
pub fn visible_to(scope: &CaseScope) -> CaseCondition {
    let mut condition: CaseCondition = Box::new(diesel::dsl::sql::<Bool>("FALSE"));
    if let Some(petitioner) = scope.petitioner {
        condition = Box::new(condition.or(cases::petitioner_account_id.assume_not_null().eq(petitioner)));
    }
    if let Some(path) = &scope.subtree {
        condition = Box::new(condition.or(in_subtree(path)));
    }
    if let Some(unit) = scope.unit {
        condition = Box::new(condition.or(cases::current_unit_id.assume_not_null().eq(unit)));
    }
    if let Some(lead) = scope.lead {
        condition = Box::new(condition.or(cases::case_lead_account_id.assume_not_null().eq(lead)));
    }
    condition
}

/// Filters a client may apply on top of its scope. Each has an index (migrations/).
#[derive(Clone, Debug, Default)]
pub struct CaseFilter {
    pub statuses: Option<Vec<CaseStatus>>,
    pub category: Option<Category>,
    /// The path of a jurisdiction whose subtree the cases must lie in.
    pub within_path: Option<String>,
    pub unit_id: Option<UnitId>,
    pub case_lead_id: Option<Uuid>,
    /// Only cases with a deadline staff owe that ran out before this instant (now).
    pub overdue_at: Option<DateTime<Utc>>,
    pub received_from: Option<DateTime<Utc>>,
    pub received_before: Option<DateTime<Utc>>,
    /// A substring of title or content (trigram index; works for Chinese).
    pub text: Option<String>,
    /// Oldest first instead of newest first.
    pub ascending: bool,
}

fn filtered(scope: &CaseScope, filter: &CaseFilter) -> cases::BoxedQuery<'static, Pg> {
    let mut q = cases::table.filter(visible_to(scope)).into_boxed();
    if let Some(statuses) = &filter.statuses {
        q = q.filter(cases::status.eq_any(statuses.clone()));
    }
    if let Some(category) = &filter.category {
        q = q.filter(cases::category.eq(*category));
    }
    if let Some(path) = &filter.within_path {
        q = q.filter(in_subtree(path));
    }
    if let Some(unit) = filter.unit_id {
        q = q.filter(cases::current_unit_id.eq(unit));
    }
    if let Some(lead) = filter.case_lead_id {
        q = q.filter(cases::case_lead_account_id.eq(lead));
    }
    if let Some(now) = filter.overdue_at {
        q = q.filter(cases::next_due_at.lt(now));
    }
    if let Some(from) = filter.received_from {
        q = q.filter(cases::received_at.ge(from));
    }
    if let Some(before) = filter.received_before {
        q = q.filter(cases::received_at.lt(before));
    }
    if let Some(text) = &filter.text {
        // The same expression as the trigram index, so the index serves it.
        let haystack = diesel::dsl::sql::<diesel::sql_types::Text>("(cases.title || ' ' || cases.content)");
        q = q.filter(haystack.ilike(format!("%{}%", escape_like(text))));
    }
    q
}

/// The case with `id`, if the scope reaches it. The rule of [`visible_to`] in a statement of one fixed shape (a part
/// of the scope the caller lacks binds NULL, which matches nothing), so that each connection prepares it once and
/// PostgreSQL does not plan it again: reading one case is the most frequent request there is.
pub fn find_visible(conn: &mut PgConnection, scope: &CaseScope, id: CaseId) -> QueryResult<Option<Case>> {
    visible_by_id(scope, id).select(Case::as_select()).first(conn).optional()
}

/// As [`find_visible`], on a pipelined connection (see [`crate::db::key_reads`]): the statement is built before the
/// future is returned, so the future borrows only the connection.
pub fn find_visible_pipelined<'c>(
    conn: &'c diesel_async::AsyncPgConnection,
    scope: &CaseScope,
    id: CaseId,
) -> futures_util::future::BoxFuture<'c, QueryResult<Option<Case>>> {
    let query = visible_by_id(scope, id).select(Case::as_select());
    Box::pin(async move { diesel_async::RunQueryDsl::first(query, &mut &*conn).await.optional() })
}

/// The case with `reference`, if the scope reaches it, on a pipelined connection.
pub fn find_visible_by_reference_pipelined<'c>(
    conn: &'c diesel_async::AsyncPgConnection,
    scope: &CaseScope,
    reference: &str,
) -> futures_util::future::BoxFuture<'c, QueryResult<Option<Case>>> {
    let query = filtered(scope, &CaseFilter::default())
        .filter(cases::reference.eq(reference.to_owned()))
        .select(Case::as_select());
    Box::pin(async move { diesel_async::RunQueryDsl::first(query, &mut &*conn).await.optional() })
}

fn visible_by_id(scope: &CaseScope, id: CaseId) -> visible_by_id_statement {
    let subtree = scope.subtree.as_deref().map(|path| format!("{}%", escape_like(path)));
    visible_by_id_statement(id, scope.petitioner, subtree, scope.unit, scope.lead)
}

// `auto_type` names the statement's type after the function (`visible_by_id_statement`), for `visible_by_id`.
#[diesel::dsl::auto_type]
fn visible_by_id_statement(
    id: CaseId,
    petitioner: Option<AccountId>,
    subtree: Option<String>,
    unit: Option<UnitId>,
    lead: Option<AccountId>,
) -> _ {
    // The path of the case's own jurisdiction, looked up by its key, tested against the subtree: not the whole
    // subtree (thousands of townships under a province) gathered and hashed to test one case against it, which is
    // what PostgreSQL makes of an `IN` or an `EXISTS` here.
    let in_subtree = jurisdictions::table
        .filter(jurisdictions::code.eq(cases::jurisdiction_code))
        .select(jurisdictions::path)
        .single_value()
        .like(subtree);
    cases::table.filter(cases::id.eq(id)).filter(
        cases::petitioner_account_id
            .eq(petitioner)
            .or(in_subtree)
            .or(cases::current_unit_id.eq(unit))
            .or(cases::case_lead_account_id.eq(lead)),
    )
}

/// The position of a case in the list order (newest received first).
pub type CaseKey = super::page::TimeKey;

scoped_list!(CaseList, CaseScope, CaseFilter, CaseKey, Case);

pub fn key_of(case: &Case) -> CaseKey {
    (case.received_at, case.id.uuid())
}

pub fn list_visible(
    conn: &mut PgConnection,
    scope: &CaseScope,
    filter: &CaseFilter,
    page: &PageRequest<CaseKey>,
) -> QueryResult<Page<Case>> {
    let q = filtered(scope, filter).select(Case::as_select());
    let q = keyset_page!(q, cases::received_at, cases::id, page, filter.ascending);
    Ok(page.finish(q.load(conn)?))
}

pub fn count_visible(conn: &mut PgConnection, scope: &CaseScope, filter: &CaseFilter) -> QueryResult<i64> {
    filtered(scope, filter).count().get_result(conn)
}

/// Locks a visible case for a change. Another transaction holding it already means a concurrent change: the
/// caller gets `CONFLICT` at once instead of waiting to act on a state it never saw.
pub fn lock_visible(
    conn: &mut PgConnection,
    scope: &CaseScope,
    id: CaseId,
) -> Result<Option<Case>, crate::error::AppError> {
    let found = cases::table
        .filter(visible_to(scope))
        .filter(cases::id.eq(id))
        .select(Case::as_select())
        .for_update()
        .no_wait()
        .first(conn)
        .optional();
    match found {
        Ok(case) => Ok(case),
        Err(diesel::result::Error::DatabaseError(_, info)) if info.message().contains("could not obtain lock") => {
            Err(crate::error::AppError::new(crate::error::ErrorCode::Conflict, Message::CaseBusy))
        }
        Err(e) => Err(e.into()),
    }
}

/// The case, locked, unless another transaction holds its lock.
pub(super) fn lock_skipping(conn: &mut PgConnection, id: CaseId) -> QueryResult<Option<Case>> {
    cases::table.find(id).select(Case::as_select()).for_update().skip_locked().first(conn).optional()
}

/// Contact data, read only for the audited reveal.
pub(super) fn contact_of(conn: &mut PgConnection, id: CaseId) -> QueryResult<(Option<String>, Option<String>)> {
    cases::table.find(id).select((cases::petitioner_phone, cases::petitioner_id_number)).first(conn)
}

/// For intake: the query code's digest of a case by reference.
pub(super) fn find_by_reference(conn: &mut PgConnection, reference: &str) -> QueryResult<Option<(Case, Vec<u8>)>> {
    cases::table
        .filter(cases::reference.eq(reference))
        .select((Case::as_select(), cases::query_code_hash))
        .first(conn)
        .optional()
}

/// The cases among `ids` that the scope reaches (for batched nested fields).
pub fn find_many_visible(conn: &mut PgConnection, scope: &CaseScope, ids: &[CaseId]) -> QueryResult<Vec<Case>> {
    filtered(scope, &CaseFilter::default()).filter(cases::id.eq_any(ids.to_vec())).select(Case::as_select()).load(conn)
}
