//! `petition-api` serves the API; `petition-api print-schema` prints the GraphQL SDL.

use anyhow::Context;
use petition_api::config::{AppEnv, Settings};
use petition_api::db::{self, embedded::EmbeddedPostgres, Db};
use petition_api::startup::Application;
use petition_api::{demo, graphql, telemetry};

fn main() -> anyhow::Result<()> {
    match std::env::args().nth(1).as_deref() {
        Some("print-schema") => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        None | Some("serve") => serve(),
        Some(other) => anyhow::bail!("unknown command `{other}`; use `serve` (the default) or `print-schema`"),
    }
}

fn serve() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_format);

    // Development without DATABASE_URL: our own PostgreSQL cluster, stopped again when we stop.
    let (database_url, cluster) = match &settings.database_url {
        Some(url) => (url.clone(), None),
        None => {
            debug_assert_eq!(settings.env, AppEnv::Development);
            let root = EmbeddedPostgres::default_root("dev");
            let pg = EmbeddedPostgres::start(&root, &[])?;
            pg.ensure_database("petition")?;
            (pg.database_url("petition"), Some(pg))
        }
    };

    let result = run(settings, &database_url);
    if let Some(pg) = cluster {
        if let Err(e) = pg.stop() {
            tracing::error!(error = %e, "could not stop the embedded PostgreSQL cluster");
        }
    }
    result
}

fn run(settings: Settings, database_url: &str) -> anyhow::Result<()> {
    let db = Db::connect(database_url, settings.db_pool_size)?;
    {
        let mut conn = db.pool().get().context("cannot connect to the database")?;
        db::run_migrations(&mut conn)?;
        if settings.load_demo_data {
            let today = chrono::Utc::now().with_timezone(&settings.time_zone).date_naive();
            demo::load_if_absent(&mut conn, &settings, today).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        // Cases written before deadlines were stored get theirs now (once; a no-op afterwards).
        let filled =
            petition_api::case_work::history::backfill_deadlines(&mut conn, &settings.rules, &settings.calendar())
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        if filled > 0 {
            tracing::info!(cases = filled, "stored the deadlines of existing cases");
        }
        // The figures count days in the configured time zone; a change of it means counting again.
        if petition_api::oversight::figures::count_days_in(&mut conn, settings.time_zone)
            .map_err(|e| anyhow::anyhow!("{e:?}"))?
        {
            tracing::info!(time_zone = settings.time_zone.name(), "figures recounted in a new time zone");
        }
    }
    let (host, env) = (settings.host, settings.env);
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings, db)?;
        let port = app.port();
        tracing::info!(%host, port, ?env, "listening");
        println!("Petition API on http://{host}:{port}/graphql (playground: open it in a browser)");
        app.run_until_stopped().await?;
        tracing::info!("server stopped");
        anyhow::Ok(())
    })
}
