//! The test harness: a real PostgreSQL cluster (the embedded one, in its own `test` folder), a template database
//! migrated and loaded with the demo data once per fingerprint of migrations and data, and one database cloned
//! from the template per test, so tests run in parallel without seeing each other. Each test talks real HTTP to
//! its own server on a free port.
//!
//! The test cluster is left running between runs (it starts in about a second, but there is no need to): stop it
//! with `pg_ctl -D /var/tmp/petition-api-<uid>/test/data stop` if you want it gone.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use diesel::prelude::*;
use petition_api::clock::ManualClock;
use petition_api::config::Settings;
use petition_api::db::embedded::{EmbeddedPostgres, OWNER_ROLE, SERVER_ROLE};
use petition_api::db::{self, Db, PgPool, DATABASE_FINGERPRINT};
use petition_api::startup::{prepare_database, Application, DatabaseUrls};
use serde_json::{json, Value};

pub const DEMO_PASSWORD: &str = "demo-password";

struct TestCluster {
    pg: EmbeddedPostgres,
    template: String,
}

fn cluster() -> &'static TestCluster {
    static CLUSTER: OnceLock<TestCluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let root = EmbeddedPostgres::default_root("test");
        let settings =
            [("fsync", "off"), ("synchronous_commit", "off"), ("full_page_writes", "off"), ("max_connections", "400")];
        let pg = EmbeddedPostgres::start(&root, &settings).expect("start the test PostgreSQL cluster");
        let template = format!("petition_template_{DATABASE_FINGERPRINT}");
        build_template(&pg, &template);
        TestCluster { pg, template }
    })
}

/// Builds the template under an advisory lock (test binaries may run in parallel), in a scratch database renamed
/// into place only when complete, so a half-built template is never used.
fn build_template(pg: &EmbeddedPostgres, template: &str) {
    let mut conn = PgConnection::establish(&pg.database_url("postgres")).expect("connect to the test cluster");
    diesel::sql_query("SELECT pg_advisory_lock(4242)").execute(&mut conn).unwrap();
    if !database_exists(&mut conn, template) {
        let scratch = format!("{template}_building");
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")).execute(&mut conn).unwrap();
        pg.ensure_roles().expect("the owner and server roles");
        diesel::sql_query(format!("CREATE DATABASE {scratch} OWNER {OWNER_ROLE}")).execute(&mut conn).unwrap();
        let urls = DatabaseUrls {
            server: pg.database_url_as(SERVER_ROLE, &scratch),
            owner: pg.database_url_as(OWNER_ROLE, &scratch),
        };
        let settings = Settings::from_lookup(|_| None).expect("default settings");
        prepare_database(&settings, &urls).expect("migrations, demo data and grants");
        diesel::sql_query(format!("ALTER DATABASE {scratch} RENAME TO {template}")).execute(&mut conn).unwrap();
        drop_other_templates(&mut conn, template);
    }
    diesel::sql_query("SELECT pg_advisory_unlock(4242)").execute(&mut conn).unwrap();
}

/// The templates of earlier versions of the code (every change under `src/` makes a new one, see build.rs): dropped
/// when a new one is built, unless a test binary of that version still uses them.
fn drop_other_templates(conn: &mut PgConnection, template: &str) {
    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let others = diesel::sql_query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'petition\\_template\\_%' AND datname <> $1",
    )
    .bind::<diesel::sql_types::Text, _>(template)
    .load::<Name>(conn)
    .unwrap_or_default();
    for other in others {
        // Refused while in use: left for the next time.
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{}\"", other.datname)).execute(conn);
    }
}

fn database_exists(conn: &mut PgConnection, name: &str) -> bool {
    number(conn, "SELECT count(*) AS n FROM pg_database WHERE datname = $1", &[name]) > 0
}

/// The number a statement reads (its column `n`), each of `args` bound as text ($1, $2, …).
pub fn number(conn: &mut PgConnection, sql: &str, args: &[&str]) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut query = diesel::sql_query(sql).into_boxed();
    for arg in args {
        query = query.bind::<diesel::sql_types::Text, _>(arg.to_string());
    }
    query.get_result::<N>(conn).unwrap().n
}

pub struct TestApp {
    pub address: String,
    /// Every rule about time reads this clock; tests move it.
    pub clock: Arc<ManualClock>,
    pub client: reqwest::Client,
    /// The test's own connections, as the cluster's superuser: for arranging what the API cannot (old cases,
    /// broken tables) and for reading behind it.
    pub pool: PgPool,
    /// The server's database handle: `db.calls()` counts its round trips.
    pub db: Db,
    url: String,
    database: String,
}

impl TestApp {
    /// Takes this test's database away from its server, as an outage would (`cut`: no new connections, and every
    /// open one ended), or gives it back.
    pub fn cut_off_database(&self, cut: bool) {
        let url = cluster().pg.database_url("postgres");
        let name = self.database.clone();
        std::thread::spawn(move || {
            let mut conn = PgConnection::establish(&url).expect("the cluster");
            diesel::sql_query(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {}", !cut)).execute(&mut conn).unwrap();
            if cut {
                let end = format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
                diesel::sql_query(end).execute(&mut conn).unwrap();
            }
        })
        .join()
        .unwrap();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let url = cluster().pg.database_url("postgres");
        let name = self.database.clone();
        // Drop runs inside the test's runtime: do the blocking work on a thread of its own.
        let _ = std::thread::spawn(move || {
            if let Ok(mut conn) = PgConnection::establish(&url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
            }
        })
        .join();
    }
}

/// Another fresh copy of the demo database, not used by any server yet (e.g. to stand in for a standby that is
/// behind): its URL and a guard that drops it.
pub fn spare_database() -> (String, SpareDatabase) {
    let cluster = cluster();
    let name = format!("test_spare_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::establish(&cluster.pg.database_url("postgres")).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {} OWNER {OWNER_ROLE}", cluster.template))
        .execute(&mut conn)
        .unwrap();
    (cluster.pg.database_url_as(SERVER_ROLE, &name), SpareDatabase(name))
}

/// As [`spare_database`], with the URLs of the server's role and of the owner.
pub fn spare_database_urls() -> (DatabaseUrls, SpareDatabase) {
    let (server, guard) = spare_database();
    let owner = cluster().pg.database_url_as(OWNER_ROLE, &guard.0);
    (DatabaseUrls { server, owner }, guard)
}

pub struct SpareDatabase(String);

impl Drop for SpareDatabase {
    fn drop(&mut self) {
        let url = cluster().pg.database_url("postgres");
        let name = self.0.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(mut conn) = PgConnection::establish(&url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
            }
        })
        .join();
    }
}

/// Starts a server over a fresh copy of the demo database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// As [`spawn_app`], with extra environment settings.
pub async fn spawn_app_with(env: &[(&str, &str)]) -> TestApp {
    let cluster = cluster();
    let database = format!("test_{}", uuid::Uuid::new_v4().simple());
    {
        let mut conn = PgConnection::establish(&cluster.pg.database_url("postgres")).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {database} TEMPLATE {} OWNER {OWNER_ROLE}", cluster.template))
            .execute(&mut conn)
            .expect("clone the template database");
    }
    spawn_app_over(database, env).await
}

/// A new, empty database (no tables, no data), owned by the owner role as a production one would be: its name
/// and URLs. The server started over it with [`spawn_app_over`] drops it at the end.
pub fn empty_database() -> (String, DatabaseUrls) {
    let cluster = cluster();
    let database = format!("test_empty_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::establish(&cluster.pg.database_url("postgres")).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {database} OWNER {OWNER_ROLE}")).execute(&mut conn).unwrap();
    let urls = DatabaseUrls {
        server: cluster.pg.database_url_as(SERVER_ROLE, &database),
        owner: cluster.pg.database_url_as(OWNER_ROLE, &database),
    };
    (database, urls)
}

/// Starts a server over the database called `database` of the test cluster (dropped when the app is).
pub async fn spawn_app_over(database: String, env: &[(&str, &str)]) -> TestApp {
    let cluster = cluster();
    // The server works as the runtime role, as in production; the test itself reaches behind it as the superuser.
    let url = cluster.pg.database_url_as(SERVER_ROLE, &database);
    let pool = db::build_pool(&cluster.pg.database_url(&database), 2).expect("the test's own pool");
    let mut vars: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".to_owned(), url.clone()),
        ("PORT".to_owned(), "0".to_owned()),
        ("DB_POOL_SIZE".to_owned(), "4".to_owned()),
        // Tests that want the sweep run it themselves, or set an interval; likewise webhook delivery, whose polling
        // would otherwise count among a request's statements.
        ("SWEEP_INTERVAL_SECS".to_owned(), "0".to_owned()),
        ("WEBHOOK_INTERVAL_MS".to_owned(), "0".to_owned()),
    ]);
    for (k, v) in env {
        vars.insert(k.to_string(), v.to_string());
    }
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings");
    let db = Db::connect(&url, 4, petition_api::db::DEFAULT_POOL_WAIT).expect("pool");
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let address = start_server(settings, db.clone(), clock.clone());
    TestApp { address, clock, client: reqwest::Client::new(), pool, db, url, database }
}

fn start_server(settings: Settings, db: Db, clock: Arc<ManualClock>) -> String {
    let app = Application::build_with_clock(settings, db, clock).expect("build the application");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

impl TestApp {
    /// A second server process over the same database (its own pool, listener and clock, set to this one's
    /// time), as when several instances serve one database. Returns its address.
    pub async fn another_server(&self) -> String {
        self.another_server_with(&[]).await
    }

    /// As [`TestApp::another_server`], with extra environment settings.
    pub async fn another_server_with(&self, env: &[(&str, &str)]) -> String {
        let mut vars: HashMap<&str, String> = HashMap::from([
            ("DATABASE_URL", self.url.clone()),
            ("PORT", "0".to_owned()),
            ("SWEEP_INTERVAL_SECS", "0".to_owned()),
            ("WEBHOOK_INTERVAL_MS", "0".to_owned()),
        ]);
        for (k, v) in env {
            vars.insert(k, v.to_string());
        }
        let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings");
        let db = Db::connect(&self.url, 4, petition_api::db::DEFAULT_POOL_WAIT).expect("pool");
        let clock = Arc::new(ManualClock::new(petition_api::clock::Clock::now(&*self.clock)));
        start_server(settings, db, clock)
    }

    /// What a server's start does to this app's database before serving (`serve`'s `prepare_database`, as the
    /// owner), with extra environment settings: after an operator changed them, say.
    pub async fn prepare_again_with(&self, env: &[(&str, &str)]) {
        use petition_api::startup::{prepare_database, DatabaseUrls};
        let mut vars: HashMap<&str, String> =
            HashMap::from([("DATABASE_URL", self.url.clone()), ("DEMO_DATA", "false".to_owned())]);
        for (k, v) in env {
            vars.insert(k, v.to_string());
        }
        let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings");
        let urls =
            DatabaseUrls { server: self.url.clone(), owner: cluster().pg.database_url_as(OWNER_ROLE, &self.database) };
        tokio::task::spawn_blocking(move || prepare_database(&settings, &urls)).await.unwrap().expect("prepared");
    }

    /// Writes a generated province of `cases` cases over a year into this app's database, as `petition-api
    /// generate` does (on a thread of its own: the server shares this test's runtime and keeps serving).
    pub async fn generate(&self, cases: usize) {
        use petition_api::generate::{self, Plan};
        let settings = Settings::from_lookup(|_| None).unwrap();
        let plan = Plan { cases: cases as u64, years: 1, ..Plan::default() };
        let now = petition_api::clock::Clock::now(&*self.clock);
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || generate::run(&mut pool.get().unwrap(), &settings, &plan, now, |_, _| {}))
            .await
            .unwrap()
            .expect("generate cases");
    }

    /// Today in the service's time zone, by the test clock.
    pub fn clock_today(&self) -> chrono::NaiveDate {
        petition_api::clock::Clock::now(&*self.clock).with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
    }

    /// POSTs an operation; returns the whole JSON body.
    pub async fn graphql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        self.graphql_at(&self.address, query, variables, token, &[]).await
    }

    /// Runs an operation that must succeed against the server at `address` (another one over the same database).
    pub async fn ok_at(&self, address: &str, query: &str, variables: Value, token: &str) -> Value {
        let body = self.graphql_at(address, query, variables, Some(token), &[]).await;
        assert!(body["errors"].is_null(), "expected success: {body}");
        body["data"].clone()
    }

    /// POSTs an operation to the server at `address`, with extra headers; returns the whole JSON body.
    pub async fn graphql_at(
        &self,
        address: &str,
        query: &str,
        variables: Value,
        token: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Value {
        let mut req = self.client.post(format!("{address}/graphql")).json(&json!({
            "query": query,
            "variables": variables,
        }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let res = req.send().await.expect("request");
        assert_eq!(res.status(), 200, "GraphQL answers with HTTP 200");
        res.json().await.expect("JSON body")
    }

    /// Signs in; returns the whole `login` payload.
    pub async fn login_payload(&self, username: &str, password: &str) -> Value {
        let body = self
            .graphql(
                "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken } }",
                json!({"u": username, "p": password}),
                None,
            )
            .await;
        assert!(body["errors"].is_null(), "login as {username} failed: {body}");
        body["data"]["login"].clone()
    }

    /// Signs in as a demo account; returns its access token.
    pub async fn token(&self, username: &str) -> String {
        self.login_payload(username, DEMO_PASSWORD).await["accessToken"].as_str().unwrap().to_owned()
    }

    pub fn conn(&self) -> diesel::r2d2::PooledConnection<diesel::r2d2::ConnectionManager<PgConnection>> {
        self.pool.get().expect("connection")
    }

    /// A connection as the server's own database role (what an attacker who took over the server would have).
    pub fn server_role_connection(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect as the server's role")
    }

    /// A new handling unit of 江阳区 (510502), made by its admin through the API (an entry in the administration log).
    pub async fn new_unit(&self, name: &str) -> String {
        let admin = self.token("demo.admin").await;
        let made = self
            .ok(
                "mutation($i: CreateUnitInput!) { createUnit(input: $i) { id } }",
                json!({"i": {"jurisdictionCode": "510502", "kind": "HANDLING_UNIT", "name": name}}),
                &admin,
            )
            .await;
        made["createUnit"]["id"].as_str().unwrap().to_owned()
    }

    /// The URLs of this server's database, as its own role and as the tables' owner (for the command line).
    pub fn urls(&self) -> DatabaseUrls {
        DatabaseUrls { server: self.url.clone(), owner: cluster().pg.database_url_as(OWNER_ROLE, &self.database) }
    }
}

/// The `extensions.code` of the first error, or panics when there is none.
pub fn error_code(body: &Value) -> String {
    body["errors"][0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("no error code in {body}")).to_owned()
}

impl TestApp {
    /// The id of the unit called `name` in `jurisdiction`.
    pub async fn unit_id(&self, jurisdiction: &str, name: &str) -> String {
        let body = self
            .graphql(
                "query($j: String!) { jurisdiction(code: $j) { units { id name } } }",
                json!({"j": jurisdiction}),
                None,
            )
            .await;
        body["data"]["jurisdiction"]["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["name"] == name)
            .unwrap_or_else(|| panic!("no unit {name} in {jurisdiction}"))["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates a member of staff at the unit called `unit_name` of `jurisdiction` and signs them in.
    pub async fn staff(
        &self,
        username: &str,
        role: petition_api::domain::role::Role,
        jurisdiction: &str,
        unit_name: &str,
    ) -> String {
        let unit: uuid::Uuid = self.unit_id(jurisdiction, unit_name).await.parse().unwrap();
        {
            let mut conn = self.conn();
            let hash = petition_api::auth::password::hash(
                &petition_api::domain::credentials::Password::parse_new(DEMO_PASSWORD, "p").unwrap(),
            )
            .unwrap();
            // Written as a fixture, beside the service (whose writers need a decision no test can make).
            use diesel::{ExpressionMethods, RunQueryDsl};
            use petition_api::db::schema::accounts as a;
            diesel::insert_into(a::table)
                .values((
                    a::id.eq(uuid::Uuid::new_v4()),
                    a::username.eq(username),
                    a::password_hash.eq(&hash),
                    a::display_name.eq(username),
                    a::roles.eq(vec![role.as_str()]),
                    a::unit_id.eq(Some(unit)),
                    a::jurisdiction_code.eq(Some(jurisdiction)),
                ))
                .execute(&mut conn)
                .expect("new username");
        }
        self.token(username).await
    }

    /// Runs a mutation or query that must succeed; returns its `data`.
    pub async fn ok(&self, query: &str, variables: Value, token: &str) -> Value {
        let body = self.graphql(query, variables, Some(token)).await;
        assert!(body["errors"].is_null(), "expected success: {body}");
        body["data"].clone()
    }

    /// Runs an operation that must fail; returns the error code.
    pub async fn fails(&self, query: &str, variables: Value, token: Option<&str>) -> String {
        let body = self.graphql(query, variables, token).await;
        error_code(&body)
    }
}

impl TestApp {
    /// The SQL statements the server sent for one request (which must succeed).
    pub async fn statements_of(&self, query: &str, variables: Value, token: &str) -> u64 {
        let before = self.db.statements();
        self.ok(query, variables, token).await;
        self.db.statements() - before
    }

    /// Waits (a few seconds at most) until the server authenticates `token` without reading the account: its
    /// listener hears account changes, and it has remembered this caller.
    pub async fn until_caller_remembered(&self, token: &str) {
        for _ in 0..100 {
            if self.statements_of("{ __typename }", json!({}), token).await == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the server still reads the account on every request");
    }
}

/// What the servers of this test binary log, as text, from the first call on (a global subscriber: every test's
/// server writes here; a test finds its own lines by something only it logs).
pub fn captured_logs() -> &'static std::sync::Mutex<Vec<u8>> {
    static LOGS: OnceLock<&'static std::sync::Mutex<Vec<u8>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs: &'static std::sync::Mutex<Vec<u8>> = Box::leak(Box::default());
        struct Capture(&'static std::sync::Mutex<Vec<u8>>);
        impl std::io::Write for Capture {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || Capture(logs))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        logs
    })
}

/// Cases plus history entries in the test's database: unchanged after a refused request.
pub fn cases_and_history(app: &TestApp) -> i64 {
    number(&mut app.conn(), "SELECT (SELECT count(*) FROM cases) + (SELECT count(*) FROM case_events) AS n", &[])
}

/// An S3-compatible server for the tests: moto's server (`moto[server]` from PyPI, installed once into a virtual
/// environment beside the test cluster), started once per test binary on a free port and stopped with it. Returns
/// its address. Needs `python3` with `venv` (`scripts/install-system-packages test` installs Debian's).
pub fn s3_server() -> &'static str {
    static SERVER: OnceLock<String> = OnceLock::new();
    SERVER.get_or_init(|| {
        let root = EmbeddedPostgres::default_root("moto-5.2.5");
        let bin = root.join("bin").join("moto_server");
        if !bin.exists() {
            let _ = std::fs::remove_dir_all(&root);
            let made = std::process::Command::new("python3").arg("-m").arg("venv").arg(&root).status();
            assert!(made.is_ok_and(|s| s.success()), "python3 -m venv {} failed: install python3-venv", root.display());
            let pip = std::process::Command::new(root.join("bin").join("pip"))
                .args(["install", "--quiet", "--disable-pip-version-check", "moto[server]==5.2.5"])
                .status()
                .expect("run pip");
            assert!(pip.success(), "pip install moto[server] failed");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // Started from a thread that lives as long as the test binary: the server is stopped when the thread that
        // started it ends (PR_SET_PDEATHSIG), so when the binary ends, whichever way.
        std::thread::spawn(move || {
            let mut command = std::process::Command::new(&bin);
            command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
            command.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
            unsafe {
                use std::os::unix::process::CommandExt;
                command.pre_exec(|| {
                    libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                    Ok(())
                });
            }
            let mut server = command.spawn().expect("start moto_server");
            let _ = server.wait();
        });
        let address = format!("http://127.0.0.1:{port}");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return address;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("moto_server did not start on port {port}");
    })
}

/// What a run of the real binary gave.
pub struct BinaryRun {
    /// The exit code (`None` when a signal ended it).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the real binary with `args` in the repository's folder, in an environment of exactly `env` (and `PATH`).
pub fn run_binary(args: &[&str], env: &[(String, String)]) -> BinaryRun {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_petition-api"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run petition-api");
    BinaryRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The environment of a production deployment over `urls`: two roles, strong secrets.
pub fn production_env(urls: &DatabaseUrls) -> Vec<(String, String)> {
    [
        ("APP_ENV", "production"),
        ("DATABASE_URL", urls.server.as_str()),
        ("MIGRATION_DATABASE_URL", urls.owner.as_str()),
        ("JWT_SECRET", "kR7vQ2mX9pL4sT8wZ1nB6yH3cF5gJ0dAeUiOoPqWxV"),
        ("QUERY_CODE_SECRET", "Zp4Lq8Wm2Xn6Rb0Tv3Yc7Hd1Jf5Kg9Ns2Qa8Ue4Io6"),
        ("WEBHOOK_SECRETS_KEY", "Hs5Wd9Qm3Tx7Lb1Vk6Rc0Yn4Jg8Fp2Ze5Ua9Oi3"),
        ("RUST_LOG", "warn"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}
