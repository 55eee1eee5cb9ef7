//! An error nulls its field and keeps its siblings, as the GraphQL specification says: the answer has the failed
//! field's key with `null` (what clients' types promise), never a missing key.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_failed_field_is_null_beside_its_siblings() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    let none = "00000000-0000-0000-0000-000000000000";
    let body =
        app.graphql(&format!("{{ me {{ username }} case(id: \"{none}\") {{ id }} }}"), json!({}), Some(&clerk)).await;
    assert_eq!(body["data"], json!({"me": {"username": "demo.clerk"}, "case": null}), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    assert_eq!(body["errors"][0]["path"], json!(["case"]));
    // Every field failed: still an object with each field null, not `data: null`.
    let body = app.graphql(&format!("{{ node(id: \"{none}\") {{ id }} }}"), json!({}), Some(&clerk)).await;
    let raw = serde_json::to_string(&body["data"]).unwrap();
    assert_eq!(raw, r#"{"node":null}"#, "{body}");
    // Aliases and fragments are followed to the failed field.
    let body = app
        .graphql(
            &format!("query {{ ...F mine: me {{ username }} }} fragment F on Query {{ lost: case(id: \"{none}\") {{ id }} }}"),
            json!({}),
            Some(&clerk),
        )
        .await;
    assert_eq!(body["data"]["lost"], serde_json::Value::Null, "{body}");
    assert!(body["data"].as_object().unwrap().contains_key("lost"), "{body}");
    assert_eq!(body["data"]["mine"]["username"], "demo.clerk");

    // The keys in the order the query asks for them, the failed field's included (the raw answer, as sent).
    let raw = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&clerk)
        .json(&json!({ "query": format!("{{ case(id: \"{none}\") {{ id }} me {{ username displayName }} }}") }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(raw.starts_with(r#"{"data":{"case":null,"me":{"username":"demo.clerk","displayName":"#), "{raw}");
}
