//! Supervision notices (督办), the cases they are about, and their append-only history. Every read goes through
//! the notice scope of `domain::supervision`.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use uuid::Uuid;

use super::jurisdiction::escape_like;
use super::page::{keyset_page, scoped_list, Page, PageRequest, TimeKey};
use crate::db::announce;
use crate::db::schema::{jurisdictions, supervision_notice_cases, supervision_notice_events, supervision_notices};
use crate::domain::ids::AccountId;
use crate::domain::ids::CaseId;
use crate::domain::ids::NoticeId;
use crate::domain::ids::UnitId;
use crate::domain::permission::Decision;
use crate::domain::scope::NoticeScope;
use crate::domain::supervision::{NoticeEventKind, NoticeStatus, NoticeTrigger, NoticeType};

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = supervision_notices, check_for_backend(diesel::pg::Pg))]
pub struct SupervisionNotice {
    pub id: NoticeId,
    pub jurisdiction_code: String,
    pub target_unit_id: UnitId,
    pub issuer_account_id: AccountId,
    pub issuer_unit_id: UnitId,
    pub notice_type: NoticeType,
    pub trigger_reason: NoticeTrigger,
    pub requirements: String,
    pub status: NoticeStatus,
    pub issued_at: DateTime<Utc>,
    pub response_due_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub responded_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub adopted: Option<bool>,
    pub response: Option<String>,
    pub version: i32,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = supervision_notice_events, check_for_backend(diesel::pg::Pg))]
pub struct NoticeEvent {
    pub id: i64,
    pub notice_id: NoticeId,
    #[diesel(embed)]
    pub entry: NoticeEntry,
}

history_entry!(
    /// What an entry of a notice's history says.
    NoticeEntry,
    supervision_notice_events,
    NoticeEventKind,
    NoticeStatus
);

pub struct NewNotice<'a> {
    pub jurisdiction_code: &'a str,
    pub target_unit_id: UnitId,
    pub issuer_account_id: AccountId,
    pub issuer_unit_id: UnitId,
    pub notice_type: NoticeType,
    pub trigger_reason: NoticeTrigger,
    pub requirements: &'a str,
    pub issued_at: DateTime<Utc>,
    pub response_due_at: DateTime<Utc>,
}

/// Inserts a notice about `cases` (id and jurisdiction code of each).
pub fn insert(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    n: &NewNotice<'_>,
    cases: &[(CaseId, &str)],
) -> QueryResult<SupervisionNotice> {
    let notice = diesel::insert_into(supervision_notices::table)
        .values((
            supervision_notices::id.eq(Uuid::new_v4()),
            supervision_notices::jurisdiction_code.eq(n.jurisdiction_code),
            supervision_notices::target_unit_id.eq(n.target_unit_id),
            supervision_notices::issuer_account_id.eq(n.issuer_account_id),
            supervision_notices::issuer_unit_id.eq(n.issuer_unit_id),
            supervision_notices::notice_type.eq(n.notice_type),
            supervision_notices::trigger_reason.eq(n.trigger_reason),
            supervision_notices::requirements.eq(n.requirements),
            supervision_notices::status.eq("ISSUED"),
            supervision_notices::issued_at.eq(n.issued_at),
            supervision_notices::response_due_at.eq(n.response_due_at),
        ))
        .returning(SupervisionNotice::as_returning())
        .get_result(conn)?;
    let links: Vec<_> = cases
        .iter()
        .map(|(case, code)| {
            (
                supervision_notice_cases::notice_id.eq(notice.id),
                supervision_notice_cases::case_id.eq(*case),
                supervision_notice_cases::jurisdiction_code.eq(*code),
            )
        })
        .collect();
    diesel::insert_into(supervision_notice_cases::table).values(links).execute(conn)?;
    Ok(notice)
}

/// What a step changes on a notice; `None` leaves a column alone.
#[derive(Default)]
pub struct NoticeUpdate {
    pub status: Option<NoticeStatus>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub responded_at: Option<DateTime<Utc>>,
    pub closed_at: Option<Option<DateTime<Utc>>>,
    pub adopted: Option<bool>,
    pub response: Option<String>,
    pub response_due_at: Option<DateTime<Utc>>,
}

#[derive(AsChangeset)]
#[diesel(table_name = supervision_notices)]
struct NoticeChanges {
    status: Option<NoticeStatus>,
    acknowledged_at: Option<DateTime<Utc>>,
    responded_at: Option<DateTime<Utc>>,
    closed_at: Option<Option<DateTime<Utc>>>,
    adopted: Option<bool>,
    response: Option<String>,
    response_due_at: Option<DateTime<Utc>>,
}

pub fn update(
    conn: &mut PgConnection,
    decided: &impl Decision,
    id: NoticeId,
    u: NoticeUpdate,
) -> QueryResult<SupervisionNotice> {
    super::decided_for(decided, id)?;
    let changes = NoticeChanges {
        status: u.status,
        acknowledged_at: u.acknowledged_at,
        responded_at: u.responded_at,
        closed_at: u.closed_at,
        adopted: u.adopted,
        response: u.response,
        response_due_at: u.response_due_at,
    };
    diesel::update(supervision_notices::table.find(id))
        .set((changes, supervision_notices::version.eq(supervision_notices::version + 1)))
        .returning(SupervisionNotice::as_returning())
        .get_result(conn)
}

#[derive(Insertable)]
#[diesel(table_name = supervision_notice_events)]
pub struct NewNoticeEvent<'a> {
    pub notice_id: NoticeId,
    pub jurisdiction_code: &'a str,
    #[diesel(embed)]
    pub entry: NoticeEntry,
}

pub fn append_event(conn: &mut PgConnection, decided: &impl Decision, e: &NewNoticeEvent<'_>) -> QueryResult<i64> {
    super::decided_for(decided, e.notice_id)?;
    let id = diesel::insert_into(supervision_notice_events::table)
        .values(e)
        .returning(supervision_notice_events::id)
        .get_result(conn)?;
    announce::notice_entry_written(id);
    Ok(id)
}

/// The histories of several notices, each oldest first.
pub(in crate::models) fn events_of(conn: &mut PgConnection, notice_ids: &[NoticeId]) -> QueryResult<Vec<NoticeEvent>> {
    supervision_notice_events::table
        .filter(supervision_notice_events::notice_id.eq_any(notice_ids))
        .order((
            supervision_notice_events::notice_id,
            supervision_notice_events::occurred_at,
            supervision_notice_events::id,
        ))
        .select(NoticeEvent::as_select())
        .load(conn)
}

pub(in crate::models) fn find_event(conn: &mut PgConnection, id: i64) -> QueryResult<Option<NoticeEvent>> {
    supervision_notice_events::table.find(id).select(NoticeEvent::as_select()).first(conn).optional()
}

type NoticeCondition = Box<dyn BoxableExpression<supervision_notices::table, Pg, SqlType = Bool>>;

fn in_subtree(path: &str) -> NoticeCondition {
    let codes = jurisdictions::table
        .filter(jurisdictions::path.like(format!("{}%", escape_like(path))))
        .select(jurisdictions::code);
    Box::new(supervision_notices::jurisdiction_code.eq_any(codes))
}

/// The SQL form of [`NoticeScope`]; an empty scope matches nothing.
fn visible_to(scope: &NoticeScope) -> NoticeCondition {
    let mut condition: NoticeCondition = Box::new(diesel::dsl::sql::<Bool>("FALSE"));
    if let Some(path) = &scope.subtree {
        condition = Box::new(condition.or(in_subtree(path)));
    }
    if let Some(unit) = scope.unit {
        condition = Box::new(condition.or(supervision_notices::target_unit_id.eq(unit)));
    }
    condition
}

/// Filters on top of the scope; each has an index.
#[derive(Clone, Debug, Default)]
pub struct NoticeFilter {
    pub statuses: Option<Vec<NoticeStatus>>,
    pub notice_type: Option<NoticeType>,
    pub target_unit_id: Option<UnitId>,
    pub issuer_account_id: Option<AccountId>,
    /// Awaiting a response past its due time at this instant.
    pub overdue_at: Option<DateTime<Utc>>,
    pub within_path: Option<String>,
    pub case_id: Option<CaseId>,
}

fn filtered(scope: &NoticeScope, f: &NoticeFilter) -> supervision_notices::BoxedQuery<'static, Pg> {
    let mut q = supervision_notices::table.filter(visible_to(scope)).into_boxed();
    if let Some(statuses) = &f.statuses {
        q = q.filter(supervision_notices::status.eq_any(statuses.clone()));
    }
    if let Some(t) = &f.notice_type {
        q = q.filter(supervision_notices::notice_type.eq(*t));
    }
    if let Some(unit) = f.target_unit_id {
        q = q.filter(supervision_notices::target_unit_id.eq(unit));
    }
    if let Some(issuer) = f.issuer_account_id {
        q = q.filter(supervision_notices::issuer_account_id.eq(issuer));
    }
    if let Some(now) = f.overdue_at {
        q = q
            .filter(supervision_notices::status.eq_any(NoticeStatus::AWAITING_RESPONSE))
            .filter(supervision_notices::response_due_at.lt(now));
    }
    if let Some(path) = &f.within_path {
        q = q.filter(in_subtree(path));
    }
    if let Some(case_id) = f.case_id {
        let notices = supervision_notice_cases::table
            .filter(supervision_notice_cases::case_id.eq(case_id))
            .select(supervision_notice_cases::notice_id);
        q = q.filter(supervision_notices::id.eq_any(notices));
    }
    q
}

scoped_list!(NoticeList, NoticeScope, NoticeFilter, TimeKey, SupervisionNotice);

pub fn key_of(n: &SupervisionNotice) -> TimeKey {
    (n.issued_at, n.id.uuid())
}

pub fn list_visible(
    conn: &mut PgConnection,
    scope: &NoticeScope,
    filter: &NoticeFilter,
    page: &PageRequest<TimeKey>,
) -> QueryResult<Page<SupervisionNotice>> {
    let q = filtered(scope, filter).select(SupervisionNotice::as_select());
    let q = keyset_page!(q, supervision_notices::issued_at, supervision_notices::id, page, false);
    Ok(page.finish(q.load(conn)?))
}

pub fn count_visible(conn: &mut PgConnection, scope: &NoticeScope, filter: &NoticeFilter) -> QueryResult<i64> {
    filtered(scope, filter).count().get_result(conn)
}

pub fn find_visible(
    conn: &mut PgConnection,
    scope: &NoticeScope,
    id: NoticeId,
) -> QueryResult<Option<SupervisionNotice>> {
    filtered(scope, &NoticeFilter::default())
        .filter(supervision_notices::id.eq(id))
        .select(SupervisionNotice::as_select())
        .first(conn)
        .optional()
}

/// The notices among `ids` that the scope reaches.
pub fn find_many_visible(
    conn: &mut PgConnection,
    scope: &NoticeScope,
    ids: &[NoticeId],
) -> QueryResult<Vec<SupervisionNotice>> {
    filtered(scope, &NoticeFilter::default())
        .filter(supervision_notices::id.eq_any(ids))
        .select(SupervisionNotice::as_select())
        .load(conn)
}

/// Up to `limit` entries of the histories of the notices `scope` reaches, after `after` in the feed and below its
/// horizon, in feed order (`models::feed`); about one case when the filter names it.
pub fn feed_entries(
    conn: &mut PgConnection,
    scope: &NoticeScope,
    filter: &super::feed::FeedFilter,
    after: Option<super::feed::FeedKey>,
    limit: i64,
) -> QueryResult<Vec<(super::feed::FeedKey, NoticeEvent)>> {
    use super::feed::{keyed, kinds_known, Source};
    let mut reachable =
        supervision_notices::table.filter(visible_to(scope)).select(supervision_notices::id).into_boxed();
    if let Some(path) = &filter.within_path {
        let codes = jurisdictions::table
            .filter(jurisdictions::path.like(format!("{}%", super::jurisdiction::escape_like(path))))
            .select(jurisdictions::code);
        reachable = reachable.filter(supervision_notices::jurisdiction_code.eq_any(codes));
    }
    if let Some(case_id) = filter.case_id {
        let about = supervision_notice_cases::table
            .filter(supervision_notice_cases::case_id.eq(case_id))
            .select(supervision_notice_cases::notice_id);
        reachable = reachable.filter(supervision_notices::id.eq_any(about));
    }
    let mut q = supervision_notice_events::table
        .filter(supervision_notice_events::notice_id.eq_any(reachable))
        .filter(super::feed::after("supervision_notice_events", Source::Notice, after))
        .into_boxed();
    if let Some(kinds) = kinds_known(filter, NoticeEventKind::parse) {
        q = q.filter(supervision_notice_events::kind.eq_any(kinds));
    }
    let rows: Vec<(i64, NoticeEvent)> = q
        .order((supervision_notice_events::written_in, supervision_notice_events::id))
        .limit(limit)
        .select((supervision_notice_events::written_in, NoticeEvent::as_select()))
        .load(conn)?;
    Ok(keyed(rows, Source::Notice, |e| e.id))
}

/// As [`find_visible`], locking the row for the rest of the transaction (one step at a time per notice).
pub fn lock_visible(
    conn: &mut PgConnection,
    scope: &NoticeScope,
    id: NoticeId,
) -> QueryResult<Option<SupervisionNotice>> {
    supervision_notices::table
        .filter(visible_to(scope))
        .filter(supervision_notices::id.eq(id))
        .select(SupervisionNotice::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// The notices the scope reaches about each of `case_ids`, newest first: (case id, notice).
pub fn of_cases(
    conn: &mut PgConnection,
    scope: &NoticeScope,
    case_ids: &[CaseId],
) -> QueryResult<Vec<(CaseId, SupervisionNotice)>> {
    let links: Vec<(CaseId, NoticeId)> = supervision_notice_cases::table
        .filter(supervision_notice_cases::case_id.eq_any(case_ids))
        .select((supervision_notice_cases::case_id, supervision_notice_cases::notice_id))
        .load(conn)?;
    let notice_ids: Vec<NoticeId> = links.iter().map(|(_, n)| *n).collect();
    let notices: std::collections::HashMap<NoticeId, SupervisionNotice> = filtered(scope, &NoticeFilter::default())
        .filter(supervision_notices::id.eq_any(notice_ids))
        .order((supervision_notices::issued_at.desc(), supervision_notices::id.desc()))
        .select(SupervisionNotice::as_select())
        .load(conn)?
        .into_iter()
        .map(|n| (n.id, n))
        .collect();
    let mut out: Vec<(CaseId, SupervisionNotice)> =
        links.into_iter().filter_map(|(case, notice)| Some((case, notices.get(&notice)?.clone()))).collect();
    out.sort_by_key(|(_, n)| std::cmp::Reverse((n.issued_at, n.id)));
    Ok(out)
}

/// The case ids of each of `notice_ids`: (notice id, case id).
pub(in crate::models) fn case_ids_of(
    conn: &mut PgConnection,
    notice_ids: &[NoticeId],
) -> QueryResult<Vec<(NoticeId, CaseId)>> {
    supervision_notice_cases::table
        .filter(supervision_notice_cases::notice_id.eq_any(notice_ids))
        .order((supervision_notice_cases::notice_id, supervision_notice_cases::case_id))
        .select((supervision_notice_cases::notice_id, supervision_notice_cases::case_id))
        .load(conn)
}

/// Notices awaiting a response past due at `now` with no `OVERDUE` entry for that due time yet (the sweep).
pub(in crate::models) fn overdue_unrecorded(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<SupervisionNotice>> {
    supervision_notices::table
        .filter(supervision_notices::status.eq_any(NoticeStatus::AWAITING_RESPONSE))
        .filter(supervision_notices::response_due_at.le(now))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            supervision_notice_events::table
                .filter(supervision_notice_events::notice_id.eq(supervision_notices::id))
                .filter(supervision_notice_events::kind.eq("OVERDUE"))
                .filter(diesel::dsl::sql::<Bool>(
                    "(supervision_notice_events.payload ->> 'dueAt')::timestamptz = supervision_notices.response_due_at",
                )),
        )))
        .order(supervision_notices::response_due_at)
        .select(SupervisionNotice::as_select())
        .limit(limit)
        .load(conn)
}

/// As [`append_event`], but does nothing when a unique index says the entry is already there (the sweep's
/// `OVERDUE`, recorded once however many servers sweep). Returns whether it was written.
pub fn append_event_once(
    conn: &mut PgConnection,
    decided: &impl Decision,
    e: &NewNoticeEvent<'_>,
) -> QueryResult<bool> {
    super::decided_for(decided, e.notice_id)?;
    let id: Option<i64> = diesel::insert_into(supervision_notice_events::table)
        .values(e)
        .on_conflict_do_nothing()
        .returning(supervision_notice_events::id)
        .get_result(conn)
        .optional()?;
    id.iter().for_each(|id| announce::notice_entry_written(*id));
    Ok(id.is_some())
}
