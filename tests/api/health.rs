use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("x-request-id").is_some(), "every response carries a request id");
}

#[tokio::test]
async fn a_well_formed_request_id_is_kept() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "trace-12345678")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-12345678");
}

#[tokio::test]
async fn history_is_append_only_in_the_database() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let mut conn = app.conn();
    let update = diesel::sql_query("UPDATE case_events SET note = 'rewritten'").execute(&mut conn);
    assert!(update.is_err(), "updating history must fail");
    let delete = diesel::sql_query("DELETE FROM case_events").execute(&mut conn);
    assert!(delete.is_err(), "deleting history must fail");
    let insert_ok = diesel::sql_query("SELECT count(*) FROM case_events").execute(&mut conn);
    assert!(insert_ok.is_ok());
}

#[tokio::test]
async fn internal_errors_carry_a_request_id_and_no_detail() {
    use diesel::RunQueryDsl;
    let logs = crate::helpers::captured_logs();
    let app = spawn_app().await;
    // Break the database under the running server.
    diesel::sql_query("ALTER TABLE units RENAME TO units_gone").execute(&mut app.conn()).unwrap();
    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&serde_json::json!({"query": "{ units(first: 1) { totalCount } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let request_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let body: serde_json::Value = res.json().await.unwrap();
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL", "{body}");
    assert_eq!(error["extensions"]["requestId"], request_id.as_str());
    let text = body.to_string();
    assert!(!text.contains("units_gone") && !text.contains("relation"), "no database detail leaks: {text}");
    // The detail is in the server's log, on a line that names the request (logged from the blocking thread that
    // ran the query).
    let logged = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    let line = logged.lines().find(|l| l.contains("units") && l.contains("internal error")).unwrap_or_default();
    assert!(line.contains(&request_id), "the log line of the failure carries the request id: {line:?}");
}

#[tokio::test]
async fn a_database_outage_is_unavailable_and_retryable_never_unauthenticated() {
    use serde_json::{json, Value};
    use std::time::{Duration, Instant};
    let app = spawn_app().await;
    // One token whose account the server has looked up already, one it has not.
    let seen = app.token("demo.clerk").await;
    app.ok("{ me { id } }", json!({}), &seen).await;
    let fresh = app.token("demo.unit").await;

    app.cut_off_database(true);
    let started = Instant::now();
    let asks = (0..20).map(|i| {
        let token = [Some(seen.as_str()), Some(fresh.as_str()), None][i % 3];
        let query = if token.is_some() { "{ me { id } }" } else { r#"{ jurisdiction(code: "510502") { name } }"# };
        let mut req = app.client.post(format!("{}/graphql", app.address)).json(&json!({"query": query}));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        async move {
            let res = req.send().await.unwrap();
            let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            (res.status().as_u16(), retry, res.json::<Value>().await.unwrap())
        }
    });
    for (status, retry, body) in futures_util::future::join_all(asks).await {
        assert_eq!(crate::helpers::error_code(&body), "UNAVAILABLE", "{body}");
        assert_eq!((status, retry.as_deref()), (503, Some("2")), "{body}");
        assert_eq!(body["errors"][0]["extensions"]["retryAfterSeconds"], 2);
    }
    assert!(started.elapsed() < Duration::from_secs(6), "told within the pool's wait: {:?}", started.elapsed());
    let started = Instant::now();
    let ready = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());

    // Back again: the same tokens work, nobody had to sign in again.
    app.cut_off_database(false);
    let mut answered = Value::Null;
    for _ in 0..20 {
        let req = app.client.post(format!("{}/graphql", app.address)).bearer_auth(&fresh);
        answered = req.json(&json!({"query": "{ me { id } }"})).send().await.unwrap().json().await.unwrap();
        if answered["errors"].is_null() {
            break;
        }
        // Until then, still only ever "try again".
        assert_eq!(crate::helpers::error_code(&answered), "UNAVAILABLE", "{answered}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(answered["errors"].is_null(), "{answered}");
    app.ok("{ me { id } }", json!({}), &seen).await;
}

#[tokio::test]
async fn answers_are_not_stored_by_caches_nor_sniffed_by_browsers() {
    let app = spawn_app().await;
    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&serde_json::json!({"query": "{ __typename }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let res = app.client.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn the_planner_has_statistics_as_soon_as_the_demo_data_is_in() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let app = spawn_app().await;
    // This database is a copy of one just migrated and loaded: the statistics came with it, not from autovacuum.
    let tables = "SELECT count(DISTINCT tablename) AS n FROM pg_stats \
                  WHERE schemaname = 'public' AND tablename IN ('cases', 'case_events', 'case_deadlines', 'jurisdictions')";
    let n = diesel::sql_query(tables).get_result::<N>(&mut app.conn()).unwrap().n;
    assert_eq!(n, 4, "every table the figures and worklists read has statistics");
}
