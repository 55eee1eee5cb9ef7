//! Traces over OTLP, as an operator turns them on: the real binary with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a
//! small OTLP/HTTP receiver (JSON encoding, `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`). A request that arrives with a
//! `traceparent` becomes a server span in that trace, named after its route, with the GraphQL operation, the
//! caller's roles and the outcome; its SQL statements are client spans beneath it, without their parameters.

use std::io::BufRead;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{web, App, HttpServer};
use serde_json::{json, Value};

use crate::helpers::{spare_database_urls, DEMO_PASSWORD};

/// Every span the receiver was sent, flattened out of OTLP's resource and scope groups.
type Received = Arc<Mutex<Vec<Value>>>;

async fn receive(body: web::Bytes, received: web::Data<Received>) -> actix_web::HttpResponse {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut spans = received.lock().unwrap();
    for resource in request["resourceSpans"].as_array().into_iter().flatten() {
        for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
            for span in scope["spans"].as_array().into_iter().flatten() {
                let mut span = span.clone();
                span["resource"] = resource["resource"].clone();
                spans.push(span);
            }
        }
    }
    actix_web::HttpResponse::Ok().content_type("application/json").body("{}")
}

/// A span's attribute, whatever its type, as text.
fn attribute(span: &Value, key: &str) -> Option<String> {
    let value = &span["attributes"].as_array()?.iter().find(|a| a["key"] == key)?["value"];
    let (_, inner) = value.as_object()?.iter().next()?;
    Some(inner.as_str().map_or_else(|| inner.to_string(), str::to_owned))
}

#[tokio::test]
async fn requests_and_their_statements_reach_an_otlp_receiver_in_the_callers_trace() {
    let received: Received = Arc::default();
    let data = web::Data::new(received.clone());
    let receiver =
        HttpServer::new(move || App::new().app_data(data.clone()).route("/v1/traces", web::post().to(receive)))
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap();
    let collector = receiver.addrs()[0];
    let receiver = receiver.run();
    let stop = receiver.handle();
    tokio::spawn(receiver);

    let (urls, _database) = spare_database_urls();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_petition-api"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &urls.server)
        .env("MIGRATION_DATABASE_URL", &urls.owner)
        .env("PORT", "0")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{collector}"))
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server");
    let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
    let address = lines
        .find_map(|l| Some(l.ok()?.split("Petition API on ").nth(1)?.split_whitespace().next()?.to_owned()))
        .expect("the server listens");
    // Its logs keep coming: read them away so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));

    let client = reqwest::Client::new();
    let login = json!({"query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }",
        "variables": {"u": "demo.clerk", "p": DEMO_PASSWORD}});
    let body: Value = client.post(&address).json(&login).send().await.unwrap().json().await.unwrap();
    let token = body["data"]["login"]["accessToken"].as_str().expect("signed in").to_owned();
    let (trace, parent) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let res = client
        .post(&address)
        .bearer_auth(&token)
        .header("traceparent", format!("00-{trace}-{parent}-01"))
        .json(&json!({"query": "query WhoAmI { me { username unit { name } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The batch goes out within the schedule's delay.
    let mut spans = Vec::new();
    for _ in 0..100 {
        spans = received.lock().unwrap().iter().filter(|s| s["traceId"] == trace).cloned().collect();
        if spans.iter().any(|s| s["name"] == "POST /graphql") && spans.len() > 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let _ = server.wait();
    stop.stop(false).await;

    let request = spans.iter().find(|s| s["name"] == "POST /graphql").unwrap_or_else(|| panic!("{spans:#?}"));
    assert_eq!(request["parentSpanId"], parent, "it continues the caller's trace");
    assert_eq!(request["kind"], 2, "a server span");
    assert_eq!(attribute(request, "graphql.operation.name").as_deref(), Some("WhoAmI"));
    assert_eq!(attribute(request, "petition.outcome").as_deref(), Some("OK"));
    assert_eq!(attribute(request, "petition.caller.roles").as_deref(), Some("CLERK"));
    assert_eq!(attribute(request, "http.response.status_code").as_deref(), Some("200"));
    assert_eq!(attribute(request, "http.route").as_deref(), Some("/graphql"));
    let service = request["resource"]["attributes"].as_array().unwrap().iter().find(|a| a["key"] == "service.name");
    assert_eq!(service.unwrap()["value"]["stringValue"], "petition-api");

    let statements: Vec<&Value> = spans.iter().filter(|s| s["parentSpanId"] == request["spanId"]).collect();
    assert!(!statements.is_empty(), "the request's statements are its children: {spans:#?}");
    for statement in statements {
        assert_eq!(statement["kind"], 3, "a client span");
        assert_eq!(attribute(statement, "db.system.name").as_deref(), Some("postgresql"));
        let text = attribute(statement, "db.query.text").unwrap();
        assert!(text.contains("SELECT") && !text.contains("binds") && !text.contains("demo.clerk"), "{text}");
    }
}
