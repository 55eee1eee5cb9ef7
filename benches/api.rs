//! `cargo bench`: how the API's lists behave as data grows, through real HTTP against a real PostgreSQL.
//!
//! Seeds 50,000 cases with 150,000 history entries across the ten demo counties of 四川省, then times case lists
//! for a provincial committee member (the widest scope) and a county clerk: first pages with and without nested
//! fields, a page far down the list (keyset: it should cost what the first does), the overdue filter, and Chinese
//! text search; the portal figures of the province with every city and county for a year; the overdue supervision
//! notices and pending escalations. It also counts database round trips per request, which must not grow with the
//! page size or the number of children, and compares DataLoader batch delays. Each request's body is checked for
//! GraphQL `errors`, not just HTTP status.

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use petition_api::config::Settings;
use petition_api::db::embedded::EmbeddedPostgres;
use petition_api::db::{self, Db};
use petition_api::startup::Application;
use serde_json::{json, Value};

/// 50,000 cases with three history entries each, a supervision notice for every 50th and an escalation for every
/// 25th, over the ten demo counties of 四川省.
const SEED: &str = include_str!("../bench/seed-50k.sql");
const CASES: i64 = 50_000;
const RUNS: usize = 40;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        // `cargo test --all-targets` builds and starts benches too; the measurement is for `cargo bench` only.
        println!("api bench: run with `cargo bench` to measure");
        return;
    }
    let pg = EmbeddedPostgres::start(&EmbeddedPostgres::default_root("bench"), &[("max_connections", "200")])
        .expect("start PostgreSQL");
    let url = prepare(&pg);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run(&url));
}

/// A fresh database with migrations, demo data and the bulk cases.
fn prepare(pg: &EmbeddedPostgres) -> String {
    let mut admin = PgConnection::establish(&pg.database_url("postgres")).unwrap();
    diesel::sql_query("DROP DATABASE IF EXISTS petition_bench WITH (FORCE)").execute(&mut admin).unwrap();
    diesel::sql_query("CREATE DATABASE petition_bench").execute(&mut admin).unwrap();
    let url = pg.database_url("petition_bench");
    let mut conn = PgConnection::establish(&url).unwrap();
    db::run_migrations(&mut conn).unwrap();
    let settings = Settings::from_lookup(|_| None).unwrap();
    let today = chrono::Utc::now().date_naive();
    petition_api::demo::load_if_absent(&mut conn, &settings, today).unwrap();
    let started = Instant::now();
    // The same bulk data as bench/side-by-side.sh (psql's meta-commands left out).
    let seed: Vec<&str> = SEED.lines().filter(|l| !l.starts_with('\\')).collect();
    conn.batch_execute(&seed.join("\n")).unwrap();
    let backfill = Instant::now();
    let filled = petition_api::services::case_work::history::backfill_deadlines(
        &mut conn,
        &settings.rules,
        &settings.calendar(),
    )
    .unwrap();
    println!("stored the deadlines of {filled} cases in {:.1} s", backfill.elapsed().as_secs_f64());
    diesel::sql_query("ANALYZE").execute(&mut conn).unwrap();
    println!("seeded {CASES} cases and {} history entries in {:.1} s", CASES * 3, started.elapsed().as_secs_f64());
    url
}

struct Server {
    address: String,
    db: Db,
    client: reqwest::Client,
}

async fn start(url: &str, delay_us: u64) -> Server {
    let vars =
        [("DATABASE_URL", url.to_owned()), ("PORT", "0".to_owned()), ("DATALOADER_DELAY_US", delay_us.to_string())];
    let settings = Settings::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())).unwrap();
    let db = Db::connect(url, 16, petition_api::db::DEFAULT_POOL_WAIT).unwrap();
    let app = Application::build(settings, db.clone()).unwrap();
    let address = format!("http://127.0.0.1:{}/graphql", app.port());
    tokio::spawn(app.run_until_stopped());
    Server { address, db, client: reqwest::Client::new() }
}

impl Server {
    async fn post(&self, query: &str, vars: Value, token: Option<&str>) -> Value {
        let mut req = self.client.post(&self.address).json(&json!({"query": query, "variables": vars}));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let body: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(body["errors"].is_null(), "GraphQL errors: {body}");
        body
    }

    async fn token(&self, user: &str) -> String {
        let q = "mutation($u: String!) { login(username: $u, password: \"demo-password\") { accessToken } }";
        self.post(q, json!({"u": user}), None).await["data"]["login"]["accessToken"].as_str().unwrap().to_owned()
    }

    /// Times `RUNS` sequential requests; returns (p50, p95, mean) in ms and round trips per request.
    async fn measure(&self, query: &str, vars: Value, token: &str) -> (f64, f64, f64, u64) {
        for _ in 0..3 {
            self.post(query, vars.clone(), Some(token)).await;
        }
        let calls_before = self.db.calls();
        self.post(query, vars.clone(), Some(token)).await;
        let calls = self.db.calls() - calls_before;
        let mut times = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            let t = Instant::now();
            self.post(query, vars.clone(), Some(token)).await;
            times.push(t.elapsed());
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mean = times.iter().map(|d| ms(*d)).sum::<f64>() / RUNS as f64;
        (ms(times[RUNS / 2]), ms(times[RUNS * 95 / 100]), mean, calls)
    }
}

const FLAT: &str = "query($n: Int, $after: String, $f: CaseFilterInput) { cases(first: $n, after: $after, filter: $f) {
    totalCount pageInfo { endCursor } nodes { reference status title receivedAt } } }";
const NESTED: &str =
    "query($n: Int, $after: String, $f: CaseFilterInput) { cases(first: $n, after: $after, filter: $f) {
    totalCount pageInfo { endCursor } nodes { reference status title receivedAt overdue
      jurisdiction { name parent { name } } currentUnit { name kind }
      deadlines { kind dueAt status } events { kind occurredAt } } } }";

const FIGURES: &str = "query($c: String!) { jurisdiction(code: $c) {
    stats(from: \"2024-06-01\", to: \"2025-05-31\") { ...f }
    children { code stats(from: \"2024-06-01\", to: \"2025-05-31\") { ...f }
      children { code stats(from: \"2024-06-01\", to: \"2025-05-31\") { ...f } } } } }
  fragment f on JurisdictionStats { received timelyAcceptance { rate } onTimeAnswer { rate } participation { rate }
    unitSatisfaction { rate } repeatRate { rate } backlog { numerator denominator } caseLeadResolution { rate }
    supervisionNotices { issued open overdue } monthly { month received onTimeAnswer { rate } } }";
const NOTICES: &str = "{ supervisionNotices(first: 50, filter: {overdue: true}) { totalCount
    nodes { status responseDueAt targetUnit { name } cases { reference } } } }";
const ESCALATIONS: &str = "{ escalations(first: 50, filter: {status: [PENDING]}) { totalCount
    nodes { kind dueAt overdue case { reference } addressedTo { name } } } }";

async fn run(url: &str) {
    let server = start(url, 200).await;
    let committee = server.token("demo.committee").await;
    let clerk = server.token("demo.clerk").await;

    // A cursor far down the list: walk 50 pages of 100.
    let mut after: Option<String> = None;
    for _ in 0..50 {
        let body = server.post(FLAT, json!({"n": 100, "after": after}), Some(&committee)).await;
        after = body["data"]["cases"]["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }

    println!();
    println!(
        "{:<58} {:>8} {:>8} {:>8} {:>7}",
        "request (province committee unless said)", "p50 ms", "p95 ms", "mean ms", "db/req"
    );
    let rows: Vec<(&str, &str, Value, &str)> = vec![
        ("first 10, flat", FLAT, json!({"n": 10}), &committee),
        ("first 100, flat", FLAT, json!({"n": 100}), &committee),
        ("first 10, nested (jurisdiction, unit, deadlines, events)", NESTED, json!({"n": 10}), &committee),
        ("first 100, nested", NESTED, json!({"n": 100}), &committee),
        ("page 51 of 100 (keyset), nested", NESTED, json!({"n": 100, "after": after}), &committee),
        ("overdue, first 50, nested", NESTED, json!({"n": 50, "f": {"overdue": true}}), &committee),
        ("search 征地补偿, first 20", FLAT, json!({"n": 20, "f": {"search": "征地补偿"}}), &committee),
        ("search 批量案件4242, first 20", FLAT, json!({"n": 20, "f": {"search": "批量案件4242"}}), &committee),
        ("county clerk: first 50, nested", NESTED, json!({"n": 50}), &clerk),
        ("portal: 四川省 and every city and county, a year", FIGURES, json!({"c": "510000"}), &committee),
        ("portal: 泸州市 and its counties, a year", FIGURES, json!({"c": "510500"}), &committee),
        ("supervision notices, overdue, first 50", NOTICES, json!({}), &committee),
        ("escalations, pending, first 50", ESCALATIONS, json!({}), &committee),
    ];
    for (name, q, vars, token) in rows {
        let (p50, p95, mean, calls) = server.measure(q, vars, token).await;
        println!("{name:<58} {p50:>8.1} {p95:>8.1} {mean:>8.1} {calls:>7}");
    }

    println!();
    println!("DataLoader batch delay, first 100 nested (province committee):");
    for delay in [0u64, 200, 1000] {
        let s = start(url, delay).await;
        let token = s.token("demo.committee").await;
        let (p50, p95, mean, calls) = s.measure(NESTED, json!({"n": 100}), &token).await;
        println!("  delay {delay:>5} us: p50 {p50:>7.1} ms  p95 {p95:>7.1} ms  mean {mean:>7.1} ms  db/req {calls}");
    }
}
