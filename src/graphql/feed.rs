//! The event feed (`events`): every history entry the caller may see, in an order that never lets a late commit
//! slip behind a reader. The mobile app's backend keeps the `endCursor` it reached and asks for what came after it,
//! after a restart as after a pause, and misses nothing (DOMAIN.md §9, the feed).

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, FixedOffset};

use super::case::CaseEventNode;
use super::connection::{CursorKey, PageArgs, PageInfo};
use super::context::{caller, filter_id, local_time, state};
use crate::domain::case::EventKind;
use crate::domain::scope::case_scope;
use crate::error::AppError;
use crate::models::feed::{self, FeedFilter, FeedKey};
use crate::models::jurisdiction::subtree_path;

// A cursor is the key's text in base64, which is exactly its position.
impl CursorKey for FeedKey {
    fn encode(&self) -> String {
        self.text()
    }
    fn decode(s: &str) -> Option<Self> {
        FeedKey::from_text(s)
    }
}

/// Which history an event comes from.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum FeedSource {
    /// A case's history (escalations and reception visits included: they are written there).
    Case,
}

/// Which events.
#[derive(InputObject, Default)]
pub struct FeedEventFilterInput {
    /// Only these kinds of case entry.
    pub kinds: Option<Vec<EventKind>>,
    /// Only events of cases in this jurisdiction's subtree (a code, e.g. 510502).
    pub jurisdiction_code: Option<String>,
    /// Only the events of this case.
    pub case_id: Option<ID>,
}

/// One event of the feed.
pub struct FeedEventNode {
    key: FeedKey,
    entry: CaseEventNode,
}

/// A history entry, as the feed gives it out.
#[Object(name = "FeedEvent")]
impl FeedEventNode {
    /// Its place in the feed (the same as its edge's cursor): ask for `events(after:)` it to go on from here.
    async fn position(&self) -> String {
        self.key.position()
    }

    /// Which history it comes from.
    async fn source(&self) -> FeedSource {
        FeedSource::Case
    }

    /// What happened (for a case entry, its `CaseEvent.kind`).
    async fn kind(&self) -> EventKind {
        self.entry.event.kind
    }

    /// The case it is about.
    async fn case_id(&self) -> Option<ID> {
        Some(ID(self.entry.event.case_id.to_string()))
    }

    /// When it happened.
    async fn occurred_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        local_time(ctx, self.entry.event.occurred_at)
    }

    /// The case's history entry itself, with its typed detail, as the case's `events` shows it to the caller.
    async fn case_event(&self) -> Option<&CaseEventNode> {
        Some(&self.entry)
    }
}

/// A page of the feed.
#[derive(SimpleObject)]
pub struct FeedEventConnection {
    /// The events of this page with their cursors.
    pub edges: Vec<FeedEventEdge>,
    /// Where this page lies: `endCursor` is where to go on from (null when the page is empty: keep the cursor you
    /// asked with).
    pub page_info: PageInfo,
}

/// An event and its place in the feed.
#[derive(SimpleObject)]
pub struct FeedEventEdge {
    /// The event's position, for `after`.
    pub cursor: String,
    /// The event.
    pub node: FeedEventNode,
}

#[derive(Default)]
pub struct FeedQuery;

#[Object]
impl FeedQuery {
    /// Every history entry the caller may see (the entries of the cases they may read; a petitioner's own cases'
    /// public entries), oldest first, in the order they became final. An entry appears once every transaction
    /// older than the one that wrote it has ended, so a reader that asks for `after` the last position it saw never
    /// misses one, not even an entry a slower request commits later. Read from the primary database.
    #[graphql(complexity = "first.unwrap_or(20).max(1) as usize * child_complexity")]
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which events.")] filter: Option<FeedEventFilterInput>,
        #[graphql(desc = "Return the first n events (at most the maximum page size).")] first: Option<i32>,
        #[graphql(desc = "Return events after this position.")] after: Option<String>,
    ) -> Result<FeedEventConnection> {
        let caller = caller(ctx)?;
        let st = state(ctx);
        let page =
            PageArgs { first, after, last: None, before: None }.parse::<FeedKey>(st.settings.limits.max_page_size)?;
        let f = filter.unwrap_or_default();
        let case_id = filter_id(f.case_id.as_ref(), "filter.caseId")?;
        let (scope, public_only) = (case_scope(caller), !caller.is_staff());
        let (after, limit) = (page.after, page.limit as i64 + 1);
        let mut rows = st
            .db
            .run(move |conn| {
                let within_path =
                    f.jurisdiction_code.map(|code| subtree_path(conn, &code, "filter.jurisdictionCode")).transpose()?;
                let filter = FeedFilter { kinds: f.kinds, within_path, case_id, public_only };
                Ok::<_, AppError>(feed::case_entries(conn, &scope, &filter, after, limit)?)
            })
            .await?;
        let has_next_page = rows.len() > page.limit;
        rows.truncate(page.limit);
        let edges: Vec<FeedEventEdge> = rows
            .into_iter()
            .map(|(key, event)| FeedEventEdge {
                cursor: key.position(),
                node: FeedEventNode { key, entry: CaseEventNode { event, public: public_only } },
            })
            .collect();
        let page_info = PageInfo {
            has_previous_page: page.after.is_some(),
            has_next_page,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        Ok(FeedEventConnection { edges, page_info })
    }
}
