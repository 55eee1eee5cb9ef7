//! The demo cases' real stories, replayed through the API from receipt to their end state by the people who
//! would act in life: the county bureau's clerk records and routes, the handling unit's clerk accepts and answers,
//! a case lead takes charge of backlog cases, the petitioner evaluates. The clock is set to each step's date.

use chrono::{NaiveDate, TimeZone};
use petition_api::domain::role::Role;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const DEMO: &str = include_str!("../../data/demo/demo-cases.json");

fn at(day: NaiveDate) -> chrono::DateTime<chrono::Utc> {
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn date(v: &Value) -> Option<NaiveDate> {
    v.as_str().and_then(|s| s.parse().ok())
}

/// The unit that handles a demo case: its township's government, else a county department by subject.
async fn handling_unit(app: &TestApp, case: &Value) -> (String, String) {
    let county = case["jurisdiction"].as_str().unwrap();
    let (code, name) = match case["township"].as_str() {
        Some(t) => {
            let body =
                app.graphql("query($c: String!) { jurisdiction(code: $c) { name } }", json!({"c": t}), None).await;
            (t.to_owned(), format!("{}人民政府", body["data"]["jurisdiction"]["name"].as_str().unwrap()))
        }
        None => {
            let body =
                app.graphql("query($c: String!) { jurisdiction(code: $c) { name } }", json!({"c": county}), None).await;
            (county.to_owned(), format!("{}住房和城乡建设局", body["data"]["jurisdiction"]["name"].as_str().unwrap()))
        }
    };
    let id = app.unit_id(&code, &name).await;
    (code, id)
}

#[tokio::test]
async fn every_demo_story_replays_through_the_api() {
    // Every story registers its petitioner, all from this one address: more than production allows an address.
    let app = crate::helpers::spawn_app_with(&[("REGISTRATIONS_PER_HOUR", "1000")]).await;
    let file: Value = serde_json::from_str(DEMO).unwrap();
    let mut ends = Vec::new();
    for (n, case) in file["cases"].as_array().unwrap().iter().enumerate() {
        let county = case["jurisdiction"].as_str().unwrap();
        let key = case["key"].as_str().unwrap().replace('-', "_");
        // The people of this county.
        let county_name = app
            .graphql("query($c: String!) { jurisdiction(code: $c) { name } }", json!({"c": county}), None)
            .await["data"]["jurisdiction"]["name"]
            .as_str()
            .unwrap()
            .to_owned();
        let clerk = app.staff(&format!("{key}.clerk"), Role::Clerk, county, &format!("{county_name}信访局")).await;
        let lead = app.staff(&format!("{key}.lead"), Role::CaseLead, county, &format!("{county_name}信访局")).await;
        let (unit_code, unit_id) = handling_unit(&app, case).await;
        let unit_name = app
            .graphql(
                "query($c: String!) { jurisdiction(code: $c) { units { id name } } }",
                json!({"c": unit_code}),
                None,
            )
            .await["data"]["jurisdiction"]["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == unit_id.as_str())
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_owned();
        let unit = app.staff(&format!("{key}.unit"), Role::Clerk, &unit_code, &unit_name).await;
        let petitioner_name = format!("{key}.petitioner");
        let petitioner = app
            .graphql(
                "mutation($u: String!) { registerPetitioner(input: {username: $u, password: \"demo-password\", displayName: \"信访人\"}) { accessToken account { id } } }",
                json!({"u": petitioner_name}),
                None,
            )
            .await;
        let petitioner_token = petitioner["data"]["registerPetitioner"]["accessToken"].as_str().unwrap().to_owned();
        let petitioner_id = petitioner["data"]["registerPetitioner"]["account"]["id"].clone();

        // Undated stories get plausible dates a week apart.
        let mut day = date(&case["submitted_on"])
            .or_else(|| {
                case["timeline"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find_map(|s| date(&s["on"]))
                    .map(|d| d - chrono::Duration::days(7))
            })
            .unwrap_or(NaiveDate::from_ymd_opt(2023, 3, 1).unwrap() + chrono::Duration::days(9 * n as i64));
        app.clock.set(at(day) + chrono::Duration::hours(1));
        let channel = match case["channel"].as_str().unwrap() {
            "ONLINE" | "MOBILE" => "VISIT", // recorded here on the petitioner's behalf
            other => other,
        };
        let recorded = app
            .ok(
                "mutation($i: RecordPetitionInput!) { recordPetition(input: $i) { case { id } } }",
                json!({"i": {"jurisdictionCode": case["township"].as_str().unwrap_or(county), "channel": channel,
                    "receivedAt": at(day), "title": case["title"], "content": case["content"], "category": case["category"],
                    "petitioner": {"name": case["petitioner"], "accountId": petitioner_id},
                    "anonymous": case["anonymous"].as_bool().unwrap_or(false),
                    "groupSize": case["group_size"].as_i64().unwrap_or(1)}}),
                &clerk,
            )
            .await;
        let id = recorded["recordPetition"]["case"]["id"].as_str().unwrap().to_owned();
        let step = |q: &'static str, input: Value| (q, input);
        let mut routed = false;
        let mut lead_designated = false;

        let handling_days = case["handling_days"].as_i64();
        let mut plan: Vec<(NaiveDate, (&str, Value), &String)> = Vec::new();
        let route = |days: Option<i64>| {
            step(
                "mutation($i: RouteCaseInput!) { routeCase(input: $i) { id } }",
                json!({"caseId": id, "action": "ASSIGN", "unitId": unit_id, "handlingDays": days.unwrap_or(60)}),
            )
        };
        let accept = step("mutation($i: CaseStepInput!) { acceptCase(input: $i) { id } }", json!({"caseId": id}));
        let classify = step(
            "mutation($i: ClassifyCaseInput!) { classifyCase(input: $i) { id } }",
            json!({"caseId": id, "category": case["category"]}),
        );
        if handling_days.is_some() {
            day += chrono::Duration::days(1);
            plan.extend([
                (day, route(handling_days), &clerk),
                (day, accept.clone(), &unit),
                (day, classify.clone(), &unit),
            ]);
            routed = true;
        }
        for s in case["timeline"].as_array().unwrap() {
            day = date(&s["on"]).unwrap_or(day + chrono::Duration::days(3)).max(day);
            let note = s["note"].as_str().unwrap_or("");
            match s["what"].as_str().unwrap() {
                "ASSIGNED" => {
                    plan.extend([
                        (day, route(None), &clerk),
                        (day, accept.clone(), &unit),
                        (day, classify.clone(), &unit),
                    ]);
                    routed = true;
                }
                "ANSWERED" => {
                    if !routed {
                        plan.extend([
                            (day, route(None), &clerk),
                            (day, accept.clone(), &unit),
                            (day, classify.clone(), &unit),
                        ]);
                        routed = true;
                    }
                    let actor = if lead_designated { &lead } else { &unit };
                    plan.push((
                        day,
                        step(
                            "mutation($i: AnswerCaseInput!) { answerCase(input: $i) { id } }",
                            json!({"caseId": id, "outcome": s["outcome"], "opinion": note, "servedVia": "IN_PERSON"}),
                        ),
                        actor,
                    ));
                }
                "ROUTED_OUT" => plan.push((
                    day,
                    step(
                        "mutation($i: RouteCaseInput!) { routeCase(input: $i) { id } }",
                        json!({"caseId": id, "action": "ROUTE_OUT", "whereToGo": note}),
                    ),
                    &clerk,
                )),
                "CASE_LEAD_ASSIGNED" => {
                    let lead_id = app.ok("{ me { id } }", json!({}), &lead).await["me"]["id"].clone();
                    plan.push((
                        day,
                        step(
                            "mutation($i: DesignateCaseLeadInput!) { designateCaseLead(input: $i) { id } }",
                            json!({"caseId": id, "leadId": lead_id, "backlog": case["backlog"].as_bool().unwrap_or(false), "note": note}),
                        ),
                        &clerk,
                    ));
                    lead_designated = true;
                }
                activity => {
                    let kind = if activity == "VISIT" { "HOME_VISIT" } else { activity };
                    plan.push((
                        day,
                        step(
                            "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }",
                            json!({"caseId": id, "kind": kind, "happenedAt": at(day), "note": note, "staffOnly": false}),
                        ),
                        if routed { &unit } else { &clerk },
                    ));
                }
            }
        }
        if let Some(e) = case.get("evaluation") {
            day += chrono::Duration::days(2);
            let s = |v: &Value| v.as_str().unwrap().to_owned();
            plan.push((
                day,
                step(
                    "mutation($i: EvaluateCaseInput!) { evaluateCase(input: $i) { id } }",
                    json!({"caseId": id, "bureau": s(&e["bureau"]), "unit": s(&e["unit"])}),
                ),
                &petitioner_token,
            ));
        }
        if case.get("closure").is_some() {
            plan.push((
                day,
                step(
                    "mutation($i: CloseCaseInput!) { closeCase(input: $i) { id } }",
                    json!({"caseId": id, "reason": "COMMITMENT_SIGNED"}),
                ),
                &unit,
            ));
        }
        for (when, (q, input), token) in plan {
            app.clock.set(at(when) + chrono::Duration::hours(2));
            let body = app.graphql(q, json!({"i": input}), Some(token)).await;
            assert!(body["errors"].is_null(), "{}: {q} failed: {body}", case["key"]);
        }
        let end = app
            .ok(
                "query($id: ID!) { case(id: $id) { status outcome evaluation { bureau unit } } }",
                json!({"id": id}),
                &clerk,
            )
            .await;
        ends.push((case["key"].as_str().unwrap().to_owned(), end["case"]["status"].as_str().unwrap().to_owned()));
    }
    let status_of = |k: &str| ends.iter().find(|(key, _)| key == k).unwrap().1.clone();
    assert_eq!(status_of("luzhou-wages"), "ANSWERED");
    assert_eq!(status_of("chaoyang-facade"), "CLOSED");
    assert_eq!(status_of("litong-legal-channel"), "ROUTED_OUT");
    assert_eq!(status_of("litong-tree-shade"), "IN_PROGRESS");
    assert_eq!(status_of("open-accusation"), "SUBMITTED");
    assert_eq!(ends.len(), 14);
}
