//! Days and instants far outside any real period, sent to every date argument of the schema (found by
//! introspection, so an argument added later is covered), as anonymous and as staff: each is `BAD_USER_INPUT`
//! naming the argument, never a panic, a dropped connection or `INTERNAL`.

use std::collections::{BTreeMap, VecDeque};

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};

const TYPE_REF: &str = "type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// A type reference's named type.
fn named(ty: &Value) -> &str {
    let mut t = ty;
    while t["name"].is_null() {
        t = &t["ofType"];
    }
    t["name"].as_str().unwrap()
}

fn is_list(ty: &Value) -> bool {
    let mut t = ty;
    while !t.is_null() {
        if t["kind"] == "LIST" {
            return true;
        }
        t = &t["ofType"];
    }
    false
}

/// A far day, and a far instant, for the two date scalars.
#[derive(Clone, Copy)]
struct Far {
    day: &'static str,
    instant: &'static str,
}

/// Every place a date goes in a value of `ty` (up to three input objects deep): the literal that puts `date` there,
/// and the path of the field the server must name.
fn date_slots(
    types: &BTreeMap<String, Value>,
    ty: &Value,
    path: &str,
    far: Far,
    depth: usize,
) -> Vec<(String, String)> {
    let wrap = |literal: String| if is_list(ty) { format!("[{literal}]") } else { literal };
    let value = match named(ty) {
        "NaiveDate" => Some(far.day),
        "DateTime" => Some(far.instant),
        _ => None,
    };
    if let Some(value) = value {
        let path = if is_list(ty) { format!("{path}.0") } else { path.to_owned() };
        return vec![(wrap(format!("{value:?}")), path)];
    }
    let Some(input) = types.get(named(ty)).filter(|t| t["kind"] == "INPUT_OBJECT") else { return vec![] };
    if depth == 3 {
        return vec![];
    }
    let mut slots = Vec::new();
    for field in input["inputFields"].as_array().unwrap() {
        let field_name = field["name"].as_str().unwrap();
        let inner = if is_list(ty) { format!("{path}.0.{field_name}") } else { format!("{path}.{field_name}") };
        for (literal, at) in date_slots(types, &field["type"], &inner, far, depth + 1) {
            slots.push((wrap(format!("{{{field_name}: {literal}}}")), at));
        }
    }
    slots
}

/// The shortest selection from the root `root` to each type (inline fragments into the members of interfaces and
/// unions): `{ a { b { … } } }` written as an opening and its closing.
fn paths_from(types: &BTreeMap<String, Value>, root: &str) -> BTreeMap<String, (String, String)> {
    let mut paths = BTreeMap::from([(root.to_owned(), (String::new(), String::new()))]);
    let mut queue = VecDeque::from([root.to_owned()]);
    while let Some(name) = queue.pop_front() {
        let (open, close) = paths[&name].clone();
        let t = &types[&name];
        let mut next: Vec<(String, String, String)> = Vec::new();
        for field in t["fields"].as_array().into_iter().flatten() {
            let f = field["name"].as_str().unwrap();
            next.push((named(&field["type"]).to_owned(), format!("{open} {f} {{"), format!("}} {close}")));
        }
        for member in t["possibleTypes"].as_array().into_iter().flatten() {
            let m = member["name"].as_str().unwrap();
            next.push((m.to_owned(), format!("{open} ... on {m} {{"), format!("}} {close}")));
        }
        for (ty, o, c) in next {
            let composite =
                types.get(&ty).is_some_and(|t| ["OBJECT", "INTERFACE", "UNION"].contains(&t["kind"].as_str().unwrap()));
            if composite && !ty.starts_with("__") && !paths.contains_key(&ty) {
                paths.insert(ty.clone(), (o, c));
                queue.push_back(ty);
            }
        }
    }
    paths
}

/// One probe: a document that puts a far date into one argument, and the field the refusal must name.
struct Probe {
    document: String,
    field: String,
}

async fn probes(app: &TestApp, far: Far) -> Vec<Probe> {
    let query = format!(
        "{{ __schema {{ queryType {{ name }} mutationType {{ name }} types {{ name kind possibleTypes {{ name }} \
         fields {{ name args {{ name {TYPE_REF} }} {TYPE_REF} }} inputFields {{ name {TYPE_REF} }} }} }} }}"
    );
    let schema = app.graphql(&query, json!({}), None).await;
    let types: BTreeMap<String, Value> = schema["data"]["__schema"]["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), t.clone()))
        .collect();
    let mut probes = Vec::new();
    for (keyword, root) in [("query", "queryType"), ("mutation", "mutationType")] {
        let root = schema["data"]["__schema"][root]["name"].as_str().unwrap();
        for (ty, (open, close)) in paths_from(&types, root) {
            for field in types[&ty]["fields"].as_array().into_iter().flatten() {
                for arg in field["args"].as_array().unwrap() {
                    let arg_name = arg["name"].as_str().unwrap();
                    for (literal, at) in date_slots(&types, &arg["type"], arg_name, far, 0) {
                        let f = field["name"].as_str().unwrap();
                        probes.push(Probe {
                            document: format!(
                                "{keyword} {{ {open} {f}({arg_name}: {literal}) {{ __typename }} {close} }}"
                            ),
                            field: at,
                        });
                    }
                }
            }
        }
    }
    probes
}

#[tokio::test]
async fn far_days_in_every_date_argument_are_bad_input_naming_it() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    let mut seen = 0;
    let future = Far { day: "+262142-12-31", instant: "+262142-12-31T23:59:59Z" };
    let past = Far { day: "-262143-01-01", instant: "0001-01-01T00:00:00+08:00" };
    for far in [future, past] {
        let probes = probes(&app, far).await;
        assert!(probes.len() >= 10, "the schema has date arguments: {}", probes.len());
        for probe in &probes {
            for token in [None, Some(clerk.as_str())] {
                let body = app.graphql(&probe.document, json!({}), token).await;
                // Each refusal is about the date itself (some documents also miss required arguments: the date is
                // checked before the document is validated).
                assert_eq!(error_code(&body), "BAD_USER_INPUT", "{}: {body}", probe.document);
                let named = body["errors"].as_array().unwrap().iter().any(|e| e["extensions"]["field"] == probe.field);
                assert!(named, "{} names {}: {body}", probe.document, probe.field);
                seen += 1;
            }
        }
    }
    assert!(seen > 0);
    // The server is still there, and still answers.
    assert_eq!(app.graphql("{ __typename }", json!({}), None).await["data"]["__typename"], "Query");
}

#[tokio::test]
async fn far_days_through_variables_and_exports_are_refused_and_the_last_sane_day_is_served() {
    let app = spawn_app().await;
    // The request from the report: it used to panic an HTTP worker, which dropped the connection unanswered.
    let schedule = "query($from: NaiveDate!, $to: NaiveDate!) { receptionSchedule(jurisdictionCode: \"510502\", \
                    from: $from, to: $to) { id } }";
    let far = json!({"from": "+262142-12-31", "to": "+262142-12-31"});
    let body = app.graphql(schedule, far, None).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "from", "{body}");
    let chinese = app
        .graphql_at(
            &app.address,
            schedule,
            json!({"from": "2026-01-01", "to": "2201-01-01"}),
            None,
            &[("accept-language", "zh-CN")],
        )
        .await;
    assert_eq!(chinese["errors"][0]["extensions"]["field"], "to", "{chinese}");
    assert_eq!(chinese["errors"][0]["message"], "应为 1949 年至 2200 年之间的日期", "{chinese}");

    // The edges of the sane years are served.
    let last = app.graphql(schedule, json!({"from": "2200-12-31", "to": "2200-12-31"}), None).await;
    assert_eq!(last["data"]["receptionSchedule"], json!([]), "{last}");
    let committee = app.token("demo.committee").await;
    let stats = "query($from: NaiveDate!, $to: NaiveDate!) { jurisdiction(code: \"510000\") { stats(from: $from, to: \
                 $to) { received } } }";
    for (from, to) in [("2200-01-01", "2200-12-31"), ("1949-01-01", "1950-12-31")] {
        let body = app.ok(stats, json!({"from": from, "to": to}), &committee).await;
        assert_eq!(body["jurisdiction"]["stats"]["received"], 0, "{from}..{to}: {body}");
    }
    let cases = "query($f: CaseFilterInput) { cases(filter: $f) { totalCount } }";
    let wide =
        json!({"f": {"receivedFrom": "1949-01-01T00:00:00+08:00", "receivedBefore": "2200-12-31T00:00:00+08:00"}});
    assert!(app.ok(cases, wide, &committee).await["cases"]["totalCount"].as_i64().unwrap() > 0);

    // The figures' export answers a far day as the query would, before any row.
    for (from, to, field) in [("+262142-12-31", "+262142-12-31", "from"), ("2026-01-01", "-262143-01-01", "to")] {
        let res = app
            .client
            .get(format!("{}/export/figures.csv", app.address))
            .query(&[("jurisdictionCode", "510000"), ("from", from), ("to", to)])
            .bearer_auth(&committee)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{from}..{to}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
}
