//! CSV exports for portals: what a portal sees, scope-checked and filtered exactly as `cases` and `stats`, streamed
//! page after page, UTF-8 with a byte order mark.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

/// GETs an export; the status, the `Content-Type` and the body as text.
async fn export(
    app: &TestApp,
    path: &str,
    query: &[(&str, &str)],
    token: Option<&str>,
    lang: &str,
) -> (u16, String, String) {
    let mut req = app.client.get(format!("{}/export/{path}", app.address)).query(query).header("accept-language", lang);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, content_type, res.text().await.unwrap())
}

/// The rows of a CSV body (no quoted line breaks in these tests), without the byte order mark.
fn rows(body: &str) -> Vec<Vec<String>> {
    let body = body.strip_prefix('\u{feff}').expect("a byte order mark first");
    body.split("\r\n").filter(|l| !l.is_empty()).map(|l| l.split(',').map(str::to_owned).collect()).collect()
}

/// Every reference `cases(filter)` lists for `token`, through all pages.
async fn references(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let query = "query($f: CaseFilterInput, $a: String) { cases(filter: $f, first: 100, after: $a) {
        pageInfo { hasNextPage endCursor } nodes { reference } } }";
    let (mut all, mut after) = (Vec::new(), Value::Null);
    loop {
        let data = app.ok(query, json!({ "f": filter, "a": after }), token).await;
        all.extend(
            data["cases"]["nodes"].as_array().unwrap().iter().map(|n| n["reference"].as_str().unwrap().to_owned()),
        );
        if data["cases"]["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = data["cases"]["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn a_case_export_holds_exactly_what_the_list_shows_across_pages() {
    let app = spawn_app().await;
    // Enough cases for several pages of the export.
    app.generate(260).await;

    let committee = app.token("demo.committee").await;
    let (status, content_type, body) = export(&app, "cases.csv", &[], Some(&committee), "en").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let table = rows(&body);
    assert_eq!(table[0][..3], ["reference", "status", "channel"]);
    let exported: Vec<&String> = table[1..].iter().map(|r| &r[0]).collect();
    let listed = references(&app, &committee, json!({})).await;
    assert!(listed.len() > 200, "several pages: {}", listed.len());
    assert_eq!(exported, listed.iter().collect::<Vec<_>>());

    // With the list's filters, and in the order asked for; the header in Chinese for a Chinese browser.
    let filter = json!({ "jurisdictionCode": "510502", "status": ["ASSIGNED", "ACCEPTED", "SUBMITTED"] });
    let query = [("filter", filter.to_string()), ("order", "RECEIVED_ASC".to_owned())];
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, _, body) = export(&app, "cases.csv", &query, Some(&committee), "zh-CN,zh;q=0.9").await;
    let table = rows(&body);
    assert_eq!(table[0][0], "编号");
    let mut listed = references(&app, &committee, filter).await;
    listed.reverse();
    assert!(!listed.is_empty());
    assert_eq!(table[1..].iter().map(|r| r[0].clone()).collect::<Vec<_>>(), listed);
    assert!(table[1..].iter().all(|r| r[6] == "510502"), "{table:?}");

    // Scope: a clerk of another county exports none of 江阳区's cases, exactly as their list shows none.
    let naxi = app.token("demo.naxi.clerk").await;
    let (_, _, body) =
        export(&app, "cases.csv", &[("filter", r#"{"jurisdictionCode":"510502"}"#)], Some(&naxi), "en").await;
    assert_eq!(rows(&body).len(), 1, "only the header: {body}");
}

#[tokio::test]
async fn an_export_is_refused_like_the_query_it_runs() {
    let app = spawn_app().await;
    let (status, _, body) = export(&app, "cases.csv", &[], None, "en").await;
    assert_eq!(status, 401);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let clerk = app.token("demo.clerk").await;
    for (filter, field) in [("[1]", "filter"), (r#"{"unitId":"nonsense"}"#, "filter.unitId")] {
        let (status, _, body) = export(&app, "cases.csv", &[("filter", filter)], Some(&clerk), "en").await;
        assert_eq!(status, 400, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let petitioner = app.token("demo.petitioner").await;
    let period = [("jurisdictionCode", "510500"), ("from", "2026-01-01"), ("to", "2026-12-31")];
    let (status, _, body) = export(&app, "figures.csv", &period, Some(&petitioner), "en").await;
    assert_eq!(status, 403, "{body}");
    let (status, _, _) = export(&app, "figures.csv", &period[..1], Some(&clerk), "en").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_figures_export_holds_the_figures_of_the_place_and_each_child() {
    let app = spawn_app().await;
    let committee = app.token("demo.city.committee").await;
    let year = app.clock_today().format("%Y").to_string();
    let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let period = [("jurisdictionCode", "510500"), ("from", from.as_str()), ("to", to.as_str())];
    let (status, _, body) = export(&app, "figures.csv", &period, Some(&committee), "en").await;
    assert_eq!(status, 200, "{body}");
    let table = rows(&body);
    assert_eq!(
        table[0][..6],
        [
            "code",
            "name",
            "received",
            "timelyAcceptance numerator",
            "timelyAcceptance denominator",
            "timelyAcceptance rate"
        ]
    );

    let query = "query($from: NaiveDate!, $to: NaiveDate!) { jurisdiction(code: \"510500\") {
        code stats(from: $from, to: $to) { received onTimeAnswer { numerator denominator } }
        children { code stats(from: $from, to: $to) { received onTimeAnswer { numerator denominator } } } } }";
    let data = app.ok(query, json!({ "from": from, "to": to }), &committee).await;
    let place = &data["jurisdiction"];
    let expected: Vec<&Value> = std::iter::once(place).chain(place["children"].as_array().unwrap()).collect();
    assert_eq!(table.len() - 1, expected.len());
    let on_time = table[0].iter().position(|h| h == "onTimeAnswer numerator").unwrap();
    for (row, want) in table[1..].iter().zip(expected) {
        assert_eq!(row[0], want["code"].as_str().unwrap());
        assert_eq!(row[2], want["stats"]["received"].to_string());
        assert_eq!(row[on_time], want["stats"]["onTimeAnswer"]["numerator"].to_string());
        assert_eq!(row[on_time + 1], want["stats"]["onTimeAnswer"]["denominator"].to_string());
    }
    assert!(table[1..].iter().any(|r| r[2] != "0"), "some figures to compare: {table:?}");
}
