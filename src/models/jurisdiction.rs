//! The jurisdiction tree (DOMAIN.md §2).

use diesel::prelude::*;

use super::page::{Page, PageRequest};
use crate::db::schema::jurisdictions;
use crate::domain::organisation::child_path;
use crate::domain::organisation::JurisdictionLevel;
use crate::domain::permission::Decision;
use crate::error::{AppError, AppResult};

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = jurisdictions, check_for_backend(diesel::pg::Pg))]
pub struct Jurisdiction {
    pub code: String,
    pub name: String,
    pub level: JurisdictionLevel,
    pub parent_code: Option<String>,
    pub path: String,
}

pub fn find(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Jurisdiction>> {
    jurisdictions::table.find(code).select(Jurisdiction::as_select()).first(conn).optional()
}

/// The materialised path of `code`, for subtree filters; `NOT_FOUND` naming `field` when there is no such code.
pub fn subtree_path(conn: &mut PgConnection, code: &str, field: &str) -> AppResult<String> {
    find(conn, code)?.map(|j| j.path).ok_or_else(|| AppError::not_found("jurisdiction").with_field(field))
}

pub fn find_many(conn: &mut PgConnection, codes: &[String]) -> QueryResult<Vec<Jurisdiction>> {
    jurisdictions::table.filter(jurisdictions::code.eq_any(codes)).select(Jurisdiction::as_select()).load(conn)
}

/// The children of each of `parents`, ordered by code (for the batched `children` field).
pub fn children_of(conn: &mut PgConnection, parents: &[String]) -> QueryResult<Vec<Jurisdiction>> {
    jurisdictions::table
        .filter(jurisdictions::parent_code.eq_any(parents))
        .order(jurisdictions::code)
        .select(Jurisdiction::as_select())
        .load(conn)
}

#[derive(Clone, Debug, Default)]
pub struct JurisdictionFilter {
    pub level: Option<JurisdictionLevel>,
    /// Only the direct children of this code; `Some(None)` means only roots (provinces).
    pub parent: Option<Option<String>>,
    /// Only jurisdictions inside the subtree with this path (inclusive).
    pub within_path: Option<String>,
}

fn filtered(filter: &JurisdictionFilter) -> jurisdictions::BoxedQuery<'static, diesel::pg::Pg> {
    let mut q = jurisdictions::table.into_boxed();
    if let Some(level) = &filter.level {
        q = q.filter(jurisdictions::level.eq(*level));
    }
    match &filter.parent {
        Some(Some(parent)) => q = q.filter(jurisdictions::parent_code.eq(parent.clone())),
        Some(None) => q = q.filter(jurisdictions::parent_code.is_null()),
        None => {}
    }
    if let Some(path) = &filter.within_path {
        q = q.filter(jurisdictions::path.like(format!("{}%", escape_like(path))));
    }
    q
}

/// Ordered by code.
pub fn list(
    conn: &mut PgConnection,
    filter: &JurisdictionFilter,
    page: &PageRequest<String>,
) -> QueryResult<Page<Jurisdiction>> {
    let mut q = filtered(filter).select(Jurisdiction::as_select());
    if let Some(after) = &page.after {
        q = q.filter(jurisdictions::code.gt(after.clone()));
    }
    if let Some(before) = &page.before {
        q = q.filter(jurisdictions::code.lt(before.clone()));
    }
    q = if page.from_end { q.order(jurisdictions::code.desc()) } else { q.order(jurisdictions::code.asc()) };
    Ok(page.finish(q.limit(page.fetch_limit()).load(conn)?))
}

pub fn count(conn: &mut PgConnection, filter: &JurisdictionFilter) -> QueryResult<i64> {
    filtered(filter).count().get_result(conn)
}

/// Inserts a jurisdiction under `parent_code` (which must exist), computing its path.
pub fn insert(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    code: &str,
    name: &str,
    level: JurisdictionLevel,
    parent_code: Option<&str>,
) -> QueryResult<Jurisdiction> {
    let parent_path = match parent_code {
        Some(p) => Some(jurisdictions::table.find(p).select(jurisdictions::path).first::<String>(conn)?),
        None => None,
    };
    diesel::insert_into(jurisdictions::table)
        .values((
            jurisdictions::code.eq(code),
            jurisdictions::name.eq(name),
            jurisdictions::level.eq(level),
            jurisdictions::parent_code.eq(parent_code),
            jurisdictions::path.eq(child_path(parent_path.as_deref(), code)),
        ))
        .returning(Jurisdiction::as_returning())
        .get_result(conn)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern (paths hold only digits and `/`, but be safe).
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}
