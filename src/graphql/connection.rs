//! Relay connections: arguments, opaque cursors, and the documented page types.

use async_graphql::SimpleObject;
use base64::Engine;

use crate::error::{AppError, AppResult, Message};
use crate::models::jurisdiction::subtree_path;
use crate::models::page::{Page, PageRequest, ScopedList};

/// Where a page lies in the whole list.
#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    /// Whether items come before this page (when paging backwards with `last`/`before`; after `after` it is
    /// simply whether an `after` cursor was given).
    pub has_previous_page: bool,
    /// Whether items come after this page (when paging forwards with `first`/`after`).
    pub has_next_page: bool,
    /// The cursor of the first item of the page, to page backwards from with `before`.
    pub start_cursor: Option<String>,
    /// The cursor of the last item of the page, to page forwards from with `after`.
    pub end_cursor: Option<String>,
}

/// The paging arguments every list takes.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

pub const DEFAULT_PAGE_SIZE: usize = 20;

/// Whether the client selected `totalCount` of the connection being resolved. Counting a whole list costs as much
/// as reading all of it (at a province, every case), so lists count only when asked; otherwise it reads 0.
pub fn wants_total(ctx: &async_graphql::Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// The one path of every list: the page `L` holds for `scope` and `filter`, with the jurisdiction named by
/// `within` (a code, checked to exist) resolved to its subtree, and the total when the client asked for
/// `totalCount`. Lists tolerate a moment's lag: a standby serves them when there is one.
pub async fn scoped_page<L: ScopedList>(
    ctx: &async_graphql::Context<'_>,
    scope: L::Scope,
    mut filter: L::Filter,
    within: Option<String>,
    page: PageRequest<L::Key>,
) -> AppResult<(Page<L::Row>, i64)> {
    let count = wants_total(ctx);
    super::context::state(ctx)
        .reads
        .run(move |conn| {
            *L::within(&mut filter) =
                within.map(|code| subtree_path(conn, &code, "filter.jurisdictionCode")).transpose()?;
            L::check(conn, &filter)?;
            let total = if count { L::count(conn, &scope, &filter)? } else { 0 };
            Ok((L::page(conn, &scope, &filter, &page)?, total))
        })
        .await
}

/// The `overdue` filter of a list: `true` is "past due at `now`"; `false` is refused rather than silently ignored.
pub fn overdue_filter(
    flag: Option<bool>,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<chrono::DateTime<chrono::Utc>>> {
    match flag {
        Some(false) => Err(AppError::bad_input("filter.overdue", Message::OnlyTrue)),
        Some(true) => Ok(Some(now)),
        None => Ok(None),
    }
}

/// A key that can be turned into an opaque cursor and back.
pub trait CursorKey: Sized {
    fn encode(&self) -> String;
    fn decode(s: &str) -> Option<Self>;
}

impl CursorKey for String {
    fn encode(&self) -> String {
        self.clone()
    }
    fn decode(s: &str) -> Option<Self> {
        Some(s.to_owned())
    }
}

impl CursorKey for i64 {
    fn encode(&self) -> String {
        self.to_string()
    }
    fn decode(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

impl CursorKey for uuid::Uuid {
    fn encode(&self) -> String {
        self.to_string()
    }
    fn decode(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

impl CursorKey for (chrono::DateTime<chrono::Utc>, uuid::Uuid) {
    fn encode(&self) -> String {
        format!("{}|{}", self.0.timestamp_micros(), self.1)
    }
    fn decode(s: &str) -> Option<Self> {
        let (micros, id) = s.split_once('|')?;
        Some((chrono::DateTime::from_timestamp_micros(micros.parse().ok()?)?, id.parse().ok()?))
    }
}

pub fn encode_cursor<K: CursorKey>(key: &K) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.encode())
}

fn decode_cursor<K: CursorKey>(cursor: &str, field: &str) -> AppResult<K> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|s| K::decode(&s))
        .ok_or_else(|| AppError::bad_input(field, Message::NotACursor))
}

impl PageArgs {
    /// Checks the arguments against the Relay rules and the maximum page size.
    pub fn parse<K: CursorKey>(&self, max_page_size: usize) -> AppResult<PageRequest<K>> {
        let size = |n: Option<i32>, field: &str| -> AppResult<Option<usize>> {
            match n {
                None => Ok(None),
                Some(n) if n < 0 => Err(AppError::bad_input(field, Message::Negative)),
                Some(n) if n as usize > max_page_size => {
                    Err(AppError::bad_input(field, Message::PageTooLarge(max_page_size.to_string())))
                }
                Some(n) => Ok(Some(n as usize)),
            }
        };
        let first = size(self.first, "first")?;
        let last = size(self.last, "last")?;
        if first.is_some() && last.is_some() {
            return Err(AppError::bad_input("last", Message::FirstOrLast));
        }
        let after = self.after.as_deref().map(|c| decode_cursor(c, "after")).transpose()?;
        let before = self.before.as_deref().map(|c| decode_cursor(c, "before")).transpose()?;
        Ok(match last {
            Some(limit) => PageRequest { after, before, limit, from_end: true },
            None => PageRequest { after, before, limit: first.unwrap_or(DEFAULT_PAGE_SIZE), from_end: false },
        })
    }
}

/// Defines a documented connection type and its edge type for a node type.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty, $conn_doc:literal, $edge_doc:literal) => {
        #[doc = $conn_doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            /// The items of this page with their cursors.
            pub edges: Vec<$edge>,
            /// The items of this page, without cursors.
            pub nodes: Vec<$node>,
            /// Where this page lies in the whole list.
            pub page_info: $crate::graphql::connection::PageInfo,
            /// How many items the whole list holds, across all pages.
            pub total_count: i64,
        }

        #[doc = $edge_doc]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// An opaque cursor for this item, for `after` or `before`.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl $conn {
            pub fn build<R, K: $crate::graphql::connection::CursorKey>(
                page: $crate::models::page::Page<R>,
                total_count: i64,
                key: impl Fn(&R) -> K,
                node: impl Fn(R) -> $node,
            ) -> Self {
                let parts = $crate::graphql::connection::edge_parts(page, key);
                let edges: Vec<$edge> =
                    parts.rows.into_iter().map(|(cursor, row)| $edge { cursor, node: node(row) }).collect();
                $conn {
                    nodes: edges.iter().map(|e| e.node.clone()).collect(),
                    edges,
                    page_info: parts.info,
                    total_count,
                }
            }
        }
    };
}
pub(crate) use connection;

pub struct EdgeParts<R> {
    pub rows: Vec<(String, R)>,
    pub info: PageInfo,
}

pub fn edge_parts<R, K: CursorKey>(page: Page<R>, key: impl Fn(&R) -> K) -> EdgeParts<R> {
    let rows: Vec<(String, R)> = page.rows.into_iter().map(|r| (encode_cursor(&key(&r)), r)).collect();
    let info = PageInfo {
        has_previous_page: page.has_previous,
        has_next_page: page.has_next,
        start_cursor: rows.first().map(|(c, _)| c.clone()),
        end_cursor: rows.last().map(|(c, _)| c.clone()),
    };
    EdgeParts { rows, info }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_arguments_are_checked() {
        let args = |first, last| PageArgs { first, last, ..Default::default() };
        assert_eq!(args(None, None).parse::<String>(100).unwrap().limit, DEFAULT_PAGE_SIZE);
        assert!(args(Some(101), None).parse::<String>(100).is_err());
        assert!(args(Some(-1), None).parse::<String>(100).is_err());
        assert!(args(Some(1), Some(1)).parse::<String>(100).is_err());
        assert!(args(None, Some(5)).parse::<String>(100).unwrap().from_end);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_bad_input() {
        type Key = (chrono::DateTime<chrono::Utc>, uuid::Uuid);
        let key: Key = (chrono::DateTime::from_timestamp_micros(1_650_000_000_123_456).unwrap(), uuid::Uuid::new_v4());
        let cursor = encode_cursor(&key);
        let args = PageArgs { after: Some(cursor), ..Default::default() };
        assert_eq!(args.parse::<Key>(10).unwrap().after, Some(key));
        let bad = PageArgs { after: Some("!!".into()), ..Default::default() };
        let err = bad.parse::<Key>(10).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("after"));
    }
}
