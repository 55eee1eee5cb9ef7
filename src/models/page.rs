//! Keyset pages: a page is "up to `limit` rows after (or before) this key", never an OFFSET, so page 1000 costs the
//! same as page 1.

use diesel::PgConnection;

use crate::error::AppResult;

/// A list read through a scope (cases, escalations, supervision notices): what the one list path of the GraphQL
/// layer (`graphql::connection::scoped_page`) needs to page it.
pub trait ScopedList {
    type Scope: Send + 'static;
    type Filter: Send + 'static;
    type Key: Send + 'static;
    type Row: Send + 'static;

    /// Where the filter keeps the path of the jurisdiction whose subtree the rows must lie in.
    fn within(filter: &mut Self::Filter) -> &mut Option<String>;
    /// Checks what else in the filter names something that must exist (`NOT_FOUND` naming the field).
    fn check(_conn: &mut PgConnection, _filter: &Self::Filter) -> AppResult<()> {
        Ok(())
    }
    fn count(conn: &mut PgConnection, scope: &Self::Scope, filter: &Self::Filter) -> AppResult<i64>;
    fn page(
        conn: &mut PgConnection,
        scope: &Self::Scope,
        filter: &Self::Filter,
        page: &PageRequest<Self::Key>,
    ) -> AppResult<Page<Self::Row>>;
}

/// Implements [`ScopedList`] for a model module's `count_visible` and `list_visible`.
macro_rules! scoped_list {
    ($list:ident, $scope:ty, $filter:ty, $key:ty, $row:ty $(, check = $check:path)?) => {
        /// This module's list, for `graphql::connection::scoped_page`.
        pub struct $list;

        impl $crate::models::page::ScopedList for $list {
            type Scope = $scope;
            type Filter = $filter;
            type Key = $key;
            type Row = $row;

            fn within(filter: &mut $filter) -> &mut Option<String> {
                &mut filter.within_path
            }

            $(
                fn check(conn: &mut PgConnection, filter: &$filter) -> $crate::error::AppResult<()> {
                    $check(conn, filter)
                }
            )?

            fn count(conn: &mut PgConnection, scope: &$scope, filter: &$filter) -> $crate::error::AppResult<i64> {
                Ok(count_visible(conn, scope, filter)?)
            }

            fn page(
                conn: &mut PgConnection,
                scope: &$scope,
                filter: &$filter,
                page: &PageRequest<$key>,
            ) -> $crate::error::AppResult<Page<$row>> {
                Ok(list_visible(conn, scope, filter, page)?)
            }
        }
    };
}
pub(crate) use scoped_list;

/// Which rows of an ordered list to fetch.
#[derive(Clone, Debug)]
pub struct PageRequest<K> {
    /// Only rows strictly after this key in list order.
    pub after: Option<K>,
    /// Only rows strictly before this key in list order.
    pub before: Option<K>,
    pub limit: usize,
    /// Take the rows nearest the end (`last`) rather than the start (`first`).
    pub from_end: bool,
}

/// The rows of a page, in list order, and whether more lie on either side.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub has_previous: bool,
    pub has_next: bool,
}

impl<K> PageRequest<K> {
    /// Builds the page from rows fetched with `limit + 1` in fetch order (reversed when `from_end`), so that the
    /// extra row tells whether there is more in the direction of travel.
    pub fn finish<T>(&self, mut rows: Vec<T>) -> Page<T> {
        let more = rows.len() > self.limit;
        rows.truncate(self.limit);
        if self.from_end {
            rows.reverse();
            Page { rows, has_previous: more, has_next: self.before.is_some() }
        } else {
            Page { rows, has_previous: self.after.is_some(), has_next: more }
        }
    }

    /// How many rows to ask the database for.
    pub fn fetch_limit(&self) -> i64 {
        self.limit as i64 + 1
    }
}

/// Orders and limits a boxed query for one page of a list ordered by `(at, id)`: newest first, or oldest first
/// when `ascending`. "After" a key means further along the list order. Every list of the API pages this way, over
/// an index on `(…, at DESC, id DESC)`.
macro_rules! keyset_page {
    ($query:expr, $at:expr, $id:expr, $page:expr, $ascending:expr) => {{
        let (page, ascending) = ($page, $ascending);
        let mut q = $query;
        if let Some((at, id)) = page.after {
            q = if ascending {
                q.filter($at.gt(at).or($at.eq(at).and($id.gt(id))))
            } else {
                q.filter($at.lt(at).or($at.eq(at).and($id.lt(id))))
            };
        }
        if let Some((at, id)) = page.before {
            q = if ascending {
                q.filter($at.lt(at).or($at.eq(at).and($id.lt(id))))
            } else {
                q.filter($at.gt(at).or($at.eq(at).and($id.gt(id))))
            };
        }
        q = if page.from_end != ascending {
            q.order(($at.asc(), $id.asc()))
        } else {
            q.order(($at.desc(), $id.desc()))
        };
        q.limit(page.fetch_limit())
    }};
}
pub(crate) use keyset_page;

/// The position of a row in a list ordered by time and id.
pub type TimeKey = (chrono::DateTime<chrono::Utc>, uuid::Uuid);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_page_uses_the_extra_row() {
        let req = PageRequest::<u32> { after: None, before: None, limit: 2, from_end: false };
        let page = req.finish(vec![1, 2, 3]);
        assert_eq!(page.rows, vec![1, 2]);
        assert!(page.has_next && !page.has_previous);
    }

    #[test]
    fn backward_page_comes_out_in_list_order() {
        let req = PageRequest::<u32> { after: None, before: Some(9), limit: 2, from_end: true };
        let page = req.finish(vec![8, 7, 6]);
        assert_eq!(page.rows, vec![7, 8]);
        assert!(page.has_previous && page.has_next);
    }
}
