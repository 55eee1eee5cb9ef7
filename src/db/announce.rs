//! Live updates announced after commit, many at once (see migrations/…_announce_after_commit).
//!
//! A transaction that sends `NOTIFY` holds a database-wide lock through its commit's WAL flush, so if every request
//! that writes history announced it in its own transaction, those requests would commit one at a time. Instead the
//! server's connections keep the history triggers quiet (`petition.announce = 'after_commit'`), the models note the
//! ids of the entries they write ([`case_entry_written`], [`notice_entry_written`]) for the work running on this
//! thread, [`crate::db::Db::run`] hands them to this process's [`Announcer`] once the work is done (committed), and
//! the announcer sends whatever has gathered in one statement of its own. Entries of a transaction that rolled
//! back do not exist, and are not announced. If the process dies between a commit and its announcement, that
//! signal is lost, as are signals sent while a listener reconnects: subscribers reload after reconnecting.

use std::cell::RefCell;
use std::sync::mpsc;

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt};

use super::PgPool;

/// Ids of history entries written and not yet announced.
#[derive(Debug, Default)]
pub struct Written {
    cases: Vec<i64>,
    notices: Vec<i64>,
}

impl Written {
    fn is_empty(&self) -> bool {
        self.cases.is_empty() && self.notices.is_empty()
    }

    fn extend(&mut self, other: Written) {
        self.cases.extend(other.cases);
        self.notices.extend(other.notices);
    }
}

thread_local! {
    /// What the work running on this thread wrote (work runs on one blocking thread from start to end).
    static WRITTEN: RefCell<Written> = RefCell::new(Written::default());
}

/// An entry was written to a case's history (by the work running on this thread).
pub fn case_entry_written(id: i64) {
    WRITTEN.with(|w| w.borrow_mut().cases.push(id));
}

/// An entry was written to a supervision notice's history.
pub fn notice_entry_written(id: i64) {
    WRITTEN.with(|w| w.borrow_mut().notices.push(id));
}

/// Takes what the work on this thread wrote since the last call.
pub(super) fn take_written() -> Written {
    WRITTEN.with(|w| std::mem::take(&mut *w.borrow_mut()))
}

/// Sends the announcements of one server process, one statement per batch.
pub struct Announcer {
    queue: mpsc::Sender<Written>,
}

impl Announcer {
    /// Starts a thread that announces through connections of `pool`, for as long as the announcer lives.
    pub fn start(pool: PgPool) -> Announcer {
        let (sender, receiver) = mpsc::channel::<Written>();
        let started = std::thread::Builder::new().name("announcer".into()).spawn(move || {
            // Waits for the first, then takes everything that gathered meanwhile: under load, one statement (and
            // one turn of NOTIFY's lock) serves many requests; alone, a request is announced at once.
            while let Ok(first) = receiver.recv() {
                let mut batch = first;
                while let Ok(more) = receiver.try_recv() {
                    batch.extend(more);
                }
                if let Err(e) = announce(&pool, &batch) {
                    tracing::warn!(error = %e, entries = batch.cases.len() + batch.notices.len(),
                        "live updates could not be announced");
                }
            }
        });
        if let Err(e) = started {
            tracing::error!(error = %e, "could not start the announcer thread: live updates stay silent");
        }
        Announcer { queue: sender }
    }

    /// Announces `written` soon (it must be committed, or rolled back, by now).
    pub(super) fn send(&self, written: Written) {
        if written.is_empty() {
            return;
        }
        // Fails only when the announcer thread is gone, which start() has already logged.
        let _ = self.queue.send(written);
    }
}

fn announce(pool: &PgPool, batch: &Written) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = pool.get()?;
    diesel::sql_query("SELECT announce_history($1, $2)")
        .bind::<Array<BigInt>, _>(&batch.cases)
        .bind::<Array<BigInt>, _>(&batch.notices)
        .execute(&mut conn)?;
    Ok(())
}

/// Set on every connection of the server's pools: the history triggers leave announcing to the [`Announcer`].
pub(super) const ANNOUNCE_AFTER_COMMIT: &str = "SET petition.announce = 'after_commit'";
