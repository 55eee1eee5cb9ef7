//! Building and running the server: `Application::build` binds the listener (port 0 in tests) and wires the state;
//! `run_until_stopped` serves until SIGINT/SIGTERM, then drains in-flight requests.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{web, App, HttpServer};

use crate::auth::callers::CallerCache;
use crate::auth::throttle::LoginLimiter;
use crate::auth::token::TokenKeys;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::db::Db;
use crate::graphql::schema_builder;
use crate::http;
use crate::live::LiveFeed;
use crate::models::serials::ReferenceSerials;
use crate::state::AppState;

/// Serials of references a server process reserves at a time per county and year: intakes into one county take
/// the counter's lock once per block instead of once each; a stopped process leaves at most this many unused.
const REFERENCE_SERIAL_BLOCK: i32 = 20;

/// Accounts whose callers a server process remembers (a few hundred bytes each).
const CALLERS_REMEMBERED: usize = 20_000;

/// Where the database is, for each of the two roles that work on it.
#[derive(Clone)]
pub struct DatabaseUrls {
    /// The server's own role (`DATABASE_URL`): reads and writes what the API needs, owns nothing.
    pub server: String,
    /// The owner of the tables (`MIGRATION_DATABASE_URL`; the server's when not given): migrations, demo data,
    /// the deadline backfill, bulk loads.
    pub owner: String,
}

/// Brings the database up to date as its owner (migrations, demo data in development, stored deadlines, figures
/// in the configured time zone), grants the server's role what it needs, and checks that role can do no more.
pub fn prepare_database(settings: &Settings, urls: &DatabaseUrls) -> anyhow::Result<()> {
    use anyhow::Context;
    use diesel::Connection;
    let owner_setting = owner_setting(settings);
    let mut owner = diesel::PgConnection::establish(&urls.owner)
        .with_context(|| format!("cannot connect to the database as the owner of its tables ({owner_setting})"))?;
    crate::db::while_preparing(&mut owner, |owner| prepare_as_owner(settings, urls, owner, owner_setting))
}

/// [`prepare_database`] over the owner's connection, while no other process prepares the same database.
fn prepare_as_owner(
    settings: &Settings,
    urls: &DatabaseUrls,
    owner: &mut diesel::PgConnection,
    owner_setting: &str,
) -> anyhow::Result<()> {
    use anyhow::Context;
    use diesel::Connection;
    let failed = |e: crate::error::AppError| anyhow::anyhow!("{e:?}");
    crate::db::run_migrations(owner).map_err(|e| {
        let text = format!("{e:#}");
        if text.contains("permission denied") || text.contains("must be owner") {
            anyhow::anyhow!(
                "the role of {owner_setting} cannot migrate the database ({text}): set MIGRATION_DATABASE_URL to the \
                 same database as the owner of its tables; DATABASE_URL is the server's own role, which owns nothing \
                 (README: Two database roles)"
            )
        } else {
            e.context(format!("migrating the database as the role of {owner_setting}"))
        }
    })?;
    if settings.env == crate::config::AppEnv::Production {
        crate::models::served_environment::mark_production(owner, &crate::domain::permission::SystemWrite::new())?;
    }
    if settings.load_demo_data {
        made_up_data_allowed(owner, settings, false, "the demo data (DEMO_DATA=false leaves it out)")?;
        let today = chrono::Utc::now().with_timezone(&settings.time_zone).date_naive();
        crate::demo::load_if_absent(owner, settings, today).map_err(failed)?;
    }
    // Cases written before deadlines were stored get theirs now (once; a no-op afterwards).
    let filled = crate::services::case_work::history::backfill_deadlines(owner, &settings.rules, &settings.calendar())
        .map_err(failed)?;
    if filled > 0 {
        tracing::info!(cases = filled, "stored the deadlines of existing cases");
    }
    // Webhook secrets stored in clear (before sealing) or under an earlier key are sealed under the current one.
    let sealed =
        crate::services::webhooks::seal_stored_secrets(owner, &settings.webhook_secret_keys).map_err(failed)?;
    if sealed > 0 {
        tracing::info!(webhooks = sealed, "sealed webhook secrets under the current key");
    }
    // The figures count days in the configured time zone; a change of it means counting again.
    if crate::services::oversight::figures::count_days_in(owner, settings.time_zone).map_err(failed)? {
        tracing::info!(time_zone = settings.time_zone.name(), "figures recounted in a new time zone");
    }

    let mut server = diesel::PgConnection::establish(&urls.server)
        .context("cannot connect to the database as the server's role (DATABASE_URL)")?;
    let server_role = crate::db::privileges::check_role(&mut server)?;
    let owner_role = crate::db::privileges::check_role(owner)?;
    if server_role.role != owner_role.role {
        crate::db::privileges::grant_runtime_privileges(owner, &server_role.role)?;
    }
    if server_role.is_privileged() {
        let why = format!(
            "the server's database role `{}` {} and could rewrite history; give DATABASE_URL a role of its own and \
             MIGRATION_DATABASE_URL the owner's (see the README)",
            server_role.role,
            if server_role.superuser { "is a superuser" } else { "owns the tables" }
        );
        if settings.env == crate::config::AppEnv::Production {
            anyhow::bail!(why);
        }
        tracing::warn!("{why}");
    }
    Ok(())
}

/// The setting that names the owner's connection: `MIGRATION_DATABASE_URL`, or `DATABASE_URL` standing in for it.
fn owner_setting(settings: &Settings) -> &'static str {
    if settings.migration_database_url.is_some() {
        "MIGRATION_DATABASE_URL"
    } else {
        "DATABASE_URL (MIGRATION_DATABASE_URL is not set)"
    }
}

/// Refuses to write made-up data (`what`: the demo data, a generated province) into a production database, one
/// used with `APP_ENV=production` before (the database remembers) or now, unless `allow_production`: its history is
/// append-only, and made-up cases could never be removed from it.
pub fn made_up_data_allowed(
    owner: &mut diesel::PgConnection,
    settings: &Settings,
    allow_production: bool,
    what: &str,
) -> anyhow::Result<()> {
    if allow_production {
        return Ok(());
    }
    if settings.env == crate::config::AppEnv::Production {
        anyhow::bail!(
            "refusing to write {what} with APP_ENV=production: made-up cases could never be removed from an \
             append-only history; pass --allow-production if this database is a copy meant for trials"
        );
    }
    if let Some(since) = crate::models::served_environment::production_since(owner)? {
        anyhow::bail!(
            "refusing to write {what}: this database has been used with APP_ENV=production since {}, and made-up \
             cases could never be removed from its append-only history; check DATABASE_URL, or pass \
             --allow-production if this database is a copy meant for trials",
            since.format("%Y-%m-%d %H:%M UTC")
        );
    }
    Ok(())
}

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Binds `settings.host:settings.port` and prepares the server over `db` (already migrated).
    pub fn build(settings: Settings, db: Db) -> anyhow::Result<Application> {
        Application::build_with_clock(settings, db, Arc::new(SystemClock))
    }

    /// As [`Application::build`], with the clock every time rule goes through (tests pass a manual one).
    pub fn build_with_clock(settings: Settings, db: Db, clock: Arc<dyn Clock>) -> anyhow::Result<Application> {
        for warning in settings.production_warnings() {
            tracing::warn!("{warning}");
        }
        let listener = TcpListener::bind((settings.host, settings.port))
            .map_err(|e| anyhow::anyhow!("cannot listen on {}:{} (HOST, PORT): {e}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        // A revoked session's access tokens live at most their lifetime, plus the leeway of the expiry check.
        let session_memory = settings.jwt.access_ttl + std::time::Duration::from_secs(60);
        let callers = Arc::new(CallerCache::new(CALLERS_REMEMBERED, session_memory));
        let reads = match &settings.database_read_url {
            Some(url) => Db::connect(url, settings.db_pool_size, settings.db_pool_wait)
                .map_err(|e| e.context("the standby for reads (DATABASE_READ_URL)"))?,
            None => db.clone(),
        };
        let state = AppState {
            files: match &settings.files_s3 {
                Some(s3) => crate::files::FileStore::s3(s3)?,
                None => crate::files::FileStore::local(
                    &settings
                        .files_dir
                        .clone()
                        .unwrap_or_else(|| crate::db::embedded::EmbeddedPostgres::default_root("files")),
                )?,
            },
            live: LiveFeed::start(db.pool().clone(), callers.clone()),
            reads,
            callers,
            serials: Arc::new(ReferenceSerials::new(REFERENCE_SERIAL_BLOCK)),
            metrics: Default::default(),
            db,
            clock,
            track_limiter: Arc::new(LoginLimiter::new(settings.login_throttle.clone())),
            register_limiter: Arc::new(LoginLimiter::new(settings.register_throttle.clone())),
            tokens: Arc::new(TokenKeys::new(&settings.jwt)),
            login_limiter: Arc::new(LoginLimiter::new(settings.login_throttle.clone())),
            settings: Arc::new(settings),
        };
        let documents = Arc::new(known_documents(&state.settings)?);
        let mut schema = schema_builder(&state.settings.limits).data(state.clone());
        if state.settings.trusted_documents.is_some() {
            schema = schema.extension(crate::graphql::documents::TrustedOnly(documents.clone()));
        }
        let schema = schema.finish();
        let documents = web::Data::from(documents);
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(app_state.clone()))
                .app_data(web::Data::new(schema.clone()))
                .app_data(documents.clone())
                .wrap(Compress::default())
                // Answers hold personal data: no cache keeps them, and no browser guesses their type. (The
                // playground's assets set their own caching.)
                .wrap(
                    DefaultHeaders::new()
                        .add((header::CACHE_CONTROL, "no-store"))
                        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")),
                )
                .wrap(from_fn(http::cors::middleware))
                .wrap(from_fn(http::request_id::middleware))
                .configure(http::routes)
        })
        .workers(state.settings.http_workers)
        .listen(listener)?
        .shutdown_timeout(20)
        .run();
        Ok(Application { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop (actix handles SIGINT and SIGTERM gracefully), sweeping for
    /// missed deadlines meanwhile.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let sweep =
            self.state.settings.sweep_interval.map(|every| tokio::spawn(sweep_every(self.state.clone(), every)));
        let compaction = tokio::spawn(compact_figures_every(self.state.clone(), FIGURE_COMPACTION_INTERVAL));
        let webhooks =
            self.state.settings.webhook_interval.map(|every| {
                tokio::spawn(crate::services::webhooks::delivery::deliver_every(self.state.clone(), every))
            });
        let result = self.server.await;
        if let Some(webhooks) = webhooks {
            webhooks.abort();
        }
        if let Some(sweep) = sweep {
            sweep.abort();
        }
        compaction.abort();
        result
    }
}

/// The documents the server starts with: with `TRUSTED_DOCUMENTS`, its manifest, read and checked now so that a
/// bad one stops the start instead of refusing every request.
fn known_documents(settings: &Settings) -> anyhow::Result<crate::graphql::documents::Documents> {
    use crate::graphql::documents::{read_manifest, Documents};
    let Some(path) = &settings.trusted_documents else { return Ok(Documents::default()) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("TRUSTED_DOCUMENTS: cannot read {}: {e}", path.display()))?;
    let manifest = read_manifest(&text).map_err(|e| anyhow::anyhow!("TRUSTED_DOCUMENTS {}: {e}", path.display()))?;
    tracing::info!(operations = manifest.len(), "running only the trusted documents of {}", path.display());
    Ok(Documents::default().trusting_only(manifest))
}

/// How often each server folds the figure differences into their totals.
const FIGURE_COMPACTION_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);

/// Folds the portal figures' pending differences every `every`. Errors are logged and the next run tries again.
async fn compact_figures_every(state: AppState, every: std::time::Duration) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        ticks.tick().await;
        match state.db.run(crate::services::oversight::figures::compact).await {
            Ok(Some(n)) if n > 0 => tracing::debug!(folded = n, "figure differences folded"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = ?e, "folding figure differences failed"),
        }
    }
}

/// Runs the deadline sweep every `every`, first after one interval. Errors are logged and the next run tries again.
async fn sweep_every(state: AppState, every: std::time::Duration) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        ticks.tick().await;
        let env = crate::services::Environment::of(&state.settings, state.clock.now());
        match state.db.run(move |conn| crate::services::oversight::sweep::run_once(conn, &env)).await {
            Ok(report) if report != Default::default() => {
                state.metrics.sweep(
                    report.deadlines_missed as u64,
                    report.notices_overdue as u64,
                    report.cases_closed as u64,
                );
                tracing::info!(
                    missed = report.deadlines_missed,
                    notices = report.notices_overdue,
                    closed = report.cases_closed,
                    "deadline sweep"
                )
            }
            Ok(_) => tracing::debug!("deadline sweep: nothing new"),
            Err(e) => tracing::error!(error = ?e, "deadline sweep failed"),
        }
    }
}
