//! `petition-api` serves the API; `petition-api print-schema` prints the GraphQL SDL; `petition-api generate
//! --cases N` writes a synthetic province into the configured database; `import-regions`, `create-admin` and
//! `import-staff` onboard a fresh database (README: Administration); `verify-history` checks the histories' hash chains. `petition-api --help` lists them (`cli`).

use std::process::ExitCode;

use anyhow::Context;
use petition_api::cli::{self, Command, Invocation};
use petition_api::config::{AppEnv, Settings};
use petition_api::db::embedded::{self, EmbeddedPostgres};
use petition_api::db::Db;
use petition_api::services::administration::{history_check, onboarding, Operator};
use petition_api::startup::{made_up_data_allowed, prepare_database, Application, DatabaseUrls};
use petition_api::{generate, graphql, telemetry};

/// mimalloc rather than glibc's allocator: a request allocates and frees thousands of small objects on whichever
/// worker serves it, which glibc's per-thread arenas do slower. Its first arena is committed as it fills
/// (`.cargo/config.toml`), so that the pages it frees leave the server's memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    petition_api::auth::password::return_large_blocks_to_the_system();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(Invocation::Run(command)) => command,
        Ok(Invocation::Help(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Ok(Invocation::Version) => {
            println!("{}", cli::version());
            return ExitCode::SUCCESS;
        }
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    match run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:?}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::PrintSchema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Serve => with_database(Demo::AsConfigured, serve),
        // A generated province needs the demo data's units in development.
        Command::Generate { plan, allow_production } => {
            with_database(Demo::AsConfigured, |settings, urls| generate(settings, urls, &plan, allow_production))
        }
        Command::ImportRegions { file } => {
            let file = read_file(&file)?;
            with_database(Demo::Never, |_, urls| import_regions(urls, &file))
        }
        Command::CreateAdmin { jurisdiction, username, display_name } => {
            let display_name = display_name.unwrap_or_else(|| username.clone());
            with_database(Demo::Never, |_, urls| create_admin(urls, &jurisdiction, &username, &display_name))
        }
        Command::VerifyHistory { case } => with_database(Demo::Never, |_, urls| verify_history(urls, case.as_deref())),
        Command::ImportStaff { file, update } => {
            let file = read_file(&file)?;
            with_database(Demo::Never, |_, urls| import_staff(urls, &file, update))
        }
    }
}

/// Whether a command loads the demo data into a development database.
enum Demo {
    /// As `DEMO_DATA` says (in development only).
    AsConfigured,
    /// Never: the onboarding commands put real organisations into a real database.
    Never,
}

/// Runs `f` over the configured database, migrated and prepared (the embedded one when none is configured).
fn with_database(demo: Demo, f: impl FnOnce(Settings, &DatabaseUrls) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let mut settings = Settings::from_env()?;
    if matches!(demo, Demo::Never) {
        settings.load_demo_data = false;
    }
    let _telemetry = telemetry::init(settings.log_format)?;

    // Development without DATABASE_URL: our own PostgreSQL cluster, stopped again when we stop (unless another
    // process, a server or a command beside it, still uses it).
    let (urls, cluster) = match &settings.database_url {
        Some(url) => {
            let owner = settings.migration_database_url.clone().unwrap_or_else(|| url.clone());
            (DatabaseUrls { server: url.clone(), owner }, None)
        }
        None => {
            debug_assert_eq!(settings.env, AppEnv::Development);
            // A URL of some database is given, only not the one that decides: the operator meant that database.
            let given = [
                ("MIGRATION_DATABASE_URL", settings.migration_database_url.is_some()),
                ("DATABASE_READ_URL", settings.database_read_url.is_some()),
            ];
            if let Some((name, _)) = given.iter().find(|(_, set)| *set) {
                anyhow::bail!(
                    "{name} is set but DATABASE_URL is not: set DATABASE_URL to the same database as the server's \
                     own role (README: Two database roles); without any database URL, development runs an embedded \
                     PostgreSQL of its own instead"
                );
            }
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
        if let Err(e) = pg.release() {
            tracing::error!(error = %e, "could not stop the embedded PostgreSQL cluster");
        }
    }
    result
}

fn read_file(path: &std::path::Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// The owner's connection: onboarding writes what the server's own role may not (jurisdictions).
fn owner_connection(urls: &DatabaseUrls) -> anyhow::Result<diesel::PgConnection> {
    use diesel::Connection;
    diesel::PgConnection::establish(&urls.owner)
        .context("cannot connect to the database as the owner of its tables (MIGRATION_DATABASE_URL)")
}

/// Prints each entry that does not match on standard output, the count per history on standard error (with
/// progress on a terminal); fails when any entry does not match.
fn verify_history(urls: &DatabaseUrls, case: Option<&str>) -> anyhow::Result<()> {
    use std::io::{IsTerminal, Write};
    let mut operator = Operator::connect(&urls.owner)?;
    let terminal = std::io::stderr().is_terminal();
    let report = history_check::verify_history(&mut operator, case, |history, checked| {
        if terminal {
            eprint!("\r{}: {checked} entries checked", history.table());
            let _ = std::io::stderr().flush();
        }
    })
    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    if terminal {
        eprintln!();
    }
    for finding in &report.findings {
        println!("{finding}");
    }
    for (history, checked) in &report.checked {
        let named = report.findings.iter().filter(|f| f.history == *history).count();
        eprintln!("{}: {checked} entries checked, {named} do not match", history.table());
    }
    if !report.findings.is_empty() {
        anyhow::bail!("{} history entries do not match what was written", report.findings.len());
    }
    Ok(())
}

fn import_regions(urls: &DatabaseUrls, file: &str) -> anyhow::Result<()> {
    let report = onboarding::import_regions(&mut Operator::connect(&urls.owner)?, file)
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    println!("{} jurisdictions added, {} already there", report.added, report.present);
    Ok(())
}

fn create_admin(urls: &DatabaseUrls, jurisdiction: &str, username: &str, display_name: &str) -> anyhow::Result<()> {
    let mut operator = Operator::connect(&urls.owner)?;
    let (account, temporary) =
        onboarding::create_admin(&mut operator, jurisdiction, username, display_name, chrono::Utc::now())?;
    println!("admin {} of {jurisdiction} created", account.username);
    println!("temporary password (shown once; it must be changed at the first sign-in): {temporary}");
    Ok(())
}

/// Imports staff with a progress bar on a terminal (a plain count otherwise); prints the temporary passwords of
/// the accounts made as CSV on standard output, and the refused lines with their reasons on standard error.
fn import_staff(urls: &DatabaseUrls, file: &str, update: bool) -> anyhow::Result<()> {
    use std::io::{IsTerminal, Write};
    let mut operator = Operator::connect(&urls.owner)?;
    let terminal = std::io::stderr().is_terminal();
    let outcomes = onboarding::import_staff(&mut operator, file, update, chrono::Utc::now(), |done, total| {
        if terminal {
            let filled = done * 40 / total.max(1);
            eprint!("\r[{}{}] {done}/{total} lines", "#".repeat(filled), ".".repeat(40 - filled));
            let _ = std::io::stderr().flush();
        }
    })?;
    if terminal {
        eprintln!();
    }
    let (mut created, mut present, mut updated, mut refused) = (0, 0, 0, 0);
    println!("line,username,temporary_password");
    for (line, outcome) in &outcomes {
        match outcome {
            onboarding::StaffLine::Created { username, temporary_password } => {
                created += 1;
                println!("{line},{username},{temporary_password}");
            }
            onboarding::StaffLine::Present { .. } => present += 1,
            onboarding::StaffLine::Updated { username, differences } => {
                updated += 1;
                eprintln!("line {line} updated {username}: {}", differences.join("; "));
            }
            onboarding::StaffLine::Refused { reason } => {
                refused += 1;
                eprintln!("line {line} refused: {reason}");
            }
        }
    }
    eprintln!(
        "{} lines: {created} accounts made, {updated} updated, {present} already there as described, {refused} refused",
        outcomes.len()
    );
    if refused > 0 {
        anyhow::bail!("{refused} line(s) refused; fix them and run the import again (it skips what is there)");
    }
    Ok(())
}

fn serve(settings: Settings, urls: &DatabaseUrls) -> anyhow::Result<()> {
    let db = Db::connect(&urls.server, settings.db_pool_size, settings.db_pool_wait)
        .map_err(|e| e.context("the database as the server's role (DATABASE_URL)"))?;
    let (host, env) = (settings.host, settings.env);
    actix_web::rt::System::new().block_on(async move {
        db.check_key_reads().await?;
        let app = Application::build(settings, db)?;
        let port = app.port();
        tracing::info!(%host, port, ?env, "listening");
        println!("Petition API on http://{host}:{port}/graphql (playground: open it in a browser)");
        let stopped = app.run_until_stopped().await;
        telemetry::flush_access_log();
        stopped?;
        tracing::info!("server stopped");
        anyhow::Ok(())
    })
}

/// Writes `plan.cases` synthetic cases as the owner of the tables (a bulk load recounts the figures), with a
/// progress bar on standard error.
fn generate(
    settings: Settings,
    urls: &DatabaseUrls,
    plan: &generate::Plan,
    allow_production: bool,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut conn = owner_connection(urls)?;
    made_up_data_allowed(&mut conn, &settings, allow_production, "a generated province of made-up cases")?;
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
