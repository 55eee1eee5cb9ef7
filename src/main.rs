//! `petition-api` serves the API; `petition-api print-schema` prints the GraphQL SDL; `petition-api generate
//! --cases N` writes a synthetic province into the configured database.

use anyhow::Context;
use petition_api::config::{AppEnv, Settings};
use petition_api::db::embedded::{self, EmbeddedPostgres};
use petition_api::db::Db;
use petition_api::startup::{prepare_database, Application, DatabaseUrls};
use petition_api::{generate, graphql, telemetry};

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
            with_database(|settings, urls| generate(settings, urls, &plan))
        }
        Some(other) => {
            anyhow::bail!("unknown command `{other}`; use `serve` (the default), `generate` or `print-schema`")
        }
    }
}

/// Runs `f` over the configured database, migrated and prepared (the embedded one when none is configured).
fn with_database(f: impl FnOnce(Settings, &DatabaseUrls) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_format);

    // Development without DATABASE_URL: our own PostgreSQL cluster, stopped again when we stop.
    let (urls, cluster) = match &settings.database_url {
        Some(url) => {
            let owner = settings.migration_database_url.clone().unwrap_or_else(|| url.clone());
            (DatabaseUrls { server: url.clone(), owner }, None)
        }
        None => {
            debug_assert_eq!(settings.env, AppEnv::Development);
            let root = EmbeddedPostgres::default_root("dev");
            let pg = EmbeddedPostgres::start(&root, &[])?;
            pg.ensure_database("petition")?;
            let urls = DatabaseUrls {
                server: pg.database_url_as(embedded::SERVER_ROLE, "petition"),
                owner: pg.database_url_as(embedded::OWNER_ROLE, "petition"),
            };
            (urls, Some(pg))
        }
    };

    let result = prepare_database(&settings, &urls).and_then(|()| f(settings, &urls));
    if let Some(pg) = cluster {
        if let Err(e) = pg.stop() {
            tracing::error!(error = %e, "could not stop the embedded PostgreSQL cluster");
        }
    }
    result
}

fn serve(settings: Settings, urls: &DatabaseUrls) -> anyhow::Result<()> {
    let db = Db::connect(&urls.server, settings.db_pool_size, settings.db_pool_wait)?;
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

/// Writes `plan.cases` synthetic cases as the owner of the tables (a bulk load recounts the figures), with a
/// progress bar on standard error.
fn generate(settings: Settings, urls: &DatabaseUrls, plan: &generate::Plan) -> anyhow::Result<()> {
    use diesel::Connection;
    use std::io::Write;
    let mut conn = diesel::PgConnection::establish(&urls.owner).context("cannot connect to the database")?;
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
