//! Live updates across server processes (DOMAIN.md §9): every history entry, once committed, is announced through
//! the database (`NOTIFY`, sent after commit by the process whose request wrote it, see `crate::db::announce`, or by
//! the history triggers when another tool writes), and each server process listens on a
//! connection of its own and passes what it hears to its subscribers through a broadcast channel. The signals say
//! only what happened where; subscribers load what they may see through the same scope rules as queries.

use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::prelude::*;
use serde::Deserialize;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::auth::callers::CallerCache;
use crate::db::PgPool;
use crate::domain::ids::CaseId;
use crate::domain::ids::NoticeId;

/// A new entry in a case's history.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseSignal {
    pub id: i64,
    pub case_id: CaseId,
    pub kind: String,
    pub staff_only: bool,
    /// The materialised path of the case's jurisdiction.
    pub path: String,
}

/// A new entry in a supervision notice's history.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeSignal {
    pub id: i64,
    pub notice_id: NoticeId,
    pub kind: String,
    /// The materialised path of the target unit's jurisdiction.
    pub path: String,
}

#[derive(Clone, Debug)]
pub enum Signal {
    Case(CaseSignal),
    Notice(NoticeSignal),
    /// An account changed (`None`: a unit or jurisdiction, which may concern any account): subscribers of that
    /// account check at once whether their token still stands.
    AccountChanged(Option<crate::domain::ids::AccountId>),
    /// A session was ended (signed out, deactivated, its refresh token reused): its subscriptions end.
    SessionEnded(Uuid),
}

const CHANNELS: [&str; 4] = ["case_events", "supervision_notice_events", ACCOUNT_CHANGES, SESSION_REVOCATIONS];
/// Changes of accounts and units (migrations/…_account_announcements): what the caller cache must forget.
const ACCOUNT_CHANGES: &str = "account_changes";
/// Ended sessions (migrations/…_session_revocations): whose access tokens the caller cache must refuse.
const SESSION_REVOCATIONS: &str = "session_revocations";
/// How often an idle listener looks for news: reading what already arrived costs no round trip.
const POLL: Duration = Duration::from_millis(20);
/// Signals a slow subscriber may fall behind by before it skips ahead.
const BUFFER: usize = 1024;

/// This process's feed of signals.
pub struct LiveFeed {
    sender: broadcast::Sender<Signal>,
}

impl LiveFeed {
    /// Starts listening on a connection taken from `pool` for as long as the feed lives; account changes go to
    /// `callers`, which is trusted only while the listener is connected.
    pub fn start(pool: PgPool, callers: Arc<CallerCache>) -> Arc<LiveFeed> {
        let feed = Arc::new(LiveFeed { sender: broadcast::channel(BUFFER).0 });
        let weak = Arc::downgrade(&feed);
        std::thread::Builder::new()
            .name("live-feed".into())
            .spawn(move || {
                listen(pool, weak, &callers);
                callers.set_listening(false);
            })
            .expect("start the live-feed thread");
        feed
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.sender.subscribe()
    }
}

fn parse(channel: &str, payload: &str) -> Option<Signal> {
    match channel {
        "case_events" => serde_json::from_str(payload).ok().map(Signal::Case),
        "supervision_notice_events" => serde_json::from_str(payload).ok().map(Signal::Notice),
        _ => None,
    }
}

/// Listens until the feed is dropped, reconnecting (with a growing pause) when the connection fails. Signals sent
/// while reconnecting are lost: subscribers should reload after a reconnect of their own.
fn listen(pool: PgPool, feed: Weak<LiveFeed>, callers: &CallerCache) {
    let mut pause = Duration::from_millis(100);
    while feed.strong_count() > 0 {
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(e) => {
                tracing::debug!(error = %e, "live feed: no database connection; retrying");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(5));
                continue;
            }
        };
        if let Err(e) =
            CHANNELS.iter().try_for_each(|c| diesel::sql_query(format!("LISTEN {c}")).execute(&mut *conn).map(|_| ()))
        {
            tracing::warn!(error = %e, "live feed: LISTEN failed; retrying");
            std::thread::sleep(pause);
            continue;
        }
        // Listening first, then reading: a session ended in between is both read and heard.
        let since = chrono::Utc::now() - callers.session_memory();
        match crate::models::refresh_token::revoked_since(&mut conn, since) {
            Ok(ended) => callers.replace_revoked_sessions(ended),
            Err(e) => {
                tracing::warn!(error = %e, "live feed: cannot read the ended sessions; retrying");
                std::thread::sleep(pause);
                continue;
            }
        }
        pause = Duration::from_millis(100);
        callers.set_listening(true);
        loop {
            let Some(feed) = feed.upgrade() else { return };
            let mut heard = false;
            let mut failed = false;
            for notification in conn.notifications_iter() {
                match notification {
                    Ok(n) if n.channel == ACCOUNT_CHANGES => {
                        heard = true;
                        callers.apply_announcement(&n.payload);
                        let _ = feed.sender.send(Signal::AccountChanged(n.payload.parse().ok()));
                    }
                    Ok(n) if n.channel == SESSION_REVOCATIONS => {
                        heard = true;
                        match n.payload.parse() {
                            Ok(session) => {
                                callers.revoke_session(session);
                                let _ = feed.sender.send(Signal::SessionEnded(session));
                            }
                            Err(_) => tracing::warn!(payload = n.payload, "live feed: unreadable session revocation"),
                        }
                    }
                    Ok(n) => {
                        heard = true;
                        if let Some(signal) = parse(&n.channel, &n.payload) {
                            // No subscribers is not an error.
                            let _ = feed.sender.send(signal);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "live feed: connection lost; reconnecting");
                        callers.set_listening(false);
                        failed = true;
                        break;
                    }
                }
            }
            drop(feed);
            if failed {
                break;
            }
            if !heard {
                std::thread::sleep(POLL);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_parse_from_the_trigger_payloads() {
        let case = r#"{"id": 7, "caseId": "00000000-0000-0000-0000-000000000001", "kind": "ACCEPTED",
            "staffOnly": false, "path": "510000/510500/510502/"}"#;
        assert!(matches!(parse("case_events", case), Some(Signal::Case(s)) if s.id == 7 && s.kind == "ACCEPTED"));
        let notice = r#"{"id": 3, "noticeId": "00000000-0000-0000-0000-000000000002", "kind": "ISSUED",
            "path": "510000/"}"#;
        assert!(matches!(parse("supervision_notice_events", notice), Some(Signal::Notice(s)) if s.id == 3));
        assert!(parse("case_events", "garbage").is_none());
        assert!(parse("elsewhere", case).is_none());
    }
}
