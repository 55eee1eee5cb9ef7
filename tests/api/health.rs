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
