//! Oversight through the API (DOMAIN.md §5, §6): supervision notices from issue to close, escalations to joint
//! conferences and urgent reports, and the deadline sweep, each with the roles that may and may not act.

use chrono::Duration;
use petition_api::domain::role::Role;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::lifecycle::{assign, submit};

const ISSUE: &str = "mutation($i: IssueSupervisionNoticeInput!) { issueSupervisionNotice(input: $i) {
    id status noticeType trigger overdue responseDueAt targetUnit { name } cases { id } } }";
const ACK: &str =
    "mutation($i: NoticeStepInput!) { acknowledgeSupervisionNotice(input: $i) { status acknowledgedAt } }";
const RESPOND: &str = "mutation($i: RespondToSupervisionNoticeInput!) { respondToSupervisionNotice(input: $i) {
    status adopted response } }";
const CLOSE: &str = "mutation($i: NoticeStepInput!) { closeSupervisionNotice(input: $i) { status closedAt } }";
const REOPEN: &str =
    "mutation($i: ReopenSupervisionNoticeInput!) { reopenSupervisionNotice(input: $i) { status responseDueAt } }";
const NOTICE: &str = "query($id: ID!) { supervisionNotice(id: $id) { status overdue cases { id }
    events { kind fromStatus toStatus actorRole } } }";
const NOTICES: &str = "query($f: SupervisionNoticeFilterInput) { supervisionNotices(first: 20, filter: $f) {
    totalCount nodes { id status } } }";
const CASE_NOTICES: &str = "query($id: ID!) { case(id: $id) { supervisionNotices { id } events { kind staffOnly
    detail { ... on SupervisedDetail { noticeId noticeType trigger } } } escalations { kind } } }";
const ESCALATE: &str = "mutation($i: EscalateCaseInput!) { escalateCase(input: $i) { case { status }
    escalation { id kind status toJurisdiction disputedWith overdue } } }";
const DECIDE: &str = "mutation($i: DecideEscalationInput!) { decideEscalation(input: $i) { case { status }
    escalation { status decision opinion } } }";
const ESCALATIONS: &str = "query($f: EscalationFilterInput) { escalations(first: 20, filter: $f) {
    totalCount nodes { id kind status case { id } addressedTo { code } } } }";

/// A petition by `demo.petitioner`, assigned to 江阳区住房和城乡建设局 by `demo.clerk`: (case id, clerk token).
async fn assigned_case(app: &TestApp, title: &str) -> (String, String) {
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let (id, _, _) = submit(app, &petitioner, title).await;
    assign(app, &clerk, &id, 30).await;
    (id, clerk)
}

async fn unit(app: &TestApp) -> String {
    app.unit_id("510502", "江阳区住房和城乡建设局").await
}

fn count(data: &Value, list: &str) -> i64 {
    data[list]["totalCount"].as_i64().unwrap()
}

#[tokio::test]
async fn a_supervision_notice_from_issue_to_close() {
    let app = spawn_app().await;
    let (case, clerk) = assigned_case(&app, "楼道电梯长期停运无人维修").await;
    let committee = app.token("demo.committee").await;
    let unit_clerk = app.token("demo.unit").await;
    let petitioner = app.token("demo.petitioner").await;

    // The unit lets the acceptance period run out: the province sees the case overdue and supervises the unit.
    app.clock.advance(Duration::days(16));
    let overdue = app
        .ok("{ cases(first: 100, filter: {overdue: true}) { nodes { id currentUnit { id } } } }", json!({}), &committee)
        .await;
    let row = overdue["cases"]["nodes"].as_array().unwrap().iter().find(|c| c["id"] == case.as_str()).cloned();
    let target = row.expect("the overdue case is listed")["currentUnit"]["id"].as_str().unwrap().to_owned();
    let issued = app
        .ok(
            ISSUE,
            json!({"i": {"caseIds": [case], "targetUnitId": target, "noticeType": "SUPERVISION",
                "trigger": "OVERDUE_ACCEPTANCE", "requirements": "请于收文后立即受理并书面反馈"}}),
            &committee,
        )
        .await["issueSupervisionNotice"]
        .clone();
    assert_eq!(issued["status"], "ISSUED");
    assert_eq!(issued["targetUnit"]["name"], "江阳区住房和城乡建设局");
    assert_eq!(issued["cases"][0]["id"], case.as_str());
    let id = issued["id"].as_str().unwrap().to_owned();
    let step = |extra: Value| {
        let mut i = json!({"noticeId": id});
        i.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        json!({"i": i})
    };

    // Who sees it: the unit, the county bureau, the province; not the petitioner, not another unit.
    let other_unit = app.staff("rs.clerk", Role::Clerk, "510502", "江阳区人力资源和社会保障局").await;
    for token in [&unit_clerk, &clerk, &committee] {
        assert_eq!(count(&app.ok(NOTICES, json!({}), token).await, "supervisionNotices"), 1);
    }
    for token in [&petitioner, &other_unit] {
        assert_eq!(count(&app.ok(NOTICES, json!({}), token).await, "supervisionNotices"), 0);
        assert_eq!(app.fails(NOTICE, json!({"id": id}), Some(token)).await, "NOT_FOUND");
        assert_eq!(app.fails(ACK, step(json!({})), Some(token)).await, "NOT_FOUND");
    }
    let seen = app.ok(CASE_NOTICES, json!({"id": case}), &clerk).await;
    assert_eq!(seen["case"]["supervisionNotices"][0]["id"], id.as_str());
    assert!(seen["case"]["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "SUPERVISED" && e["staffOnly"] == true));
    let supervised = seen["case"]["events"].as_array().unwrap().iter().find(|e| e["kind"] == "SUPERVISED").cloned();
    assert_eq!(
        supervised.unwrap()["detail"],
        json!({"noticeId": id, "noticeType": "SUPERVISION", "trigger": "OVERDUE_ACCEPTANCE"})
    );
    let own = app.ok(CASE_NOTICES, json!({"id": case}), &petitioner).await;
    assert_eq!(own["case"]["supervisionNotices"], json!([]));
    assert!(!own["case"]["events"].as_array().unwrap().iter().any(|e| e["kind"] == "SUPERVISED"));

    // Only the unit acknowledges and responds; only the issuer closes; steps in order.
    assert_eq!(app.fails(ACK, step(json!({})), Some(&committee)).await, "FORBIDDEN");
    assert_eq!(app.fails(ACK, step(json!({})), Some(&clerk)).await, "FORBIDDEN");
    assert_eq!(app.fails(CLOSE, step(json!({})), Some(&committee)).await, "INVALID_TRANSITION");
    app.ok(ACK, step(json!({"note": "已签收"})), &unit_clerk).await;
    assert_eq!(app.fails(ACK, step(json!({})), Some(&unit_clerk)).await, "INVALID_TRANSITION");
    let missing = app.graphql(RESPOND, step(json!({"adopted": false, "response": " "})), Some(&unit_clerk)).await;
    assert_eq!(missing["errors"][0]["extensions"]["field"], "input.response");
    let responded = app
        .ok(
            RESPOND,
            step(json!({"adopted": false, "response": "该事项属物业服务合同纠纷，已告知通过诉讼解决"})),
            &unit_clerk,
        )
        .await;
    assert_eq!(responded["respondToSupervisionNotice"]["status"], "RESPONDED");
    assert_eq!(app.fails(CLOSE, step(json!({})), Some(&unit_clerk)).await, "FORBIDDEN");

    // Not good enough: reopened with a new due date, answered again, closed.
    let due = (app.clock_today() + Duration::days(10)).to_string();
    app.ok(REOPEN, step(json!({"reason": "反馈不充分，请说明受理情况", "responseDueOn": due})), &committee).await;
    app.ok(RESPOND, step(json!({"adopted": true, "response": "已受理并约谈业主代表"})), &unit_clerk).await;
    app.ok(CLOSE, step(json!({"note": "办结"})), &committee).await;
    let history = app.ok(NOTICE, json!({"id": id}), &committee).await["supervisionNotice"].clone();
    let kinds: Vec<&str> = history["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ISSUED", "ACKNOWLEDGED", "RESPONDED", "REOPENED", "RESPONDED", "CLOSED"]);
    assert_eq!(history["status"], "CLOSED");
    let closed = app.ok(NOTICES, json!({"f": {"status": ["CLOSED"], "targetUnitId": target}}), &committee).await;
    assert_eq!(count(&closed, "supervisionNotices"), 1);
}

#[tokio::test]
async fn bad_notices_are_refused_and_write_nothing() {
    let app = spawn_app().await;
    let (case, clerk) = assigned_case(&app, "农贸市场占道经营").await;
    let committee = app.token("demo.committee").await;
    let target = unit(&app).await;
    let other_unit = app.unit_id("510502", "江阳区自然资源局").await;
    let far_unit = app.unit_id("510503", "纳溪区住房和城乡建设局").await;
    let today = app.clock_today();
    let input = |patch: Value| {
        let mut i = json!({"caseIds": [case], "targetUnitId": target, "noticeType": "LISTED",
            "trigger": "OVERDUE_HANDLING", "requirements": "限期办结"});
        i.as_object_mut().unwrap().extend(patch.as_object().unwrap().clone());
        json!({"i": i})
    };
    let refused = |body: Value| {
        (body["errors"][0]["extensions"]["code"].clone(), body["errors"][0]["extensions"]["field"].clone())
    };
    let cases: Vec<(Value, &str, &str, &str)> = vec![
        (json!({"caseIds": []}), "BAD_USER_INPUT", "input.caseIds", "no case"),
        (json!({"caseIds": ["00000000-0000-0000-0000-000000000000"]}), "NOT_FOUND", "input.caseIds", "unknown case"),
        (
            json!({"targetUnitId": "00000000-0000-0000-0000-000000000000"}),
            "NOT_FOUND",
            "input.targetUnitId",
            "unknown unit",
        ),
        (json!({"targetUnitId": other_unit}), "BAD_USER_INPUT", "input.caseIds", "case not with the unit"),
        (json!({"responseDueOn": today.to_string()}), "BAD_USER_INPUT", "input.responseDueOn", "due today"),
        (
            json!({"responseDueOn": (today + Duration::days(91)).to_string()}),
            "BAD_USER_INPUT",
            "input.responseDueOn",
            "too far",
        ),
        (json!({"requirements": ""}), "BAD_USER_INPUT", "input.requirements", "no requirements"),
    ];
    for (patch, code, field, why) in cases {
        let body = app.graphql(ISSUE, input(patch), Some(&committee)).await;
        assert_eq!(refused(body.clone()), (json!(code), json!(field)), "{why}: {body}");
    }
    // A county clerk cannot reach a unit of the next county; a unit clerk cannot issue at all.
    let body = app.graphql(ISSUE, input(json!({"targetUnitId": far_unit})), Some(&clerk)).await;
    assert_eq!(refused(body), (json!("BAD_USER_INPUT"), json!("input.targetUnitId")));
    let unit_clerk = app.token("demo.unit").await;
    assert_eq!(app.fails(ISSUE, input(json!({})), Some(&unit_clerk)).await, "FORBIDDEN");
    let petitioner = app.token("demo.petitioner").await;
    assert_eq!(app.fails(ISSUE, input(json!({})), Some(&petitioner)).await, "FORBIDDEN");
    // Nothing was written: no notice, no history entry on the case.
    assert_eq!(count(&app.ok(NOTICES, json!({}), &committee).await, "supervisionNotices"), 0);
    let events = app.ok(CASE_NOTICES, json!({"id": case}), &clerk).await;
    assert!(!events["case"]["events"].as_array().unwrap().iter().any(|e| e["kind"] == "SUPERVISED"));
    // The clerk of the county may issue within it.
    app.ok(ISSUE, input(json!({})), &clerk).await;
}

#[tokio::test]
async fn joint_conferences_and_urgent_reports_go_up_and_are_decided_there() {
    let app = spawn_app().await;
    let (case, clerk) = assigned_case(&app, "跨区河道污染责任不清").await;
    let petitioner = app.token("demo.petitioner").await;
    let city_clerk = app.token("demo.city").await;
    let city_committee = app.token("demo.city.committee").await;
    let unit_clerk = app.token("demo.unit").await;

    // A dispute with the neighbouring county goes to their common superior, 泸州市 (Art 24).
    let jc = app
        .ok(
            ESCALATE,
            json!({"i": {"caseId": case, "kind": "JOINT_CONFERENCE", "reason": "与纳溪区管辖争议",
            "disputedWith": "510503"}}),
            &clerk,
        )
        .await["escalateCase"]
        .clone();
    assert_eq!(jc["case"]["status"], "ASSIGNED", "the case's own status does not change");
    assert_eq!(
        (jc["escalation"]["toJurisdiction"].as_str(), jc["escalation"]["disputedWith"].as_str()),
        (Some("510500"), Some("510503"))
    );
    let jc_id = jc["escalation"]["id"].as_str().unwrap().to_owned();
    let again = app
        .fails(ESCALATE, json!({"i": {"caseId": case, "kind": "JOINT_CONFERENCE", "reason": "再次提请"}}), Some(&clerk))
        .await;
    assert_eq!(again, "INVALID_TRANSITION");
    let urgent = app
        .ok(
            ESCALATE,
            json!({"i": {"caseId": case, "kind": "URGENT_REPORT", "reason": "群体性苗头", "decisionDays": 3}}),
            &clerk,
        )
        .await["escalateCase"]["escalation"]
        .clone();
    let ur_id = urgent["id"].as_str().unwrap().to_owned();

    // Who may not ask, and what may not be asked.
    let ask = |patch: Value| {
        let mut i = json!({"caseId": case, "kind": "URGENT_REPORT", "reason": "r"});
        i.as_object_mut().unwrap().extend(patch.as_object().unwrap().clone());
        json!({"i": i})
    };
    assert_eq!(app.fails(ESCALATE, ask(json!({})), Some(&unit_clerk)).await, "FORBIDDEN");
    assert_eq!(app.fails(ESCALATE, ask(json!({})), Some(&petitioner)).await, "FORBIDDEN");
    for (patch, code, field) in [
        (json!({"kind": "REVIEW"}), "BAD_USER_INPUT", "input.kind"),
        (json!({"decisionDays": 61}), "BAD_USER_INPUT", "input.decisionDays"),
        (json!({"decisionDays": 0}), "BAD_USER_INPUT", "input.decisionDays"),
        (json!({"toJurisdictionCode": "999999"}), "NOT_FOUND", "input.toJurisdictionCode"),
        (json!({"toJurisdictionCode": "510503"}), "BAD_USER_INPUT", "input.toJurisdictionCode"),
        (json!({"disputedWith": "510503"}), "BAD_USER_INPUT", "input.disputedWith"),
    ] {
        let body = app.graphql(ESCALATE, ask(patch.clone()), Some(&clerk)).await;
        let ext = &body["errors"][0]["extensions"];
        assert_eq!((ext["code"].as_str(), ext["field"].as_str()), (Some(code), Some(field)), "{patch}: {body}");
    }

    // The petitioner sees neither, anywhere.
    let own = app.ok(CASE_NOTICES, json!({"id": case}), &petitioner).await;
    assert_eq!(own["case"]["escalations"], json!([]));
    assert!(!own["case"]["events"].as_array().unwrap().iter().any(|e| e["kind"] == "ESCALATED"));
    assert_eq!(count(&app.ok(ESCALATIONS, json!({}), &petitioner).await, "escalations"), 0);
    assert_eq!(
        app.fails("query($id: ID!) { escalation(id: $id) { id } }", json!({"id": jc_id}), Some(&petitioner)).await,
        "NOT_FOUND"
    );

    // The city's lists: what is addressed to it, what is overdue.
    let addressed =
        app.ok(ESCALATIONS, json!({"f": {"addressedTo": "510500", "status": ["PENDING"]}}), &city_clerk).await;
    assert_eq!(count(&addressed, "escalations"), 2);
    app.clock.advance(Duration::days(5));
    let late = app.ok(ESCALATIONS, json!({"f": {"overdue": true}}), &city_clerk).await;
    assert_eq!(late["escalations"]["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(late["escalations"]["nodes"][0]["id"], ur_id.as_str());

    // Joint conferences are decided by the city's committee members, urgent reports by its bureau too.
    let decide = |id: &str, decision: &str| json!({"i": {"escalationId": id, "decision": decision, "opinion": "意见"}});
    assert_eq!(app.fails(DECIDE, decide(&jc_id, "COORDINATED"), Some(&city_clerk)).await, "FORBIDDEN");
    assert_eq!(app.fails(DECIDE, decide(&jc_id, "COORDINATED"), Some(&clerk)).await, "FORBIDDEN");
    let wrong = app.graphql(DECIDE, decide(&jc_id, "UPHELD"), Some(&city_committee)).await;
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "input.decision");
    let done = app.ok(DECIDE, decide(&jc_id, "COORDINATED"), &city_committee).await;
    assert_eq!(done["decideEscalation"]["escalation"]["status"], "DECIDED");
    assert_eq!(done["decideEscalation"]["case"]["status"], "ASSIGNED");
    assert_eq!(app.fails(DECIDE, decide(&jc_id, "COORDINATED"), Some(&city_committee)).await, "INVALID_TRANSITION");
    app.ok(DECIDE, decide(&ur_id, "INSTRUCTED"), &city_clerk).await;

    // Whoever asked may withdraw a pending one; nobody else, and nothing decided.
    let another = app
        .ok(ESCALATE, json!({"i": {"caseId": case, "kind": "URGENT_REPORT", "reason": "再次报告"}}), &clerk)
        .await["escalateCase"]["escalation"]["id"]
        .clone();
    let withdraw =
        "mutation($i: WithdrawEscalationInput!) { withdrawEscalation(input: $i) { escalation { status opinion } } }";
    let input = |id: &Value| json!({"i": {"escalationId": id, "reason": "情况已缓解"}});
    assert_eq!(app.fails(withdraw, input(&another), Some(&city_clerk)).await, "FORBIDDEN");
    assert_eq!(app.fails(withdraw, input(&json!(jc_id)), Some(&clerk)).await, "INVALID_TRANSITION");
    let withdrawn = app.ok(withdraw, input(&another), &clerk).await;
    assert_eq!(withdrawn["withdrawEscalation"]["escalation"]["status"], "WITHDRAWN");
    assert_eq!(
        app.fails(DECIDE, decide(another.as_str().unwrap(), "INSTRUCTED"), Some(&city_clerk)).await,
        "INVALID_TRANSITION"
    );
    let history = app.ok(CASE_NOTICES, json!({"id": case}), &clerk).await;
    let kinds: Vec<&Value> = history["case"]["events"].as_array().unwrap().iter().map(|e| &e["kind"]).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "ESCALATION_DECIDED").count(), 2);
    assert_eq!(kinds.iter().filter(|k| **k == "ESCALATION_WITHDRAWN").count(), 1);
}

/// What the server's own sweep works under, at the test's clock.
fn sweep_environment(app: &TestApp) -> petition_api::services::Environment {
    let settings = petition_api::config::Settings::from_lookup(|_| None).unwrap();
    petition_api::services::Environment::of(&settings, petition_api::clock::Clock::now(&*app.clock))
}

#[tokio::test]
async fn the_sweep_closes_answered_cases_whose_petitioner_asked_no_review_in_time() {
    use crate::lifecycle::{ACCEPT, ANSWER, CLASSIFY};
    let app = spawn_app().await;
    let (case, clerk) = assigned_case(&app, "小区门口积水严重").await;
    let unit = app.token("demo.unit").await;
    app.ok(ACCEPT, json!({"i": {"caseId": case}}), &unit).await;
    app.ok(CLASSIFY, json!({"i": {"caseId": case, "category": "APPEAL_DEMAND"}}), &unit).await;
    let answer = json!({"i": {"caseId": case, "outcome": "SUPPORTED", "opinion": "已疏通排水", "servedVia": "ONLINE"}});
    app.ok(ANSWER, answer, &unit).await;
    let q = "query($id: ID!) { case(id: $id) { status events { kind actorRole details } } }";

    // Within the 30 days nothing happens to it (the demo's older answered cases are closed on the way); after
    // them, one sweep closes it, and a second finds nothing left to do.
    app.clock.advance(Duration::days(20));
    petition_api::services::oversight::sweep::run_once(&mut app.pool.get().unwrap(), &sweep_environment(&app)).unwrap();
    assert_eq!(app.ok(q, json!({"id": case}), &clerk).await["case"]["status"], "ANSWERED");
    app.clock.advance(Duration::days(11));
    let env = sweep_environment(&app);
    let report = petition_api::services::oversight::sweep::run_once(&mut app.pool.get().unwrap(), &env).unwrap();
    assert!(report.cases_closed >= 1, "{report:?}");
    let again = petition_api::services::oversight::sweep::run_once(&mut app.pool.get().unwrap(), &env).unwrap();
    assert_eq!(again.cases_closed, 0);

    let seen = app.ok(q, json!({"id": case}), &clerk).await;
    assert_eq!(seen["case"]["status"], "CLOSED");
    let closed: Vec<&Value> =
        seen["case"]["events"].as_array().unwrap().iter().filter(|e| e["kind"] == "CLOSED").collect();
    assert_eq!(closed.len(), 1, "{seen}");
    assert_eq!(closed[0]["actorRole"], "SYSTEM");
    assert_eq!(closed[0]["details"]["reason"], "NO_REVIEW_REQUESTED");
    // The petitioner can no longer ask for a review.
    let petitioner = app.token("demo.petitioner").await;
    let review = json!({"i": {"caseId": case, "reason": "不服"}});
    assert_eq!(app.fails(crate::lifecycle::REVIEW, review, Some(&petitioner)).await, "INVALID_TRANSITION");
}

#[tokio::test]
async fn the_sweep_records_each_miss_once_however_many_run_it() {
    let app = spawn_app().await;
    let (case, clerk) = assigned_case(&app, "学校周边噪声扰民").await;
    let committee = app.token("demo.committee").await;
    app.ok(
        ISSUE,
        json!({"i": {"caseIds": [case], "targetUnitId": unit(&app).await, "noticeType": "SUPERVISION",
            "trigger": "OVERDUE_ACCEPTANCE", "requirements": "立即受理"}}),
        &committee,
    )
    .await;
    app.clock.advance(Duration::days(40));
    let env = sweep_environment(&app);

    // Four sweeps at once, as four servers would: each miss is written once.
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (pool, env) = (app.pool.clone(), env.clone());
            std::thread::spawn(move || {
                petition_api::services::oversight::sweep::run_once(&mut pool.get().unwrap(), &env).unwrap()
            })
        })
        .collect();
    let reports: Vec<_> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    let missed: usize = reports.iter().map(|r| r.deadlines_missed).sum();
    let overdue: usize = reports.iter().map(|r| r.notices_overdue).sum();
    assert!(missed >= 1, "{reports:?}");
    assert_eq!(overdue, 1, "{reports:?}");
    let again = petition_api::services::oversight::sweep::run_once(&mut app.pool.get().unwrap(), &env).unwrap();
    assert_eq!(again, Default::default());

    // The unit never accepted: the miss shows in the history, to the petitioner as well.
    let petitioner = app.token("demo.petitioner").await;
    let q = "query($id: ID!) { case(id: $id) { events { kind notice } } }";
    let events = app.ok(q, json!({"id": case}), &petitioner).await["case"]["events"].clone();
    let misses: Vec<&Value> = events.as_array().unwrap().iter().filter(|e| e["kind"] == "DEADLINE_MISSED").collect();
    assert_eq!(misses.len(), 1, "{events}");
    assert!(misses[0]["notice"].as_str().unwrap().contains("Art 23"));
    let notice = app.ok(NOTICES, json!({"f": {"overdue": true}}), &clerk).await;
    assert_eq!(count(&notice, "supervisionNotices"), 1);

    // And the server sweeps by itself.
    let swept = crate::helpers::spawn_app_with(&[("SWEEP_INTERVAL_SECS", "1")]).await;
    let (late, _) = assigned_case(&swept, "路灯损坏影响夜间出行").await;
    swept.clock.advance(Duration::days(40));
    let staff = swept.token("demo.clerk").await;
    let mut found = false;
    for _ in 0..50 {
        let events = swept.ok(q, json!({"id": late}), &staff).await["case"]["events"].clone();
        if events.as_array().unwrap().iter().any(|e| e["kind"] == "DEADLINE_MISSED") {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(found, "the server's own sweep recorded the miss");
}

/// Everyone who might try, for the matrix below.
struct Cast {
    people: Vec<(&'static str, Option<String>)>,
}

impl Cast {
    async fn new(app: &TestApp) -> Cast {
        let mut people = Vec::new();
        for who in [
            "demo.petitioner",
            "demo.clerk",
            "demo.lead",
            "demo.committee",
            "demo.admin",
            "demo.unit",
            "demo.city",
            "demo.province",
        ] {
            people.push((who, Some(app.token(who).await)));
        }
        people.push(("other county clerk", Some(app.staff("nx.clerk", Role::Clerk, "510503", "纳溪区信访局").await)));
        people.push(("other unit clerk", Some(app.staff("zr.clerk", Role::Clerk, "510502", "江阳区自然资源局").await)));
        people.push((
            "city committee",
            Some(app.staff("lz.member", Role::CommitteeMember, "510500", "泸州市信访工作联席会议").await),
        ));
        people.push(("anonymous", None));
        Cast { people }
    }

    fn token(&self, who: &str) -> Option<&str> {
        self.people.iter().find(|(w, _)| *w == who).and_then(|(_, t)| t.as_deref())
    }
}

/// The `allowed` callers do `mutation` (each must succeed), then everyone else tries it and gets `refused(who)`
/// (`UNAUTHENTICATED` without a token). Authorization comes before the state of the object, so a refusal after the
/// allowed step still says who may not act.
async fn attempt(
    app: &TestApp,
    cast: &Cast,
    mutation: &str,
    input: &Value,
    allowed: &[&str],
    refused: impl Fn(&str) -> &'static str,
) {
    for who in allowed {
        app.ok(mutation, json!({"i": input}), cast.token(who).unwrap()).await;
    }
    for (who, token) in &cast.people {
        if allowed.contains(who) {
            continue;
        }
        let code = app.fails(mutation, json!({"i": input}), token.as_deref()).await;
        let expected = if token.is_none() { "UNAUTHENTICATED" } else { refused(who) };
        assert_eq!(code, expected, "{who} trying {mutation}");
    }
}

#[tokio::test]
async fn every_oversight_operation_by_every_kind_of_caller() {
    let app = spawn_app().await;
    let cast = Cast::new(&app).await;
    let (case, _) = assigned_case(&app, "矩阵：河堤加固工程拖延").await;
    let target = unit(&app).await;
    // Who cannot see a case of 江阳区 with 住建局, or a notice to 住建局, gets NOT_FOUND; who can, FORBIDDEN.
    fn blind_to_case(who: &str) -> bool {
        matches!(who, "demo.admin" | "other county clerk" | "other unit clerk")
    }
    fn blind_to_notice(who: &str) -> bool {
        blind_to_case(who) || who == "demo.petitioner"
    }

    // Issuing: committee members and bureau clerks over the unit. A bureau clerk of the next county is told the
    // unit lies outside their jurisdiction; those who are neither are forbidden.
    let issue = json!({"caseIds": [case], "targetUnitId": target, "noticeType": "CIRCULAR", "trigger": "OTHER",
        "requirements": "通报"});
    let issuers = ["demo.clerk", "demo.committee", "demo.city", "demo.province", "city committee"];
    attempt(&app, &cast, ISSUE, &issue, &issuers, |who| {
        if who == "other county clerk" {
            "BAD_USER_INPUT"
        } else {
            "FORBIDDEN"
        }
    })
    .await;
    let committee = cast.token("demo.committee").unwrap();
    let notices = app.ok(NOTICES, json!({"f": {"issuerId": null}}), committee).await;
    assert_eq!(count(&notices, "supervisionNotices"), 5, "one notice per allowed issuer, none from the others");

    // Acknowledging and responding: the unit alone.
    let notice = app.ok(ISSUE, json!({"i": issue}), committee).await["issueSupervisionNotice"]["id"].clone();
    let refused = |who: &str| if blind_to_notice(who) { "NOT_FOUND" } else { "FORBIDDEN" };
    attempt(&app, &cast, ACK, &json!({"noticeId": notice}), &["demo.unit"], refused).await;
    let respond = json!({"noticeId": notice, "adopted": true, "response": "已整改"});
    attempt(&app, &cast, RESPOND, &respond, &["demo.unit"], refused).await;
    // Closing and reopening: the issuing unit (the province's committee) alone, not even the province's bureau.
    attempt(&app, &cast, CLOSE, &json!({"noticeId": notice}), &["demo.committee"], refused).await;
    attempt(&app, &cast, REOPEN, &json!({"noticeId": notice, "reason": "复查不合格"}), &["demo.committee"], refused)
        .await;
    let history = app.ok(NOTICE, json!({"id": notice}), committee).await["supervisionNotice"]["events"].clone();
    assert_eq!(history.as_array().unwrap().len(), 5, "only the allowed steps were written: {history}");

    // Escalating: bureau clerks and committee members over the case, or its lead. Once one has, the others with
    // standing are told one is pending; the rest are refused as before.
    let (case, _) = assigned_case(&app, "矩阵：跨部门联席会商事项").await;
    let input = json!({"caseId": case, "kind": "JOINT_CONFERENCE", "reason": "重大疑难"});
    let standing = ["demo.committee", "demo.city", "demo.province", "city committee"];
    attempt(&app, &cast, ESCALATE, &input, &["demo.clerk"], |who| {
        if blind_to_case(who) {
            "NOT_FOUND"
        } else if standing.contains(&who) {
            "INVALID_TRANSITION"
        } else {
            "FORBIDDEN"
        }
    })
    .await;
    // Deciding a joint conference addressed to 泸州市: its committee members alone.
    let pending = app.ok(ESCALATIONS, json!({"f": {"caseId": case}}), committee).await;
    let escalation = pending["escalations"]["nodes"][0]["id"].clone();
    let decide = json!({"escalationId": escalation, "decision": "COORDINATED", "opinion": "明确由江阳区牵头"});
    attempt(&app, &cast, DECIDE, &decide, &["city committee"], |who| {
        if blind_to_case(who) || who == "demo.petitioner" {
            "NOT_FOUND"
        } else {
            "FORBIDDEN"
        }
    })
    .await;
}

#[tokio::test]
async fn the_demo_data_holds_a_case_to_supervise_now() {
    // The README's walk, on the demo data as loaded: the province finds a case overdue at 江阳区住建局.
    let app = spawn_app().await;
    let committee = app.token("demo.committee").await;
    let overdue = app
        .ok(
            "{ cases(first: 50, filter: {overdue: true}) { nodes { id reference currentUnit { id name } } } }",
            json!({}),
            &committee,
        )
        .await;
    let at_unit = overdue["cases"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["currentUnit"]["name"] == "江阳区住房和城乡建设局")
        .cloned()
        .unwrap_or_else(|| panic!("an overdue case at the unit: {overdue}"));
    let notice = app
        .ok(
            ISSUE,
            json!({"i": {"caseIds": [at_unit["id"]], "targetUnitId": at_unit["currentUnit"]["id"],
                "noticeType": "SUPERVISION", "trigger": "OVERDUE_HANDLING", "requirements": "限期答复"}}),
            &committee,
        )
        .await["issueSupervisionNotice"]["id"]
        .clone();
    let unit_clerk = app.token("demo.unit").await;
    let acked = app.ok(ACK, json!({"i": {"noticeId": notice}}), &unit_clerk).await;
    assert_eq!(acked["acknowledgeSupervisionNotice"]["status"], "ACKNOWLEDGED");
}
