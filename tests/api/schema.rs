//! `schema.graphql` is exactly what the server serves, and everything in it is described.

use serde_json::{json, Value};

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

/// graphql-js's `getIntrospectionQuery` with every option on (descriptions, `specifiedByURL`, repeatable
/// directives, the schema's description, deprecated input values): what GraphiQL and graphql-codegen send.
const STANDARD_INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) {
    name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}
"#;

/// GraphiQL's and codegen's standard introspection query (about 13 levels deep) passes the limits, while the data
/// stays limited to 10 levels and introspection cannot nest a type's fields into their types' fields without end.
#[tokio::test]
async fn the_standard_introspection_query_passes_and_introspection_bombs_do_not() {
    let app = spawn_app().await;
    let body = app.graphql(STANDARD_INTROSPECTION, json!({}), None).await;
    assert!(body["errors"].is_null(), "{}", body["errors"]);
    let types = body["data"]["__schema"]["types"].as_array().unwrap();
    assert!(types.iter().any(|t| t["name"] == "Case"), "the documentation panel has the schema");
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");

    let bomb = "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }";
    let body = app.graphql(bomb, json!({}), None).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("introspection nests"), "{body}");
    // Three levels, as graphql-js allows, still answer.
    let three = "{ __type(name: \"Case\") { fields { type { fields { type { fields { name } } } } } } }";
    assert!(app.graphql(three, json!({}), None).await["errors"].is_null());
    // Hidden in fragments, the same.
    let hidden = "query { __schema { types { ...A } } } fragment A on __Type { fields { type { ...B } } }
        fragment B on __Type { fields { type { ...C } } } fragment C on __Type { fields { type { fields { name } } } }";
    let body = app.graphql(hidden, json!({}), None).await;
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("introspection nests"), "{body}");
}

/// Every history entry that stores details shows them as its kind's typed object (`detail`), with the same values
/// as the untyped `details`: over the demo data and a generated province, every kind either has its type or records
/// nothing.
#[tokio::test]
async fn every_history_entry_shows_its_details_typed() {
    let app = spawn_app().await;
    app.generate(150).await;
    let committee = app.token("demo.committee").await;
    let query = "query($a: String) { cases(first: 100, after: $a) { pageInfo { hasNextPage endCursor }
        nodes { events { kind details detail { __typename
          ... on RoutedDetail { unitId unitName handlingDays notice }
          ... on AnsweredDetail { outcome servedVia notice }
          ... on ReceivedDetail { channel } } } } } }";
    let (mut after, mut kinds) = (Value::Null, std::collections::BTreeMap::new());
    loop {
        let data = app.ok(query, json!({ "a": after }), &committee).await;
        for event in data["cases"]["nodes"].as_array().unwrap().iter().flat_map(|c| c["events"].as_array().unwrap()) {
            let stored = event["details"].as_object().is_some_and(|d| !d.is_empty());
            assert_eq!(stored, !event["detail"].is_null(), "{event}");
            let typed = &event["detail"];
            for key in ["unitName", "handlingDays", "notice", "outcome", "servedVia", "channel"] {
                if let Some(value) = typed.get(key) {
                    assert_eq!(value, &event["details"][key], "{event}");
                }
            }
            kinds.insert(event["kind"].as_str().unwrap().to_owned(), typed["__typename"].clone());
        }
        if data["cases"]["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = data["cases"]["pageInfo"]["endCursor"].clone();
    }
    for kind in ["SUBMITTED", "ASSIGNED", "ACCEPTED", "CLASSIFIED", "ANSWERED", "EVALUATED", "CLOSED"] {
        assert!(kinds.get(kind).is_some_and(|t| t.is_string()), "{kind}: {kinds:?}");
    }
}

/// What clients generate from (`schema.graphql`) says of every scalar what introspection says: its
/// `specifiedByURL` as `@specifiedBy`.
#[tokio::test]
async fn the_schema_file_specifies_the_scalars_as_introspection_does() {
    let app = spawn_app().await;
    let body = app.graphql("{ __schema { types { name kind specifiedByURL } } }", json!({}), None).await;
    let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql")).unwrap();
    let mut specified = 0;
    for t in body["data"]["__schema"]["types"].as_array().unwrap() {
        if let Some(url) = t["specifiedByURL"].as_str() {
            let line = format!("scalar {} @specifiedBy(url: \"{url}\")", t["name"].as_str().unwrap());
            assert!(file.contains(&line), "schema.graphql says `{line}`");
            specified += 1;
        }
    }
    assert!(specified >= 2, "DateTime and Upload at least: {body}");
}
