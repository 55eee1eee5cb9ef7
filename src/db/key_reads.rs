//! Reads of one object by key over pipelined asynchronous connections, one per thread that asks (in the server:
//! one per HTTP worker), beside the blocking pool.
//!
//! Why: reading one case is the most frequent request there is, and its statement takes PostgreSQL less time than
//! waking up for it. On a blocking connection every read costs the worker a sleep and a wake-up while PostgreSQL
//! answers, and costs PostgreSQL a wake-up per statement. On an asynchronous connection the worker serves other
//! requests meanwhile, and the reads its requests ask for at the same moment go out together on the one connection
//! (pipelining), so that PostgreSQL answers them back to back in one wake-up.
//!
//! Only for reads that write nothing and need no transaction: each statement runs on its own, and sees what was
//! committed before it was sent, as on any other connection. A connection that broke is dropped and the read tried
//! once more on a new one (a read is safe to repeat); a database that cannot be reached is `UNAVAILABLE`, as from
//! the pool.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::future::BoxFuture;
use tokio::sync::OnceCell;

use super::StatementCounter;
use crate::error::{session_lost, AppError, AppResult};

type Slot = Arc<OnceCell<Arc<AsyncPgConnection>>>;

/// The `application_name` of the key reads' sessions.
pub const APPLICATION_NAME: &str = "petition-api key reads";

pub struct KeyReads {
    database_url: String,
    /// How long opening a connection may take before the read is `UNAVAILABLE` (the pool's wait).
    connect_wait: std::time::Duration,
    statements: StatementCounter,
    /// Each thread's connection: its driver runs on the runtime of the thread that opened it, so each thread keeps
    /// to its own and no read crosses threads. Held here, not in a thread-local, so that the connections close when
    /// the pool does.
    by_thread: Mutex<HashMap<ThreadId, Slot>>,
    /// Sessions found lost and replaced so far, for the operators' metrics.
    lost: AtomicU64,
}

impl KeyReads {
    pub fn new(database_url: &str, connect_wait: std::time::Duration, statements: StatementCounter) -> KeyReads {
        KeyReads {
            database_url: database_url.to_owned(),
            connect_wait,
            statements,
            by_thread: Mutex::default(),
            lost: AtomicU64::new(0),
        }
    }

    /// The sessions open now (one per thread that has read by key).
    pub fn sessions(&self) -> usize {
        self.by_thread.lock().unwrap_or_else(|e| e.into_inner()).values().filter(|slot| slot.initialized()).count()
    }

    /// The sessions found lost and replaced so far.
    pub fn lost(&self) -> u64 {
        self.lost.load(Relaxed)
    }

    /// Opens a connection as reads will, to tell at start-up that the URL serves this driver too.
    pub async fn check(&self) -> anyhow::Result<()> {
        self.open().await.map(drop).map_err(|e| anyhow::anyhow!("cannot connect to the database for key reads: {e}"))
    }

    /// Runs `read` on this thread's connection; when the connection turns out to have gone (the database restarted,
    /// an administrator ended the session), once more on a new one.
    pub async fn read<T, F>(&self, read: F) -> AppResult<T>
    where
        F: for<'c> Fn(&'c AsyncPgConnection) -> BoxFuture<'c, diesel::QueryResult<T>>,
    {
        let conn = self.connection().await?;
        match read(&conn).await {
            Err(lost) if session_lost(&lost) => {
                // Reads pipelined on the same session all find it lost; the first replaces it, and counts it.
                if self.forget(&conn) {
                    self.lost.fetch_add(1, Relaxed);
                    tracing::info!(detail = %lost, "key reads: the session was lost, reading again on a new one");
                }
                let conn = self.connection().await?;
                Ok(read(&conn).await?)
            }
            done => Ok(done?),
        }
    }

    async fn connection(&self) -> AppResult<Arc<AsyncPgConnection>> {
        let slot = self
            .by_thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(std::thread::current().id())
            .or_default()
            .clone();
        // Reads that arrive while the connection is being opened wait for it rather than open one each; an open
        // that failed leaves the slot empty for the next read to try again.
        let conn = slot.get_or_try_init(|| async { self.open().await.map(Arc::new) }).await;
        conn.cloned().map_err(|e| AppError::unavailable(format!("cannot connect to the database: {e}")))
    }

    async fn open(&self) -> Result<AsyncPgConnection, String> {
        let mut config: tokio_postgres::Config = self.database_url.parse().map_err(|e| format!("{e}"))?;
        // Told apart from the pool's sessions in `pg_stat_activity`, unless the URL names them already.
        if config.get_application_name().is_none() {
            config.application_name(APPLICATION_NAME);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(self.connect_wait);
        }
        let (client, connection) = config.connect(tokio_postgres::NoTls).await.map_err(|e| match e.as_db_error() {
            // PostgreSQL's own words ("database … is not currently accepting connections"), not just "db error".
            Some(refused) => refused.message().to_owned(),
            None => e.to_string(),
        })?;
        let mut conn =
            AsyncPgConnection::try_from_client_and_connection(client, connection).await.map_err(|e| format!("{e}"))?;
        conn.set_instrumentation(super::instrumentation(self.statements.clone()));
        Ok(conn)
    }

    /// Drops this thread's connection if it is still `broken` (another read may have replaced it already); tells
    /// whether it did.
    fn forget(&self, broken: &Arc<AsyncPgConnection>) -> bool {
        let mut by_thread = self.by_thread.lock().unwrap_or_else(|e| e.into_inner());
        let id = std::thread::current().id();
        let still = by_thread.get(&id).and_then(|slot| slot.get()).is_some_and(|conn| Arc::ptr_eq(conn, broken));
        if still {
            by_thread.remove(&id);
        }
        still
    }
}
