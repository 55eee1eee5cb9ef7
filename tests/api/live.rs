//! Live updates over WebSocket (`graphql-transport-ws`): delivered by every server process to its own subscribers
//! through PostgreSQL LISTEN/NOTIFY, under the same visibility rules as queries, until the token expires.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use petition_api::domain::role::Role;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app, spawn_app_with};
use crate::lifecycle::{assign, submit};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A subscriber: one WebSocket connection.
struct Live(Socket);

const WAIT: Duration = Duration::from_secs(10);
/// How long a test lets the server take a `subscribe` before it acts (the server answers nothing until an event).
const SETTLE: Duration = Duration::from_millis(1000);

impl Live {
    /// Opens a connection to the server at `address` and sends `connection_init` with `token`; returns the
    /// connection and the server's first answer (`connection_ack`, or why not).
    async fn open(address: &str, token: Option<&str>) -> (Live, Value) {
        Live::open_in(address, token, "en").await
    }

    /// `open`, with the upgrade asking for `language`.
    async fn open_in(address: &str, token: Option<&str>, language: &str) -> (Live, Value) {
        let mut request = format!("{}/graphql", address.replace("http://", "ws://")).into_client_request().unwrap();
        request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
        request.headers_mut().insert("Accept-Language", language.parse().unwrap());
        let (socket, _) = tokio_tungstenite::connect_async(request).await.expect("WebSocket upgrade");
        let mut live = Live(socket);
        let payload = token.map(|t| json!({"authorization": format!("Bearer {t}")})).unwrap_or(json!({}));
        live.send(json!({"type": "connection_init", "payload": payload})).await;
        let first = live.next().await;
        (live, first)
    }

    async fn connect(address: &str, token: &str) -> Live {
        let (live, ack) = Live::open(address, Some(token)).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        live
    }

    async fn send(&mut self, message: Value) {
        self.0.send(Message::Text(message.to_string())).await.expect("send");
    }

    async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables}})).await;
    }

    /// The next protocol message (answering pings), or `{"type": "closed"}` when the server closed the connection.
    async fn next(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(WAIT, self.0.next()).await.expect("a message in time");
            match message {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).unwrap();
                    if value["type"] == "ping" {
                        self.send(json!({"type": "pong"})).await;
                        continue;
                    }
                    return value;
                }
                Some(Ok(Message::Close(frame))) => return json!({"type": "closed", "reason": format!("{frame:?}")}),
                None | Some(Err(_)) => return json!({"type": "closed"}),
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The code of the error the next message carries (a refused subscription).
    async fn refusal(&mut self) -> String {
        let message = self.next().await;
        let errors = if message["type"] == "error" { &message["payload"] } else { &message["payload"]["errors"] };
        errors[0]["extensions"]["code"].as_str().unwrap_or_else(|| panic!("not a refusal: {message}")).to_owned()
    }

    /// The data of the messages of subscription field `field` up to the first with an event of `kind`: what the
    /// subscriber heard, in order. (An event from just before the subscription may come first under load.)
    async fn until(&mut self, field: &str, kind: &str) -> Vec<Value> {
        let mut heard = Vec::new();
        loop {
            let data = self.data().await[field].clone();
            let done = data["event"]["kind"] == kind;
            heard.push(data);
            if done {
                return heard;
            }
        }
    }

    /// The next `next` message's data, failing on anything else.
    async fn data(&mut self) -> Value {
        let message = self.next().await;
        assert_eq!(message["type"], "next", "{message}");
        assert!(message["payload"]["errors"].is_null(), "{message}");
        message["payload"]["data"].clone()
    }
}

const CASE_UPDATED: &str =
    "subscription($id: ID!) { caseUpdated(caseId: $id) { event { kind staffOnly actorId } case { id status } } }";
const CASE_EVENTS: &str =
    "subscription($j: String!) { caseEvents(jurisdictionCode: $j) { event { kind } case { id } } }";
const LOG: &str = "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }";

#[tokio::test]
async fn every_server_delivers_every_event_to_its_own_subscribers() {
    let app = spawn_app().await;
    let other = app.another_server().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let (case, _, _) = submit(&app, &petitioner, "公交线路调整不合理").await;

    let mut own = Live::connect(&app.address, &petitioner).await;
    own.subscribe("1", CASE_UPDATED, json!({"id": case})).await;
    let mut desk_here = Live::connect(&app.address, &clerk).await;
    desk_here.subscribe("1", CASE_EVENTS, json!({"j": "510502"})).await;
    let mut desk_there = Live::connect(&other, &clerk).await;
    desk_there.subscribe("1", CASE_EVENTS, json!({"j": "510502"})).await;
    tokio::time::sleep(SETTLE).await;

    // Both steps go through the other server: a staff-only note, then the routing.
    let note = json!({"i": {"caseId": case, "kind": "NOTE", "happenedAt": petition_api::clock::Clock::now(&*app.clock),
        "note": "内部：需与交通局会商"}});
    app.ok_at(&other, LOG, note, &clerk).await;
    let unit = app.unit_id("510502", "江阳区住房和城乡建设局").await;
    let route = "mutation($i: RouteCaseInput!) { routeCase(input: $i) { status } }";
    app.ok_at(
        &other,
        route,
        json!({"i": {"caseId": case, "action": "ASSIGN", "unitId": unit, "handlingDays": 30}}),
        &clerk,
    )
    .await;

    for desk in [&mut desk_here, &mut desk_there] {
        let heard = desk.until("caseEvents", "ASSIGNED").await;
        let kinds: Vec<&Value> = heard.iter().map(|d| &d["event"]["kind"]).collect();
        assert!(kinds.ends_with(&[&json!("NOTE"), &json!("ASSIGNED")]), "{heard:?}");
        assert_eq!(heard.last().unwrap()["case"]["id"], case.as_str());
    }
    // The petitioner never hears of the internal note, nor who acted.
    let heard = own.until("caseUpdated", "ASSIGNED").await;
    assert!(heard.iter().all(|d| d["event"]["kind"] != "NOTE" && d["event"]["staffOnly"] == false), "{heard:?}");
    let first = json!({"caseUpdated": heard.last().unwrap()});
    assert_eq!(first["caseUpdated"]["case"]["status"], "ASSIGNED");
    assert!(first["caseUpdated"]["event"]["actorId"].is_null());
}

#[tokio::test]
async fn subscribers_see_only_what_queries_show_them() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let committee = app.token("demo.committee").await;

    // Someone else's case, in another county.
    let elsewhere = app
        .ok("{ cases(first: 1, filter: {jurisdictionCode: \"510503\"}) { nodes { id } } }", json!({}), &committee)
        .await["cases"]["nodes"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut live = Live::connect(&app.address, &petitioner).await;
    live.subscribe("1", CASE_UPDATED, json!({"id": elsewhere})).await;
    assert_eq!(live.refusal().await, "NOT_FOUND");

    let mut county = Live::connect(&app.address, &clerk).await;
    county.subscribe("1", CASE_EVENTS, json!({"j": "510503"})).await;
    assert_eq!(county.refusal().await, "FORBIDDEN");

    // A handling unit's clerk hears only of the cases with their unit.
    let labour = app.staff("rs.clerk", Role::Clerk, "510502", "江阳区人力资源和社会保障局").await;
    let mut unit_desk = Live::connect(&app.address, &labour).await;
    unit_desk.subscribe("1", CASE_EVENTS, json!({"j": "510502"})).await;
    tokio::time::sleep(SETTLE).await;
    let (not_theirs, _, _) = submit(&app, &petitioner, "小区绿化带被侵占").await;
    assign(&app, &clerk, &not_theirs, 30).await;
    let (theirs, _, _) = submit(&app, &petitioner, "工伤认定申请超期未办").await;
    let unit = app.unit_id("510502", "江阳区人力资源和社会保障局").await;
    let route = "mutation($i: RouteCaseInput!) { routeCase(input: $i) { status } }";
    app.ok(route, json!({"i": {"caseId": theirs, "action": "FORWARD", "unitId": unit}}), &clerk).await;
    // Once the case is theirs, its history is theirs to read (its submission may arrive too, as a query of its
    // events would show it); the other case's entries never arrive.
    let heard = unit_desk.until("caseEvents", "FORWARDED").await;
    assert!(heard.iter().all(|d| d["case"]["id"] == theirs.as_str()), "{heard:?}");

    // No token, no connection.
    let (_, refused) = Live::open(&app.address, None).await;
    assert_ne!(refused["type"], "connection_ack", "{refused}");
    let (_, refused) = Live::open(&app.address, Some("not-a-token")).await;
    assert_ne!(refused["type"], "connection_ack", "{refused}");
}

#[tokio::test]
async fn an_expired_token_ends_the_subscription() {
    let app = spawn_app_with(&[("ACCESS_TOKEN_TTL_SECS", "4")]).await;
    let clerk = app.token("demo.clerk").await;
    let mut live = Live::connect(&app.address, &clerk).await;
    live.subscribe("7", CASE_EVENTS, json!({"j": "510502"})).await;
    let end = live.next().await;
    assert_eq!((end["type"].as_str(), end["id"].as_str()), (Some("complete"), Some("7")), "{end}");
}

#[tokio::test]
async fn a_unit_follows_its_supervision_notices_live() {
    let app = spawn_app().await;
    let other = app.another_server().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let committee = app.token("demo.committee").await;
    let unit_clerk = app.token("demo.unit").await;
    let (case, _, _) = submit(&app, &petitioner, "老旧小区加装电梯补贴未发放").await;
    assign(&app, &clerk, &case, 30).await;
    let target = app.unit_id("510502", "江阳区住房和城乡建设局").await;

    let query = "subscription($u: ID) { supervisionNoticeEvents(unitId: $u) { event { kind } notice { id status } } }";
    let mut unit_desk = Live::connect(&app.address, &unit_clerk).await;
    unit_desk.subscribe("1", query, json!({})).await;
    let mut province = Live::connect(&other, &committee).await;
    province.subscribe("1", query, json!({"u": target})).await;
    let mut stranger = Live::connect(&app.address, &unit_clerk).await;
    let elsewhere = app.unit_id("510503", "纳溪区住房和城乡建设局").await;
    stranger.subscribe("1", query, json!({"u": elsewhere})).await;
    assert_eq!(stranger.refusal().await, "FORBIDDEN");
    tokio::time::sleep(SETTLE).await;

    let issue = "mutation($i: IssueSupervisionNoticeInput!) { issueSupervisionNotice(input: $i) { id } }";
    let notice = app
        .ok_at(
            &other,
            issue,
            json!({"i": {"caseIds": [case], "targetUnitId": target,
        "noticeType": "SUMMONS", "trigger": "BUCK_PASSING", "requirements": "请单位负责人到场说明"}}),
            &committee,
        )
        .await["issueSupervisionNotice"]["id"]
        .clone();
    let heard = unit_desk.data().await;
    assert_eq!(heard["supervisionNoticeEvents"]["event"]["kind"], "ISSUED");
    assert_eq!(heard["supervisionNoticeEvents"]["notice"]["id"], notice);

    let ack = "mutation($i: NoticeStepInput!) { acknowledgeSupervisionNotice(input: $i) { status } }";
    app.ok(ack, json!({"i": {"noticeId": notice}}), &unit_clerk).await;
    let watched = [province.data().await, province.data().await];
    assert_eq!(watched[0]["supervisionNoticeEvents"]["event"]["kind"], "ISSUED");
    assert_eq!(watched[1]["supervisionNoticeEvents"]["event"]["kind"], "ACKNOWLEDGED");
    assert_eq!(watched[1]["supervisionNoticeEvents"]["notice"]["status"], "ACKNOWLEDGED");
}

#[tokio::test]
async fn one_connection_holds_a_bounded_number_of_subscriptions() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    let mut live = Live::connect(&app.address, &clerk).await;
    let max = petition_api::graphql::live::MAX_SUBSCRIPTIONS_PER_CONNECTION;
    for n in 0..=max {
        live.subscribe(&n.to_string(), CASE_EVENTS, json!({"j": "510502"})).await;
    }
    // One too many: only that one is refused, with the protocol's `error` message (4429 is the protocol's code for
    // a repeated `connection_init`, not for this); the connection and the others go on.
    // (They open side by side: which one comes eleventh is the server's to say.)
    let refused = live.next().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "RATE_LIMITED", "{refused}");
    let refused = refused["id"].as_str().unwrap().to_owned();
    // Once one completes, a new one is taken, and every open one still hears what happens.
    let done = (0..=max).map(|n| n.to_string()).find(|id| *id != refused).unwrap();
    live.send(json!({"id": done, "type": "complete"})).await;
    tokio::time::sleep(SETTLE).await;
    live.subscribe("again", CASE_EVENTS, json!({"j": "510502"})).await;
    tokio::time::sleep(SETTLE).await;
    let petitioner = app.token("demo.petitioner").await;
    submit(&app, &petitioner, "订阅名额的测试").await;
    let mut heard = std::collections::BTreeSet::new();
    while heard.len() < max {
        let message = live.next().await;
        if message["type"] == "complete" && message["id"] == done.as_str() {
            continue; // the server's answer to the client's `complete`
        }
        assert_eq!(message["type"], "next", "{message}");
        heard.insert(message["id"].as_str().unwrap().to_owned());
    }
    let expected: std::collections::BTreeSet<String> = (0..=max)
        .map(|n| n.to_string())
        .filter(|id| *id != refused && *id != done)
        .chain(["again".to_owned()])
        .collect();
    assert_eq!(heard, expected);
}

/// A subscription that does not validate is answered with the protocol's `error` message, its errors coded as
/// over HTTP and each given once; the connection goes on.
#[tokio::test]
async fn a_subscription_that_fails_validation_is_an_error_message() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    let mut live = Live::connect(&app.address, &clerk).await;
    live.subscribe("bad", "subscription { caseEvents(jurisdictionCode: 510502) { nothingHere } }", json!({})).await;
    let refused = live.next().await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["id"], "bad");
    let errors = refused["payload"].as_array().unwrap();
    assert!(!errors.is_empty() && errors.iter().all(|e| e["extensions"]["code"] == "BAD_USER_INPUT"), "{refused}");
    let mut messages: Vec<&Value> = errors.iter().map(|e| &e["message"]).collect();
    messages.dedup();
    assert_eq!(messages.len(), errors.len(), "each error once: {refused}");
    // The connection is still there.
    live.subscribe("good", CASE_EVENTS, json!({"j": "510502"})).await;
    tokio::time::sleep(SETTLE).await;
    let petitioner = app.token("demo.petitioner").await;
    submit(&app, &petitioner, "校验失败之后的订阅").await;
    let next = live.next().await;
    assert_eq!((next["type"].as_str(), next["id"].as_str()), (Some("next"), Some("good")), "{next}");
}

/// A connection whose upgrade asked for Chinese is answered in Chinese, from the refused upgrade to an operation's
/// errors and the reason of a close; the codes stay as they are, and English stays English.
#[tokio::test]
async fn a_connection_that_asks_for_chinese_is_answered_in_chinese() {
    let app = spawn_app().await;
    // An upgrade that names no subprotocol this server speaks: a coded refusal, not a bare text.
    for (language, said) in [
        ("zh-CN,zh;q=0.9", "请使用 WebSocket 子协议 graphql-transport-ws（或 graphql-ws）"),
        ("en", "ask for the WebSocket subprotocol graphql-transport-ws (or graphql-ws)"),
    ] {
        let refused = app
            .client
            .get(format!("{}/graphql", app.address))
            .header("upgrade", "websocket")
            .header("connection", "upgrade")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .header("accept-language", language)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 400);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["message"], said, "{body}");
    }

    let (_, refused) = Live::open_in(&app.address, None, "zh-CN").await;
    assert_eq!(refused["type"], "closed");
    let reason = refused["reason"].as_str().unwrap();
    assert!(reason.contains("4401") && reason.contains("请在 connection_init 中提供有效的访问令牌"), "{refused}");

    let clerk = app.token("demo.clerk").await;
    let nowhere = json!({"id": uuid::Uuid::new_v4().to_string()});
    for (language, said) in [("zh-CN", "未找到信访事项"), ("en", "case not found")] {
        let (mut live, ack) = Live::open_in(&app.address, Some(&clerk), language).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        live.subscribe("gone", CASE_UPDATED, nowhere.clone()).await;
        let message = live.next().await;
        let errors = if message["type"] == "error" { &message["payload"] } else { &message["payload"]["errors"] };
        assert_eq!(errors[0]["extensions"]["code"], "NOT_FOUND", "{message}");
        assert_eq!(errors[0]["message"], said, "{message}");
    }
}

/// The protocol's close codes: no token 4401, a temporary password's token 4403, and a client's close is
/// answered with a close (RFC 6455), not by dropping the connection.
#[tokio::test]
async fn refusals_close_with_the_protocols_codes_and_a_close_is_answered() {
    let app = spawn_app().await;
    for token in [None, Some("not-a-token")] {
        let (_, refused) = Live::open(&app.address, token).await;
        assert_eq!(refused["type"], "closed");
        assert!(refused["reason"].as_str().unwrap().contains("4401"), "{refused}");
    }

    let clerk = app.token("demo.clerk").await;
    let mut live = Live::connect(&app.address, &clerk).await;
    live.0.send(Message::Close(None)).await.unwrap();
    // The server's keep-alive pings may come first: they are not the answer.
    let answer = tokio::time::timeout(WAIT, async {
        loop {
            match live.0.next().await {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => return other,
            }
        }
    })
    .await
    .expect("an answer in time");
    assert!(matches!(answer, Some(Ok(Message::Close(_)))), "{answer:?}");
}

#[tokio::test]
async fn a_password_change_ends_the_subscriptions_of_older_tokens() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let (case, _, _) = submit(&app, &petitioner, "楼顶违建影响采光").await;
    let mut live = Live::connect(&app.address, &petitioner).await;
    live.subscribe("1", CASE_UPDATED, json!({"id": case})).await;
    tokio::time::sleep(SETTLE).await;
    let change =
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }";
    app.ok(change, json!({"c": crate::helpers::DEMO_PASSWORD, "n": "a-brand-new-password"}), &petitioner).await;
    // The next event about the case finds the token revoked: no data, the subscription completes. (Under load the
    // submission, from before the subscription, may still come first.)
    assign(&app, &clerk, &case, 30).await;
    loop {
        let message = live.next().await;
        if message["type"] == "complete" {
            break;
        }
        assert_eq!(message["payload"]["data"]["caseUpdated"]["event"]["kind"], "SUBMITTED", "{message}");
    }
}

/// The server announces what its requests wrote after they commit, many at once; a history entry written by any
/// other tool (psql, a script) is still announced by the database at its commit.
#[tokio::test]
async fn history_written_by_another_tool_is_announced_too() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let (case, _, _) = submit(&app, &petitioner, "小区路灯长期不亮").await;
    let mut desk = Live::connect(&app.address, &clerk).await;
    desk.subscribe("1", CASE_EVENTS, json!({"j": "510502"})).await;
    tokio::time::sleep(SETTLE).await;

    let mut conn = app.conn();
    // As any other client connects: without the server's setting.
    diesel::sql_query("RESET petition.announce").execute(&mut conn).unwrap();
    diesel::sql_query(
        "INSERT INTO case_events (case_id, jurisdiction_code, kind, occurred_at, note, payload, staff_only)
         SELECT id, jurisdiction_code, 'NOTE', now(), '由档案系统补录', '{}', false FROM cases WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::parse_str(&case).unwrap())
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query("SET petition.announce = 'after_commit'").execute(&mut conn).unwrap();

    let heard = desk.until("caseEvents", "NOTE").await;
    assert_eq!(heard.last().unwrap()["case"]["id"], case.as_str());
}

/// Signing out and being deactivated end a subscriber's subscriptions at once, on every server, without waiting
/// for the next event about what they follow.
#[tokio::test]
async fn signing_out_or_deactivation_ends_subscriptions_at_once() {
    let app = spawn_app().await;
    let other = app.another_server().await;
    let session = app.login_payload("demo.clerk", crate::helpers::DEMO_PASSWORD).await;
    let token = session["accessToken"].as_str().unwrap().to_owned();
    let mut here = Live::connect(&app.address, &token).await;
    here.subscribe("1", CASE_EVENTS, json!({"j": "510502"})).await;
    let mut there = Live::connect(&other, &token).await;
    there.subscribe("2", CASE_EVENTS, json!({"j": "510502"})).await;
    tokio::time::sleep(SETTLE).await;
    app.ok("mutation($t: String!) { logout(refreshToken: $t) }", json!({"t": session["refreshToken"]}), &token).await;
    for (live, id) in [(&mut here, "1"), (&mut there, "2")] {
        let end = live.next().await;
        assert_eq!((end["type"].as_str(), end["id"].as_str()), (Some("complete"), Some(id)), "{end}");
    }

    let unit_clerk = app.token("demo.unit").await;
    let mut unit_desk = Live::connect(&other, &unit_clerk).await;
    unit_desk.subscribe("3", "subscription { supervisionNoticeEvents { event { kind } } }", json!({})).await;
    tokio::time::sleep(SETTLE).await;
    let admin = app.token("demo.admin").await;
    let id = app.ok("{ me { id } }", json!({}), &unit_clerk).await["me"]["id"].clone();
    app.ok("mutation($id: ID!) { deactivateAccount(id: $id) { active } }", json!({"id": id}), &admin).await;
    let end = unit_desk.next().await;
    assert_eq!((end["type"].as_str(), end["id"].as_str()), (Some("complete"), Some("3")), "{end}");
}

/// A temporary password opens no live connection: the refusal says to change it first.
#[tokio::test]
async fn a_temporary_password_opens_no_live_connection() {
    let app = spawn_app().await;
    let admin = app.token("demo.admin").await;
    let clerk = app.token("demo.clerk").await;
    let id = app.ok("{ me { id } }", json!({}), &clerk).await["me"]["id"].clone();
    let reset =
        app.ok("mutation($id: ID!) { resetPassword(id: $id) { temporaryPassword } }", json!({"id": id}), &admin).await;
    let temporary = reset["resetPassword"]["temporaryPassword"].as_str().unwrap().to_owned();
    let provisional = app.login_payload("demo.clerk", &temporary).await["accessToken"].as_str().unwrap().to_owned();
    let (_, refused) = Live::open(&app.address, Some(&provisional)).await;
    assert_eq!(refused["type"], "closed", "{refused}");
    let reason = refused["reason"].as_str().unwrap();
    assert!(reason.contains("4403") && reason.contains("temporary password"), "{reason}");
}

/// A server that runs only trusted documents holds subscriptions to the same rule: the manifest's subscription
/// runs, named by its hash; any other is refused with the same code as over HTTP.
#[tokio::test]
async fn with_trusted_documents_only_registered_subscriptions_run() {
    use petition_api::graphql::documents::sha256_hex;
    let app = spawn_app().await;
    let token = app.token("demo.clerk").await;
    let manifest = json!({ sha256_hex(CASE_EVENTS): CASE_EVENTS });
    let path = std::env::temp_dir().join(format!("trusted-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, manifest.to_string()).unwrap();
    let trusted = app.another_server_with(&[("TRUSTED_DOCUMENTS", path.to_str().unwrap())]).await;

    let mut live = Live::connect(&trusted, &token).await;
    live.subscribe("other", "subscription { caseEvents(jurisdictionCode: \"510502\") { case { id } } }", json!({}))
        .await;
    // The protocol's `error` message, which ends the operation: no `complete` follows it.
    let refused = live.next().await;
    assert_eq!((refused["type"].as_str(), refused["id"].as_str()), (Some("error"), Some("other")), "{refused}");
    assert_eq!(refused["payload"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_ALLOWED");
    let hash = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(CASE_EVENTS) } });
    let payload = json!({ "query": "", "variables": { "j": "510502" }, "extensions": hash });
    live.send(json!({ "id": "mine", "type": "subscribe", "payload": payload })).await;
    tokio::time::sleep(SETTLE).await;
    let petitioner = app.token("demo.petitioner").await;
    let (case, _, _) = submit(&app, &petitioner, "小区电梯长期停运").await;
    let heard = live.until("caseEvents", "SUBMITTED").await;
    assert_eq!(heard.last().unwrap()["case"]["id"], case.as_str());
    let _ = std::fs::remove_file(&path);
}
