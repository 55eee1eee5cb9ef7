//! Database access: the connection pool, embedded migrations, and the bridge from async resolvers to diesel's
//! blocking connections. Query functions live with their models (`crate::models`) and take a `&mut PgConnection`,
//! so they work the same inside or outside a transaction.

pub mod announce;
pub mod embedded;
pub mod key_reads;
pub mod privileges;
pub mod schema;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool};
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{AppError, AppResult};

pub type PgPool = Pool<ConnectionManager<PgConnection>>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Changes whenever migrations or demo data change (computed by build.rs).
pub const DATABASE_FINGERPRINT: &str = env!("DATABASE_FINGERPRINT");

/// Arbitrary but fixed: every server process migrating one database takes this advisory lock first, so two
/// instances starting together do not apply the same migration twice.
const MIGRATION_LOCK_KEY: i64 = 0x5045_5449_5449_4f4e; // "PETITION"

/// Counts the SQL statements a pool's connections send (every statement, `BEGIN` and `COMMIT` included), for the
/// benchmarks and the tests that hold requests to a number of statements.
#[derive(Clone, Debug, Default)]
pub struct StatementCounter(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn count(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

#[derive(Debug)]
struct CountStatements(StatementCounter);

impl diesel::r2d2::CustomizeConnection<PgConnection, diesel::r2d2::Error> for CountStatements {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        diesel::sql_query(announce::ANNOUNCE_AFTER_COMMIT).execute(conn).map_err(diesel::r2d2::Error::QueryError)?;
        conn.set_instrumentation(instrumentation(self.0.clone()));
        Ok(())
    }
}

/// What every connection reports of its statements: each is counted (benchmarks and tests count round trips), and
/// traced over OTLP when traces are on (`telemetry::otlp`).
fn instrumentation(counter: StatementCounter) -> impl diesel::connection::Instrumentation {
    let mut spans = crate::telemetry::otlp::StatementSpans::default();
    move |event: diesel::connection::InstrumentationEvent<'_>| {
        if let diesel::connection::InstrumentationEvent::StartQuery { .. } = event {
            counter.count();
        }
        spans.follow(&event);
    }
}

/// A pool of `max_size` connections. Connections are not tested with a `SELECT 1` each time they are taken (a
/// round trip per request for nothing): one that broke fails its statement, and diesel marks it broken so the pool
/// drops it when it comes back.
pub fn build_pool(database_url: &str, max_size: u32) -> anyhow::Result<PgPool> {
    build_counted_pool(database_url, max_size, DEFAULT_POOL_WAIT, StatementCounter::default())
}

pub use crate::config::DEFAULT_POOL_WAIT;

/// As [`build_pool`], counting statements into `counter`.
pub fn build_counted_pool(
    database_url: &str,
    max_size: u32,
    wait: std::time::Duration,
    counter: StatementCounter,
) -> anyhow::Result<PgPool> {
    let manager = ConnectionManager::<PgConnection>::new(database_url);
    Pool::builder()
        .max_size(max_size)
        .connection_timeout(wait)
        .test_on_check_out(false)
        .connection_customizer(Box::new(CountStatements(counter)))
        .build(manager)
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))
}

/// Applies pending migrations under a session advisory lock.
pub fn run_migrations(conn: &mut PgConnection) -> anyhow::Result<()> {
    let applied = while_preparing(conn, |conn| {
        conn.run_pending_migrations(MIGRATIONS).map(|v| v.len()).map_err(|e| anyhow::anyhow!("{e}"))
    })?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
        analyze(conn)?;
    }
    Ok(())
}

/// Runs `f` holding the database's preparation lock (a session-level advisory lock, which the same session may
/// take again inside): instances starting together prepare one after the other, since PostgreSQL refuses
/// concurrent changes of one catalog row ("tuple concurrently updated") such as two grants on one table.
pub fn while_preparing<T>(
    conn: &mut PgConnection,
    f: impl FnOnce(&mut PgConnection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    let result = f(conn);
    diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    result
}

/// Refreshes the planner's statistics after bulk writes (migrations, the demo data, the deadline backfill, a
/// generated province): without them PostgreSQL plans the figure and worklist queries for empty tables, nested
/// loops over millions of rows, until autovacuum gets round to it.
pub fn analyze(conn: &mut PgConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("ANALYZE").execute(conn)?;
    Ok(())
}

/// A handle on the pool for async code: every call runs on tokio's blocking threads, never on the async workers.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
    /// Database round trips made through this handle (each `run` is one), for benchmarks and diagnostics.
    calls: std::sync::Arc<std::sync::atomic::AtomicU64>,
    statements: StatementCounter,
    /// Announces the history that work run through this handle wrote, once it is committed.
    announcer: std::sync::Arc<announce::Announcer>,
    waits: std::sync::Arc<PoolWaits>,
    key_reads: std::sync::Arc<key_reads::KeyReads>,
}

/// How often work waited for a connection because none was idle, how long in all, and how often in vain (the
/// pool's wait ran out: `UNAVAILABLE`). For the operators' metrics: waits that grow mean the pool is too small
/// for the load, or the database too slow.
#[derive(Default)]
pub struct PoolWaits {
    pub waits: std::sync::atomic::AtomicU64,
    pub waited_micros: std::sync::atomic::AtomicU64,
    pub timeouts: std::sync::atomic::AtomicU64,
}

impl PoolWaits {
    /// A connection from `pool`, counting the wait when none is idle.
    fn checkout(
        &self,
        pool: &PgPool,
    ) -> Result<diesel::r2d2::PooledConnection<diesel::r2d2::ConnectionManager<PgConnection>>, diesel::r2d2::PoolError>
    {
        use std::sync::atomic::Ordering::Relaxed;
        if let Some(conn) = pool.try_get() {
            return Ok(conn);
        }
        let asked = std::time::Instant::now();
        let got = pool.get();
        self.waits.fetch_add(1, Relaxed);
        self.waited_micros.fetch_add(u64::try_from(asked.elapsed().as_micros()).unwrap_or(u64::MAX), Relaxed);
        if got.is_err() {
            self.timeouts.fetch_add(1, Relaxed);
        }
        got
    }
}

impl Db {
    /// Connects a pool of `max_size` connections that counts its statements.
    pub fn connect(database_url: &str, max_size: u32, wait: std::time::Duration) -> anyhow::Result<Db> {
        let statements = StatementCounter::default();
        let pool = build_counted_pool(database_url, max_size, wait, statements.clone())?;
        let announcer = std::sync::Arc::new(announce::Announcer::start(pool.clone()));
        let key_reads = std::sync::Arc::new(key_reads::KeyReads::new(database_url, wait, statements.clone()));
        Ok(Db { pool, calls: Default::default(), statements, announcer, waits: Default::default(), key_reads })
    }

    /// SQL statements sent through this handle's pool so far (the live listener's included).
    pub fn statements(&self) -> u64 {
        self.statements.get()
    }

    /// The waits for a connection so far.
    pub fn pool_waits(&self) -> &PoolWaits {
        &self.waits
    }

    /// How many times `run` or `transaction` was called so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Runs `f` with a pooled connection, outside any transaction (for reads, or work that opens its own). The
    /// history `f` wrote is announced to live subscribers afterwards (see [`announce`]): `f` must have committed
    /// or rolled back what it wrote by the time it returns.
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let announcer = self.announcer.clone();
        let waits = self.waits.clone();
        self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // What is logged on the blocking thread belongs to the request that asked (its request id included).
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            // Whatever earlier work on this thread left behind is not ours to announce (it was announced already).
            announce::take_written();
            let done = waits.checkout(&pool).map_err(AppError::from).and_then(|mut conn| f(&mut conn));
            // Announced whatever `f` returned: entries that rolled back are not found, so not announced.
            announcer.send(announce::take_written());
            done
        })
        .await
        .map_err(AppError::internal)?
    }

    /// One short read by key (a statement's time, nothing written, no transaction) on this thread's pipelined
    /// connection ([`key_reads`]): the worker serves other requests while PostgreSQL answers, and reads asked for at
    /// the same moment reach PostgreSQL together. Only for the most frequent single-object reads.
    pub async fn read_by_key<T, F>(&self, read: F) -> AppResult<T>
    where
        F: for<'c> Fn(
            &'c diesel_async::AsyncPgConnection,
        ) -> futures_util::future::BoxFuture<'c, diesel::QueryResult<T>>,
    {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.key_reads.read(read).await
    }

    /// The sessions for reads by key: how many are open, and how many were found lost and replaced so far.
    pub fn key_read_sessions(&self) -> (usize, u64) {
        (self.key_reads.sessions(), self.key_reads.lost())
    }

    /// Tells at start-up whether the key reads' driver reaches the database the pool does.
    pub async fn check_key_reads(&self) -> anyhow::Result<()> {
        self.key_reads.check().await
    }

    /// Runs `f` in one transaction: every mutation is all or nothing.
    pub async fn transaction<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.run(move |conn| conn.transaction(f)).await
    }

    /// `SELECT 1`, for the readiness probe.
    pub async fn ping(&self) -> bool {
        self.run(|conn| diesel::sql_query("SELECT 1").execute(conn).map_err(AppError::from)).await.is_ok()
    }
}
