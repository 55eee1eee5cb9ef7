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
}
