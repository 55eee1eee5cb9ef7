//! `schema.graphql` is exactly what the server serves, and everything in it is described.

use serde_json::json;

use crate::helpers::spawn_app;

#[test]
fn schema_file_matches_the_served_schema() {
    let served = petition_api::graphql::sdl();
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap_or_default();
    assert!(served == file, "schema.graphql is stale: run `cargo run -- print-schema > schema.graphql`");
}

#[tokio::test]
async fn every_type_field_argument_and_value_has_a_description() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            "{ __schema { types { name kind description
                fields { name description args { name description } }
                inputFields { name description }
                enumValues { name description } } } }",
            json!({}),
            None,
        )
        .await;
    let builtin = ["String", "Int", "Float", "Boolean", "ID"];
    let mut missing = Vec::new();
    for t in body["data"]["__schema"]["types"].as_array().expect("types") {
        let name = t["name"].as_str().unwrap();
        if name.starts_with("__") || builtin.contains(&name) {
            continue;
        }
        if t["description"].as_str().is_none_or(str::is_empty) {
            missing.push(name.to_owned());
        }
        for f in t["fields"].as_array().into_iter().flatten().chain(t["inputFields"].as_array().into_iter().flatten()) {
            if f["description"].as_str().is_none_or(str::is_empty) {
                missing.push(format!("{name}.{}", f["name"]));
            }
            for a in f["args"].as_array().into_iter().flatten() {
                if a["description"].as_str().is_none_or(str::is_empty) {
                    missing.push(format!("{name}.{}({})", f["name"], a["name"]));
                }
            }
        }
        for v in t["enumValues"].as_array().into_iter().flatten() {
            if v["description"].as_str().is_none_or(str::is_empty) {
                missing.push(format!("{name}.{}", v["name"]));
            }
        }
    }
    assert!(missing.is_empty(), "undescribed: {missing:#?}");
}
