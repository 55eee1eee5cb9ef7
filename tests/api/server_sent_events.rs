//! GraphQL over Server-Sent Events (`/graphql/stream`, the `graphql-sse` protocol's distinct connections mode):
//! queries and subscriptions for backends behind proxies that drop WebSockets, read as a client reads the stream.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};
use crate::lifecycle::submit;

const WAIT: Duration = Duration::from_secs(10);

/// An open event stream, read event by event.
struct Events {
    body: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<actix_web::web::Bytes>> + Send>>,
    buffer: String,
}

impl Events {
    /// POSTs `query` to `/graphql/stream` as the `graphql-sse` client does.
    async fn post(app: &TestApp, query: &str, variables: Value, token: Option<&str>, lang: &str) -> reqwest::Response {
        let mut req = app
            .client
            .post(format!("{}/graphql/stream", app.address))
            .header("accept", "text/event-stream")
            .header("accept-language", lang)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.unwrap()
    }

    fn of(response: reqwest::Response) -> Events {
        Events { body: Box::pin(response.bytes_stream()), buffer: String::new() }
    }

    /// The next event as (its name, its data), skipping comments; `None` when the stream ended.
    async fn next(&mut self) -> Option<(String, String)> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut data) = (String::new(), Vec::new());
                for line in block.lines() {
                    if let Some(name) = line.strip_prefix("event:") {
                        event = name.trim().to_owned();
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push(value.strip_prefix(' ').unwrap_or(value).to_owned());
                    }
                }
                if event.is_empty() {
                    continue; // a comment (keep-alive)
                }
                return Some((event, data.join("\n")));
            }
            let chunk = tokio::time::timeout(WAIT, self.body.next()).await.expect("an event in time")?;
            self.buffer.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        }
    }

    /// The result of the next `next` event.
    async fn result(&mut self) -> Value {
        let (event, data) = self.next().await.expect("an event");
        assert_eq!(event, "next", "{data}");
        serde_json::from_str(&data).unwrap()
    }

    async fn completes(&mut self) {
        assert_eq!(self.next().await, Some(("complete".to_owned(), String::new())));
    }
}

async fn open(app: &TestApp, query: &str, variables: Value, token: Option<&str>, lang: &str) -> Events {
    let response = Events::post(app, query, variables, token, lang).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "text/event-stream; charset=utf-8");
    Events::of(response)
}

#[tokio::test]
async fn a_query_is_one_next_event_then_complete() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    let mut events = open(&app, "{ me { username } }", json!({}), Some(&clerk), "en").await;
    assert_eq!(events.result().await, json!({ "data": { "me": { "username": "demo.clerk" } } }));
    events.completes().await;
    assert_eq!(events.next().await, None);

    // A GET, as an EventSource asks; a mutation only as POST.
    let res = app
        .client
        .get(format!("{}/graphql/stream", app.address))
        .query(&[("query", "{ __typename }")])
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    let mut events = Events::of(res);
    assert_eq!(events.result().await, json!({ "data": { "__typename": "Query" } }));
    events.completes().await;
    let res = app
        .client
        .get(format!("{}/graphql/stream", app.address))
        .query(&[("query", "mutation { signOut }")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
}

#[tokio::test]
async fn a_subscription_streams_each_update_until_its_token_expires() {
    let app = spawn_app_with(&[("ACCESS_TOKEN_TTL_SECS", "6")]).await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let (case, _, _) = submit(&app, &petitioner, "小区噪音扰民").await;
    let query = "subscription($j: String!) { caseEvents(jurisdictionCode: $j) { event { kind } case { id } } }";
    let mut events = open(&app, query, json!({ "j": "510502" }), Some(&clerk), "en").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let unit = app.unit_id("510502", "江阳区住房和城乡建设局").await;
    let route = "mutation($i: RouteCaseInput!) { routeCase(input: $i) { status } }";
    app.ok(route, json!({"i": {"caseId": case, "action": "ASSIGN", "unitId": unit, "handlingDays": 30}}), &clerk).await;
    loop {
        let heard = events.result().await;
        assert!(heard["errors"].is_null(), "{heard}");
        if heard["data"]["caseEvents"]["event"]["kind"] == "ASSIGNED" {
            assert_eq!(heard["data"]["caseEvents"]["case"]["id"], case.as_str());
            break;
        }
    }
    // The token runs out: the stream completes and ends.
    events.completes().await;
    assert_eq!(events.next().await, None);
}

#[tokio::test]
async fn what_fails_before_execution_is_a_next_event_with_coded_errors_then_complete() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    let bad = "subscription { caseEvents(jurisdictionCode: \"510502\") { nothingHere } }";
    let mut events = open(&app, bad, json!({}), Some(&clerk), "en").await;
    let refused = events.result().await;
    let errors = refused["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{refused}");
    assert_eq!(errors[0]["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
    events.completes().await;

    // No token for a subscription; a body that is not JSON; in Chinese.
    let query = "subscription { caseEvents(jurisdictionCode: \"510502\") { event { kind } } }";
    let mut events = open(&app, query, json!({}), None, "zh-CN").await;
    let refused = events.result().await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{refused}");
    assert!(!refused["errors"][0]["message"].as_str().unwrap().is_ascii(), "{refused}");
    events.completes().await;
    let res = app
        .client
        .post(format!("{}/graphql/stream", app.address))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let mut events = Events::of(res);
    let refused = events.result().await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{refused}");
    events.completes().await;
}
