//! Units: bureaus, handling units and committees, each in one jurisdiction.

use diesel::prelude::*;
use uuid::Uuid;

use super::page::{Page, PageRequest};
use crate::db::schema::{cases, jurisdictions, units};
use crate::domain::ids::UnitId;
use crate::domain::organisation::UnitKind;
use crate::domain::permission::Decision;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = units, check_for_backend(diesel::pg::Pg))]
pub struct Unit {
    pub id: UnitId,
    pub jurisdiction_code: String,
    pub kind: UnitKind,
    pub name: String,
    /// A deactivated unit takes no new cases or staff.
    pub active: bool,
}

pub fn find_many(conn: &mut PgConnection, ids: &[UnitId]) -> QueryResult<Vec<Unit>> {
    units::table.filter(units::id.eq_any(ids)).select(Unit::as_select()).load(conn)
}

/// The units of each of `codes`, ordered by kind and name (for the batched `units` field).
pub fn of_jurisdictions(conn: &mut PgConnection, codes: &[String]) -> QueryResult<Vec<Unit>> {
    units::table
        .filter(units::jurisdiction_code.eq_any(codes))
        .order((units::kind, units::name))
        .select(Unit::as_select())
        .load(conn)
}

#[derive(Clone, Debug, Default)]
pub struct UnitFilter {
    pub jurisdiction_code: Option<String>,
    pub kind: Option<UnitKind>,
    pub active: Option<bool>,
    /// Only units of jurisdictions in the subtree with this materialised path.
    pub within_path: Option<String>,
}

fn filtered(filter: &UnitFilter) -> units::BoxedQuery<'static, diesel::pg::Pg> {
    let mut q = units::table.into_boxed();
    if let Some(code) = &filter.jurisdiction_code {
        q = q.filter(units::jurisdiction_code.eq(code.clone()));
    }
    if let Some(kind) = &filter.kind {
        q = q.filter(units::kind.eq(*kind));
    }
    if let Some(active) = filter.active {
        q = q.filter(units::active.eq(active));
    }
    if let Some(path) = &filter.within_path {
        let codes = jurisdictions::table
            .filter(jurisdictions::path.like(format!("{}%", super::jurisdiction::escape_like(path))))
            .select(jurisdictions::code);
        q = q.filter(units::jurisdiction_code.eq_any(codes));
    }
    q
}

/// Ordered by id, a stable if arbitrary order that any filter combination can page through by index.
pub fn list(conn: &mut PgConnection, filter: &UnitFilter, page: &PageRequest<Uuid>) -> QueryResult<Page<Unit>> {
    let mut q = filtered(filter).select(Unit::as_select());
    if let Some(after) = page.after {
        q = q.filter(units::id.gt(after));
    }
    if let Some(before) = page.before {
        q = q.filter(units::id.lt(before));
    }
    q = if page.from_end { q.order(units::id.desc()) } else { q.order(units::id.asc()) };
    Ok(page.finish(q.limit(page.fetch_limit()).load(conn)?))
}

pub fn count(conn: &mut PgConnection, filter: &UnitFilter) -> QueryResult<i64> {
    filtered(filter).count().get_result(conn)
}

/// Inserts the unit; `Ok(None)` when its jurisdiction already has a unit of that name.
pub fn insert(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    jurisdiction_code: &str,
    kind: UnitKind,
    name: &str,
) -> QueryResult<Option<Unit>> {
    diesel::insert_into(units::table)
        .values((
            units::id.eq(Uuid::new_v4()),
            units::jurisdiction_code.eq(jurisdiction_code),
            units::kind.eq(kind),
            units::name.eq(name),
        ))
        .on_conflict_do_nothing()
        .returning(Unit::as_returning())
        .get_result(conn)
        .optional()
}

/// Locks the unit row for the rest of the transaction.
pub fn lock(conn: &mut PgConnection, id: UnitId) -> QueryResult<Option<Unit>> {
    units::table.find(id).select(Unit::as_select()).for_update().first(conn).optional()
}

/// Renames the unit or changes its kind; `Ok(None)` when the new name is taken in its jurisdiction.
pub fn update(
    conn: &mut PgConnection,
    _decided: &impl Decision,
    current: &Unit,
    name: &str,
    kind: UnitKind,
) -> QueryResult<Option<Unit>> {
    let id = current.id;
    let taken = units::table
        .filter(units::jurisdiction_code.eq(&current.jurisdiction_code))
        .filter(units::name.eq(name))
        .filter(units::id.ne(id))
        .count()
        .get_result::<i64>(conn)?;
    if taken > 0 {
        return Ok(None);
    }
    diesel::update(units::table.find(id))
        .set((units::name.eq(name), units::kind.eq(kind)))
        .returning(Unit::as_returning())
        .get_result(conn)
        .map(Some)
}

pub fn set_active(conn: &mut PgConnection, _decided: &impl Decision, id: UnitId, active: bool) -> QueryResult<Unit> {
    diesel::update(units::table.find(id)).set(units::active.eq(active)).returning(Unit::as_returning()).get_result(conn)
}

/// The open cases now with the unit.
pub fn open_cases_with(conn: &mut PgConnection, id: UnitId) -> QueryResult<i64> {
    cases::table
        .filter(cases::current_unit_id.eq(id))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>("case_is_open(status)"))
        .count()
        .get_result(conn)
}

pub fn find(conn: &mut PgConnection, id: UnitId) -> QueryResult<Option<Unit>> {
    units::table.find(id).select(Unit::as_select()).first(conn).optional()
}
