//! Database access: the connection pool, embedded migrations, and the bridge from async resolvers to diesel's
//! blocking connections. Query functions live with their models (`crate::models`) and take a `&mut PgConnection`,
//! so they work the same inside or outside a transaction.

pub mod embedded;
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

pub fn build_pool(database_url: &str, max_size: u32) -> anyhow::Result<PgPool> {
    let manager = ConnectionManager::<PgConnection>::new(database_url);
    Pool::builder()
        .max_size(max_size)
        .connection_timeout(std::time::Duration::from_secs(10))
        .build(manager)
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))
}

/// Applies pending migrations under a session advisory lock.
pub fn run_migrations(conn: &mut PgConnection) -> anyhow::Result<()> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    let applied = conn.run_pending_migrations(MIGRATIONS).map(|v| v.len()).map_err(|e| anyhow::anyhow!("{e}"));
    diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).execute(conn)?;
    let applied = applied?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    Ok(())
}

/// A handle on the pool for async code: every call runs on tokio's blocking threads, never on the async workers.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
    /// Database round trips made through this handle (each `run` is one), for benchmarks and diagnostics.
    calls: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Db {
    pub fn new(pool: PgPool) -> Self {
        Db { pool, calls: Default::default() }
    }

    /// How many times `run` or `transaction` was called so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Runs `f` with a pooled connection, outside any transaction (for reads).
    pub async fn run<T, F>(&self, f: F) -> AppResult<T>
    where
        F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(AppError::internal)?
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
