//! A history anyone can verify (issue 29): every entry carries the digest of its content and of the entry before
//! it; `petition-api verify-history` recomputes the chains on its own and names each entry that was changed, and
//! `Case.historyDigest` is the receipt a portal or a court keeps.

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::{run_binary, spare_database_urls, spawn_app, BinaryRun, TestApp};
use crate::lifecycle::{assign, submit, ACCEPT};

const LOG: &str = "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }";
const DIGEST: &str = "query($id: ID!) { case(id: $id) { reference historyDigest } }";

/// Runs `verify-history` against the server's database as an operator would: the owner's credentials.
fn verify(app: &TestApp, args: &[&str]) -> BinaryRun {
    verify_over(&app.urls(), args)
}

fn verify_over(urls: &petition_api::startup::DatabaseUrls, args: &[&str]) -> BinaryRun {
    let env: Vec<(String, String)> =
        [("DATABASE_URL", urls.server.as_str()), ("MIGRATION_DATABASE_URL", urls.owner.as_str()), ("RUST_LOG", "warn")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    run_binary(&[&["verify-history"], args].concat(), &env)
}

/// Runs `sql` as the tables' owner with the append-only triggers set aside: what someone holding the owner's
/// credentials (or the database files) could do.
fn rewrite_as_owner(app: &TestApp, table: &str, sql: &str) {
    let mut conn = PgConnection::establish(&app.urls().owner).expect("the owner");
    conn.batch_execute(&format!(
        "ALTER TABLE {table} DISABLE TRIGGER {table}_append_only; {sql}; ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"
    ))
    .expect("rewrite as the owner");
}

fn entry_ids(app: &TestApp, case: &str) -> Vec<i64> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    diesel::sql_query("SELECT id FROM case_events WHERE case_id = $1::uuid ORDER BY chain_position")
        .bind::<diesel::sql_types::Text, _>(case)
        .load::<Id>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

pub(crate) async fn a_case_with_history(app: &TestApp) -> (String, String) {
    let petitioner = app.token("demo.petitioner").await;
    let (clerk, unit) = (app.token("demo.clerk").await, app.token("demo.unit").await);
    let (id, ..) = submit(app, &petitioner, "小区路灯损坏多日").await;
    assign(app, &clerk, &id, 30).await;
    app.ok(ACCEPT, json!({"i": {"caseId": id}}), &unit).await;
    let seen = app.ok(DIGEST, json!({"id": id}), &clerk).await;
    (id, seen["case"]["reference"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_history_verifies_as_written_and_a_rewritten_entry_is_named_with_its_case() {
    let app = spawn_app().await;
    let (id, reference) = a_case_with_history(&app).await;
    // The administration log too.
    app.new_unit("江阳区教育局").await;

    let clean = verify(&app, &[]);
    assert_eq!(clean.code, Some(0), "{}{}", clean.stdout, clean.stderr);
    assert!(clean.stdout.is_empty(), "{}", clean.stdout);
    for table in ["case_events", "supervision_notice_events", "admin_events"] {
        assert!(clean.stderr.contains(&format!("{table}: ")), "{}", clean.stderr);
    }
    assert!(clean.stderr.contains("0 do not match"), "{}", clean.stderr);

    // One entry's note rewritten by the owner, triggers off: named, and only it.
    let entries = entry_ids(&app, &id);
    assert!(entries.len() >= 3, "{entries:?}");
    let changed = entries[1];
    rewrite_as_owner(&app, "case_events", &format!("UPDATE case_events SET note = '改过' WHERE id = {changed}"));
    let found = verify(&app, &[]);
    assert_eq!(found.code, Some(1), "{}{}", found.stdout, found.stderr);
    let lines: Vec<&str> = found.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", found.stdout);
    assert!(lines[0].starts_with(&format!("case_events entry {changed} of case {reference}: ")), "{}", lines[0]);
    assert!(found.stderr.contains("1 history entries do not match"), "{}", found.stderr);

    // Only that case, by its reference: the same finding; another case verifies.
    let one = verify(&app, &["--case", &reference]);
    assert_eq!((one.code, one.stdout.as_str()), (Some(1), found.stdout.as_str()), "{}", one.stderr);
    let petitioner = app.token("demo.petitioner").await;
    let (_, other, _) = submit(&app, &petitioner, "楼道堆放杂物").await;
    let fine = verify(&app, &["--case", &other]);
    assert_eq!(fine.code, Some(0), "{}{}", fine.stdout, fine.stderr);
    let unknown = verify(&app, &["--case", "NO-SUCH-REF"]);
    assert_eq!(unknown.code, Some(1));
    assert!(unknown.stderr.contains("NO-SUCH-REF"), "{}", unknown.stderr);
}

#[tokio::test]
async fn a_rewrite_that_recomputes_the_digest_is_still_named() {
    let app = spawn_app().await;
    let (id, reference) = a_case_with_history(&app).await;
    let entries = entry_ids(&app, &id);
    let changed = entries[0];
    // The owner rewrites the first entry and computes its digest again with the database's own function.
    rewrite_as_owner(
        &app,
        "case_events",
        &format!(
            "UPDATE case_events SET occurred_at = occurred_at - interval '1 day' WHERE id = {changed}; \
             UPDATE case_events c SET digest = case_event_digest(c) WHERE id = {changed}"
        ),
    );
    let found = verify(&app, &[]);
    assert_eq!(found.code, Some(1), "{}{}", found.stdout, found.stderr);
    assert_eq!(found.stdout.lines().count(), 1, "{}", found.stdout);
    assert!(found.stdout.starts_with(&format!("case_events entry {changed} of case {reference}: it was rewritten")));

    // An entry of the administration log taken out is noticed at the next one.
    for name in ["江阳区教育局", "江阳区民政局", "江阳区卫生健康局"] {
        app.new_unit(name).await;
    }
    rewrite_as_owner(
        &app,
        "admin_events",
        "DELETE FROM admin_events WHERE chain_position = (SELECT max(chain_position) - 1 FROM admin_events)",
    );
    let found = verify(&app, &[]);
    assert_eq!(found.stdout.lines().count(), 2, "{}", found.stdout);
    assert!(
        found.stdout.contains("admin_events entry") && found.stdout.contains("missing before it"),
        "{}",
        found.stdout
    );
}

#[tokio::test]
async fn the_history_digest_is_a_receipt_staff_keep_and_petitioners_do_not_see() {
    let app = spawn_app().await;
    let (id, _) = a_case_with_history(&app).await;
    let (clerk, unit) = (app.token("demo.clerk").await, app.token("demo.unit").await);
    let before = app.ok(DIGEST, json!({"id": id}), &clerk).await["case"]["historyDigest"].clone();
    let head: String = {
        #[derive(QueryableByName)]
        struct Head {
            #[diesel(sql_type = diesel::sql_types::Text)]
            digest: String,
        }
        diesel::sql_query(
            "SELECT digest FROM case_events WHERE case_id = $1::uuid ORDER BY chain_position DESC LIMIT 1",
        )
        .bind::<diesel::sql_types::Text, _>(&id)
        .get_result::<Head>(&mut app.conn())
        .unwrap()
        .digest
    };
    assert_eq!(before, Value::String(head.clone()));
    assert_eq!(head.len(), 64);

    app.ok(LOG, json!({"i": {"caseId": id, "kind": "NOTE", "happenedAt": Utc::now(), "note": "已电话联系"}}), &unit)
        .await;
    let after = app.ok(DIGEST, json!({"id": id}), &clerk).await["case"]["historyDigest"].clone();
    assert_ne!(after, before, "a new entry moves the head");

    let petitioner = app.token("demo.petitioner").await;
    let own = app.ok(DIGEST, json!({"id": id}), &petitioner).await;
    assert!(own["case"]["historyDigest"].is_null(), "{own}");
}

/// Entries appended to one case at the same moment still form one chain: each has its own place, each names the
/// one before, and the whole verifies. Through the API (a request that finds the case busy is refused as a
/// CONFLICT to retry), and straight into the table by writers that hold no lock of their own on the case.
#[tokio::test]
async fn simultaneous_entries_on_one_case_form_one_chain() {
    let app = spawn_app().await;
    let (id, reference) = a_case_with_history(&app).await;
    let unit = app.token("demo.unit").await;
    let notes = (0..12).map(|n| {
        let variables =
            json!({"i": {"caseId": id, "kind": "NOTE", "happenedAt": Utc::now(), "note": format!("记录{n}")}});
        let (app, unit) = (&app, &unit);
        async move { app.graphql(LOG, variables, Some(unit)).await }
    });
    let answers = futures_util::future::join_all(notes).await;
    for answer in &answers {
        assert!(answer["errors"].is_null() || answer["errors"][0]["extensions"]["code"] == "CONFLICT", "{answer}");
    }
    // Writers without the service's lock: each inserts in a transaction of its own, all at once.
    let url = app.urls().server;
    let start = std::sync::Arc::new(std::sync::Barrier::new(8));
    let writers: Vec<_> = (0..8)
        .map(|n| {
            let (url, id, start) = (url.clone(), id.clone(), start.clone());
            std::thread::spawn(move || {
                let mut conn = PgConnection::establish(&url).unwrap();
                start.wait();
                conn.batch_execute(&format!(
                    "BEGIN; INSERT INTO case_events (case_id, jurisdiction_code, kind, occurred_at, note, staff_only) \
                     VALUES ('{id}', '510502', 'NOTE', now(), '并发{n}', true); SELECT pg_sleep(0.05); COMMIT"
                ))
                .unwrap();
            })
        })
        .collect();
    writers.into_iter().for_each(|w| w.join().unwrap());
    let positions = {
        #[derive(QueryableByName)]
        struct Position {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            chain_position: i32,
        }
        diesel::sql_query("SELECT chain_position FROM case_events WHERE case_id = $1::uuid ORDER BY chain_position")
            .bind::<diesel::sql_types::Text, _>(&id)
            .load::<Position>(&mut app.conn())
            .unwrap()
            .into_iter()
            .map(|p| p.chain_position)
            .collect::<Vec<_>>()
    };
    assert_eq!(positions, (1..=positions.len() as i32).collect::<Vec<_>>());
    let checked = verify(&app, &["--case", &reference]);
    assert_eq!(checked.code, Some(0), "{}{}", checked.stdout, checked.stderr);
}

/// A database with histories written before the chains existed gets them chained by the migration, in the order
/// they were written: the demo data, its chains taken away (the migration's own `down.sql`) and made again.
#[test]
fn the_migration_chains_the_history_already_written() {
    let (urls, _guard) = spare_database_urls();
    let mut owner = PgConnection::establish(&urls.owner).unwrap();
    let migration = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/2026-12-06-000024_history_chains");
    let sql = |file: &str| std::fs::read_to_string(format!("{migration}/{file}")).unwrap();
    owner.batch_execute(&sql("down.sql")).unwrap();
    let entries = crate::helpers::number(&mut owner, "SELECT count(*) AS n FROM case_events", &[]);
    assert!(entries > 10, "the demo data has histories: {entries}");
    owner.batch_execute(&sql("up.sql")).unwrap();
    let checked = verify_over(&urls, &[]);
    assert_eq!(checked.code, Some(0), "{}{}", checked.stdout, checked.stderr);
    assert!(checked.stderr.contains(&format!("case_events: {entries} entries checked")), "{}", checked.stderr);
}
