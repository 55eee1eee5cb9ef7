//! `petition-api` serves the API; `petition-api print-schema` prints the GraphQL SDL; `petition-api generate
//! --cases N` writes a synthetic province into the configured database.

use anyhow::Context;
use petition_api::config::{AppEnv, Settings};
use petition_api::db::{self, embedded::EmbeddedPostgres, Db};
use petition_api::startup::Application;
use petition_api::{demo, generate, graphql, telemetry};

fn main() -> anyhow::Result<()> {
    petition_api::auth::password::return_large_blocks_to_the_system();
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("print-schema") => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        None | Some("serve") => with_database(serve),
        Some("generate") => {
            let plan = generate::Plan::parse(&args[2..])?;
            with_database(|settings, db| generate(settings, db, &plan))
        }
        Some(other) => {
            anyhow::bail!("unknown command `{other}`; use `serve` (the default), `generate` or `print-schema`")
        }
    }
}

/// Runs `f` over the configured database, migrated and prepared (the embedded one when none is configured).
fn with_database(f: impl FnOnce(Settings, Db) -> anyhow::Result<()>) -> anyhow::Result<()> {
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

    let result = prepare(&settings, &database_url).and_then(|db| f(settings, db));
    if let Some(pg) = cluster {
        if let Err(e) = pg.stop() {
            tracing::error!(error = %e, "could not stop the embedded PostgreSQL cluster");
        }
    }
    result
}

/// Migrates the database and brings it up to date: demo data (in development), stored deadlines and figures.
fn prepare(settings: &Settings, database_url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(database_url, settings.db_pool_size, settings.db_pool_wait)?;
    {
        let mut conn = db.pool().get().context("cannot connect to the database")?;
        db::run_migrations(&mut conn)?;
        if settings.load_demo_data {
            let today = chrono::Utc::now().with_timezone(&settings.time_zone).date_naive();
            demo::load_if_absent(&mut conn, settings, today).map_err(|e| anyhow::anyhow!("{e:?}"))?;
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
    Ok(db)
}

fn serve(settings: Settings, db: Db) -> anyhow::Result<()> {
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

/// Writes `plan.cases` synthetic cases, with a progress bar on standard error.
fn generate(settings: Settings, db: Db, plan: &generate::Plan) -> anyhow::Result<()> {
    use std::io::Write;
    let mut conn = db.pool().get().context("cannot connect to the database")?;
    let started = std::time::Instant::now();
    let report = generate::run(&mut conn, &settings, plan, chrono::Utc::now(), |done, total| {
        let width = 40;
        let filled = (done * width / total.max(1)) as usize;
        let secs = started.elapsed().as_secs_f64();
        let rate = done as f64 / secs.max(0.001);
        let left = (total - done) as f64 / rate.max(1.0);
        eprint!(
            "\r[{}{}] {done}/{total} cases, {rate:.0}/s, {secs:.0} s, about {left:.0} s left   ",
            "#".repeat(filled),
            ".".repeat(width as usize - filled)
        );
        let _ = std::io::stderr().flush();
    })
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    eprintln!();
    println!(
        "wrote {} cases, {} history entries and {} deadlines in {:.0} s",
        report.cases,
        report.events,
        report.deadlines,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
