//! Persisted documents: Apollo's automatic persisted queries (unknown hash, then hash with text, then the hash
//! alone, by POST and by GET), GraphQL over HTTP's `documentId`, and a deployment that runs only trusted documents.

use petition_api::graphql::documents::sha256_hex;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp, DEMO_PASSWORD};

const ME: &str = "query Me { me { username } }";

/// POSTs `body` as JSON to the server at `address`; the status and the body.
async fn post(app: &TestApp, address: &str, body: Value, token: Option<&str>) -> (u16, Value) {
    let mut req = app.client.post(format!("{address}/graphql")).json(&body);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

#[tokio::test]
async fn a_persisted_query_is_registered_once_and_then_sent_as_its_hash() {
    let app = spawn_app().await;
    let token = app.token("demo.clerk").await;
    let hash = sha256_hex(ME);

    // The hash alone, unknown yet: Apollo's link expects this exact answer, with HTTP 200, and then sends the text.
    let (status, body) = post(&app, &app.address, json!({ "extensions": persisted(&hash) }), Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
    let with_text = json!({ "query": ME, "extensions": persisted(&hash) });
    let (status, body) = post(&app, &app.address, with_text, Some(&token)).await;
    assert_eq!((status, &body["data"]["me"]["username"]), (200, &json!("demo.clerk")), "{body}");

    // From now on the hash alone runs it, by POST and by GET (as Apollo's link sends hashed queries by GET).
    let (_, body) = post(&app, &app.address, json!({ "extensions": persisted(&hash) }), Some(&token)).await;
    assert_eq!(body["data"]["me"]["username"], "demo.clerk", "{body}");
    let res = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("operationName", "Me"), ("extensions", &persisted(&hash).to_string())])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["me"]["username"], "demo.clerk", "{body}");
    // GraphQL over HTTP's documentId names the same document.
    let by_id = json!({ "documentId": format!("sha256:{hash}") });
    let (_, body) = post(&app, &app.address, by_id, Some(&token)).await;
    assert_eq!(body["data"]["me"]["username"], "demo.clerk", "{body}");

    // Each server remembers its own: another instance asks for the text once more.
    let other = app.another_server().await;
    let (status, body) = post(&app, &other, json!({ "extensions": persisted(&hash) }), Some(&token)).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (200, Some("PERSISTED_QUERY_NOT_FOUND")));
}

#[tokio::test]
async fn a_hash_that_is_not_the_texts_is_refused_and_registers_nothing() {
    let app = spawn_app().await;
    let token = app.token("demo.clerk").await;
    let other = sha256_hex("{ __typename }");
    let lying = json!({ "query": ME, "extensions": persisted(&other) });
    let (status, body) = post(&app, &app.address, lying, Some(&token)).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let (_, body) = post(&app, &app.address, json!({ "extensions": persisted(&other) }), Some(&token)).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND");
    for bad in [
        json!({ "extensions": { "persistedQuery": { "version": 2, "sha256Hash": other } } }),
        json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "abc" } } }),
        json!({ "documentId": 42 }),
        json!({ "documentId": "md5:abc" }),
    ] {
        let (status, body) = post(&app, &app.address, bad.clone(), Some(&token)).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{bad}");
    }
}

/// The mobile app's deployment: `TRUSTED_DOCUMENTS` names a manifest, and only its operations run, by hash or as
/// their exact text; any other (introspection included) is refused before it is parsed.
#[tokio::test]
async fn with_trusted_documents_only_registered_operations_run() {
    let app = spawn_app().await;
    let login = "mutation SignIn($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let manifest = json!({
        "format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [
            { "id": sha256_hex(ME), "name": "Me", "type": "query", "body": ME },
            { "id": sha256_hex(login), "name": "SignIn", "type": "mutation", "body": login },
        ]
    });
    let path = std::env::temp_dir().join(format!("trusted-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, manifest.to_string()).unwrap();
    let trusted = app.another_server_with(&[("TRUSTED_DOCUMENTS", path.to_str().unwrap())]).await;

    let variables = json!({ "u": "demo.clerk", "p": DEMO_PASSWORD });
    let sign_in = json!({ "extensions": persisted(&sha256_hex(login)), "variables": variables });
    let (status, body) = post(&app, &trusted, sign_in, None).await;
    assert_eq!(status, 200, "{body}");
    let token = body["data"]["login"]["accessToken"].as_str().expect("a token").to_owned();
    let (_, body) = post(&app, &trusted, json!({ "query": ME }), Some(&token)).await;
    assert_eq!(body["data"]["me"]["username"], "demo.clerk", "{body}");

    for other in [json!({ "query": "{ me { username } }" }), json!({ "query": "{ __schema { types { name } } }" })] {
        let (status, body) = post(&app, &trusted, other, Some(&token)).await;
        assert_eq!(status, 400);
        assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_ALLOWED", "{body}");
    }
    // A client's attempt to register its own operation is refused too.
    let text = "{ __typename }";
    let register = json!({ "query": text, "extensions": persisted(&sha256_hex(text)) });
    let (_, body) = post(&app, &trusted, register, Some(&token)).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_ALLOWED", "{body}");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_server_with_a_broken_manifest_does_not_start() {
    let path = std::env::temp_dir().join(format!("trusted-{}.json", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, json!({ sha256_hex("{ a }"): "{ b }" }).to_string()).unwrap();
    let vars = [("TRUSTED_DOCUMENTS", path.to_str().unwrap().to_owned()), ("PORT", "0".to_owned())];
    let settings = petition_api::config::Settings::from_lookup(|k| {
        vars.iter().find(|(name, _)| *name == k).map(|(_, v)| v.clone())
    })
    .unwrap();
    let app = spawn_app().await;
    let db = app.db.clone();
    let err = petition_api::startup::Application::build(settings, db).err().expect("refused to start").to_string();
    assert!(err.contains("TRUSTED_DOCUMENTS") && err.contains("not the SHA-256"), "{err}");
    let _ = std::fs::remove_file(&path);
}
