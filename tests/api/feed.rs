//! The event feed (`events`): what the mobile app's backend reads to tell petitioners what happened, from where it
//! left off, never missing an entry.

use diesel::connection::SimpleConnection;
use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};
use crate::lifecycle::{assign, submit, ACCEPT};

const FEED: &str = "query($after: String, $first: Int, $filter: FeedEventFilterInput) {
    events(after: $after, first: $first, filter: $filter) {
        edges { cursor node { position source kind caseId noticeId occurredAt caseEvent { kind staffOnly note }
            supervisionNoticeEvent { kind } adminEvent { action } } }
        pageInfo { hasNextPage endCursor } } }";

/// Every event the caller's feed gives from `after` on, page by page: (cursor, node), and the last cursor.
async fn read_all(app: &TestApp, token: &str, after: Option<String>, filter: Value) -> (Vec<Value>, Option<String>) {
    let (mut events, mut after) = (Vec::new(), after);
    loop {
        let page = app.ok(FEED, json!({"after": after, "first": 3, "filter": filter}), token).await;
        let edges = page["events"]["edges"].as_array().unwrap().clone();
        for edge in &edges {
            assert_eq!(edge["cursor"], edge["node"]["position"]);
        }
        let more = page["events"]["pageInfo"]["hasNextPage"] == true;
        if let Some(end) = page["events"]["pageInfo"]["endCursor"].as_str() {
            after = Some(end.to_owned());
        }
        events.extend(edges.into_iter().map(|e| e["node"].clone()));
        if !more {
            return (events, after);
        }
    }
}

/// Reads on from `after` until `done` holds of all read so far (an entry is given out once every older transaction
/// of the cluster has ended: under a busy test run, a moment after it committed).
async fn read_until(
    app: &TestApp,
    token: &str,
    after: Option<String>,
    filter: Value,
    done: impl Fn(&[Value]) -> bool,
) -> (Vec<Value>, Option<String>) {
    let (mut events, mut at) = (Vec::new(), after);
    for _ in 0..200 {
        let (more, next) = read_all(app, token, at.clone(), filter.clone()).await;
        events.extend(more);
        at = next;
        if done(&events) {
            return (events, at);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the feed never held what was awaited: {events:?}");
}

fn kinds_of(events: &[Value], case: &str) -> Vec<String> {
    events.iter().filter(|e| e["caseId"] == case).map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_feed_gives_each_entry_once_in_order_and_goes_on_from_where_a_reader_stopped() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let (clerk, unit) = (app.token("demo.clerk").await, app.token("demo.unit").await);
    let (_, before) = read_all(&app, &clerk, None, json!({})).await;
    let (id, ..) = submit(&app, &petitioner, "小区路灯损坏多日").await;
    assign(&app, &clerk, &id, 30).await;

    let history = app.ok("query($id: ID!) { case(id: $id) { events { kind } } }", json!({"id": id}), &clerk).await;
    let kinds: Vec<String> =
        history["case"]["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect();
    let (seen, at) = read_until(&app, &clerk, before, json!({}), |e| kinds_of(e, &id).len() >= kinds.len()).await;
    assert_eq!(kinds_of(&seen, &id), kinds, "the case's entries, in its order");
    assert!(seen.iter().all(|e| e["source"] == "CASE"));

    // The reader stopped at `at`; what happens next is all it gets, once.
    app.ok(ACCEPT, json!({"i": {"caseId": id}}), &unit).await;
    let accepted = |e: &[Value]| kinds_of(e, &id).contains(&"ACCEPTED".to_owned());
    let (next, _) = read_until(&app, &clerk, at.clone(), json!({}), accepted).await;
    assert_eq!(kinds_of(&next, &id), ["ACCEPTED"]);
    let (again, _) = read_all(&app, &clerk, at, json!({"caseId": id, "kinds": ["ACCEPTED"]})).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["caseEvent"]["kind"], "ACCEPTED");
}

#[tokio::test]
async fn a_petitioners_feed_holds_the_public_entries_of_their_own_cases_only() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let (clerk, unit) = (app.token("demo.clerk").await, app.token("demo.unit").await);
    let (id, ..) = submit(&app, &petitioner, "楼道堆放杂物").await;
    assign(&app, &clerk, &id, 30).await;
    app.ok(
        "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }",
        json!({"i": {"caseId": id, "kind": "NOTE", "happenedAt": chrono::Utc::now(), "note": "内部记录"}}),
        &unit,
    )
    .await;
    // Once the note is final (staff see it), the petitioner's feed is read.
    let noted = |e: &[Value]| kinds_of(e, &id).contains(&"NOTE".to_owned());
    let (staff, _) = read_until(&app, &clerk, None, json!({"caseId": id}), noted).await;
    let (own, _) = read_all(&app, &petitioner, None, json!({})).await;
    assert!(kinds_of(&own, &id).contains(&"SUBMITTED".to_owned()), "{own:?}");
    assert!(!kinds_of(&own, &id).contains(&"NOTE".to_owned()), "no staff-only entry: {own:?}");
    assert!(own.iter().all(|e| e["caseEvent"]["staffOnly"] == false && e["caseEvent"]["note"].is_null()));
    let mine = app.ok("{ cases(first: 100) { nodes { id } } }", json!({}), &petitioner).await;
    let mine: Vec<&Value> = mine["cases"]["nodes"].as_array().unwrap().iter().map(|c| &c["id"]).collect();
    assert!(own.iter().all(|e| mine.contains(&&e["caseId"])), "only their own cases");

    // Staff see the note; a petitioner of another case sees nothing of this one.
    assert!(kinds_of(&staff, &id).contains(&"NOTE".to_owned()));
    let registered = app
        .graphql(
            "mutation { registerPetitioner(input: {username: \"other.person\", password: \"another-password\", \
             displayName: \"他人\"}) { accessToken } }",
            json!({}),
            None,
        )
        .await;
    let other = registered["data"]["registerPetitioner"]["accessToken"].as_str().unwrap().to_owned();
    let (theirs, _) = read_all(&app, &other, None, json!({"caseId": id})).await;
    assert_eq!(theirs, Vec::<Value>::new());
}

/// The property the feed exists for: an entry that a slower transaction commits after a reader has gone past
/// newer ones is still given to that reader, after the place it reached.
#[tokio::test]
async fn an_entry_committed_late_is_not_skipped() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let (slow_case, ..) = submit(&app, &petitioner, "慢事务的案件").await;
    let (fast_case, ..) = submit(&app, &petitioner, "快事务的案件").await;
    let filed = |e: &[Value]| kinds_of(e, &fast_case).contains(&"SUBMITTED".to_owned());
    let (_, start) = read_until(&app, &clerk, None, json!({}), filed).await;

    // A writer begins (and takes its transaction id) first, and is slow to commit.
    let mut slow = app.server_role_connection();
    slow.batch_execute(&format!(
        "BEGIN; INSERT INTO case_events (case_id, jurisdiction_code, kind, occurred_at, note, staff_only) \
         VALUES ('{slow_case}', '510502', 'NOTE', now(), '慢', true)"
    ))
    .unwrap();
    // Meanwhile a request writes and commits.
    assign(&app, &clerk, &fast_case, 30).await;
    let (meanwhile, at) = read_all(&app, &clerk, start, json!({})).await;
    assert_eq!(meanwhile, Vec::<Value>::new(), "nothing is final while an older transaction runs");

    slow.batch_execute("COMMIT").unwrap();
    let both = |e: &[Value]| !kinds_of(e, &slow_case).is_empty() && !kinds_of(e, &fast_case).is_empty();
    let (after, _) = read_until(&app, &clerk, at, json!({}), both).await;
    let order: Vec<(String, String)> = after
        .iter()
        .map(|e| (e["caseId"].as_str().unwrap().to_owned(), e["kind"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(order.first(), Some(&(slow_case.clone(), "NOTE".to_owned())), "{order:?}");
    assert!(order.contains(&(fast_case, "ASSIGNED".to_owned())), "{order:?}");
}

#[tokio::test]
async fn the_feed_refuses_what_it_cannot_answer_with_the_field_named() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    for (variables, code, field) in [
        (json!({"first": -1}), "BAD_USER_INPUT", "first"),
        (json!({"first": 101}), "BAD_USER_INPUT", "first"),
        (json!({"after": "not-a-position"}), "BAD_USER_INPUT", "after"),
        (json!({"filter": {"caseId": "nope"}}), "BAD_USER_INPUT", "filter.caseId"),
        (json!({"filter": {"jurisdictionCode": "999999"}}), "NOT_FOUND", "filter.jurisdictionCode"),
    ] {
        let body = app.graphql(FEED, variables.clone(), Some(&clerk)).await;
        assert_eq!(error_code(&body), code, "{variables}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{variables}: {body}");
    }
    assert_eq!(error_code(&app.graphql(FEED, json!({}), None).await), "UNAUTHENTICATED");
}

/// Notice entries reach whoever may read the notice (the committee, the supervised unit), not the petitioner; the
/// administration log reaches its admins only.
#[tokio::test]
async fn notices_reach_those_who_see_them_and_the_administration_log_its_admins() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let (clerk, unit, committee) =
        (app.token("demo.clerk").await, app.token("demo.unit").await, app.token("demo.committee").await);
    let (id, ..) = submit(&app, &petitioner, "电梯停运无人维修").await;
    assign(&app, &clerk, &id, 30).await;
    app.clock.advance(chrono::Duration::days(16));
    let target = app.unit_id("510502", "江阳区住房和城乡建设局").await;
    let issued = app
        .ok(
            "mutation($i: IssueSupervisionNoticeInput!) { issueSupervisionNotice(input: $i) { id } }",
            json!({"i": {"caseIds": [id], "targetUnitId": target, "noticeType": "SUPERVISION",
                "trigger": "OVERDUE_ACCEPTANCE", "requirements": "请立即受理"}}),
            &committee,
        )
        .await;
    let notice = issued["issueSupervisionNotice"]["id"].as_str().unwrap().to_owned();
    let issued_entry = |e: &[Value]| {
        e.iter()
            .any(|x| x["source"] == "SUPERVISION_NOTICE" && x["noticeId"] == notice.as_str() && x["kind"] == "ISSUED")
    };
    let (seen, _) = read_until(&app, &committee, None, json!({"kinds": ["ISSUED"]}), issued_entry).await;
    assert!(seen.iter().all(|e| e["kind"] == "ISSUED"), "{seen:?}");
    let entry = seen.iter().find(|e| e["noticeId"] == notice.as_str()).unwrap();
    assert_eq!(entry["supervisionNoticeEvent"]["kind"], "ISSUED");
    assert!(entry["caseEvent"].is_null() && entry["caseId"].is_null());
    // The unit follows its case, and the notices about it, by the case.
    let (about, _) = read_until(&app, &unit, None, json!({"caseId": id}), issued_entry).await;
    assert!(about.iter().any(|e| e["source"] == "CASE" && e["kind"] == "SUPERVISED"), "{about:?}");
    let (own, _) = read_all(&app, &petitioner, None, json!({})).await;
    assert!(own.iter().all(|e| e["source"] == "CASE"), "no notice reaches the petitioner: {own:?}");

    let admin = app.token("demo.admin").await;
    app.new_unit("江阳区教育局").await;
    let created =
        |e: &[Value]| e.iter().any(|x| x["source"] == "ADMINISTRATION" && x["adminEvent"]["action"] == "UNIT_CREATED");
    read_until(&app, &admin, None, json!({"kinds": ["UNIT_CREATED"]}), created).await;
    let (theirs, _) = read_all(&app, &clerk, None, json!({"kinds": ["UNIT_CREATED"]})).await;
    assert_eq!(theirs, Vec::<Value>::new(), "the log is the admins'");
    let body = app.graphql(FEED, json!({"filter": {"kinds": ["NO_SUCH_KIND"]}}), Some(&admin)).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "filter.kinds");
}
