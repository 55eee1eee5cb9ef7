//! Who sees which cases (DOMAIN.md §2): the scope rule on lists and single objects.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, spawn_app_with, TestApp};

const LIST: &str = "query($first: Int, $after: String, $last: Int, $before: String, $filter: CaseFilterInput) {
  cases(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id reference jurisdiction { code } petitionerName } }
  }
}";

async fn list(app: &TestApp, token: Option<&str>, vars: Value) -> Value {
    app.graphql(LIST, vars, token).await
}

fn references(body: &Value) -> Vec<String> {
    body["data"]["cases"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no edges in {body}"))
        .iter()
        .map(|e| e["node"]["reference"].as_str().unwrap().to_owned())
        .collect()
}

fn counties(body: &Value) -> Vec<String> {
    let mut c: Vec<String> = body["data"]["cases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["jurisdiction"]["code"].as_str().unwrap().to_owned())
        .collect();
    c.sort();
    c.dedup();
    c
}

#[tokio::test]
async fn each_role_sees_its_own_share() {
    let app = spawn_app().await;

    let committee = list(&app, Some(&app.token("demo.committee").await), json!({"first": 100})).await;
    assert_eq!(committee["data"]["cases"]["totalCount"], 8, "all demo cases of 四川省: {committee}");
    assert_eq!(counties(&committee), ["510502", "510503", "510504", "510522", "510524", "510525"]);

    let clerk = list(&app, Some(&app.token("demo.clerk").await), json!({"first": 100})).await;
    assert_eq!(counties(&clerk), ["510502"]);
    assert_eq!(clerk["data"]["cases"]["totalCount"], 3);

    let petitioner = list(&app, Some(&app.token("demo.petitioner").await), json!({"first": 100})).await;
    assert_eq!(petitioner["data"]["cases"]["totalCount"], 3);
    assert_eq!(counties(&petitioner), ["510502"]);

    // Admins manage accounts, not cases.
    let admin = list(&app, Some(&app.token("demo.admin").await), json!({"first": 100})).await;
    assert_eq!(admin["data"]["cases"]["totalCount"], 0);

    let anonymous = list(&app, None, json!({"first": 100})).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
    assert!(anonymous["data"].is_null());
}

#[tokio::test]
async fn out_of_scope_cases_read_as_not_found() {
    let app = spawn_app().await;
    let committee = app.token("demo.committee").await;
    let all = list(&app, Some(&committee), json!({"first": 100})).await;
    let outside = all["data"]["cases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["jurisdiction"]["code"] != "510502")
        .unwrap()["node"]["id"]
        .clone();
    let q = "query($id: ID!) { case(id: $id) { reference } }";

    let clerk = app.token("demo.clerk").await;
    let body = app.graphql(q, json!({"id": outside}), Some(&clerk)).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    // The same answer as for an id that does not exist at all.
    let missing = app.graphql(q, json!({"id": uuid::Uuid::new_v4()}), Some(&clerk)).await;
    assert_eq!(body["errors"][0]["message"], missing["errors"][0]["message"]);
    let garbage = app.graphql(q, json!({"id": "not-a-uuid"}), Some(&clerk)).await;
    assert_eq!(error_code(&garbage), "NOT_FOUND");

    let body = app.graphql(q, json!({"id": outside}), Some(&committee)).await;
    assert!(body["data"]["case"]["reference"].is_string());
}

#[tokio::test]
async fn the_accuser_is_withheld_but_from_bureau_and_committee() {
    let app = spawn_app().await;
    let committee = list(&app, Some(&app.token("demo.committee").await), json!({"first": 100})).await;
    for edge in committee["data"]["cases"]["edges"].as_array().unwrap() {
        // The one anonymous accusation (古蔺县) shows no name even to the committee; the others do.
        let anonymous = edge["node"]["jurisdiction"]["code"] == "510525";
        assert_eq!(edge["node"]["petitionerName"].is_null(), anonymous, "{edge}");
    }
}

#[tokio::test]
async fn keyset_pages_walk_the_whole_list_both_ways() {
    let app = spawn_app().await;
    let token = app.token("demo.committee").await;
    let all = references(&list(&app, Some(&token), json!({"first": 100})).await);
    assert_eq!(all.len(), 8);

    let mut forward = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let body = list(&app, Some(&token), json!({"first": 3, "after": after})).await;
        forward.extend(references(&body));
        let info = &body["data"]["cases"]["pageInfo"];
        if info["hasNextPage"] != true {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(forward, all);

    let mut backward = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let body = list(&app, Some(&token), json!({"last": 3, "before": before})).await;
        let mut page = references(&body);
        page.extend(backward);
        backward = page;
        let info = &body["data"]["cases"]["pageInfo"];
        if info["hasPreviousPage"] != true {
            break;
        }
        before = info["startCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(backward, all);
}

#[tokio::test]
async fn filters_and_page_limits() {
    let app = spawn_app().await;
    let token = app.token("demo.committee").await;
    let body = list(&app, Some(&token), json!({"first": 100, "filter": {"jurisdictionCode": "510500"}})).await;
    assert_eq!(body["data"]["cases"]["totalCount"], 8);
    let body = list(&app, Some(&token), json!({"first": 100, "filter": {"jurisdictionCode": "510502"}})).await;
    assert_eq!(body["data"]["cases"]["totalCount"], 3);
    let body = list(&app, Some(&token), json!({"first": 100, "filter": {"status": ["SUBMITTED"]}})).await;
    assert_eq!(body["data"]["cases"]["totalCount"], 1);
    // Outside the caller's subtree a filter finds nothing rather than widening the scope.
    let body = list(&app, Some(&token), json!({"first": 100, "filter": {"jurisdictionCode": "440000"}})).await;
    assert_eq!(body["data"]["cases"]["totalCount"], 0);

    let body = list(&app, Some(&token), json!({"first": 100, "filter": {"jurisdictionCode": "999999"}})).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    assert_eq!(body["errors"][0]["extensions"]["field"], "filter.jurisdictionCode");
    let body = list(&app, Some(&token), json!({"first": 101})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "first");
    let body = list(&app, Some(&token), json!({"first": 1, "after": "bm90IGEgY3Vyc29y"})).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn jurisdictions_and_units_nest_without_a_query_per_row() {
    let app = spawn_app().await;
    let body = app
        .graphql(
            "{ jurisdiction(code: \"510000\") { name children { code units(kind: BUREAU) { name } children { code name parent { code } } } } }",
            json!({}),
            None,
        )
        .await;
    let children = body["data"]["jurisdiction"]["children"].as_array().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(children.len(), 2);
    assert_eq!(children[0]["units"][0]["name"], "泸州市信访局");
    assert_eq!(children[0]["children"][0]["parent"]["code"], "510500");
    let page = app
        .graphql(
            "{ units(filter: {jurisdictionCode: \"510502\"}, first: 2) { totalCount nodes { name } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(page["data"]["units"]["totalCount"], 5);
}

#[tokio::test]
async fn a_case_costs_one_statement_and_a_worklist_four() {
    let app = spawn_app().await;
    let committee = app.token("demo.committee").await;
    app.until_caller_remembered(&committee).await;
    let first = app.ok("{ cases(first: 1) { nodes { id } } }", json!({}), &committee).await;
    let id = first["cases"]["nodes"][0]["id"].clone();
    let case = "query($id: ID!) { case(id: $id) { id reference status title receivedAt } }";
    // Authentication included: the caller is remembered, the case read in one statement.
    assert_eq!(app.statements_of(case, json!({"id": id}), &committee).await, 1);
    // The page, then one statement each for jurisdictions, units and the stored deadlines of all 50 cases; no
    // count, since `totalCount` is not asked for.
    let worklist = "{ cases(first: 50) { nodes { id reference status title jurisdiction { name } currentUnit { name }
        deadlines { kind dueOn status } } } }";
    assert_eq!(app.statements_of(worklist, json!({}), &committee).await, 4);
    let counted = "{ cases(first: 50) { totalCount nodes { id } } }";
    assert_eq!(app.statements_of(counted, json!({}), &committee).await, 2);
}

#[tokio::test]
async fn reads_by_key_share_one_connection_per_worker_and_outlive_its_loss() {
    use petition_api::db::key_reads::APPLICATION_NAME;
    let app = spawn_app_with(&[("HTTP_WORKERS", "2")]).await;
    let committee = app.token("demo.committee").await;
    let first = app.ok("{ cases(first: 1) { nodes { id } } }", json!({}), &committee).await;
    let id = first["cases"]["nodes"][0]["id"].clone();
    let case = "query($id: ID!) { case(id: $id) { id status } }";
    let many_at_once =
        || futures_util::future::join_all((0..32).map(|_| app.graphql(case, json!({"id": id}), Some(&committee))));
    let key_sessions = |app: &TestApp| {
        let sql =
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1";
        crate::helpers::number(&mut app.conn(), sql, &[APPLICATION_NAME])
    };
    for body in many_at_once().await {
        assert_eq!(body["data"]["case"]["id"], id, "{body}");
    }
    // 32 reads at once, on at most one session per worker (not one per request, not one per pooled connection).
    let sessions = key_sessions(&app);
    assert!((1..=2).contains(&sessions), "{sessions} key read sessions for 2 workers");

    // An administrator ends those sessions: the next reads notice, open new ones, and answer all the same.
    let end = "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1 \
        AND datname = current_database()";
    assert_eq!(crate::helpers::number(&mut app.conn(), end, &[APPLICATION_NAME]), sessions);
    for body in many_at_once().await {
        assert_eq!(body["data"]["case"]["id"], id, "{body}");
    }
    // The operators see it (`petition_db_key_read_sessions_lost_total`).
    let (_, lost) = app.db.key_read_sessions();
    assert!(lost >= 1 && lost <= sessions as u64, "{lost} lost of {sessions}");
}

#[tokio::test]
async fn with_a_read_database_lists_and_figures_read_there_and_everything_else_the_primary() {
    let app = spawn_app().await;
    // A copy of the data as it was at the start stands in for a standby that has not caught up yet.
    let (stale, _guard) = crate::helpers::spare_database();
    let server = app.another_server_with(&[("DATABASE_READ_URL", &stale)]).await;
    let petitioner = app.token("demo.petitioner").await;
    let committee = app.token("demo.committee").await;
    let submitted = app
        .ok_at(
            &server,
            crate::lifecycle::SUBMIT,
            json!({"i": {"jurisdictionCode": "510502", "title": "新的事项", "content": "新的事项内容", "idempotencyKey": "r1"}}),
            &petitioner,
        )
        .await;
    let id = submitted["submitPetition"]["case"]["id"].clone();
    // The write and the read of one case go to the primary...
    let one = app.ok_at(&server, "query($id: ID!) { case(id: $id) { id } }", json!({"id": id}), &committee).await;
    assert_eq!(one["case"]["id"], id);
    // ...the list and the figures to the read database, which has not seen it yet.
    let list = app.ok_at(&server, "{ cases(first: 100) { nodes { id } } }", json!({}), &committee).await;
    assert!(!list["cases"]["nodes"].as_array().unwrap().iter().any(|n| n["id"] == id), "{list}");
    let today = app.clock_today().to_string();
    let q = "query($d: NaiveDate!) { jurisdiction(code: \"510502\") { stats(from: $d, to: $d) { received } } }";
    let figures = app.ok_at(&server, q, json!({"d": today}), &committee).await;
    let stale = figures["jurisdiction"]["stats"]["received"].as_i64().unwrap();
    // The primary's own server counts the new case too.
    let fresh = app.ok(q, json!({"d": today}), &committee).await;
    assert_eq!(fresh["jurisdiction"]["stats"]["received"].as_i64().unwrap(), stale + 1);
}

#[tokio::test]
async fn the_petitioner_reads_the_handling_opinion_of_an_answered_demo_story() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let q = "{ cases(first: 50) { nodes { title status events { kind notice note } } } }";
    let data = app.ok(q, json!({}), &petitioner).await;
    let wages = data["cases"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"].as_str().unwrap().contains("拖欠农民工工资"))
        .expect("the wages story is the demo petitioner's")
        .clone();
    let answer = wages["events"].as_array().unwrap().iter().find(|e| e["kind"] == "ANSWERED").unwrap().clone();
    assert_eq!(answer["notice"], "拖欠工资已发放至本人账户", "{wages}");
    // Staff see who acted: the petitioner submitted, the bureau's side did the rest.
    let clerk = app.token("demo.clerk").await;
    let q = r#"{ cases(first: 5, filter: {search: "拖欠农民工工资"}) { nodes { events { kind actorRole } } } }"#;
    let seen = app.ok(q, json!({}), &clerk).await;
    let events = seen["cases"]["nodes"][0]["events"].as_array().unwrap().clone();
    let role_of = |kind: &str| events.iter().find(|e| e["kind"] == kind).map(|e| e["actorRole"].clone());
    assert_eq!(role_of("SUBMITTED"), Some(json!("PETITIONER")), "{seen}");
    assert_eq!(role_of("EVALUATED"), Some(json!("PETITIONER")), "{seen}");
    assert_eq!(role_of("ANSWERED"), Some(json!("CLERK")), "{seen}");
}

/// Every demo story with a leader in charge names that leader: the case's lead is the account the designation
/// entry names, a case lead of the story's county, who signs in and finds the case among their own.
#[tokio::test]
async fn every_demo_story_with_a_leader_in_charge_names_the_leader() {
    let app = spawn_app().await;
    let q =
        "{ me { id displayName } cases(first: 100) { nodes { title caseLead { id name } events { kind details } } } }";
    for (county, username) in
        [("510504", "demo.lead.510504"), ("440513", "demo.lead.440513"), ("360123", "demo.lead.360123")]
    {
        let token = app.token(username).await;
        let data = app.ok(q, json!({}), &token).await;
        let me = &data["me"];
        let led: Vec<&Value> = data["cases"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["events"].as_array().unwrap().iter().any(|e| e["kind"] == "CASE_LEAD_DESIGNATED"))
            .collect();
        assert!(!led.is_empty(), "{county}: the lead sees the cases they were put in charge of: {data}");
        for case in led {
            assert_eq!(case["caseLead"]["id"], me["id"], "{county}: {case}");
            assert_eq!(case["caseLead"]["name"], me["displayName"], "{county}: {case}");
            let designation = case["events"].as_array().unwrap().iter().find(|e| e["kind"] == "CASE_LEAD_DESIGNATED");
            assert_eq!(designation.unwrap()["details"]["leadId"], me["id"], "{county}: {case}");
        }
    }
}

/// Relay's `node(id:)` finds each kind by its id, through the same scope as its own lookup: what the caller may
/// not see is `NOT_FOUND` and a null field, exactly like an id that does not exist.
#[tokio::test]
async fn node_finds_every_kind_by_id_within_scope() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    let naxi = app.token("demo.naxi.clerk").await;
    let q = "query($id: ID!) { node(id: $id) { __typename id ... on Case { reference } ... on Account { username }
        ... on Unit { name } } }";
    let case =
        app.ok("{ cases(first: 1) { nodes { id reference } } }", json!({}), &clerk).await["cases"]["nodes"][0].clone();
    let me = app.ok("{ me { id } }", json!({}), &clerk).await["me"]["id"].clone();
    let unit = app.unit_id("510502", "江阳区信访局").await;

    let found = app.ok(q, json!({"id": case["id"]}), &clerk).await;
    assert_eq!(found["node"], json!({"__typename": "Case", "id": case["id"], "reference": case["reference"]}));
    let found = app.ok(q, json!({"id": me}), &clerk).await;
    assert_eq!(found["node"]["__typename"], "Account");
    assert_eq!(found["node"]["username"], "demo.clerk");
    let found = app.graphql(q, json!({"id": unit}), None).await;
    assert_eq!(found["data"]["node"]["name"], "江阳区信访局", "units are public: {found}");

    for (id, token) in [(case["id"].clone(), &naxi), (json!("00000000-0000-0000-0000-000000000000"), &clerk)] {
        let body = app.graphql(q, json!({"id": id}), Some(token)).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        assert!(body["data"]["node"].is_null(), "the field is null, the rest of the answer stands: {body}");
    }
}

/// A lookup that fails nulls its own field, not the whole answer: the rest of the request keeps its data.
#[tokio::test]
async fn a_failed_lookup_nulls_only_its_field() {
    let app = spawn_app().await;
    let token = app.token("demo.naxi.clerk").await;
    let mine = app.ok("{ cases(first: 1, filter: {}) { nodes { id } } }", json!({}), &token).await;
    let query = "query($id: ID!) { case(id: $id) { id } escalation(id: $id) { id } jurisdiction(code: \"999999\") { name }
        caseByReference(reference: \"510502-2022-000017\") { id } trackCase(reference: \"x\", queryCode: \"y\") { status }
        me { username } }";
    let id = mine["cases"]["nodes"][0]["id"]
        .as_str()
        .map_or("00000000-0000-0000-0000-000000000000".to_owned(), str::to_owned);
    let body = app.graphql(query, json!({ "id": id }), Some(&token)).await;
    assert_eq!(body["data"]["me"]["username"], "demo.naxi.clerk", "{body}");
    for field in ["escalation", "jurisdiction", "caseByReference", "trackCase"] {
        assert!(body["data"][field].is_null(), "{field}: {body}");
        let error = body["errors"].as_array().unwrap().iter().find(|e| e["path"][0] == field).expect("its error");
        assert_eq!(error["extensions"]["code"], "NOT_FOUND", "{field}: {body}");
    }
}
