//! The administration log: every change of an account or unit, append-only (the table's trigger refuses rewrites,
//! and the server's role may only insert).

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use uuid::Uuid;

use super::jurisdiction::escape_like;
use super::page::{Page, PageRequest};
use crate::db::schema::{admin_events, jurisdictions};
use crate::domain::administration::{AdminAction, AdminSubject};
use crate::domain::ids::AccountId;
use crate::domain::permission::{act, Authorized};

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = admin_events, check_for_backend(diesel::pg::Pg))]
pub struct AdminEvent {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_account_id: Option<AccountId>,
    pub actor_name: String,
    pub action: AdminAction,
    pub subject_kind: AdminSubject,
    pub subject_id: Uuid,
    pub jurisdiction_code: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// What a log entry says changed.
pub struct Change<'a> {
    pub action: AdminAction,
    pub subject_kind: AdminSubject,
    pub subject_id: Uuid,
    /// Where the subject is placed: whose admins read the entry.
    pub jurisdiction_code: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Appends `e`, made by the admin `actor_account_id` (`None` for the command line) called `actor_name`.
pub fn append(
    conn: &mut PgConnection,
    _decided: &Authorized<act::Administer>,
    actor_account_id: Option<AccountId>,
    actor_name: &str,
    e: &Change<'_>,
    occurred_at: DateTime<Utc>,
) -> QueryResult<AdminEvent> {
    diesel::insert_into(admin_events::table)
        .values((
            admin_events::occurred_at.eq(occurred_at),
            admin_events::actor_account_id.eq(actor_account_id),
            admin_events::actor_name.eq(actor_name),
            admin_events::action.eq(e.action),
            admin_events::subject_kind.eq(e.subject_kind),
            admin_events::subject_id.eq(e.subject_id),
            admin_events::jurisdiction_code.eq(e.jurisdiction_code),
            admin_events::before.eq(&e.before),
            admin_events::after.eq(&e.after),
        ))
        .returning(AdminEvent::as_returning())
        .get_result(conn)
}

/// Filters on the log, inside the reader's subtree.
#[derive(Clone, Debug, Default)]
pub struct AdminEventFilter {
    pub subject_id: Option<Uuid>,
    pub action: Option<AdminAction>,
    pub within_path: Option<String>,
}

fn filtered(subtree: &str, f: &AdminEventFilter) -> admin_events::BoxedQuery<'static, Pg> {
    let in_subtree = |path: &str| {
        jurisdictions::table
            .filter(jurisdictions::path.like(format!("{}%", escape_like(path))))
            .select(jurisdictions::code)
    };
    let mut q = admin_events::table.filter(admin_events::jurisdiction_code.eq_any(in_subtree(subtree))).into_boxed();
    if let Some(subject) = f.subject_id {
        q = q.filter(admin_events::subject_id.eq(subject));
    }
    if let Some(action) = f.action {
        q = q.filter(admin_events::action.eq(action));
    }
    if let Some(path) = &f.within_path {
        q = q.filter(admin_events::jurisdiction_code.eq_any(in_subtree(path)));
    }
    q
}

/// Up to `limit` entries about what is placed in the subtree at `subtree` (an admin's), after `after` in the feed and
/// below its horizon, in feed order (`models::feed`). None when the filter names a case: they are about accounts and
/// units.
pub fn feed_entries(
    conn: &mut PgConnection,
    subtree: &str,
    filter: &super::feed::FeedFilter,
    after: Option<super::feed::FeedKey>,
    limit: i64,
) -> QueryResult<Vec<(super::feed::FeedKey, AdminEvent)>> {
    use super::feed::{keyed, kinds_known, Source};
    if filter.case_id.is_some() {
        return Ok(Vec::new());
    }
    let within = AdminEventFilter { within_path: filter.within_path.clone(), ..Default::default() };
    let mut q = filtered(subtree, &within).filter(super::feed::after("admin_events", Source::Administration, after));
    if let Some(actions) = kinds_known(filter, AdminAction::parse) {
        q = q.filter(admin_events::action.eq_any(actions));
    }
    let rows: Vec<(i64, AdminEvent)> = q
        .order((admin_events::written_in, admin_events::id))
        .limit(limit)
        .select((admin_events::written_in, AdminEvent::as_select()))
        .load(conn)?;
    Ok(keyed(rows, Source::Administration, |e| e.id))
}

/// The entries about what is placed in the subtree at `subtree`, newest first, paged by id.
pub fn list(
    conn: &mut PgConnection,
    subtree: &str,
    filter: &AdminEventFilter,
    page: &PageRequest<i64>,
) -> QueryResult<Page<AdminEvent>> {
    let mut q = filtered(subtree, filter).select(AdminEvent::as_select());
    if let Some(after) = page.after {
        q = q.filter(admin_events::id.lt(after));
    }
    if let Some(before) = page.before {
        q = q.filter(admin_events::id.gt(before));
    }
    q = if page.from_end { q.order(admin_events::id.asc()) } else { q.order(admin_events::id.desc()) };
    Ok(page.finish(q.limit(page.fetch_limit()).load(conn)?))
}

pub fn count(conn: &mut PgConnection, subtree: &str, filter: &AdminEventFilter) -> QueryResult<i64> {
    filtered(subtree, filter).count().get_result(conn)
}
