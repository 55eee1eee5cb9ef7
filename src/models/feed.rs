//! The event feed (migration 25): history entries in the order a reader may take them, never missing one that
//! commits late. Entries are ordered by (the transaction that wrote them, their history, their id) and given out
//! only below the horizon (`feed_horizon()`, the oldest transaction still running).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

use super::case::{in_subtree, visible_to};
use super::case_event::CaseEvent;
use crate::db::schema::{case_events, cases};
use crate::domain::case::EventKind;
use crate::domain::ids::CaseId;
use crate::domain::scope::CaseScope;

/// Which history an entry comes from, in the feed's order among entries of one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Case = 0,
    Notice = 1,
    Administration = 2,
}

/// An entry's place in the feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FeedKey {
    pub written_in: i64,
    pub source: i16,
    pub id: i64,
}

impl FeedKey {
    /// The place just before every entry written by `transaction` or after it (where a new webhook starts).
    pub fn before(transaction: i64) -> FeedKey {
        FeedKey { written_in: transaction - 1, source: i16::MAX, id: i64::MAX }
    }

    /// The key as clients see it (`FeedEvent.position`, a webhook's `webhook-id`): its [`text`](Self::text) in
    /// URL-safe base64, as every cursor of the API.
    pub fn position(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.text())
    }

    /// A key from its [`position`](Self::position).
    pub fn from_position(position: &str) -> Option<FeedKey> {
        FeedKey::from_text(&String::from_utf8(URL_SAFE_NO_PAD.decode(position).ok()?).ok()?)
    }

    /// `transaction.source.id`.
    pub fn text(&self) -> String {
        format!("{}.{}.{}", self.written_in, self.source, self.id)
    }

    pub fn from_text(text: &str) -> Option<FeedKey> {
        let mut parts = text.split('.');
        let key = FeedKey {
            written_in: parts.next()?.parse().ok()?,
            source: parts.next()?.parse().ok()?,
            id: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(key)
    }
}

/// Below this, every transaction has ended: the entries written below it are final.
pub fn horizon(conn: &mut PgConnection) -> QueryResult<i64> {
    diesel::select(sql::<BigInt>("feed_horizon()")).get_result(conn)
}

/// What a reader asks the feed for, besides its scope.
#[derive(Clone, Debug, Default)]
pub struct FeedFilter {
    /// The kinds' names (of case entries, notice entries or administrative actions); each history reads the ones
    /// it knows.
    pub kinds: Option<Vec<String>>,
    /// The materialised path of a jurisdiction whose subtree the entries' cases lie in.
    pub within_path: Option<String>,
    pub case_id: Option<CaseId>,
    /// Only entries a petitioner may see (a petitioner's feed).
    pub public_only: bool,
}

/// The condition that keeps the entries of history `table` (`source`) that come after `after` in the feed and lie
/// below the horizon: those of a later transaction, or of the same one from a later history, or of the same history
/// with a larger id. The numbers are the key's own integers, so the text is safe to build.
pub(in crate::models) fn after<QS>(
    table: &str,
    source: Source,
    after: Option<FeedKey>,
) -> Box<dyn BoxableExpression<QS, diesel::pg::Pg, SqlType = Bool>> {
    let horizon = format!("{table}.written_in < feed_horizon()");
    let Some(after) = after else { return Box::new(sql::<Bool>(&horizon)) };
    let (w, id) = (after.written_in, after.id);
    let later = match (source as i16).cmp(&after.source) {
        std::cmp::Ordering::Greater => format!("{table}.written_in >= {w}"),
        std::cmp::Ordering::Less => format!("{table}.written_in > {w}"),
        std::cmp::Ordering::Equal => {
            format!("({table}.written_in > {w} OR ({table}.written_in = {w} AND {table}.id > {id}))")
        }
    };
    Box::new(sql::<Bool>(&format!("{horizon} AND {later}")))
}

/// Rows of one history read with their transaction, keyed by their place in the feed.
pub(in crate::models) fn keyed<E>(rows: Vec<(i64, E)>, source: Source, id: impl Fn(&E) -> i64) -> Vec<(FeedKey, E)> {
    rows.into_iter().map(|(written_in, e)| (FeedKey { written_in, source: source as i16, id: id(&e) }, e)).collect()
}

/// The kinds of `filter` this history knows (`parse`), or `None` for every kind; `Some(empty)` when the filter names
/// none of them.
pub(in crate::models) fn kinds_known<K>(filter: &FeedFilter, parse: impl Fn(&str) -> Option<K>) -> Option<Vec<K>> {
    filter.kinds.as_ref().map(|names| names.iter().filter_map(|n| parse(n)).collect())
}

/// Up to `limit` entries of the histories of cases `scope` reaches, after `after` and below the horizon, in feed
/// order, each with its key.
pub fn case_entries(
    conn: &mut PgConnection,
    scope: &CaseScope,
    filter: &FeedFilter,
    after: Option<FeedKey>,
    limit: i64,
) -> QueryResult<Vec<(FeedKey, CaseEvent)>> {
    let mut reachable = cases::table.filter(visible_to(scope)).select(cases::id).into_boxed();
    if let Some(path) = &filter.within_path {
        reachable = reachable.filter(in_subtree(path));
    }
    let mut q = case_events::table
        .filter(case_events::case_id.eq_any(reachable))
        .filter(self::after("case_events", Source::Case, after))
        .into_boxed();
    if let Some(kinds) = kinds_known(filter, EventKind::parse) {
        q = q.filter(case_events::kind.eq_any(kinds));
    }
    if let Some(case_id) = filter.case_id {
        q = q.filter(case_events::case_id.eq(case_id));
    }
    if filter.public_only {
        q = q.filter(case_events::staff_only.eq(false));
    }
    let rows: Vec<(i64, CaseEvent)> = q
        .order((case_events::written_in, case_events::id))
        .limit(limit)
        .select((case_events::written_in, CaseEvent::as_select()))
        .load(conn)?;
    Ok(keyed(rows, Source::Case, |e| e.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_reads_back_and_garbage_does_not() {
        let key = FeedKey { written_in: 7_000_123, source: 0, id: 42 };
        assert_eq!(FeedKey::from_position(&key.position()), Some(key));
        assert_eq!(FeedKey::from_text("1.0.2"), Some(FeedKey { written_in: 1, source: 0, id: 2 }));
        for bad in ["", "1.0", "1.0.2.3", "a.b.c", "MS4wLjI="] {
            assert_eq!(FeedKey::from_position(bad), None, "{bad}");
        }
        assert!(FeedKey::before(10) < FeedKey { written_in: 10, source: 0, id: 0 });
        assert!(FeedKey::before(10) > FeedKey { written_in: 9, source: 0, id: 1 });
    }
}
