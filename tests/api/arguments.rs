//! What a client may send in any argument of the schema (found by introspection, so an argument added later is
//! covered), tried as anonymous and as staff: days and instants far outside any real period in every date
//! argument, and text longer than any field takes in every text argument. Each is `BAD_USER_INPUT` naming the
//! argument, never a panic, a dropped connection, `INTERNAL` or a write.

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

/// The literal a probe puts where a scalar of this name goes; `None` where it puts nothing.
type Leaf<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Every place a probed scalar goes in a value of `ty` (up to three input objects deep): the literal that puts
/// `leaf`'s value there, and the path of the field the server must name.
fn slots(types: &BTreeMap<String, Value>, ty: &Value, path: &str, leaf: Leaf, depth: usize) -> Vec<(String, String)> {
    let wrap = |literal: String| if is_list(ty) { format!("[{literal}]") } else { literal };
    if let Some(value) = leaf(named(ty)) {
        let path = if is_list(ty) { format!("{path}.0") } else { path.to_owned() };
        return vec![(wrap(value), path)];
    }
    let Some(input) = types.get(named(ty)).filter(|t| t["kind"] == "INPUT_OBJECT") else { return vec![] };
    if depth == 3 {
        return vec![];
    }
    let mut slots_here = Vec::new();
    for field in input["inputFields"].as_array().unwrap() {
        let field_name = field["name"].as_str().unwrap();
        let inner = if is_list(ty) { format!("{path}.0.{field_name}") } else { format!("{path}.{field_name}") };
        for (literal, at) in slots(types, &field["type"], &inner, leaf, depth + 1) {
            slots_here.push((wrap(format!("{{{field_name}: {literal}}}")), at));
        }
    }
    slots_here
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

/// One probe: a document that puts a bad value into one argument, and the field the refusal must name.
struct Probe {
    document: String,
    field: String,
}

async fn probes(app: &TestApp, leaf: Leaf<'_>) -> Vec<Probe> {
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
                    for (literal, at) in slots(&types, &arg["type"], arg_name, leaf, 0) {
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

/// Sends every probe as anonymous and as a clerk: each is refused as bad input naming its field, and the server
/// is still there after them.
async fn all_refused(app: &TestApp, probes: &[Probe], says: &str) {
    let clerk = app.token("demo.clerk").await;
    for probe in probes {
        for token in [None, Some(clerk.as_str())] {
            let body = app.graphql(&probe.document, json!({}), token).await;
            // Each refusal is about the value itself (some documents also miss required arguments: values are
            // checked before the document is validated).
            assert_eq!(error_code(&body), "BAD_USER_INPUT", "{}: {body}", probe.document);
            let named = body["errors"].as_array().unwrap().iter().any(|e| e["extensions"]["field"] == probe.field);
            assert!(named, "{} names {}: {body}", probe.document, probe.field);
            assert!(body["errors"][0]["message"].as_str().unwrap().contains(says), "{body}");
        }
    }
    assert_eq!(app.graphql("{ __typename }", json!({}), None).await["data"]["__typename"], "Query");
}

#[tokio::test]
async fn far_days_in_every_date_argument_are_bad_input_naming_it() {
    let app = spawn_app().await;
    for (day, instant) in [("+262142-12-31", "+262142-12-31T23:59:59Z"), ("-262143-01-01", "0001-01-01T00:00:00+08:00")]
    {
        let leaf = move |scalar: &str| match scalar {
            "NaiveDate" => Some(format!("{day:?}")),
            "DateTime" => Some(format!("{instant:?}")),
            _ => None,
        };
        let probes = probes(&app, &leaf).await;
        assert!(probes.len() >= 10, "the schema has date arguments: {}", probes.len());
        all_refused(&app, &probes, "must be a day in the years 1949 to 2200").await;
    }
}

/// No text argument is unbounded: a field without a cap of its own still takes no more than a petition's content.
#[tokio::test]
async fn text_longer_than_any_field_takes_is_refused_in_every_text_argument() {
    let app = spawn_app().await;
    let before = crate::helpers::cases_and_history(&app);
    let long = format!("{:?}", "x".repeat(10_001));
    let leaf = |scalar: &str| matches!(scalar, "String" | "ID").then(|| long.clone());
    let probes = probes(&app, &leaf).await;
    assert!(probes.len() >= 100, "the schema has text arguments: {}", probes.len());
    all_refused(&app, &probes, "at most 10000 characters (got 10001)").await;
    assert_eq!(crate::helpers::cases_and_history(&app), before, "nothing was written");
    // A petition's content may be that long; one character more is refused (by the same ceiling).
    let petitioner = app.token("demo.petitioner").await;
    let submit = |content: String| {
        json!({"i": {"jurisdictionCode": "510502", "title": "很长的信", "content": content,
            "idempotencyKey": format!("long-{}", content.chars().count())}})
    };
    app.ok(crate::lifecycle::SUBMIT, submit("长".repeat(10_000)), &petitioner).await;
    let refused = app.graphql(crate::lifecycle::SUBMIT, submit("长".repeat(10_001)), Some(&petitioner)).await;
    assert_eq!(refused["errors"][0]["extensions"]["field"], "input.content", "{refused}");
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
