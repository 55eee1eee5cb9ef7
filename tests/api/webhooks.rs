//! Webhooks: an admin subscribes an endpoint; the servers post the feed to it, signed (Standard Webhooks), in
//! order, again after a failure, once at a time with two servers.

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{error_code, spawn_app_with, TestApp};

/// A server that delivers webhooks (test servers leave delivery off unless asked), looking every 100 ms.
async fn delivering_app() -> TestApp {
    spawn_app_with(&[("WEBHOOK_INTERVAL_MS", "100")]).await
}
use crate::lifecycle::{assign, submit};

const CREATE: &str =
    "mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret webhook { id status position } } }";
const HOOKS: &str =
    "{ webhooks { id status failures position deliveries(first: 50) { messageId kind statusCode succeeded } } }";

/// One POST the receiver got.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

/// A real HTTP endpoint on a port of its own: records every POST and answers with the status set.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    answer: Arc<AtomicU16>,
}

async fn receiver() -> Receiver {
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let answer = Arc::new(AtomicU16::new(200));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (g, a) = (got.clone(), answer.clone());
    let server = actix_web::HttpServer::new(move || {
        let (g, a) = (g.clone(), a.clone());
        actix_web::App::new().route(
            "/hook",
            actix_web::web::post().to(move |request: actix_web::HttpRequest, body: actix_web::web::Bytes| {
                let (g, a) = (g.clone(), a.clone());
                async move {
                    let header = |name: &str| {
                        request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
                    };
                    g.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body: body.to_vec(),
                    });
                    let status = actix_web::http::StatusCode::from_u16(a.load(Ordering::SeqCst)).unwrap();
                    actix_web::HttpResponse::build(status).finish()
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    Receiver { url, got, answer }
}

/// Whether `r` carries the signature `secret` gives (as a receiver checks it).
fn signed_by(r: &Received, secret: &str) -> bool {
    let key = base64::engine::general_purpose::STANDARD.decode(secret.trim_start_matches("whsec_")).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", r.id, r.timestamp).as_bytes());
    mac.update(&r.body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    r.signature.split(' ').any(|s| s == format!("v1,{expected}"))
}

/// Waits (up to 20 s) until `done` holds of what the receiver got.
async fn until(receiver: &Receiver, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    for _ in 0..200 {
        let got = receiver.got.lock().unwrap().clone();
        if done(&got) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the receiver got: {:?}", receiver.got.lock().unwrap());
}

/// The admin's webhooks once the first satisfies `done` (the server records an answer after the receiver got the
/// request), within 10 s.
async fn settled(app: &TestApp, admin: &str, done: impl Fn(&Value) -> bool) -> Value {
    let mut hooks = Value::Null;
    for _ in 0..100 {
        hooks = app.ok(HOOKS, json!({}), admin).await;
        if done(&hooks["webhooks"][0]) {
            return hooks;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the webhook did not settle: {hooks}");
}

fn body(r: &Received) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

/// The feed positions of a case's public entries, once the feed holds all of them: an entry is given out when every
/// older transaction of the cluster has ended, which under a busy test run can take a moment.
async fn public_positions(app: &TestApp, token: &str, case: &str) -> Vec<(String, String)> {
    let history =
        app.ok("query($id: ID!) { case(id: $id) { events { staffOnly } } }", json!({"id": case}), token).await;
    let public = history["case"]["events"].as_array().unwrap().iter().filter(|e| e["staffOnly"] == false).count();
    for _ in 0..200 {
        let feed = app
            .ok(
                "query($f: FeedEventFilterInput) { events(first: 50, filter: $f) { edges { node { position kind caseEvent { staffOnly } } } } }",
                json!({"f": {"caseId": case}}),
                token,
            )
            .await;
        let positions: Vec<(String, String)> = feed["events"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["node"]["caseEvent"]["staffOnly"] == false)
            .map(|e| {
                (e["node"]["position"].as_str().unwrap().to_owned(), e["node"]["kind"].as_str().unwrap().to_owned())
            })
            .collect();
        if positions.len() == public {
            return positions;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the feed never held the {public} public entries of {case}");
}

async fn make_hook(app: &TestApp, url: &str) -> (String, String) {
    let admin = app.token("demo.admin").await;
    let made = app.ok(CREATE, json!({"i": {"url": url, "jurisdictionCode": "510502"}}), &admin).await;
    let made = &made["createWebhook"];
    assert_eq!(made["webhook"]["status"], "ACTIVE");
    (made["webhook"]["id"].as_str().unwrap().to_owned(), made["secret"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn only_an_admin_of_the_jurisdiction_makes_a_webhook_and_bad_input_names_the_field() {
    let app = delivering_app().await;
    let (admin, clerk) = (app.token("demo.admin").await, app.token("demo.clerk").await);
    let input = |url: &str, code: &str| json!({"i": {"url": url, "jurisdictionCode": code}});
    let body = app.graphql(CREATE, input("https://example.org/hook", "510502"), Some(&clerk)).await;
    assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
    let body = app.graphql(CREATE, input("https://example.org/hook", "510503"), Some(&admin)).await;
    assert_eq!(error_code(&body), "NOT_FOUND", "another county's: {body}");
    for url in ["ftp://example.org/hook", "https:///nohost", "https://user:pw@example.org/", "https://exa mple.org/"] {
        let body = app.graphql(CREATE, input(url, "510502"), Some(&admin)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{url}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "input.url", "{url}: {body}");
    }
    // Nothing listens there: nothing leaves the machine, and the webhook simply fails.
    let made = app.ok(CREATE, input("http://127.0.0.1:9/hook", "510502"), &admin).await;
    let secret = made["createWebhook"]["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_") && secret.len() > 40, "{secret}");
    assert_eq!(app.ok(HOOKS, json!({}), &admin).await["webhooks"].as_array().unwrap().len(), 1);
    assert_eq!(error_code(&app.graphql(HOOKS, json!({}), Some(&clerk)).await), "FORBIDDEN");
}

#[tokio::test]
async fn events_arrive_signed_in_feed_order_and_a_failed_one_is_sent_again() {
    let app = delivering_app().await;
    let hook = receiver().await;
    let (_, secret) = make_hook(&app, &hook.url).await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let (id, reference, _) = submit(&app, &petitioner, "小区路灯损坏多日").await;
    assign(&app, &clerk, &id, 30).await;

    let expected = public_positions(&app, &clerk, &id).await;
    let of_case = |g: &[Received]| g.iter().filter(|r| body(r)["data"]["caseId"] == id.as_str()).count();
    let got = until(&hook, |g| of_case(g) >= expected.len()).await;
    assert!(got.iter().all(|r| signed_by(r, &secret)), "{got:?}");
    let delivered: Vec<(String, String)> = got
        .iter()
        .filter(|r| body(r)["data"]["caseId"] == id.as_str())
        .map(|r| (r.id.clone(), body(r)["data"]["kind"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(delivered, expected, "the case's public entries, in feed order, each once, id = position");
    let first = body(&got[0]);
    assert_eq!(first["data"]["reference"], reference.as_str());
    assert!(!String::from_utf8_lossy(&got[0].body).contains("13812345678"), "no contact in a payload");

    // The endpoint fails: the event is tried again later, then delivered, with the same id.
    hook.answer.store(503, Ordering::SeqCst);
    let before = hook.got.lock().unwrap().len();
    let (other, ..) = submit(&app, &petitioner, "楼道堆放杂物").await;
    let failed = until(&hook, |g| g.len() > before).await[before].clone();
    assert_eq!(body(&failed)["data"]["caseId"], other.as_str());
    let admin = app.token("demo.admin").await;
    // The server records an answer once it has it, after the receiver saw the request.
    let hooks = settled(&app, &admin, |h| h["failures"].as_i64().is_some_and(|n| n >= 1)).await;
    assert_eq!(hooks["webhooks"][0]["deliveries"][0]["statusCode"], 503);
    hook.answer.store(200, Ordering::SeqCst);
    app.clock.advance(chrono::Duration::minutes(2));
    until(&hook, |g| g.iter().filter(|r| r.id == failed.id).count() >= 2).await;
    let hooks = settled(&app, &admin, |h| h["failures"] == 0).await;
    assert_eq!(hooks["webhooks"][0]["deliveries"][0]["succeeded"], true, "{hooks}");
}

/// The webhook's signing secret as the table holds it.
async fn stored_secret(app: &TestApp, id: &str) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        secret: String,
    }
    let id = uuid::Uuid::parse_str(id).unwrap();
    let mut conn = app.pool.get().unwrap();
    let row: Row = diesel::sql_query("SELECT secret FROM webhooks WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(id)
        .get_result(&mut conn)
        .unwrap();
    row.secret
}

/// A signing secret is stored sealed, never as it was shown: a copy of the database cannot sign. When the operator
/// changes `WEBHOOK_SECRETS_KEY` (the old one moved to `WEBHOOK_SECRETS_OLD_KEYS`), the next start seals it under
/// the new key, and so a secret stored in clear by an earlier version; deliveries stay signed with the secret the
/// admin was shown, by a server that has only the new key.
#[tokio::test]
async fn signing_secrets_are_stored_sealed_and_sealed_again_under_a_new_key() {
    let app = spawn_app_with(&[]).await;
    let hook = receiver().await;
    let (id, secret) = make_hook(&app, &hook.url).await;
    let shown = secret.trim_start_matches("whsec_");
    let sealed = stored_secret(&app, &id).await;
    assert!(sealed.starts_with("sealed1.") && !sealed.contains(shown), "{sealed}");

    let (new_key, old_key) =
        ("Kt6Vb2Np8Xr4Lm0Qd5Hs9Wc3Jy7Fg1Ze6Ua2Oi8", "development-only-webhook-secrets-key-not-for-production");
    app.prepare_again_with(&[("WEBHOOK_SECRETS_KEY", new_key), ("WEBHOOK_SECRETS_OLD_KEYS", old_key)]).await;
    let resealed = stored_secret(&app, &id).await;
    let key_of = |stored: &str| stored.split('.').nth(1).unwrap().to_owned();
    assert!(resealed.starts_with("sealed1.") && !resealed.contains(shown), "{resealed}");
    assert_ne!(key_of(&resealed), key_of(&sealed), "sealed under the new key");

    // As an earlier version stored it: in clear. The next start seals it; a start with nothing to do changes nothing.
    let mut conn = app.pool.get().unwrap();
    diesel::RunQueryDsl::execute(
        diesel::sql_query("UPDATE webhooks SET secret = $1 WHERE id = $2")
            .bind::<diesel::sql_types::Text, _>(&secret)
            .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::parse_str(&id).unwrap()),
        &mut conn,
    )
    .unwrap();
    app.prepare_again_with(&[("WEBHOOK_SECRETS_KEY", new_key)]).await;
    let from_clear = stored_secret(&app, &id).await;
    assert!(from_clear.starts_with("sealed1.") && key_of(&from_clear) == key_of(&resealed), "{from_clear}");
    app.prepare_again_with(&[("WEBHOOK_SECRETS_KEY", new_key)]).await;
    assert_eq!(stored_secret(&app, &id).await, from_clear);

    // A server with only the new key delivers, signed with the secret the admin was shown.
    let _server = app.another_server_with(&[("WEBHOOK_INTERVAL_MS", "100"), ("WEBHOOK_SECRETS_KEY", new_key)]).await;
    let petitioner = app.token("demo.petitioner").await;
    let (case, ..) = submit(&app, &petitioner, "密钥更换之后的推送").await;
    let got = until(&hook, |g| g.iter().any(|r| body(r)["data"]["caseId"] == case.as_str())).await;
    assert!(got.iter().all(|r| signed_by(r, &secret)), "{got:?}");
}

/// When the operator changed the key without naming the old one, no server can open a webhook's secret: nothing is
/// sent, and the webhook's deliveries say why, as failed attempts with back-off. The admin rotates the secret (now
/// sealed under the key the servers have) and redelivers: the events arrive, signed with the new secret.
#[tokio::test]
async fn a_secret_no_server_can_open_is_a_failure_its_admin_sees_and_mends() {
    let app = spawn_app_with(&[]).await;
    let hook = receiver().await;
    let (id, _) = make_hook(&app, &hook.url).await;
    // The only delivering server has a key of its own and none of the old ones.
    let keyed = [("WEBHOOK_INTERVAL_MS", "100"), ("WEBHOOK_SECRETS_KEY", "Lf7Qw3Zt9Mb5Xr1Hn6Kc2Vp8Jd4Gs0Ye7Ua3Oi9")];
    let server = app.another_server_with(&keyed).await;
    let admin = app.token("demo.admin").await;
    let petitioner = app.token("demo.petitioner").await;
    let (case, ..) = submit(&app, &petitioner, "无法打开的签名密钥").await;
    let hooks = settled(&app, &admin, |h| h["failures"].as_i64().is_some_and(|n| n >= 1)).await;
    let attempt = &hooks["webhooks"][0]["deliveries"][0];
    assert_eq!((attempt["succeeded"].as_bool(), attempt["statusCode"].as_i64()), (Some(false), None), "{hooks}");
    assert!(hook.got.lock().unwrap().is_empty(), "nothing unsigned or wrongly signed is sent");
    let why = app.ok("{ webhooks { deliveries(first: 1) { error } } }", json!({}), &admin).await;
    assert!(why["webhooks"][0]["deliveries"][0]["error"].as_str().unwrap().contains("signing secret"), "{why}");

    // Rotated on that server (sealed under its key) and redelivered from where delivery stood.
    let rotate = "mutation($i: WebhookInput!) { rotateWebhookSecret(input: $i) { secret } }";
    let rotated = app.ok_at(&server, rotate, json!({"i": {"webhookId": id}}), &admin).await;
    let secret = rotated["rotateWebhookSecret"]["secret"].as_str().unwrap().to_owned();
    let redeliver = "mutation($i: RedeliverWebhookInput!) { redeliverWebhook(input: $i) { status } }";
    app.ok_at(&server, redeliver, json!({"i": {"webhookId": id}}), &admin).await;
    let got = until(&hook, |g| g.iter().any(|r| body(r)["data"]["caseId"] == case.as_str())).await;
    assert!(got.iter().all(|r| signed_by(r, &secret)), "{got:?}");
}

/// An admin's list reads the latest deliveries of all its webhooks in one statement, however many webhooks there
/// are; each webhook gets its own newest attempts, as many as asked.
#[tokio::test]
async fn a_list_of_webhooks_reads_their_deliveries_in_one_statement() {
    let app = spawn_app_with(&[]).await;
    // Another server delivers, so that this one's statements are the list's alone.
    let _delivering = app.another_server_with(&[("WEBHOOK_INTERVAL_MS", "100")]).await;
    let (admin, petitioner) = (app.token("demo.admin").await, app.token("demo.petitioner").await);
    let receivers = [receiver().await, receiver().await];
    const LIST: &str =
        "{ webhooks { id newest: deliveries(first: 1) { messageId } all: deliveries(first: 50) { messageId } } }";
    let (mut costs, mut made) = (Vec::new(), Vec::new());
    for (n, receiver) in receivers.iter().enumerate() {
        made.push(make_hook(&app, &receiver.url).await.0);
        let (case, ..) = submit(&app, &petitioner, &format!("推送地址 {n}")).await;
        let delivered = |g: &[Received]| g.iter().any(|r| body(r)["data"]["caseId"] == case.as_str());
        until(receiver, delivered).await;
        // Every webhook has a delivery on record (the server records it after the receiver saw it).
        let recorded = |data: &Value| data["webhooks"].as_array().unwrap().iter().all(|h| h["newest"][0].is_object());
        let mut data = app.ok(LIST, json!({}), &admin).await;
        for _ in 0..100 {
            if recorded(&data) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            data = app.ok(LIST, json!({}), &admin).await;
        }
        let before = app.db.statements();
        let data = app.ok(LIST, json!({}), &admin).await;
        costs.push(app.db.statements() - before);
        let hooks = data["webhooks"].as_array().unwrap();
        assert_eq!(hooks.len(), n + 1);
        for hook in hooks {
            let (newest, all) = (hook["newest"].as_array().unwrap(), hook["all"].as_array().unwrap());
            assert_eq!(newest.len(), 1, "{data}");
            assert_eq!(newest[0], all[0], "the newest first: {data}");
        }
    }
    // Each webhook's own, each attempt once: the second was made after the first case, whose delivery to the first
    // webhook is the oldest it has.
    let data = app.ok(LIST, json!({}), &admin).await;
    let of = |id: &str| {
        let hook = data["webhooks"].as_array().unwrap().iter().find(|h| h["id"] == id).unwrap();
        hook["all"].as_array().unwrap().iter().map(|d| d["messageId"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    let (first, second) = (of(&made[0]), of(&made[1]));
    for attempts in [&first, &second] {
        let mut once = attempts.clone();
        once.dedup();
        assert_eq!(&once, attempts, "{data}");
    }
    assert!(!second.contains(first.last().unwrap()), "{data}");
    assert_eq!(costs[0], costs[1], "one webhook or two: the same statements ({costs:?})");
}

/// A webhook reaches the public internet and the networks the operator allows, nothing else: an address written
/// out is refused when the webhook is made, a name that resolves to the machine itself is refused at each delivery
/// (so a name cannot be pointed elsewhere after the check), and nothing reaches the receiver there.
#[tokio::test]
async fn a_webhook_reaches_only_the_public_internet_and_the_allowed_networks() {
    let app = spawn_app_with(&[("WEBHOOK_INTERVAL_MS", "100"), ("WEBHOOK_ALLOWED_NETWORKS", "10.20.0.0/16")]).await;
    let admin = app.token("demo.admin").await;
    let hook = receiver().await;
    let input = |url: &str| json!({"i": {"url": url, "jurisdictionCode": "510502"}});
    let metadata = "http://169.254.169.254/latest/meta-data/";
    for url in [hook.url.as_str(), metadata, "http://[::1]:8080/hook", "http://10.1.2.3/hook", "http://0.0.0.0/"] {
        let body = app.graphql(CREATE, input(url), Some(&admin)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{url}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "input.url", "{url}: {body}");
    }
    app.ok(CREATE, input("http://10.20.0.5/hook"), &admin).await;

    // The receiver by a name that resolves to the machine: made, but never posted to.
    let by_name = hook.url.replace("127.0.0.1", "localhost");
    let made = app.ok(CREATE, input(&by_name), &admin).await;
    let id = made["createWebhook"]["webhook"]["id"].as_str().unwrap().to_owned();
    let petitioner = app.token("demo.petitioner").await;
    submit(&app, &petitioner, "小区路灯损坏多日").await;
    let query = "query { webhooks { id failures deliveries(first: 5) { succeeded error } } }";
    let mut refused = Value::Null;
    for _ in 0..100 {
        let hooks = app.ok(query, json!({}), &admin).await;
        let mine = hooks["webhooks"].as_array().unwrap().iter().find(|h| h["id"] == id.as_str()).cloned();
        if let Some(h) = mine.filter(|h| h["failures"].as_i64().unwrap_or(0) >= 1) {
            refused = h;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let error = refused["deliveries"][0]["error"].as_str().unwrap_or_default().to_owned();
    assert_eq!(refused["deliveries"][0]["succeeded"], false, "{refused}");
    assert!(error.contains("resolves to no address webhooks may be posted to"), "{refused}");
    assert!(hook.got.lock().unwrap().is_empty(), "nothing reached the machine's own receiver");
}

/// A server that stops while it holds a webhook's lease (killed mid-batch) holds the webhook back until the lease
/// runs out, no longer: then another server takes it and posts what waits, from the position last answered.
#[tokio::test]
async fn a_lease_left_by_a_stopped_server_runs_out_and_another_server_delivers() {
    use diesel::prelude::*;
    let app = delivering_app().await;
    let hook = receiver().await;
    let (id, _) = make_hook(&app, &hook.url).await;
    // The lease as a server leaves it when it stops mid-batch: held by a server that will never free it.
    let lease_until = petition_api::clock::Clock::now(&*app.clock) + chrono::Duration::seconds(30);
    diesel::sql_query("UPDATE webhooks SET leased_by = gen_random_uuid(), lease_until = $1 WHERE id = $2::uuid")
        .bind::<diesel::sql_types::Timestamptz, _>(lease_until)
        .bind::<diesel::sql_types::Text, _>(&id)
        .execute(&mut app.conn())
        .unwrap();
    let petitioner = app.token("demo.petitioner").await;
    let (case, ..) = submit(&app, &petitioner, "小区路灯损坏多日").await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(hook.got.lock().unwrap().is_empty(), "posted while another server held the lease");

    app.clock.advance(chrono::Duration::seconds(31));
    let got = until(&hook, |g| !g.is_empty()).await;
    assert_eq!(body(&got[0])["data"]["caseId"], case.as_str());
}

/// Two servers deliver one webhook: each event is posted once while the endpoint answers (the lease keeps the
/// other server away), none is lost, and the order holds.
#[tokio::test]
async fn two_servers_post_each_event_once_and_in_order() {
    let app = delivering_app().await;
    let _second = app.another_server_with(&[("WEBHOOK_INTERVAL_MS", "100")]).await;
    let hook = receiver().await;
    make_hook(&app, &hook.url).await;
    let petitioner = app.token("demo.petitioner").await;
    let mut cases = Vec::new();
    for n in 0..6 {
        cases.push(submit(&app, &petitioner, &format!("两台服务器{n}")).await.0);
    }
    let got = until(&hook, |g| cases.iter().all(|c| g.iter().any(|r| body(r)["data"]["caseId"] == c.as_str()))).await;
    let ids: Vec<&String> = got.iter().map(|r| &r.id).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "no event twice: {ids:?}");
    let first_of = |case: &String| got.iter().position(|r| body(r)["data"]["caseId"] == case.as_str()).unwrap();
    let firsts: Vec<usize> = cases.iter().map(first_of).collect();
    assert!(firsts.windows(2).all(|w| w[0] < w[1]), "in the order the cases were filed: {firsts:?}");
}

/// A child process killed when the test ends, whatever happens.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program` with `args` and `env`, and waits for the line of its standard output that says where it
/// listens: the child and that line.
fn start(program: &str, args: &[&str], env: &[(&str, &str)], says: &str) -> (Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(program)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {program}: {e}"));
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.find_map(|l| l.ok().filter(|l| l.contains(says))).expect("it listens");
    // Keep reading its output so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (Child(child), line)
}

/// The README's receiver (`examples/webhook-receiver.mjs`) on `port`, storing into `dir`.
fn start_receiver(port: u16, secret: &str, dir: &std::path::Path) -> Child {
    let port = port.to_string();
    let env = [("PORT", port.as_str()), ("WEBHOOK_SECRET", secret), ("DATA_DIR", dir.to_str().unwrap())];
    start("node", &["examples/webhook-receiver.mjs"], &env, "listening on").0
}

/// The shipped binary serving over the test's database (its delivery worker is the only one).
fn start_server(app: &TestApp) -> Child {
    let urls = app.urls();
    let env = [
        ("DATABASE_URL", urls.server.as_str()),
        ("MIGRATION_DATABASE_URL", urls.owner.as_str()),
        ("DEMO_DATA", "false"),
        ("PORT", "0"),
        ("SWEEP_INTERVAL_SECS", "0"),
        ("WEBHOOK_INTERVAL_MS", "200"),
        ("RUST_LOG", "warn"),
    ];
    start(env!("CARGO_BIN_EXE_petition-api"), &["serve"], &env, "http://").0
}

/// The ids the receiver stored, in the order it stored them.
fn stored(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("events.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The README's walk: the tiny receiver stores what it gets and the position it reached; the receiver and the
/// server are both stopped and started again mid-stream, and every event arrives, in order, none lost.
#[tokio::test]
async fn a_receiver_and_a_server_restarted_mid_stream_lose_nothing() {
    // Only the shipped binary delivers here.
    let app = spawn_app_with(&[("WEBHOOK_INTERVAL_MS", "0")]).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (hook_id, secret) = make_hook(&app, &format!("http://127.0.0.1:{port}/hook")).await;
    let dir = std::env::temp_dir().join(format!("receiver-{hook_id}"));
    let mut receiver = Some(start_receiver(port, &secret, &dir));
    let mut server = Some(start_server(&app));
    let petitioner = app.token("demo.petitioner").await;
    let mut cases = Vec::new();
    for n in 0..12 {
        cases.push(submit(&app, &petitioner, &format!("重启中的事项{n}")).await.0);
        match n {
            3 => receiver = None,
            5 => receiver = Some(start_receiver(port, &secret, &dir)),
            7 => server = None,
            9 => server = Some(start_server(&app)),
            _ => {}
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let clerk = app.token("demo.clerk").await;
    let mut expected = Vec::new();
    for case in &cases {
        expected.extend(public_positions(&app, &clerk, case).await.into_iter().map(|(position, _)| position));
    }
    // Failed posts are tried again after 2.5 s, 5 s, 10 s …, and a lease the stopped server held runs out after
    // 30 s: wait up to a minute and a half.
    for _ in 0..900 {
        if stored(&dir).len() >= expected.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = stored(&dir);
    let _ = (receiver, server);
    assert_eq!(got.len(), expected.len(), "every event stored once: {got:?}");
    assert!(got.iter().all(|p| expected.contains(p)), "only the events of the feed: {got:?}");
    let mut in_feed_order = got.clone();
    in_feed_order.sort_by_key(|p| expected.iter().position(|e| e == p));
    assert_eq!(got, in_feed_order, "in feed order");
    assert_eq!(std::fs::read_to_string(dir.join("position.txt")).unwrap(), *got.last().unwrap());
    std::fs::remove_dir_all(&dir).ok();
}
