//! The event feed (`events`): every history entry the caller may see, in an order that never lets a late commit
//! slip behind a reader. The mobile app's backend keeps the `endCursor` it reached and asks for what came after it,
//! after a restart as after a pause, and misses nothing (DOMAIN.md §9, the feed).

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, FixedOffset};

use super::administration::AdminEventNode;
use super::case::CaseEventNode;
use super::connection::{CursorKey, PageArgs, PageInfo};
use super::context::{caller, filter_id, local_time, state};
use super::supervision::NoticeEventNode;
use crate::domain::administration::AdminAction;
use crate::domain::case::EventKind;
use crate::domain::scope::{admin_log_scope, case_scope, notice_scope};
use crate::domain::supervision::NoticeEventKind;
use crate::error::{AppError, Message};
use crate::models::admin_event;
use crate::models::feed::{self, FeedFilter, FeedKey};
use crate::models::jurisdiction::subtree_path;
use crate::models::supervision_notice as notice_model;

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
    /// A supervision notice's history.
    SupervisionNotice,
    /// The administration log (admins only).
    Administration,
}

/// Which events.
#[derive(InputObject, Default)]
pub struct FeedEventFilterInput {
    /// Only entries of these kinds: a case entry's `kind` (`SUBMITTED`…), a notice entry's (`ISSUED`…) or an
    /// administrative action (`ACCOUNT_CREATED`…).
    pub kinds: Option<Vec<String>>,
    /// Only events placed in this jurisdiction's subtree (a code, e.g. 510502).
    pub jurisdiction_code: Option<String>,
    /// Only the events of this case (its own history, and the histories of the notices about it).
    pub case_id: Option<ID>,
}

/// The entry an event is.
enum Entry {
    Case(CaseEventNode),
    Notice(NoticeEventNode),
    Administration(AdminEventNode),
}

/// One event of the feed.
pub struct FeedEventNode {
    key: FeedKey,
    entry: Entry,
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
        match self.entry {
            Entry::Case(_) => FeedSource::Case,
            Entry::Notice(_) => FeedSource::SupervisionNotice,
            Entry::Administration(_) => FeedSource::Administration,
        }
    }

    /// What happened: the entry's kind (`caseEvent.kind`, `supervisionNoticeEvent.kind`, `adminEvent.action`).
    async fn kind(&self) -> &'static str {
        match &self.entry {
            Entry::Case(e) => e.event.entry.kind.as_str(),
            Entry::Notice(e) => e.0.entry.kind.as_str(),
            Entry::Administration(e) => e.0.action.as_str(),
        }
    }

    /// The case it is about (case entries).
    async fn case_id(&self) -> Option<ID> {
        match &self.entry {
            Entry::Case(e) => Some(ID(e.event.case_id.to_string())),
            _ => None,
        }
    }

    /// The supervision notice it is about (notice entries).
    async fn notice_id(&self) -> Option<ID> {
        match &self.entry {
            Entry::Notice(e) => Some(ID(e.0.notice_id.to_string())),
            _ => None,
        }
    }

    /// When it happened.
    async fn occurred_at(&self, ctx: &Context<'_>) -> DateTime<FixedOffset> {
        let at = match &self.entry {
            Entry::Case(e) => e.event.entry.occurred_at,
            Entry::Notice(e) => e.0.entry.occurred_at,
            Entry::Administration(e) => e.0.occurred_at,
        };
        local_time(ctx, at)
    }

    /// The case's history entry itself, with its typed detail, as the case's `events` shows it to the caller.
    async fn case_event(&self) -> Option<&CaseEventNode> {
        match &self.entry {
            Entry::Case(e) => Some(e),
            _ => None,
        }
    }

    /// The notice's history entry itself, as the notice's `events` shows it.
    async fn supervision_notice_event(&self) -> Option<&NoticeEventNode> {
        match &self.entry {
            Entry::Notice(e) => Some(e),
            _ => None,
        }
    }

    /// The administration log's entry itself, as `adminEvents` shows it.
    async fn admin_event(&self) -> Option<&AdminEventNode> {
        match &self.entry {
            Entry::Administration(e) => Some(e),
            _ => None,
        }
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

/// Whether `kind` names a kind of entry of some history.
fn is_kind(kind: &str) -> bool {
    EventKind::parse(kind).is_some() || NoticeEventKind::parse(kind).is_some() || AdminAction::parse(kind).is_some()
}

#[derive(Default)]
pub struct FeedQuery;

#[Object]
impl FeedQuery {
    /// Every history entry the caller may see, oldest first, in the order they became final: the entries of the
    /// cases they may read (a petitioner's own cases' public entries), of the supervision notices they may read, and
    /// for admins the administration log of their subtree. An entry appears once every transaction
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
        if let Some(kinds) = &f.kinds {
            if let Some(unknown) = kinds.iter().find(|k| !is_kind(k)) {
                return Err(AppError::bad_input("filter.kinds", Message::NoKindOfEntry(unknown.to_string())).into());
            }
        }
        let (cases, notices, log) = (case_scope(caller), notice_scope(caller), admin_log_scope(caller));
        let public_only = !caller.is_staff();
        let (after, limit) = (page.after, page.limit as i64 + 1);
        let (cased, noticed, logged) = st
            .db
            .run(move |conn| {
                let within_path =
                    f.jurisdiction_code.map(|code| subtree_path(conn, &code, "filter.jurisdictionCode")).transpose()?;
                let filter = FeedFilter { kinds: f.kinds, within_path, case_id, public_only };
                let cased = feed::case_entries(conn, &cases, &filter, after, limit)?;
                let noticed = if notices.is_empty() {
                    Vec::new()
                } else {
                    notice_model::feed_entries(conn, &notices, &filter, after, limit)?
                };
                let logged = match &log {
                    Some(subtree) => admin_event::feed_entries(conn, subtree, &filter, after, limit)?,
                    None => Vec::new(),
                };
                Ok::<_, AppError>((cased, noticed, logged))
            })
            .await?;
        // Each history gave its first `limit` after the position; together, in feed order, the first `limit` of all.
        let mut rows: Vec<(FeedKey, Entry)> = cased
            .into_iter()
            .map(|(k, event)| (k, Entry::Case(CaseEventNode { event, public: public_only })))
            .chain(noticed.into_iter().map(|(k, e)| (k, Entry::Notice(NoticeEventNode(e)))))
            .chain(logged.into_iter().map(|(k, e)| (k, Entry::Administration(AdminEventNode(e)))))
            .collect();
        rows.sort_by_key(|(k, _)| *k);
        let has_next_page = rows.len() > page.limit;
        rows.truncate(page.limit);
        let edges: Vec<FeedEventEdge> = rows
            .into_iter()
            .map(|(key, entry)| FeedEventEdge { cursor: key.position(), node: FeedEventNode { key, entry } })
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
