use crate::helpers::spawn_app;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

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

/// The server's own role can read and append history, and nothing more: rewriting it, changing the tables, or
/// switching the triggers off all fail, whatever the trick.
#[tokio::test]
async fn the_server_role_cannot_rewrite_history_or_change_the_schema() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let mut conn = app.server_role_connection();
    let check = petition_api::db::privileges::check_role(&mut conn).unwrap();
    assert!(!check.is_privileged(), "the server's role owns nothing and is no superuser: {check:?}");

    let refused = |sql: &str, conn: &mut diesel::PgConnection| {
        let outcome = diesel::sql_query(sql).execute(conn);
        let message = outcome.err().unwrap_or_else(|| panic!("`{sql}` must fail for the server's role")).to_string();
        assert!(
            message.contains("permission denied") || message.contains("must be owner"),
            "`{sql}` fails for want of privilege, not by a trigger: {message}"
        );
    };
    // Granting itself more is silently a no-op (PostgreSQL only warns): what it tries next still fails.
    let _ = diesel::sql_query("GRANT ALL ON case_events, cases, units TO petition_server").execute(&mut conn);
    let tricks = [
        "UPDATE case_events SET note = 'rewritten'",
        "DELETE FROM case_events",
        "TRUNCATE case_events",
        "UPDATE supervision_notice_events SET note = 'rewritten'",
        "DELETE FROM supervision_notice_events",
        "ALTER TABLE case_events DISABLE TRIGGER case_events_append_only",
        "ALTER TABLE case_events DISABLE TRIGGER ALL",
        "DROP TRIGGER case_events_append_only ON case_events",
        "CREATE OR REPLACE FUNCTION forbid_history_rewrite() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN OLD; END'",
        "SET session_replication_role = replica",
        "ALTER TABLE cases ADD COLUMN backdoor TEXT",
        "ALTER TABLE cases OWNER TO petition_server",
        "CREATE TABLE shadow_history (id BIGINT)",
        "DROP TABLE case_events",
        "DELETE FROM cases",
        "UPDATE jurisdictions SET name = 'taken over'",
        "DELETE FROM units",
        "UPDATE admin_events SET actor_name = 'someone else'",
        "DELETE FROM accounts",
        "CREATE TRIGGER sneaky BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION forbid_history_rewrite()",
    ];
    for sql in tricks {
        refused(sql, &mut conn);
    }
    // What it is for still works: reading and appending.
    let n = diesel::sql_query("SELECT id FROM case_events LIMIT 1").execute(&mut conn).unwrap();
    assert_eq!(n, 1, "the server's role reads the history");
}

/// Production will not serve as a role that could rewrite history; development serves, with a warning.
#[test]
fn production_refuses_a_server_role_that_owns_the_tables() {
    use petition_api::startup::{prepare_database, DatabaseUrls};
    let (urls, _guard) = crate::helpers::spare_database_urls();
    let secret = "kR7vQ2mX9pL4sT8wZ1nB6yH3cF5gJ0dAeUiOoPqWxV";
    let vars = [
        ("APP_ENV", "production"),
        ("DATABASE_URL", urls.owner.as_str()),
        ("JWT_SECRET", secret),
        ("QUERY_CODE_SECRET", "Zp4Lq8Wm2Xn6Rb0Tv3Yc7Hd1Jf5Kg9Ns2Qa8Ue4Io6"),
        ("WEBHOOK_SECRETS_KEY", "Hs5Wd9Qm3Tx7Lb1Vk6Rc0Yn4Jg8Fp2Ze5Ua9Oi3"),
    ];
    let production = petition_api::config::Settings::from_lookup(|k| {
        vars.iter().find(|(name, _)| *name == k).map(|(_, v)| v.to_string())
    })
    .expect("production settings");
    let as_owner = DatabaseUrls { server: urls.owner.clone(), owner: urls.owner.clone() };
    let refusal = prepare_database(&production, &as_owner).expect_err("production refuses the owner as server role");
    assert!(refusal.to_string().contains("owns the tables"), "{refusal}");
    prepare_database(&production, &urls).expect("two roles are accepted");
}

#[tokio::test]
async fn every_table_has_a_decided_set_of_server_privileges() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Table {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let app = spawn_app().await;
    let tables = diesel::sql_query(
        "SELECT relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')",
    )
    .load::<Table>(&mut app.conn())
    .unwrap();
    let decided: Vec<&str> = petition_api::db::privileges::RUNTIME_PRIVILEGES.iter().map(|(t, _)| *t).collect();
    for table in &tables {
        assert!(decided.contains(&table.name.as_str()), "no decision on the server's privileges on {}", table.name);
    }
    assert_eq!(tables.len(), decided.len(), "every listed table exists");
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
    // A case read by key, so that the workers hold their own sessions for such reads too.
    let first = app.ok("{ cases(first: 1) { nodes { id } } }", json!({}), &seen).await;
    let case = json!({"query": "query($id: ID!) { case(id: $id) { id } }",
        "variables": {"id": first["cases"]["nodes"][0]["id"]}});
    for _ in 0..4 {
        app.ok(case["query"].as_str().unwrap(), case["variables"].clone(), &seen).await;
    }

    app.cut_off_database(true);
    let started = Instant::now();
    let asks = (0..24).map(|i| {
        let token = [Some(seen.as_str()), Some(fresh.as_str()), None, Some(seen.as_str())][i % 4];
        let body = match i % 4 {
            2 => json!({"query": r#"{ jurisdiction(code: "510502") { name } }"#}),
            3 => case.clone(),
            _ => json!({"query": "{ me { id } }"}),
        };
        let mut req = app.client.post(format!("{}/graphql", app.address)).json(&body);
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
    for _ in 0..4 {
        app.ok(case["query"].as_str().unwrap(), case["variables"].clone(), &seen).await;
    }
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
    let app = spawn_app().await;
    // This database is a copy of one just migrated and loaded: the statistics came with it, not from autovacuum.
    let tables = "SELECT count(DISTINCT tablename) AS n FROM pg_stats \
                  WHERE schemaname = 'public' AND tablename IN ('cases', 'case_events', 'case_deadlines', 'jurisdictions')";
    let n = crate::helpers::number(&mut app.conn(), tables, &[]);
    assert_eq!(n, 4, "every table the figures and worklists read has statistics");
}

/// Browser pages of the origins in `CORS_ORIGINS` may call the API (preflight, then the request, with the request
/// id readable); other origins get no CORS headers and a refused preflight; without the setting, none is allowed.
#[tokio::test]
async fn only_the_configured_origins_may_call_from_a_browser() {
    let portal = "https://portal.example.gov.cn";
    let app = crate::helpers::spawn_app_with(&[("CORS_ORIGINS", portal)]).await;
    let url = format!("{}/graphql", app.address);
    let preflight = |origin: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let res = preflight(portal).await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(res.headers()["access-control-allow-origin"], portal);
    assert!(res.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    let res = preflight("https://elsewhere.example").await.unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.headers().get("access-control-allow-origin").is_none());

    let post = |origin: &str| {
        app.client.post(&url).header("origin", origin).json(&serde_json::json!({"query": "{ __typename }"})).send()
    };
    let res = post(portal).await.unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], portal);
    let exposed = res.headers()["access-control-expose-headers"].to_str().unwrap();
    // A portal reads the request id of a failure, and an export's file name.
    assert!(exposed.contains("x-request-id") && exposed.contains("content-disposition"), "{exposed}");
    assert!(res.headers()["vary"].to_str().unwrap().contains("Origin"));
    let res = post("https://elsewhere.example").await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());

    let closed = spawn_app().await;
    let res = closed
        .client
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", closed.address))
        .header("origin", portal)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "none by default");
}

/// `/metrics` counts requests by operation and outcome, shows the pool, and is closed without the token when
/// `METRICS_TOKEN` is set.
#[tokio::test]
async fn metrics_count_requests_by_operation_and_outcome() {
    let app = crate::helpers::spawn_app_with(&[("METRICS_TOKEN", "a-long-scraper-token-for-metrics")]).await;
    let clerk = app.token("demo.clerk").await;
    app.ok("query CaseList { cases(first: 1) { totalCount } }", serde_json::json!({}), &clerk).await;
    let missing = "query CaseById { case(id: \"00000000-0000-0000-0000-000000000000\") { id } }";
    app.graphql(missing, serde_json::json!({}), Some(&clerk)).await;
    let url = format!("{}/metrics", app.address);
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 401);
    let wrong = app.client.get(&url).bearer_auth("a-long-scraper-token-for-metricz").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let res = app.client.get(&url).bearer_auth("a-long-scraper-token-for-metrics").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    for line in [
        "petition_requests_total{operation=\"CaseList\",code=\"OK\"} 1",
        "petition_requests_total{operation=\"CaseById\",code=\"NOT_FOUND\"} 1",
        "petition_request_duration_seconds_count{operation=\"CaseList\"} 1",
        "# TYPE petition_db_pool_in_use gauge",
        "petition_live_subscriptions 0",
        "petition_db_pool_waits_total 0",
        // The case read by key above opened its worker's session.
        "petition_db_key_read_sessions 1",
        "petition_db_key_read_sessions_lost_total 0",
    ] {
        assert!(text.contains(line), "`{line}` in\n{text}");
    }

    // Every connection busy: a request waits for one in vain, and the metrics say so.
    let mut held = Vec::new();
    while let Some(conn) = app.db.pool().try_get() {
        held.push(conn);
    }
    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&clerk)
        .json(&serde_json::json!({ "query": "query CaseList { cases(first: 1) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(crate::helpers::error_code(&body), "UNAVAILABLE", "{body}");
    drop(held);
    let res = app.client.get(&url).bearer_auth("a-long-scraper-token-for-metrics").send().await.unwrap();
    let text = res.text().await.unwrap();
    for line in ["petition_db_pool_waits_total 1", "petition_db_pool_timeouts_total 1"] {
        assert!(text.contains(line), "`{line}` in\n{text}");
    }
}

/// `/metrics` has what every scraper expects besides the service's own figures: HTTP requests by route and status
/// (exports, files, WebSocket upgrades and unknown paths too, which are one label), the process and the build.
#[tokio::test]
async fn metrics_show_http_routes_the_process_and_the_build() {
    let app = crate::helpers::spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.address)).bearer_auth(&clerk).send();
    assert_eq!(get("/export/cases.csv").await.unwrap().status(), 200);
    assert_eq!(get("/files/00000000-0000-0000-0000-000000000000").await.unwrap().status(), 404);
    assert_eq!(get("/no/such/path/1").await.unwrap().status(), 404);
    assert_eq!(get("/no/such/path/2").await.unwrap().status(), 404);
    let mut upgrade = format!("{}/graphql", app.address.replace("http://", "ws://")).into_client_request().unwrap();
    upgrade.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(upgrade).await.expect("WebSocket upgrade");
    drop(socket);
    let text = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    for line in [
        "petition_http_request_duration_seconds_count{route=\"/graphql\",status=\"200\"} 1",
        "petition_http_request_duration_seconds_count{route=\"/export/cases.csv\",status=\"200\"} 1",
        "petition_http_request_duration_seconds_count{route=\"/files/{id}\",status=\"404\"} 1",
        "petition_http_request_duration_seconds_count{route=\"unmatched\",status=\"404\"} 2",
        "petition_http_request_duration_seconds_count{route=\"/graphql\",status=\"101\"} 1",
        "# TYPE petition_http_request_duration_seconds histogram",
        concat!("petition_build_info{version=\"", env!("CARGO_PKG_VERSION"), "\",revision=\""),
        "# TYPE process_cpu_seconds_total counter",
    ] {
        assert!(text.contains(line), "`{line}` in\n{text}");
    }
    let value = |name: &str| -> f64 {
        text.lines().find_map(|l| l.strip_prefix(&format!("{name} "))?.parse().ok()).unwrap_or(-1.0)
    };
    assert!(value("process_resident_memory_bytes") > 1e6, "{text}");
    assert!(value("process_open_fds") > 3.0 && value("process_max_fds") >= value("process_open_fds"));
    assert!(value("process_cpu_seconds_total") > 0.0);
    let started = value("process_start_time_seconds");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    assert!(started > now - 24.0 * 3600.0 && started <= now + 1.0, "{started} vs {now}");
}

/// `INTROSPECTION=off`: the schema is not readable through the API (clients generate from `schema.graphql`), and
/// everything else works.
#[tokio::test]
async fn introspection_can_be_turned_off() {
    let app = crate::helpers::spawn_app_with(&[("INTROSPECTION", "off")]).await;
    for query in
        ["{ __schema { types { name } } }", "{ me { username } ... on Query { __type(name: \"Case\") { name } } }"]
    {
        let body = app.graphql(query, serde_json::json!({}), None).await;
        assert_eq!(crate::helpers::error_code(&body), "BAD_USER_INPUT", "{body}");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("INTROSPECTION=off"), "{body}");
        assert!(body.get("data").is_none(), "nothing ran: {body}");
    }
    let typename = app.graphql("{ __typename }", serde_json::json!({}), None).await;
    assert_eq!(typename["data"]["__typename"], "Query");
    let open = crate::helpers::spawn_app().await;
    let body = open.graphql("{ __schema { queryType { name } } }", serde_json::json!({}), None).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query", "on by default");
}

/// Whatever bug a request meets, it is answered (`INTERNAL`, with the request id), never a connection dropped
/// without a word; the server goes on serving.
#[actix_web::test]
async fn a_request_that_panics_is_answered_internal_with_its_request_id() {
    use actix_web::{middleware::from_fn, test, web, App};
    // As the server wires them: request ids outside, each route's resource answering its panics.
    let service = test::init_service(
        App::new()
            .wrap(from_fn(petition_api::http::request_id::middleware))
            .service(petition_api::http::panics::resource("/bug").route(web::get().to(|| async {
                if std::hint::black_box(true) {
                    panic!("a bug no request should reach");
                }
                "unreachable"
            })))
            .service(petition_api::http::panics::resource("/fine").route(web::get().to(|| async { "fine" }))),
    )
    .await;
    let res = test::call_service(&service, test::TestRequest::get().uri("/bug").to_request()).await;
    assert_eq!(res.status(), 500);
    let id = res.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    let body: serde_json::Value = test::read_body_json(res).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "INTERNAL");
    assert_eq!(body["errors"][0]["extensions"]["requestId"], id.as_str());
    assert_eq!(body["errors"][0]["message"], "internal error", "nothing of the cause");
    let res = test::call_service(&service, test::TestRequest::get().uri("/fine").to_request()).await;
    assert_eq!(res.status(), 200);
}
