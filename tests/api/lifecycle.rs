//! The case lifecycle through the API, by the accounts that would do each step in life (DOMAIN.md §3).

use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};

pub const SUBMIT: &str = "mutation($i: SubmitPetitionInput!) { submitPetition(input: $i) { reference queryCode case { id status version } } }";
pub const RECORD: &str = "mutation($i: RecordPetitionInput!) { recordPetition(input: $i) { reference queryCode case { id status overdue repeatOf { id } } } }";
pub const ROUTE: &str =
    "mutation($i: RouteCaseInput!) { routeCase(input: $i) { status version currentUnit { name } } }";
pub const ACCEPT: &str = "mutation($i: CaseStepInput!) { acceptCase(input: $i) { status version } }";
pub const CLASSIFY: &str = "mutation($i: ClassifyCaseInput!) { classifyCase(input: $i) { status category } }";
pub const ANSWER: &str = "mutation($i: AnswerCaseInput!) { answerCase(input: $i) { status outcome } }";
pub const REVIEW: &str = "mutation($i: RequestReviewInput!) { requestReview(input: $i) { case { status } escalation { id kind toJurisdiction dueAt } } }";
pub const DECIDE: &str = "mutation($i: DecideEscalationInput!) { decideEscalation(input: $i) { case { status } escalation { status decision } } }";
pub const EXTEND: &str =
    "mutation($i: ExtendDeadlineInput!) { extendDeadline(input: $i) { status deadlines { kind dueOn status } } }";
pub const EVALUATE: &str =
    "mutation($i: EvaluateCaseInput!) { evaluateCase(input: $i) { evaluation { bureau unit reason } } }";
pub const OBJECT: &str = "mutation($i: ObjectToCaseInput!) { objectToCase(input: $i) { status } }";
const TRACK: &str = "query($r: String!, $c: String!) { trackCase(reference: $r, queryCode: $c) { reference status deadlines { kind basis status } events { kind notice } } }";
const CASE: &str = "query($id: ID!) { case(id: $id) { status version overdue deadlines { kind basis status dueOn } events { kind note notice actorId staffOnly } petitionerName petitionerContact { phone idNumber masked } escalations { kind status } } }";

/// Submits a petition as `demo.petitioner`; returns (case id, reference, query code).
pub async fn submit(app: &TestApp, token: &str, title: &str) -> (String, String, String) {
    let data = app
        .ok(
            SUBMIT,
            json!({"i": {"jurisdictionCode": "510502", "title": title, "content": format!("{title}，请求处理。"),
                "phone": "13812345678", "idempotencyKey": format!("key-{title}")}}),
            token,
        )
        .await;
    let p = &data["submitPetition"];
    (
        p["case"]["id"].as_str().unwrap().into(),
        p["reference"].as_str().unwrap().into(),
        p["queryCode"].as_str().unwrap().into(),
    )
}

/// Routes the case to 江阳区住房和城乡建设局 by assignment with `days` to handle it.
pub async fn assign(app: &TestApp, clerk: &str, case: &str, days: i32) -> Value {
    let unit = app.unit_id("510502", "江阳区住房和城乡建设局").await;
    app.ok(ROUTE, json!({"i": {"caseId": case, "action": "ASSIGN", "unitId": unit, "handlingDays": days}}), clerk).await
}

async fn case(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(CASE, json!({"id": id}), token).await["case"].clone()
}

fn date(v: &Value) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(v.as_str().unwrap_or_else(|| panic!("not a date: {v}")), "%Y-%m-%d").unwrap()
}

fn deadline<'a>(case: &'a Value, kind: &str) -> &'a Value {
    case["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}: {case}"))
}

#[tokio::test]
async fn a_petition_from_submission_to_final_decision() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let unit = app.token("demo.unit").await;
    let city = app.token("demo.city").await;
    let province = app.token("demo.province").await;

    let (id, reference, code) = submit(&app, &petitioner, "小区供暖管道漏水无人维修").await;
    assert!(reference.starts_with("510502-"), "{reference}");
    assert_eq!(code.len(), 8);

    // A retry with the same key returns the same case, without the query code.
    let again = app
        .ok(
            SUBMIT,
            json!({"i": {"jurisdictionCode": "510502", "title": "小区供暖管道漏水无人维修", "content": "x",
                "idempotencyKey": "key-小区供暖管道漏水无人维修"}}),
            &petitioner,
        )
        .await;
    assert_eq!(again["submitPetition"]["case"]["id"], id.as_str());
    assert!(again["submitPetition"]["queryCode"].is_null());

    // Anyone with the reference and code can follow it.
    let tracked = app.graphql(TRACK, json!({"r": reference, "c": code}), None).await;
    assert_eq!(tracked["data"]["trackCase"]["status"], "SUBMITTED", "{tracked}");

    assign(&app, &clerk, &id, 30).await;
    assert_eq!(app.ok(ACCEPT, json!({"i": {"caseId": id}}), &unit).await["acceptCase"]["status"], "ACCEPTED");
    let c = app.ok(CLASSIFY, json!({"i": {"caseId": id, "category": "APPEAL_DEMAND"}}), &unit).await;
    assert_eq!(c["classifyCase"]["status"], "IN_PROGRESS");

    app.ok(
        "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }",
        json!({"i": {"caseId": id, "kind": "HOME_VISIT", "happenedAt": Utc::now(), "note": "上门查看漏水点，联系物业", "staffOnly": false}}),
        &unit,
    )
    .await;
    app.ok(
        "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }",
        json!({"i": {"caseId": id, "kind": "NOTE", "happenedAt": Utc::now(), "note": "物业负责人态度消极（内部）"}}),
        &unit,
    )
    .await;
    let answered = app
        .ok(ANSWER, json!({"i": {"caseId": id, "outcome": "SUPPORTED", "opinion": "已责成物业三日内完成维修", "servedVia": "ONLINE"}}), &unit)
        .await;
    assert_eq!(answered["answerCase"]["status"], "ANSWERED");

    app.ok(
        EVALUATE,
        json!({"i": {"caseId": id, "bureau": "SATISFIED", "unit": "DISSATISFIED", "reason": "维修拖延"}}),
        &petitioner,
    )
    .await;

    // Review by the city, re-review by the province; then it is final.
    let review = app.ok(REVIEW, json!({"i": {"caseId": id, "reason": "维修质量不合格"}}), &petitioner).await;
    assert_eq!(review["requestReview"]["escalation"]["toJurisdiction"], "510500");
    let escalation = review["requestReview"]["escalation"]["id"].as_str().unwrap().to_owned();
    // The county may not decide its own review.
    let code_ = app
        .fails(
            DECIDE,
            json!({"i": {"escalationId": escalation, "decision": "UPHELD", "opinion": "维持"}}),
            Some(&clerk),
        )
        .await;
    assert_eq!(code_, "FORBIDDEN");
    let decided = app
        .ok(
            DECIDE,
            json!({"i": {"escalationId": escalation, "decision": "UPHELD", "opinion": "维持原处理意见"}}),
            &city,
        )
        .await;
    assert_eq!(decided["decideEscalation"]["case"]["status"], "REVIEWED");

    let re = app.ok(REVIEW, json!({"i": {"caseId": id, "reason": "仍不服"}}), &petitioner).await;
    assert_eq!(re["requestReview"]["escalation"]["kind"], "RE_REVIEW");
    assert_eq!(re["requestReview"]["escalation"]["toJurisdiction"], "510000");
    let re_id = re["requestReview"]["escalation"]["id"].as_str().unwrap().to_owned();
    let fin = app
        .ok(DECIDE, json!({"i": {"escalationId": re_id, "decision": "UPHELD", "opinion": "复核维持"}}), &province)
        .await;
    assert_eq!(fin["decideEscalation"]["case"]["status"], "FINAL");

    // Nothing moves a final case.
    assert_eq!(
        app.fails(REVIEW, json!({"i": {"caseId": id, "reason": "再次"}}), Some(&petitioner)).await,
        "INVALID_TRANSITION"
    );
    // The same matter again is not accepted, and linked to the final case (Art 36 ¶3).
    let repeat = app
        .ok(
            SUBMIT,
            json!({"i": {"jurisdictionCode": "510502", "title": "小区供暖管道漏水无人维修", "content": "小区供暖管道漏水无人维修，请求处理。",
                "idempotencyKey": "second-time"}}),
            &petitioner,
        )
        .await;
    let repeat_id = repeat["submitPetition"]["case"]["id"].as_str().unwrap().to_owned();
    let r = app
        .ok(
            "query($id: ID!) { case(id: $id) { status repeatOf { id } disposition } }",
            json!({"id": repeat_id}),
            &petitioner,
        )
        .await;
    assert_eq!(r["case"]["status"], "NOT_ACCEPTED", "{r}");
    assert_eq!(r["case"]["repeatOf"]["id"], id.as_str());

    // The petitioner sees the public history only: no internal notes, no staff-only entries, no actors.
    let mine = case(&app, &petitioner, &id).await;
    let events = mine["events"].as_array().unwrap();
    assert!(events.iter().all(|e| e["note"].is_null() && e["actorId"].is_null() && e["staffOnly"] == false), "{mine}");
    assert!(events.iter().any(|e| e["notice"] == "已责成物业三日内完成维修"));
    assert!(!events.iter().any(|e| e["kind"] == "NOTE"));
    // Staff see it all.
    let staff_view = case(&app, &clerk, &id).await;
    assert!(staff_view["events"].as_array().unwrap().iter().any(|e| e["note"] == "物业负责人态度消极（内部）"));
    // Deadlines met in time, with their legal basis.
    assert_eq!(deadline(&staff_view, "ROUTE")["basis"], "Art 22");
    assert_eq!(deadline(&staff_view, "ROUTE")["status"], "MET");
    assert_eq!(deadline(&staff_view, "ANSWER")["status"], "MET");
    assert_eq!(deadline(&staff_view, "DECIDE_RE_REVIEW")["status"], "MET");

    // Tracking shows progress and notices, no names.
    let tracked = app.graphql(TRACK, json!({"r": reference, "c": code}), None).await;
    let text = tracked.to_string();
    assert_eq!(tracked["data"]["trackCase"]["status"], "FINAL");
    assert!(!text.contains("黄某梅") && !text.contains("内部"), "{text}");
}

#[tokio::test]
async fn a_letter_recorded_late_is_already_overdue() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    let received = Utc::now() - Duration::days(20);
    let data = app
        .ok(
            RECORD,
            json!({"i": {"jurisdictionCode": "510502", "channel": "LETTER", "receivedAt": received,
                "title": "来信反映噪音扰民", "content": "夜间施工噪音扰民。", "petitioner": {"name": "李某"}}}),
            &clerk,
        )
        .await;
    let id = data["recordPetition"]["case"]["id"].as_str().unwrap().to_owned();
    assert_eq!(data["recordPetition"]["case"]["overdue"], true);
    let c = case(&app, &clerk, &id).await;
    assert_eq!(deadline(&c, "ROUTE")["status"], "MISSED");
    let overdue = app.ok("{ cases(filter: {overdue: true}, first: 100) { nodes { id } } }", json!({}), &clerk).await;
    assert!(overdue["cases"]["nodes"].as_array().unwrap().iter().any(|n| n["id"] == id.as_str()));

    // Routing it late is still possible, and recorded as late: in the deadline, and in the history (at once, and
    // once, whether or not the sweep saw it unmet first).
    assign(&app, &clerk, &id, 30).await;
    let c = case(&app, &clerk, &id).await;
    assert_eq!(deadline(&c, "ROUTE")["status"], "MISSED");
    let missed: Vec<&Value> =
        c["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "DEADLINE_MISSED").collect();
    assert_eq!(missed.len(), 1, "{c}");
    assert_eq!(missed[0]["notice"], "办理期限已过 (Art 22)");
    assert_eq!(c["overdue"], false, "the next deadline (acceptance) is not due yet");
}

#[tokio::test]
async fn deadlines_follow_the_controlled_clock() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let unit = app.token("demo.unit").await;
    let lead = app.token("demo.lead").await;

    // Objection: 5 working days from receipt by the unit (Art 23).
    let (late_objection, _, _) = submit(&app, &petitioner, "楼道堆放杂物").await;
    assign(&app, &clerk, &late_objection, 30).await;
    app.clock.advance(Duration::days(10));
    let code =
        app.fails(OBJECT, json!({"i": {"caseId": late_objection, "reasons": "不属于本单位职责"}}), Some(&unit)).await;
    assert_eq!(code, "DEADLINE_PASSED");
    let c = case(&app, &clerk, &late_objection).await;
    assert_eq!(c["status"], "ASSIGNED", "a refused step changes nothing");
    assert_eq!(deadline(&c, "ACCEPT")["status"], "OPEN");
    app.clock.advance(Duration::days(10));
    let c = case(&app, &clerk, &late_objection).await;
    assert_eq!(deadline(&c, "ACCEPT")["status"], "MISSED", "15 days to accept ran out");
    assert_eq!(c["overdue"], true);

    // Extension: once, at most 30 days, by a case lead, before the answer deadline (Art 34).
    let (id, _, _) = submit(&app, &petitioner, "路灯损坏").await;
    assign(&app, &clerk, &id, 20).await;
    app.ok(ACCEPT, json!({"i": {"caseId": id}}), &unit).await;
    app.ok(CLASSIFY, json!({"i": {"caseId": id, "category": "SUGGESTION"}}), &unit).await;
    let lead_id = app.ok("{ me { id } }", json!({}), &lead).await["me"]["id"].clone();
    app.ok(
        "mutation($i: DesignateCaseLeadInput!) { designateCaseLead(input: $i) { id } }",
        json!({"i": {"caseId": id, "leadId": lead_id}}),
        &clerk,
    )
    .await;
    let before = deadline(&case(&app, &clerk, &id).await, "ANSWER")["dueOn"].clone();
    assert_eq!(
        app.fails(EXTEND, json!({"i": {"caseId": id, "days": 31, "reason": "需要鉴定"}}), Some(&lead)).await,
        "BAD_USER_INPUT"
    );
    assert_eq!(
        app.fails(EXTEND, json!({"i": {"caseId": id, "days": 10, "reason": "需要鉴定"}}), Some(&unit)).await,
        "FORBIDDEN"
    );
    let extended = app.ok(EXTEND, json!({"i": {"caseId": id, "days": 10, "reason": "需要鉴定"}}), &lead).await;
    let after = deadline(&extended["extendDeadline"], "ANSWER")["dueOn"].clone();
    assert_eq!(date(&after) - date(&before), Duration::days(10));
    assert_eq!(
        app.fails(EXTEND, json!({"i": {"caseId": id, "days": 5, "reason": "再延"}}), Some(&lead)).await,
        "INVALID_TRANSITION"
    );

    let (late, _, _) = submit(&app, &petitioner, "井盖缺失").await;
    assign(&app, &clerk, &late, 10).await;
    app.ok(ACCEPT, json!({"i": {"caseId": late}}), &unit).await;
    app.ok(
        "mutation($i: DesignateCaseLeadInput!) { designateCaseLead(input: $i) { id } }",
        json!({"i": {"caseId": late, "leadId": lead_id}}),
        &clerk,
    )
    .await;
    app.clock.advance(Duration::days(12));
    assert_eq!(
        app.fails(EXTEND, json!({"i": {"caseId": late, "days": 5, "reason": "迟了"}}), Some(&lead)).await,
        "DEADLINE_PASSED"
    );

    // Review request: within 30 days of the answer (Art 35); evaluation window likewise.
    app.ok(
        ANSWER,
        json!({"i": {"caseId": id, "outcome": "EXPLAINED", "opinion": "已纳入维修计划", "servedVia": "POST"}}),
        &unit,
    )
    .await;
    app.clock.advance(Duration::days(31));
    assert_eq!(
        app.fails(REVIEW, json!({"i": {"caseId": id, "reason": "不服"}}), Some(&petitioner)).await,
        "DEADLINE_PASSED"
    );
    let code = app
        .fails(EVALUATE, json!({"i": {"caseId": id, "bureau": "SATISFIED", "unit": "SATISFIED"}}), Some(&petitioner))
        .await;
    assert_eq!(code, "DEADLINE_PASSED");
    // Now staff may close it for want of a review request.
    let closed = app
        .ok(
            "mutation($i: CloseCaseInput!) { closeCase(input: $i) { status } }",
            json!({"i": {"caseId": id, "reason": "NO_REVIEW_REQUESTED"}}),
            &unit,
        )
        .await;
    assert_eq!(closed["closeCase"]["status"], "CLOSED");
}

#[tokio::test]
async fn hearing_days_do_not_count_towards_a_review() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let unit = app.token("demo.unit").await;
    let city = app.token("demo.city").await;
    let (id, _, _) = submit(&app, &petitioner, "违建占用绿地").await;
    assign(&app, &clerk, &id, 30).await;
    app.ok(ACCEPT, json!({"i": {"caseId": id}}), &unit).await;
    app.ok(CLASSIFY, json!({"i": {"caseId": id, "category": "APPEAL_DEMAND"}}), &unit).await;
    app.ok(
        ANSWER,
        json!({"i": {"caseId": id, "outcome": "NOT_SUPPORTED", "opinion": "经查不属违建", "servedVia": "IN_PERSON"}}),
        &unit,
    )
    .await;
    app.ok(REVIEW, json!({"i": {"caseId": id, "reason": "不服"}}), &petitioner).await;
    let before = deadline(&case(&app, &city, &id).await, "DECIDE_REVIEW")["dueOn"].clone();
    app.ok(
        "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }",
        json!({"i": {"caseId": id, "kind": "HEARING", "happenedAt": Utc::now(), "note": "听证会", "hearingDays": 5}}),
        &city,
    )
    .await;
    let after = deadline(&case(&app, &city, &id).await, "DECIDE_REVIEW")["dueOn"].clone();
    assert_eq!(date(&after) - date(&before), Duration::days(5));
}

#[tokio::test]
async fn concurrent_transitions_one_wins_the_other_conflicts() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let unit = app.token("demo.unit").await;
    for round in 0..3 {
        let (id, _, _) = submit(&app, &petitioner, &format!("并发测试{round}")).await;
        let routed = assign(&app, &clerk, &id, 30).await;
        let version = routed["routeCase"]["version"].clone();
        // Accept and object at once, both from the version the clerk saw.
        let accept = app.graphql(ACCEPT, json!({"i": {"caseId": id, "expectedVersion": version}}), Some(&unit));
        let object = app.graphql(
            OBJECT,
            json!({"i": {"caseId": id, "reasons": "非本单位职责", "expectedVersion": version}}),
            Some(&unit),
        );
        let (a, o) = tokio::join!(accept, object);
        let outcomes = [&a, &o].map(|b| if b["errors"].is_null() { "OK".to_owned() } else { error_code(b) });
        let wins = outcomes.iter().filter(|c| *c == "OK").count();
        assert_eq!(wins, 1, "exactly one wins: {outcomes:?}");
        assert!(outcomes.contains(&"CONFLICT".to_owned()), "the other conflicts: {outcomes:?}");
        let c = case(&app, &clerk, &id).await;
        let transitions = c["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "ACCEPTED" || e["kind"] == "OBJECTED")
            .count();
        assert_eq!(transitions, 1, "never both applied");
    }
}

#[tokio::test]
async fn bad_input_is_named_and_writes_nothing() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let count = crate::helpers::cases_and_history;
    let before = count(&app);
    let base = json!({"jurisdictionCode": "510502", "title": "标题", "content": "内容", "idempotencyKey": "k"});
    let with = |k: &str, v: Value| {
        let mut i = base.clone();
        i[k] = v;
        json!({"i": i})
    };
    let cases = [
        (with("title", json!("长".repeat(201))), "input.title"),
        (with("content", json!("   ")), "input.content"),
        (with("phone", json!("12345")), "input.phone"),
        (with("idNumber", json!("110105194912310021")), "input.idNumber"),
        (with("channel", json!("LETTER")), "input.channel"),
        (with("idempotencyKey", json!("")), "input.idempotencyKey"),
    ];
    for (vars, field) in cases {
        let body = app.graphql(SUBMIT, vars, Some(&petitioner)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{field}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let body = app.graphql(SUBMIT, with("jurisdictionCode", json!("999999")), Some(&petitioner)).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.jurisdictionCode");

    let future = Utc::now() + Duration::days(2);
    let body = app
        .graphql(
            RECORD,
            json!({"i": {"jurisdictionCode": "510502", "channel": "VISIT", "receivedAt": future, "title": "t", "content": "c",
                "petitioner": {"name": "王某"}}}),
            Some(&clerk),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.receivedAt", "{body}");
    let reps: Vec<Value> = (0..6).map(|i| json!({"name": format!("代表{i}")})).collect();
    let body = app
        .graphql(
            RECORD,
            json!({"i": {"jurisdictionCode": "510502", "channel": "VISIT", "receivedAt": Utc::now(), "title": "t", "content": "c",
                "petitioner": {"name": "群众"}, "representatives": reps}}),
            Some(&clerk),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.representatives", "{body}");
    assert_eq!(count(&app), before, "nothing was written");
}

#[tokio::test]
async fn tracking_hides_whether_a_reference_exists_and_limits_guessing() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let (_, reference, code) = submit(&app, &petitioner, "查询码测试").await;
    let wrong = app.graphql(TRACK, json!({"r": reference, "c": "AAAAAAAA"}), None).await;
    let unknown = app.graphql(TRACK, json!({"r": "510502-1999-999999", "c": code}), None).await;
    assert_eq!(error_code(&wrong), "NOT_FOUND");
    assert_eq!(wrong["errors"][0]["message"], unknown["errors"][0]["message"]);
    // Codes are typed case-insensitively.
    let lower = app.graphql(TRACK, json!({"r": reference, "c": code.to_lowercase()}), None).await;
    assert_eq!(lower["data"]["trackCase"]["reference"], reference.as_str());
    let mut last = String::new();
    for _ in 0..8 {
        last = error_code(&app.graphql(TRACK, json!({"r": reference, "c": "BBBBBBBB"}), None).await);
    }
    assert_eq!(last, "RATE_LIMITED");
    // The code is nowhere in the database in clear.
    let in_clear = "SELECT count(*) AS n FROM cases WHERE encode(query_code_hash, 'escape') LIKE '%' || $1 || '%'";
    let n = crate::helpers::number(&mut app.conn(), in_clear, &[&code]);
    assert_eq!(n, 0);
}

#[tokio::test]
async fn search_works_for_chinese_and_lists_page_in_both_orders() {
    let app = spawn_app().await;
    let committee = app.token("demo.committee").await;
    let found = app
        .ok("{ cases(filter: {search: \"电梯\"}, first: 10) { totalCount nodes { title } } }", json!({}), &committee)
        .await;
    assert_eq!(found["cases"]["totalCount"], 1, "{found}");
    let found = app.ok("{ cases(filter: {search: \"工资\"}, first: 10) { totalCount } }", json!({}), &committee).await;
    assert_eq!(found["cases"]["totalCount"], 1);
    let asc = app.ok("{ cases(order: RECEIVED_ASC, first: 100) { nodes { reference } } }", json!({}), &committee).await;
    let desc = app.ok("{ cases(first: 100) { nodes { reference } } }", json!({}), &committee).await;
    let mut a: Vec<Value> = asc["cases"]["nodes"].as_array().unwrap().clone();
    a.reverse();
    assert_eq!(&a, desc["cases"]["nodes"].as_array().unwrap());
    let page = app
        .ok(
            "{ cases(order: RECEIVED_ASC, first: 2) { pageInfo { endCursor } nodes { reference } } }",
            json!({}),
            &committee,
        )
        .await;
    let cursor = page["cases"]["pageInfo"]["endCursor"].clone();
    let next = app
        .ok(
            "query($c: String) { cases(order: RECEIVED_ASC, first: 2, after: $c) { nodes { reference } } }",
            json!({"c": cursor}),
            &committee,
        )
        .await;
    assert_eq!(next["cases"]["nodes"][0], asc["cases"]["nodes"][2]);
}

#[tokio::test]
async fn repeats_are_linked_and_matters_accepted_below_are_not_accepted_above() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let unit = app.token("demo.unit").await;
    let (first, _, _) = submit(&app, &petitioner, "河道垃圾长期无人清理").await;

    // The same matter again while the first is open: a new case, linked, still to be routed.
    let again = app
        .ok(
            SUBMIT,
            json!({"i": {"jurisdictionCode": "510502", "title": "河道垃圾长期无人清理", "content": "河道垃圾长期无人清理，请求处理。",
                "idempotencyKey": "again"}}),
            &petitioner,
        )
        .await;
    let again_id = again["submitPetition"]["case"]["id"].as_str().unwrap().to_owned();
    let q = "query($id: ID!) { case(id: $id) { status repeatOf { id } events { kind } } }";
    let linked = app.ok(q, json!({"id": again_id}), &clerk).await;
    assert_eq!(linked["case"]["status"], "SUBMITTED");
    assert_eq!(linked["case"]["repeatOf"]["id"], first.as_str());
    assert!(linked["case"]["events"].as_array().unwrap().iter().any(|e| e["kind"] == "REPEAT_LINKED"));

    // Once the county has accepted it, raising it with the city is not accepted (Art 19 ¶3).
    assign(&app, &clerk, &first, 30).await;
    app.ok(ACCEPT, json!({"i": {"caseId": first}}), &unit).await;
    let higher = app
        .ok(
            SUBMIT,
            json!({"i": {"jurisdictionCode": "510500", "title": "河道垃圾长期无人清理", "content": "河道垃圾长期无人清理，请求处理。",
                "idempotencyKey": "to-the-city"}}),
            &petitioner,
        )
        .await;
    assert_eq!(higher["submitPetition"]["case"]["status"], "NOT_ACCEPTED", "{higher}");
    // An unrelated matter from the same petitioner is a case of its own.
    let other = submit(&app, &petitioner, "学校门口交通拥堵").await.0;
    let fresh = app.ok(q, json!({"id": other}), &clerk).await;
    assert!(fresh["case"]["repeatOf"].is_null());
}

/// Index scans of `index` in the connection's current transaction.
fn scans_of(conn: &mut diesel::PgConnection, index: &str) -> i64 {
    crate::helpers::number(conn, "SELECT pg_stat_get_xact_numscans($1::regclass) AS n", &[index])
}

#[tokio::test]
async fn the_similar_matter_search_is_answered_by_its_own_index_or_not_by_an_index_at_all() {
    use diesel::{Connection, RunQueryDsl};
    use petition_api::models::case::SamePerson;
    use petition_api::models::unscoped::earlier_similar;
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let (first, _, _) = submit(&app, &petitioner, "河道垃圾长期无人清理").await;
    let text = "河道垃圾长期无人清理，请求处理。";
    let mut conn = app.conn();
    let _ = conn.transaction::<(), diesel::result::Error, _>(|conn| {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            id: uuid::Uuid,
        }
        let account =
            diesel::sql_query("SELECT id FROM accounts WHERE username = 'demo.petitioner'").get_result::<Id>(conn)?.id;
        // The demo database is small enough to read whole: sequential scans are priced out, as in a province.
        diesel::sql_query("SET LOCAL enable_seqscan = off").execute(conn)?;
        let person = SamePerson { account: Some(account.into()), id_number: None, phone: None };
        let found = earlier_similar(conn, &person, text)?.expect("the open case on the same matter");
        assert_eq!(found.id.to_string(), first);
        assert!(scans_of(conn, "cases_similar_by_account_idx") >= 1, "served by the petitioner's similarity index");

        // Without that index, the text search's GIN index, which supports
        // `%` on the same string, must still not be able to answer: reading every case that shares trigrams with
        // the text, then filtering by petitioner, is what made intake 20 times slower whenever statistics lagged.
        diesel::sql_query(
            "DROP INDEX cases_similar_by_account_idx, cases_similar_by_id_number_idx, cases_similar_by_phone_idx",
        )
        .execute(conn)?;
        let found = earlier_similar(conn, &person, text)?.expect("still found, by a scan");
        assert_eq!(found.id.to_string(), first);
        assert_eq!(scans_of(conn, "cases_text_trgm_idx"), 0, "the text search's index answered the search");
        Err(diesel::result::Error::RollbackTransaction)
    });
}

#[tokio::test]
async fn retries_sent_at_the_same_moment_get_the_first_case_and_no_intake_waits_for_another() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    // Eight copies of one submission at once (a phone retrying on a bad line): one case, the same answer each time.
    let body = json!({"i": {"jurisdictionCode": "510502", "title": "楼道灯坏了三个月", "content": "楼道灯坏了三个月，请求维修。",
        "idempotencyKey": "same-moment"}});
    let answers =
        futures_util::future::join_all((0..8).map(|_| app.graphql(SUBMIT, body.clone(), Some(&petitioner)))).await;
    let refs: Vec<&str> = answers
        .iter()
        .map(|a| a["data"]["submitPetition"]["reference"].as_str().unwrap_or_else(|| panic!("{a}")))
        .collect();
    assert!(refs.iter().all(|r| *r == refs[0]), "{refs:?}");
    assert_eq!(answers.iter().filter(|a| !a["data"]["submitPetition"]["queryCode"].is_null()).count(), 1);

    // Twenty different submissions into one county at once, from a clerk and the petitioner: all written, each
    // with its own reference.
    let clerk = app.token("demo.clerk").await;
    let received = (Utc::now() - Duration::hours(1)).to_rfc3339();
    let many = (0..20).map(|i| {
        let (query, vars, token) = if i % 2 == 0 {
            (SUBMIT, json!({"i": {"jurisdictionCode": "510502", "title": format!("并发事项{i}号"),
                "content": format!("并发提交的第{i}件事"), "idempotencyKey": format!("many-{i}")}}), &petitioner)
        } else {
            (RECORD, json!({"i": {"jurisdictionCode": "510502", "channel": "LETTER", "receivedAt": received,
                "title": format!("来信事项{i}号"), "content": format!("来信反映的第{i}件事"), "petitioner": {"name": "来信人"}}}), &clerk)
        };
        let app = &app;
        async move { app.graphql(query, vars, Some(token)).await }
    });
    let answers = futures_util::future::join_all(many).await;
    let mut refs: Vec<String> = answers
        .iter()
        .map(|a| {
            let data = &a["data"];
            let r = data["submitPetition"]["reference"].as_str().or(data["recordPetition"]["reference"].as_str());
            r.unwrap_or_else(|| panic!("{a}")).to_owned()
        })
        .collect();
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), 20, "{refs:?}");
    assert!(refs.iter().all(|r| r.starts_with("510502-")));
}

#[tokio::test]
async fn an_answer_served_before_the_last_step_names_served_at_and_changes_nothing() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let (clerk, unit) = (app.token("demo.clerk").await, app.token("demo.unit").await);
    let (id, ..) = submit(&app, &petitioner, "楼道照明损坏无人维修").await;
    assign(&app, &clerk, &id, 30).await;
    app.ok(ACCEPT, json!({"i": {"caseId": id}}), &unit).await;
    app.ok(CLASSIFY, json!({"i": {"caseId": id, "category": "APPEAL_DEMAND"}}), &unit).await;
    let before = case(&app, &unit, &id).await;
    let served_at = Utc::now() - Duration::days(3);
    let body = app
        .graphql(
            ANSWER,
            json!({"i": {"caseId": id, "outcome": "SUPPORTED", "opinion": "已维修", "servedVia": "IN_PERSON",
                "servedAt": served_at}}),
            Some(&unit),
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.servedAt", "{body}");
    assert_eq!(case(&app, &unit, &id).await, before);
}

#[tokio::test]
async fn a_repeat_shows_the_earlier_case_only_to_readers_who_may_see_it() {
    use petition_api::domain::role::Role;
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let (first, ..) = submit(&app, &petitioner, "河道垃圾长期无人清理").await;
    // The same matter, raised with the neighbouring county: linked to the first, which that county cannot see.
    let again = app
        .ok(
            SUBMIT,
            json!({"i": {"jurisdictionCode": "510503", "title": "河道垃圾长期无人清理", "content": "河道垃圾长期无人清理，请求处理。",
                "idempotencyKey": "next-door"}}),
            &petitioner,
        )
        .await;
    let again = again["submitPetition"]["case"]["id"].as_str().unwrap().to_owned();
    let q = "query($id: ID!) { case(id: $id) { repeatOf { id }
        events { kind details detail { __typename ... on RepeatLinkedDetail { repeatOf } } } } }";
    let entry = |data: &Value| {
        let events = data["case"]["events"].as_array().unwrap().clone();
        events.into_iter().find(|e| e["kind"] == "REPEAT_LINKED").expect("a repeat link")
    };
    let repeat_link = |data: &Value| entry(data)["details"].clone();
    let typed_link = |data: &Value| entry(data)["detail"].clone();

    let naxi = app.staff("nx.clerk", Role::Clerk, "510503", "纳溪区信访局").await;
    let seen = app.ok(q, json!({"id": again}), &naxi).await;
    assert!(seen["case"]["repeatOf"].is_null());
    assert!(repeat_link(&seen).get("repeatOf").is_none(), "{seen}");
    assert_eq!(typed_link(&seen), json!({"__typename": "RepeatLinkedDetail", "repeatOf": null}));
    assert!(!seen.to_string().contains(&first), "no trace of the other county's case: {seen}");

    // The city covers both counties and sees the link.
    let city = app.token("demo.city").await;
    let seen = app.ok(q, json!({"id": again}), &city).await;
    assert_eq!(seen["case"]["repeatOf"]["id"], first.as_str());
    assert_eq!(repeat_link(&seen)["repeatOf"], first.as_str());
    assert_eq!(typed_link(&seen), json!({"__typename": "RepeatLinkedDetail", "repeatOf": first}));
}

#[tokio::test]
async fn racing_decisions_on_one_escalation_lose_with_a_transition_error() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let (clerk, unit, city) =
        (app.token("demo.clerk").await, app.token("demo.unit").await, app.token("demo.city").await);
    for round in 0..3 {
        let (id, ..) = submit(&app, &petitioner, &format!("复查竞争{round}")).await;
        assign(&app, &clerk, &id, 30).await;
        app.ok(ACCEPT, json!({"i": {"caseId": id}}), &unit).await;
        app.ok(CLASSIFY, json!({"i": {"caseId": id, "category": "APPEAL_DEMAND"}}), &unit).await;
        let answer = json!({"i": {"caseId": id, "outcome": "EXPLAINED", "opinion": "已解释", "servedVia": "ONLINE"}});
        app.ok(ANSWER, answer, &unit).await;
        let review = app.ok(REVIEW, json!({"i": {"caseId": id, "reason": "不服"}}), &petitioner).await;
        let escalation = review["requestReview"]["escalation"]["id"].as_str().unwrap().to_owned();
        let decide = |decision: &str| {
            app.graphql(
                DECIDE,
                json!({"i": {"escalationId": escalation, "decision": decision, "opinion": "复查意见"}}),
                Some(&city),
            )
        };
        let (a, b) = tokio::join!(decide("UPHELD"), decide("CHANGED"));
        let outcomes = [&a, &b].map(|b| if b["errors"].is_null() { "OK".to_owned() } else { error_code(b) });
        assert_eq!(outcomes.iter().filter(|c| *c == "OK").count(), 1, "exactly one wins: {outcomes:?}");
        assert!(
            outcomes.iter().any(|c| c == "INVALID_TRANSITION" || c == "CONFLICT"),
            "the other loses with a transition error: {outcomes:?}"
        );
    }
}

#[tokio::test]
async fn query_codes_printed_before_a_key_rotation_keep_working() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let (_, reference, code) = submit(&app, &petitioner, "查询码密钥轮换").await;
    let old_key = "development-only-query-code-secret-not-for-production";
    let rotated = app
        .another_server_with(&[
            ("QUERY_CODE_SECRET", "a-new-query-code-secret-for-key-2"),
            ("QUERY_CODE_KEY_ID", "2"),
            ("QUERY_CODE_OLD_KEYS", &format!("1:{old_key}")),
        ])
        .await;
    let tracked = app.graphql_at(&rotated, TRACK, json!({"r": reference, "c": code}), None, &[]).await;
    assert_eq!(tracked["data"]["trackCase"]["reference"], reference.as_str(), "{tracked}");
    // A server that was not told the old key cannot verify the old code: the key matters, not only the code.
    let forgetful = app
        .another_server_with(&[("QUERY_CODE_SECRET", "a-new-query-code-secret-for-key-2"), ("QUERY_CODE_KEY_ID", "2")])
        .await;
    let refused = app.graphql_at(&forgetful, TRACK, json!({"r": reference, "c": code}), None, &[]).await;
    assert_eq!(error_code(&refused), "NOT_FOUND", "{refused}");
}
