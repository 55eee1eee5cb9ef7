//! Portal figures (DOMAIN.md §8) against small datasets built through the API, checked to the case: every
//! numerator and denominator. The data sit in 泸县 (510521), a county of 泸州市 with no demo cases.

use chrono::{Datelike, Duration};
use petition_api::domain::case::CaseStatus;
use petition_api::domain::role::Role;
use petition_api::models::figures;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};
use crate::lifecycle::{ACCEPT, ANSWER, CLASSIFY, EVALUATE, ROUTE, SUBMIT};

const STATS: &str = "query($c: String!, $from: NaiveDate!, $to: NaiveDate!) { jurisdiction(code: $c) {
    stats(from: $from, to: $to) {
      received timelyAcceptance { numerator denominator rate } onTimeAnswer { numerator denominator rate }
      participation { numerator denominator rate } bureauSatisfaction { numerator denominator rate }
      unitSatisfaction { numerator denominator rate } repeatRate { numerator denominator rate }
      backlog { numerator denominator rate } caseLeadResolution { numerator denominator rate }
      supervisionNotices { issued open overdue } monthly { month received onTimeAnswer { numerator denominator } }
      skipLevel { all { numerator denominator } } } } }";
const DESIGNATE: &str = "mutation($i: DesignateCaseLeadInput!) { designateCaseLead(input: $i) { id } }";

/// The staff of 泸县: bureau clerk, the housing bureau's clerk, a case lead; and the housing bureau's id.
struct County {
    clerk: String,
    unit: String,
    lead: String,
    lead_id: String,
    unit_id: String,
}

async fn county(app: &TestApp) -> County {
    let lead = app.staff("lx.lead", Role::CaseLead, "510521", "泸县信访局").await;
    let lead_id = app.ok("{ me { id } }", json!({}), &lead).await["me"]["id"].as_str().unwrap().to_owned();
    County {
        clerk: app.staff("lx.clerk", Role::Clerk, "510521", "泸县信访局").await,
        unit: app.staff("lx.unit", Role::Clerk, "510521", "泸县住房和城乡建设局").await,
        lead,
        lead_id,
        unit_id: app.unit_id("510521", "泸县住房和城乡建设局").await,
    }
}

async fn submit_in_county(app: &TestApp, petitioner: &str, title: &str, key: &str) -> String {
    let data = app
        .ok(
            SUBMIT,
            json!({"i": {"jurisdictionCode": "510521", "title": title, "content": format!("{title}，请求处理。"),
                "idempotencyKey": key}}),
            petitioner,
        )
        .await;
    data["submitPetition"]["case"]["id"].as_str().unwrap().to_owned()
}

impl County {
    async fn assign(&self, app: &TestApp, case: &str) {
        let route = json!({"i": {"caseId": case, "action": "ASSIGN", "unitId": self.unit_id, "handlingDays": 30}});
        app.ok(ROUTE, route, &self.clerk).await;
    }

    async fn accept_and_classify(&self, app: &TestApp, case: &str) {
        app.ok(ACCEPT, json!({"i": {"caseId": case}}), &self.unit).await;
        app.ok(CLASSIFY, json!({"i": {"caseId": case, "category": "APPEAL_DEMAND"}}), &self.unit).await;
    }

    async fn answer(&self, app: &TestApp, case: &str) {
        let answer =
            json!({"i": {"caseId": case, "outcome": "SUPPORTED", "opinion": "予以支持", "servedVia": "ONLINE"}});
        app.ok(ANSWER, answer, &self.unit).await;
    }

    /// Designates the county's lead; `backlog` flags the case as a backlog case (积案).
    async fn designate(&self, app: &TestApp, case: &str, backlog: bool) {
        app.ok(DESIGNATE, json!({"i": {"caseId": case, "leadId": self.lead_id, "backlog": backlog}}), &self.clerk)
            .await;
    }
}

fn ratio(v: &Value) -> (i64, i64, Option<f64>) {
    (v["numerator"].as_i64().unwrap(), v["denominator"].as_i64().unwrap(), v["rate"].as_f64())
}

async fn stats(app: &TestApp, token: &str, code: &str, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Value {
    let vars = json!({"c": code, "from": from.to_string(), "to": to.to_string()});
    app.ok(STATS, vars, token).await["jurisdiction"]["stats"].clone()
}

#[tokio::test]
async fn every_figure_agrees_with_its_definition() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let petitioner = app.token("demo.petitioner").await;
    let committee = app.token("demo.committee").await;
    let start = app.clock_today();

    // A: routed, accepted and answered in time, evaluated (bureau satisfied, unit not).
    let a = submit_in_county(&app, &petitioner, "村道塌方影响通行", "a").await;
    // D repeats A while it is open; B and C are other matters.
    submit_in_county(&app, &petitioner, "村道塌方影响通行", "d").await;
    let b = submit_in_county(&app, &petitioner, "养老保险待遇核定有误", "b").await;
    let _c = submit_in_county(&app, &petitioner, "宅基地确权登记迟迟未办", "c").await;
    app.clock.advance(Duration::days(2));
    c.assign(&app, &a).await;
    c.accept_and_classify(&app, &a).await;
    c.designate(&app, &a, false).await;
    app.clock.advance(Duration::days(18));
    c.answer(&app, &a).await;
    let evaluation = json!({"i": {"caseId": a, "bureau": "SATISFIED", "unit": "DISSATISFIED", "reason": "答复不具体"}});
    app.ok(EVALUATE, evaluation, &petitioner).await;
    // B: routed late (day 20 of 15), accepted, never answered; it has a lead and a supervision notice.
    c.assign(&app, &b).await;
    c.accept_and_classify(&app, &b).await;
    c.designate(&app, &b, false).await;
    let notice = json!({"i": {"caseIds": [b], "targetUnitId": c.unit_id, "noticeType": "SUPERVISION",
        "trigger": "OVERDUE_HANDLING", "requirements": "限期答复"}});
    app.ok(
        "mutation($i: IssueSupervisionNoticeInput!) { issueSupervisionNotice(input: $i) { id } }",
        notice,
        &committee,
    )
    .await;
    // C and D are never routed. Eighty days on, everything owed has run out.
    app.clock.advance(Duration::days(80));

    // The period covers the receipts and the leads' designation (days 2 and 20).
    let s = stats(&app, &committee, "510521", start - Duration::days(1), start + Duration::days(30)).await;
    assert_eq!(s["received"], 4, "{s}");
    assert_eq!(ratio(&s["timelyAcceptance"]), (1, 4, Some(25.0)), "A on time; B late; C, D unrouted");
    assert_eq!(ratio(&s["onTimeAnswer"]), (1, 2, Some(50.0)), "A on time; B overdue");
    assert_eq!(ratio(&s["participation"]), (1, 1, Some(100.0)), "A evaluated, its window was the only one");
    assert_eq!(ratio(&s["bureauSatisfaction"]), (1, 1, Some(100.0)));
    assert_eq!(ratio(&s["unitSatisfaction"]), (0, 1, Some(0.0)));
    assert_eq!(ratio(&s["repeatRate"]), (1, 4, Some(25.0)), "D repeats A");
    assert_eq!(ratio(&s["backlog"]), (3, 4, Some(75.0)), "B, C, D past due; A answered and owed nothing");
    assert_eq!(ratio(&s["caseLeadResolution"]), (1, 2, Some(50.0)), "A resolved, B not");
    assert_eq!(s["supervisionNotices"], json!({"issued": 1, "open": 1, "overdue": 1}));
    let month: i64 = s["monthly"].as_array().unwrap().iter().map(|m| m["received"].as_i64().unwrap()).sum();
    assert_eq!(month, 4);

    // The same cases count for the city and the province, and nothing for a period without them.
    let city = stats(&app, &committee, "510500", start - Duration::days(1), start + Duration::days(1)).await;
    assert!(city["received"].as_i64().unwrap() >= 4);
    let (from, to) = (start - Duration::days(400), start - Duration::days(300));
    let empty = stats(&app, &committee, "510521", from, to).await;
    assert_eq!((empty["received"].as_i64(), ratio(&empty["onTimeAnswer"]).2), (Some(0), None));
    // A hundred days touch four or five calendar months, depending on the day the test runs.
    let months = (to.year() * 12 + to.month() as i32) - (from.year() * 12 + from.month() as i32) + 1;
    assert_eq!(empty["monthly"].as_array().unwrap().len() as i32, months, "empty months are listed too: {empty}");

    same_after_folding_and_recounting(
        &app,
        &committee,
        &[("510521", start - Duration::days(1), start + Duration::days(30))],
    )
    .await;
}

/// The figures the triggers kept as the cases moved are what folding their differences into the totals, and then
/// recounting everything from the cases, give.
async fn same_after_folding_and_recounting(
    app: &TestApp,
    token: &str,
    periods: &[(&str, chrono::NaiveDate, chrono::NaiveDate)],
) -> Vec<Value> {
    let mut kept = Vec::new();
    for (code, from, to) in periods {
        kept.push(stats(app, token, code, *from, *to).await);
    }
    let pending =
        |app: &TestApp| crate::helpers::number(&mut app.conn(), "SELECT count(*) AS n FROM case_figure_changes", &[]);
    assert!(pending(app) > 0, "the steps left differences to fold");
    assert!(figures::compact(&mut app.conn()).unwrap().is_some_and(|n| n > 0));
    assert_eq!(pending(app), 0);
    for ((code, from, to), before) in periods.iter().zip(&kept) {
        assert_eq!(&stats(app, token, code, *from, *to).await, before, "folded: {code}");
    }
    figures::rebuild(&mut app.conn(), "Asia/Shanghai").unwrap();
    for ((code, from, to), before) in periods.iter().zip(&kept) {
        assert_eq!(&stats(app, token, code, *from, *to).await, before, "recounted: {code}");
    }
    kept
}

#[tokio::test]
async fn the_demo_figures_are_what_a_recount_gives() {
    let app = spawn_app().await;
    let committee = app.token("demo.committee").await;
    let today = app.clock_today();
    // Submitting leaves a difference to fold; the demo data was loaded through the same triggers.
    let petitioner = app.token("demo.petitioner").await;
    submit_in_county(&app, &petitioner, "路灯损坏无人维修", "r").await;
    let years: Vec<_> = (0..5)
        .map(|y| (today - Duration::days(730 * (y + 1)), today - Duration::days(730 * y)))
        .map(|(from, to)| ("510000", from + Duration::days(1), to))
        .collect();
    let kept = same_after_folding_and_recounting(&app, &committee, &years).await;
    let received: i64 = kept.iter().map(|s| s["received"].as_i64().unwrap()).sum();
    assert!(received >= 9, "the demo cases and the new one count: {received}");
}

#[tokio::test]
async fn the_database_calls_open_what_the_rules_call_open() {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Open {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        open: bool,
    }
    let app = spawn_app().await;
    for status in CaseStatus::ALL {
        let open = diesel::sql_query("SELECT case_is_open($1) AS open")
            .bind::<diesel::sql_types::Text, _>(status.as_str())
            .get_result::<Open>(&mut app.conn())
            .unwrap()
            .open;
        assert_eq!(open, status.is_open(), "{status:?}");
    }
}

/// The CHECK constraints on statuses and event kinds know exactly the domain's sets: every value the service
/// writes is accepted, and nothing else is listed.
#[tokio::test]
async fn the_database_knows_exactly_the_statuses_and_event_kinds_of_the_rules() {
    use diesel::RunQueryDsl;
    use petition_api::domain::case::{Category, Channel, EventKind, Outcome, Routing};
    use petition_api::domain::escalation::{EscalationDecision, EscalationKind, EscalationStatus};
    use petition_api::domain::organisation::{JurisdictionLevel, UnitKind};
    use petition_api::domain::role::Role;
    use petition_api::domain::schedule::DeadlineKind;
    use petition_api::domain::supervision::{NoticeEventKind, NoticeStatus, NoticeTrigger, NoticeType};
    use std::collections::BTreeSet;
    #[derive(diesel::QueryableByName)]
    struct Definition {
        #[diesel(sql_type = diesel::sql_types::Text)]
        body: String,
    }
    let app = spawn_app().await;
    // The quoted values of a function's body or a constraint's definition.
    let listed = |definition_sql: String| -> BTreeSet<String> {
        let body = diesel::sql_query(definition_sql).get_result::<Definition>(&mut app.conn()).unwrap().body;
        body.split('\'').skip(1).step_by(2).filter(|v| *v != "text").map(str::to_owned).collect()
    };
    let function = |name: &str| listed(format!("SELECT pg_get_functiondef('{name}'::regproc) AS body"));
    let constraint = |table: &str, name: &str| {
        listed(format!(
            "SELECT pg_get_constraintdef(oid) AS body FROM pg_constraint \
             WHERE conrelid = '{table}'::regclass AND conname = '{name}'"
        ))
    };
    fn all<T: Copy>(values: &[T], text: fn(T) -> &'static str) -> BTreeSet<String> {
        values.iter().map(|v| text(*v).to_owned()).collect()
    }
    assert_eq!(function("case_status_is_known"), all(CaseStatus::ALL, CaseStatus::as_str));
    assert_eq!(function("case_event_kind_is_known"), all(EventKind::ALL, EventKind::as_str));
    assert_eq!(function("role_is_known"), all(Role::ALL, Role::as_str));
    assert_eq!(function("deadline_kind_is_known"), all(DeadlineKind::ALL, DeadlineKind::as_str));
    assert_eq!(function("notice_event_kind_is_known"), all(NoticeEventKind::ALL, NoticeEventKind::as_str));
    let inline = [
        (
            constraint("jurisdictions", "jurisdictions_level_check"),
            all(JurisdictionLevel::ALL, JurisdictionLevel::as_str),
        ),
        (constraint("units", "units_kind_check"), all(UnitKind::ALL, UnitKind::as_str)),
        (constraint("cases", "cases_channel_check"), all(Channel::ALL, Channel::as_str)),
        (constraint("cases", "cases_category_check"), all(Category::ALL, Category::as_str)),
        (constraint("cases", "cases_routing_check"), all(Routing::ALL, Routing::as_str)),
        (constraint("cases", "cases_outcome_check"), all(Outcome::ALL, Outcome::as_str)),
        (constraint("escalations", "escalations_kind_check"), all(EscalationKind::ALL, EscalationKind::as_str)),
        (constraint("escalations", "escalations_status_check"), all(EscalationStatus::ALL, EscalationStatus::as_str)),
        (
            constraint("escalations", "escalations_decision_check"),
            all(EscalationDecision::ALL, EscalationDecision::as_str),
        ),
        (
            constraint("supervision_notices", "supervision_notices_notice_type_check"),
            all(NoticeType::ALL, NoticeType::as_str),
        ),
        (
            constraint("supervision_notices", "supervision_notices_trigger_reason_check"),
            all(NoticeTrigger::ALL, NoticeTrigger::as_str),
        ),
        (
            constraint("supervision_notices", "supervision_notices_status_check"),
            all(NoticeStatus::ALL, NoticeStatus::as_str),
        ),
    ];
    for (i, (in_database, in_rules)) in inline.iter().enumerate() {
        assert_eq!(in_database, in_rules, "constraint {i}");
    }

    // And the constraints use them: a status nobody knows is refused, and changes nothing.
    let refused =
        diesel::sql_query("UPDATE cases SET status = 'PENDING' WHERE reference = (SELECT min(reference) FROM cases)")
            .execute(&mut app.conn());
    assert!(format!("{:?}", refused.unwrap_err()).contains("cases_status_known"));
    let refused = diesel::sql_query("UPDATE accounts SET roles = '{CLERK,ROOT}' WHERE username = 'demo.clerk'")
        .execute(&mut app.conn());
    assert!(format!("{:?}", refused.unwrap_err()).contains("accounts_roles_known"));
    // The role a file was attached in is read as a closed set too.
    let known = "SELECT count(*) AS n FROM pg_constraint WHERE conname = 'attachments_uploader_role_known'";
    assert_eq!(crate::helpers::number(&mut app.conn(), known, &[]), 1);
}

#[tokio::test]
async fn a_county_whose_leads_resolved_22_of_26_reports_84_6_percent() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let petitioner = app.token("demo.petitioner").await;
    let start = app.clock_today();
    let matters = [
        "征地补偿",
        "拖欠工资",
        "物业维修",
        "噪音扰民",
        "违建拆除",
        "医疗纠纷",
        "学位分配",
        "低保认定",
        "水费争议",
        "道路积水",
        "供暖不足",
        "采砂污染",
        "退役安置",
    ];
    let mut cases = Vec::new();
    for (i, place) in ["东", "西"].iter().flat_map(|p| matters.iter().map(move |m| (p, m))).enumerate() {
        let title = format!("{}{}第{}号积案", place.0, place.1, i + 1);
        let id = submit_in_county(&app, &petitioner, &title, &format!("k{i}")).await;
        c.assign(&app, &id).await;
        c.accept_and_classify(&app, &id).await;
        c.designate(&app, &id, true).await;
        cases.push(id);
    }
    assert_eq!(cases.len(), 26);
    for id in &cases[..22] {
        c.answer(&app, id).await;
    }
    let committee = app.token("demo.committee").await;
    let s = stats(&app, &committee, "510521", start, start).await;
    assert_eq!(ratio(&s["caseLeadResolution"]), (22, 26, Some(84.6)));
    // The lead sees it too; a handling unit's clerk and a clerk of the next county do not.
    assert_eq!(ratio(&stats(&app, &c.lead, "510521", start, start).await["caseLeadResolution"]).0, 22);
    let vars = json!({"c": "510521", "from": start.to_string(), "to": start.to_string()});
    assert_eq!(app.fails(STATS, vars.clone(), Some(&c.unit)).await, "FORBIDDEN");
    let neighbour = app.token("demo.clerk").await;
    assert_eq!(app.fails(STATS, vars.clone(), Some(&neighbour)).await, "FORBIDDEN");
    assert_eq!(app.fails(STATS, vars, None).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_province_and_all_its_counties_cost_one_read_of_the_figures() {
    let app = spawn_app().await;
    let committee = app.token("demo.committee").await;
    app.until_caller_remembered(&committee).await;
    // Every figure, for the province, its cities and their counties: within the complexity limit.
    let q = "query($c: String!) { jurisdiction(code: $c) {
        name stats(from: \"2022-01-01\", to: \"2022-12-31\") { ...f }
        children { code name stats(from: \"2022-01-01\", to: \"2022-12-31\") { ...f }
          children { code name stats(from: \"2022-01-01\", to: \"2022-12-31\") { ...f } } } } }
      fragment f on JurisdictionStats { from to received timelyAcceptance { numerator denominator rate }
        onTimeAnswer { numerator denominator rate } participation { numerator denominator rate }
        bureauSatisfaction { numerator denominator rate } unitSatisfaction { numerator denominator rate }
        repeatRate { numerator denominator rate } backlog { numerator denominator rate }
        caseLeadResolution { numerator denominator rate } supervisionNotices { issued open overdue }
        monthly { month received timelyAcceptance { rate } onTimeAnswer { rate } unitSatisfaction { rate } } }";
    let mut trips = Vec::new();
    for code in ["510000", "510500", "513300"] {
        let before = (app.db.calls(), app.db.statements());
        let data = app.ok(q, json!({"c": code}), &committee).await;
        trips.push((app.db.calls() - before.0, app.db.statements() - before.1));
        assert!(!data["jurisdiction"]["children"].as_array().unwrap().is_empty());
    }
    // Sichuan has 2 cities and 10 counties below, 泸州 7 counties and their townships: the same round trips.
    assert_eq!(trips[0], trips[1], "{trips:?}");
    // One statement for the jurisdiction, one per level for the children, and the four of the figures, read once
    // for the whole subtree: the cities' and counties' figures are sums of what was read for the province.
    assert!(trips.iter().all(|t| *t == (4, 7)), "{trips:?}");

    // Bad periods name the argument.
    let bad = "{ jurisdiction(code: \"510000\") { stats(from: \"2022-02-01\", to: \"2022-01-01\") { received } } }";
    let body = app.graphql(bad, json!({}), Some(&committee)).await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "to");
    let long = "{ jurisdiction(code: \"510000\") { stats(from: \"2020-01-01\", to: \"2022-12-31\") { received } } }";
    assert_eq!(app.fails(long, json!({}), Some(&committee)).await, "BAD_USER_INPUT");
}

/// The figures of the subtree at `path` for the local days `[from, to]` at `now`, counted straight from the cases
/// and their stored deadlines by the definitions of DOMAIN.md §8 (what the service counted before it kept
/// aggregates): received, timely acceptance, on-time answer, participation, backlog, as (numerator, denominator).
fn recount(
    app: &TestApp,
    path: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(i64, i64)> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::BigInt>)]
        v: Vec<i64>,
    }
    let sql = "WITH c AS (SELECT cs.* FROM cases cs JOIN jurisdictions j ON j.code = cs.jurisdiction_code
                   WHERE starts_with(j.path, $1) AND (cs.received_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $2 AND $3),
              d AS (SELECT d.* FROM case_deadlines d WHERE d.case_id IN (SELECT id FROM c)),
              o AS (SELECT cs.* FROM cases cs JOIN jurisdictions j ON j.code = cs.jurisdiction_code
                   WHERE starts_with(j.path, $1) AND case_is_open(cs.status))
         SELECT ARRAY[(SELECT count(*) FROM c),
           (SELECT count(*) FROM d WHERE kind = 'ROUTE' AND met_at <= due_at),
           (SELECT count(*) FROM d WHERE kind = 'ROUTE' AND (met_at IS NOT NULL OR (NOT waived AND due_at <= $4))),
           (SELECT count(*) FROM d WHERE kind = 'ANSWER' AND met_at <= due_at),
           (SELECT count(*) FROM d WHERE kind = 'ANSWER' AND (met_at IS NOT NULL OR (NOT waived AND due_at <= $4))),
           (SELECT count(*) FROM d WHERE kind = 'EVALUATE' AND met_at IS NOT NULL),
           (SELECT count(*) FROM d WHERE kind = 'EVALUATE' AND (met_at IS NOT NULL OR (NOT waived AND due_at <= $4))),
           (SELECT count(*) FROM o WHERE next_due_at <= $4 OR is_backlog),
           (SELECT count(*) FROM o),
           (SELECT count(*) FROM c WHERE received_level <> 'LOCAL')] AS v";
    let v = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Text, _>(path)
        .bind::<diesel::sql_types::Date, _>(from)
        .bind::<diesel::sql_types::Date, _>(to)
        .bind::<diesel::sql_types::Timestamptz, _>(now)
        .get_result::<Row>(&mut app.conn())
        .unwrap()
        .v;
    vec![(v[0], v[0]), (v[1], v[2]), (v[3], v[4]), (v[5], v[6]), (v[7], v[8]), (v[9], v[0])]
}

fn shown(s: &Value) -> Vec<(i64, i64)> {
    let r = |k: &str| (ratio(&s[k]).0, ratio(&s[k]).1);
    let received = s["received"].as_i64().unwrap();
    let skip = (ratio(&s["skipLevel"]["all"]).0, ratio(&s["skipLevel"]["all"]).1);
    vec![(received, received), r("timelyAcceptance"), r("onTimeAnswer"), r("participation"), r("backlog"), skip]
}

#[tokio::test]
async fn the_kept_figures_are_what_the_definitions_count_from_the_cases() {
    let app = spawn_app().await;
    let committee = app.token("demo.committee").await;
    let settings = petition_api::config::Settings::from_lookup(|_| None).unwrap();
    let plan = petition_api::generate::Plan { cases: 4000, years: 2, ..Default::default() };
    let now = petition_api::clock::Clock::now(&*app.clock);
    // On a thread of its own: the server shares this test's runtime and must keep serving meanwhile.
    let pool = app.pool.clone();
    tokio::task::spawn_blocking(move || {
        petition_api::generate::run(&mut pool.get().unwrap(), &settings, &plan, now, |_, _| {}).unwrap()
    })
    .await
    .unwrap();
    let today = app.clock_today();
    for (days_back, len) in [(700, 365), (365, 365), (60, 60)] {
        let (from, to) = (today - Duration::days(days_back), today - Duration::days(days_back - len + 1));
        for (code, path) in [("510000", "510000/"), ("510500", "510000/510500/")] {
            let s = stats(&app, &committee, code, from, to).await;
            assert_eq!(shown(&s), recount(&app, path, from, to, now), "{code} {from}..{to}: {s}");
            assert!(len < 365 || s["skipLevel"]["all"]["numerator"].as_i64() > Some(0), "skip-level ones: {s}");
        }
    }
    // Weeks later, deadlines have run out and the old ones were folded: still what the definitions count.
    app.clock.advance(Duration::days(40));
    figures::compact(&mut app.conn()).unwrap();
    let now = petition_api::clock::Clock::now(&*app.clock);
    let (from, to) = (today - Duration::days(120), today);
    let s = stats(&app, &committee, "510000", from, to).await;
    assert_eq!(shown(&s), recount(&app, "510000/", from, to, now), "{s}");
}

/// Skip-level petitions (越级): received by the city's or the province's bureau, or through a national channel,
/// about a county's matter, counted for that county by the level they reached, over all its petitions, with the
/// repeat petitions among them; in the period and month by month.
#[tokio::test]
async fn skip_level_petitions_are_counted_by_the_level_they_reached() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let county = app.token("demo.clerk").await;
    let city = app.token("demo.city").await;
    let province = app.token("demo.province").await;
    let submit = |title: &str, addressed: Option<&str>, key: &str| {
        json!({"i": {"jurisdictionCode": "510502", "title": title, "content": format!("{title}，请求处理。"),
            "idempotencyKey": key, "addressedTo": addressed}})
    };
    let record = |title: &str, national: bool| {
        json!({"i": {"jurisdictionCode": "510502", "channel": "LETTER", "title": title,
            "content": format!("{title}，请求处理。"), "petitioner": {"name": "张某"}, "nationalChannel": national,
            "receivedAt": petition_api::clock::Clock::now(&*app.clock) - Duration::minutes(5)}})
    };
    let record_as = "mutation($i: RecordPetitionInput!) { recordPetition(input: $i) { case { id receivedLevel
        receivedBy { code } repeatOf { id } } } }";
    let submit_as = "mutation($i: SubmitPetitionInput!) { submitPetition(input: $i) { case { id receivedLevel
        receivedBy { code } repeatOf { id } } } }";

    let local = app.ok(submit_as, submit("路灯长期不亮", None, "skip-1"), &petitioner).await;
    assert_eq!(local["submitPetition"]["case"]["receivedLevel"], "LOCAL");
    assert!(local["submitPetition"]["case"]["receivedBy"].is_null());
    let to_city = app.ok(submit_as, submit("小区电梯长期停运", Some("510500"), "skip-2"), &petitioner).await;
    assert_eq!(to_city["submitPetition"]["case"]["receivedLevel"], "CITY");
    assert_eq!(to_city["submitPetition"]["case"]["receivedBy"]["code"], "510500");
    // The same matter again, now to the province: a repeat petition among the skip-level ones.
    let again = app.ok(submit_as, submit("小区电梯长期停运", Some("510000"), "skip-3"), &petitioner).await;
    assert_eq!(again["submitPetition"]["case"]["receivedLevel"], "PROVINCE");
    assert!(again["submitPetition"]["case"]["repeatOf"]["id"].is_string(), "{again}");
    let by_city = app.ok(record_as, record("来信反映工资拖欠", false), &city).await;
    assert_eq!(by_city["recordPetition"]["case"]["receivedLevel"], "CITY");
    let national = app.ok(record_as, record("国家信访局转来：征地补偿", true), &province).await;
    assert_eq!(national["recordPetition"]["case"]["receivedLevel"], "NATIONAL");
    assert_eq!(national["recordPetition"]["case"]["receivedBy"]["code"], "510000");
    let at_home = app.ok(record_as, record("来信反映道路破损", false), &county).await;
    assert_eq!(at_home["recordPetition"]["case"]["receivedLevel"], "LOCAL");

    // Refusals name the field and change nothing.
    let refused = app.graphql(record_as, record("市局误选国家渠道", true), Some(&city)).await;
    assert_eq!(refused["errors"][0]["extensions"]["field"], "input.nationalChannel", "{refused}");
    let refused = app.graphql(submit_as, submit("寄错县", Some("510503"), "skip-4"), Some(&petitioner)).await;
    assert_eq!(refused["errors"][0]["extensions"]["field"], "input.addressedTo", "{refused}");
    let refused = app.graphql(submit_as, submit("寄错地方", Some("999999"), "skip-5"), Some(&petitioner)).await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "NOT_FOUND", "{refused}");

    let today = app.clock_today();
    let query = "query($c: String!, $from: NaiveDate!, $to: NaiveDate!) { jurisdiction(code: $c) {
        stats(from: $from, to: $to) { received
          skipLevel { all { numerator denominator rate } city { numerator } province { numerator }
                      national { numerator } repeats { numerator denominator } }
          monthly { month received skipLevel { all { numerator denominator } } } } } }";
    let committee = app.token("demo.committee").await;
    for place in ["510502", "510500", "510000"] {
        let vars = json!({"c": place, "from": today - Duration::days(1), "to": today});
        let stats = app.ok(query, vars, &committee).await["jurisdiction"]["stats"].clone();
        assert_eq!(stats["received"], 6, "{place}: {stats}");
        let skip = &stats["skipLevel"];
        assert_eq!(skip["all"], json!({"numerator": 4, "denominator": 6, "rate": 66.7}), "{place}: {skip}");
        assert_eq!(
            [&skip["city"]["numerator"], &skip["province"]["numerator"], &skip["national"]["numerator"]],
            [&json!(2), &json!(1), &json!(1)],
            "{place}: {skip}"
        );
        assert_eq!(skip["repeats"], json!({"numerator": 1, "denominator": 4}), "{place}: {skip}");
        let months = stats["monthly"].as_array().unwrap();
        let in_months: i64 = months.iter().map(|m| m["skipLevel"]["all"]["numerator"].as_i64().unwrap()).sum();
        assert_eq!(in_months, 4, "{place}: {months:?}");
    }
    // Another county shows none of them.
    let vars = json!({"c": "510503", "from": today - Duration::days(1), "to": today});
    let other = app.ok(query, vars, &committee).await;
    assert_eq!(other["jurisdiction"]["stats"]["skipLevel"]["all"]["numerator"], 0);
}

/// A county's report leads with comparisons on last year ("visits to the province down 81.8%"): two years of a
/// county's petitions, some received by the city and the province, read in one request with the compared period
/// and every change.
#[tokio::test]
async fn a_period_is_compared_with_the_same_days_last_year_in_one_request() {
    let app = spawn_app().await;
    let today = app.clock_today();
    // Days with no demo case in either year.
    let (from, to) = (today - Duration::days(200), today - Duration::days(100));
    let noon = |day: chrono::NaiveDate| {
        day.and_hms_opt(4, 0, 0).unwrap().and_utc() // 12:00 in Shanghai
    };
    let record = |day: chrono::NaiveDate, n: usize| {
        json!({"i": {"jurisdictionCode": "510502", "channel": "VISIT", "receivedAt": noon(day),
            "title": format!("第{n}件来访事项"), "content": format!("第{n}件来访事项的内容。"),
            "petitioner": {"name": format!("来访人{n}")}}})
    };
    let record_as = "mutation($i: RecordPetitionInput!) { recordPetition(input: $i) { case { receivedLevel } } }";
    let (county, city, province) =
        (app.token("demo.clerk").await, app.token("demo.city").await, app.token("demo.province").await);
    // Last year: 11 to the province, 4 to the city, 5 at home. This year: 2, 2 and 6.
    let last_year = |d: chrono::NaiveDate| d.with_year(d.year() - 1).unwrap();
    let mut n = 0;
    for (day, who, count) in [
        (last_year(from + Duration::days(10)), &province, 11),
        (last_year(from + Duration::days(20)), &city, 4),
        (last_year(from + Duration::days(30)), &county, 5),
        (from + Duration::days(10), &province, 2),
        (from + Duration::days(20), &city, 2),
        (from + Duration::days(30), &county, 6),
    ] {
        for _ in 0..count {
            n += 1;
            app.ok(record_as, record(day, n), who).await;
        }
    }
    let query = "query($from: NaiveDate!, $to: NaiveDate!) { jurisdiction(code: \"510502\") {
        stats(from: $from, to: $to, compareWith: SAME_PERIOD_LAST_YEAR) {
          received skipLevel { province { numerator } }
          compared { from to received skipLevel { province { numerator } city { numerator } } }
          change {
            received { current compared absolute percent }
            skipLevel { province { numerator { current compared absolute percent } rate { current compared } }
                        city { numerator { percent } } national { numerator { percent } } }
            timelyAcceptance { rate { percent } }
          } } } }";
    let committee = app.token("demo.committee").await;
    let stats = app.ok(query, json!({"from": from, "to": to}), &committee).await["jurisdiction"]["stats"].clone();
    assert_eq!(stats["received"], 10, "{stats}");
    assert_eq!(stats["compared"]["from"], json!(last_year(from)));
    assert_eq!(stats["compared"]["received"], 20, "{stats}");
    assert_eq!(stats["compared"]["skipLevel"]["province"]["numerator"], 11);
    let change = &stats["change"];
    assert_eq!(change["received"], json!({"current": 10.0, "compared": 20.0, "absolute": -10.0, "percent": -50.0}));
    let province = &change["skipLevel"]["province"];
    assert_eq!(province["numerator"], json!({"current": 2.0, "compared": 11.0, "absolute": -9.0, "percent": -81.8}));
    assert_eq!(province["rate"], json!({"current": 20.0, "compared": 55.0}));
    assert_eq!(change["skipLevel"]["city"]["numerator"]["percent"], -50.0);
    // Nothing through national channels in either year: no base, no percentage.
    assert!(change["skipLevel"]["national"]["numerator"]["percent"].is_null());
    // Without compareWith there is nothing to compare.
    let plain = "query($from: NaiveDate!, $to: NaiveDate!) { jurisdiction(code: \"510502\") {
        stats(from: $from, to: $to) { received compared { received } change { received { percent } } } } }";
    let stats = app.ok(plain, json!({"from": from, "to": to}), &committee).await["jurisdiction"]["stats"].clone();
    assert!(stats["compared"].is_null() && stats["change"].is_null(), "{stats}");
}

/// A county's portal opens its townships: each township's list and figures hold the cases whose matter arose there
/// (filed under the county, with the township kept), and the county's figures are the same as ever.
#[tokio::test]
async fn a_countys_townships_show_their_own_cases_and_figures() {
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let committee = app.token("demo.committee").await;
    let townships = app.ok("{ jurisdiction(code: \"510503\") { children { code } } }", json!({}), &committee).await;
    let township = townships["jurisdiction"]["children"][0]["code"].as_str().expect("a township").to_owned();
    let today = app.clock_today();
    let count = |code: String| {
        let (app, committee) = (&app, committee.clone());
        async move { stats(app, &committee, &code, today, today).await["received"].as_i64().unwrap() }
    };
    let (county_before, township_before) = (count("510503".into()).await, count(township.clone()).await);
    let submit = "mutation($i: SubmitPetitionInput!) { submitPetition(input: $i) { case { id township { code } jurisdiction { code } } } }";
    let input = json!({"i": {"jurisdictionCode": township, "title": "村道破损", "content": "村道破损多年未修。",
        "idempotencyKey": "township-1"}});
    let case = app.ok(submit, input, &petitioner).await["submitPetition"]["case"].clone();
    assert_eq!(case["jurisdiction"]["code"], "510503");
    assert_eq!(case["township"]["code"], township.as_str());

    assert_eq!(count(township.clone()).await, township_before + 1);
    assert_eq!(count("510503".into()).await, county_before + 1, "the county counts it once");
    let listed = app
        .ok(
            "query($f: CaseFilterInput) { cases(filter: $f, first: 100) { nodes { id } } }",
            json!({"f": {"jurisdictionCode": township}}),
            &committee,
        )
        .await;
    let ids: Vec<&Value> = listed["cases"]["nodes"].as_array().unwrap().iter().map(|n| &n["id"]).collect();
    assert!(ids.contains(&&case["id"]), "{listed}");
    // Another township of the county does not list it.
    if let Some(other) = townships["jurisdiction"]["children"][1]["code"].as_str() {
        let listed = app
            .ok(
                "query($f: CaseFilterInput) { cases(filter: $f, first: 100) { nodes { id } } }",
                json!({"f": {"jurisdictionCode": other}}),
                &committee,
            )
            .await;
        assert!(!listed.to_string().contains(case["id"].as_str().unwrap()), "{listed}");
    }
}
