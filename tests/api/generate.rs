//! `petition-api generate`: a synthetic province that the API reads like any other data.

use diesel::prelude::*;
use petition_api::config::Settings;
use petition_api::generate::{self, Plan};
use serde_json::json;

use crate::helpers::spawn_app;

fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    crate::helpers::number(conn, sql, &[])
}

#[tokio::test]
async fn a_generated_province_is_consistent_and_the_api_reads_it() {
    let app = spawn_app().await;
    let settings = Settings::from_lookup(|_| None).unwrap();
    let plan = Plan { cases: 3000, years: 2, ..Plan::default() };
    let before = count(&mut app.conn(), "SELECT count(*) AS n FROM cases");
    let now = petition_api::clock::Clock::now(&*app.clock);
    // On a thread of its own: the server shares this test's runtime and must keep serving meanwhile.
    let (pool, run_settings) = (app.pool.clone(), settings.clone());
    let (report, seen) = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        let report =
            generate::run(&mut pool.get().unwrap(), &run_settings, &plan, now, |done, total| seen.push((done, total)))
                .unwrap();
        (report, seen)
    })
    .await
    .unwrap();
    assert_eq!(report.cases, 3000);
    assert_eq!(seen.last(), Some(&(3000, 3000)), "progress reaches the end");
    let mut conn = app.conn();
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM cases") - before, 3000);
    // Every case has a history and stored deadlines; references are unique (the column says so) and in the
    // county's series; open and closed cases both occur, and some are late.
    assert_eq!(
        count(
            &mut conn,
            "SELECT count(*) AS n FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id)"
        ),
        0
    );
    assert_eq!(count(&mut conn, "SELECT count(*) AS n FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_deadlines d WHERE d.case_id = c.id)"), 0);
    assert!(count(&mut conn, "SELECT count(*) AS n FROM cases WHERE status = 'CLOSED'") > 1000);
    assert!(count(&mut conn, "SELECT count(*) AS n FROM cases WHERE case_is_open(status)") > 50);
    assert!(count(&mut conn, "SELECT count(*) AS n FROM cases WHERE next_due_at < now()") > 0);
    assert!(count(&mut conn, "SELECT count(*) AS n FROM cases WHERE case_lead_account_id IS NOT NULL") > 3);
    assert!(count(&mut conn, "SELECT count(*) AS n FROM cases WHERE evaluation IS NOT NULL") > 1000);
    // The stored deadlines are what the API's own rules derive from each history.
    let ids: Vec<petition_api::domain::ids::CaseId> = petition_api::db::schema::cases::table
        .select(petition_api::db::schema::cases::id)
        .order(petition_api::db::schema::cases::received_at.desc())
        .limit(200)
        .load(&mut conn)
        .unwrap();
    for id in ids {
        let (_, derived) = petition_api::services::case_work::history::deadlines_under(
            &mut conn,
            &settings.rules,
            &settings.calendar(),
            id,
        )
        .unwrap();
        let stored = petition_api::models::unscoped::deadlines(&mut conn, &[id]).unwrap();
        assert_eq!(stored.into_iter().map(|(_, d)| d).collect::<Vec<_>>(), derived, "case {id}");
    }
    // The figures the triggers kept are what a recount gives.
    drop(conn);
    let committee = app.token("demo.committee").await;
    let q = "{ jurisdiction(code: \"510000\") { stats(from: \"2025-01-01\", to: \"2026-12-31\") { received
        timelyAcceptance { numerator denominator } onTimeAnswer { numerator denominator }
        participation { numerator denominator } backlog { numerator denominator } caseLeadResolution { numerator denominator } } } }";
    let kept = app.ok(q, json!({}), &committee).await;
    assert!(kept["jurisdiction"]["stats"]["received"].as_i64().unwrap() > 2000, "{kept}");
    petition_api::models::figures::rebuild(&mut app.conn(), "Asia/Shanghai").unwrap();
    assert_eq!(app.ok(q, json!({}), &committee).await, kept);
    // And a worklist of the province pages through them.
    let page = app
        .ok(
            "{ cases(first: 50, filter: {overdue: true}) { nodes { reference deadlines { kind status } } } }",
            json!({}),
            &committee,
        )
        .await;
    assert_eq!(page["cases"]["nodes"].as_array().unwrap().len(), 50);

    // The figure statements keep their plans when the planner knows nothing of the data (a fresh restore, a bulk
    // load before autovacuum): they read the kept aggregates, and the history only through its partial index.
    the_figure_plans_read_no_case_or_history_table_in_full(&mut app.conn(), now);
    wipe_the_planner_statistics(&mut app.conn());
    the_figure_plans_read_no_case_or_history_table_in_full(&mut app.conn(), now);
}

/// As if the tables had never been analysed: no column statistics, no row counts.
fn wipe_the_planner_statistics(conn: &mut PgConnection) {
    let public = "(SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace)";
    diesel::sql_query(format!("DELETE FROM pg_statistic WHERE starelid IN {public}")).execute(conn).unwrap();
    diesel::sql_query(
        "UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i')",
    )
    .execute(conn)
    .unwrap();
}

fn the_figure_plans_read_no_case_or_history_table_in_full(conn: &mut PgConnection, now: chrono::DateTime<chrono::Utc>) {
    fn scans(node: &serde_json::Value, found: &mut Vec<(String, String)>) {
        if let Some(relation) = node["Relation Name"].as_str() {
            found.push((node["Node Type"].as_str().unwrap_or_default().to_owned(), relation.to_owned()));
        }
        for child in node["Plans"].as_array().into_iter().flatten() {
            scans(child, found);
        }
    }
    let province = vec!["510000/".to_owned()];
    let days = (now.date_naive() - chrono::Duration::days(365), now.date_naive());
    let asked = petition_api::models::figures::Asked {
        subtrees: &province,
        days,
        times: (now - chrono::Duration::days(365), now),
        now,
        resolved: &["RESOLVED", "CLOSED"],
    };
    let plans = petition_api::models::figures::plans(conn, &asked).unwrap();
    let aggregates = ["jurisdictions", "case_figures", "case_figure_changes", "open_deadline_figures"]
        .into_iter()
        .chain(["open_deadline_figure_changes", "open_case_figures", "open_case_figure_changes"])
        .collect::<Vec<_>>();
    for (statement, plan) in plans {
        let plan: serde_json::Value = serde_json::from_str(&plan).unwrap();
        let mut found = Vec::new();
        scans(&plan[0]["Plan"], &mut found);
        assert!(!found.is_empty(), "{statement}: {plan}");
        if statement == "leads" {
            let history = found.iter().find(|(_, r)| r == "case_events").map(|(n, _)| n.as_str());
            assert!(history.is_some_and(|n| n.contains("Index")), "leads read the history by its index: {found:?}");
        }
        for (node, relation) in &found {
            let large =
                ["cases", "case_events", "case_deadlines", "supervision_notice_events"].contains(&relation.as_str());
            assert!(!(large && node == "Seq Scan"), "{statement} reads all of {relation}: {found:?}");
            if statement == "cohorts" || statement == "backlog" {
                assert!(aggregates.contains(&relation.as_str()), "{statement} reads {relation}, not the aggregates");
            }
        }
    }
}
