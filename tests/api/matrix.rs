//! Every lifecycle operation × every kind of caller, in and out of scope: exactly the actors of DOMAIN.md §3 may
//! act; everyone else gets `UNAUTHENTICATED` (no token), `NOT_FOUND` (cannot see the case) or `FORBIDDEN` (can
//! see it, may not do this), and the case does not change.

use chrono::Utc;
use petition_api::domain::role::Role;
use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};
use crate::lifecycle::{assign, submit, ACCEPT, ANSWER, CLASSIFY, OBJECT};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
    Petitioner,
    OtherPetitioner,
    BureauClerk,
    UnitClerk,
    OtherUnitClerk,
    CaseLead,
    Committee,
    Admin,
    OtherCountyClerk,
    Anonymous,
}

use Actor::*;

const ALL: [Actor; 10] = [
    Petitioner,
    OtherPetitioner,
    BureauClerk,
    UnitClerk,
    OtherUnitClerk,
    CaseLead,
    Committee,
    Admin,
    OtherCountyClerk,
    Anonymous,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Submitted,
    Assigned,
    Accepted,
    InProgress,
    /// In progress, with demo.lead designated as its case lead.
    Led,
    Answered,
    Objected,
}

struct World {
    app: TestApp,
    tokens: Vec<(Actor, Option<String>)>,
    lead_id: String,
}

impl World {
    fn token(&self, actor: Actor) -> Option<&str> {
        self.tokens.iter().find(|(a, _)| *a == actor).and_then(|(_, t)| t.as_deref())
    }

    /// Whether `actor` can see a case of demo.petitioner in 江阳区, routed to 住建局 unless `Submitted`.
    fn sees(&self, actor: Actor, stage: Stage) -> bool {
        match actor {
            Petitioner | BureauClerk | Committee => true,
            CaseLead => true, // placed at the 江阳区 bureau: its subtree
            UnitClerk => stage != Stage::Submitted,
            OtherPetitioner | OtherUnitClerk | Admin | OtherCountyClerk | Anonymous => false,
        }
    }

    async fn prepare(&self, stage: Stage, n: usize) -> String {
        let app = &self.app;
        let petitioner = self.token(Petitioner).unwrap();
        let clerk = self.token(BureauClerk).unwrap();
        let unit = self.token(UnitClerk).unwrap();
        let (id, _, _) = submit(app, petitioner, &format!("矩阵测试 {stage:?} {n} {}", uuid::Uuid::new_v4())).await;
        if stage == Stage::Submitted {
            return id;
        }
        assign(app, clerk, &id, 30).await;
        if stage == Stage::Assigned {
            return id;
        }
        if stage == Stage::Objected {
            app.ok(OBJECT, json!({"i": {"caseId": id, "reasons": "不属于本单位职责"}}), unit).await;
            return id;
        }
        app.ok(ACCEPT, json!({"i": {"caseId": id}}), unit).await;
        if stage == Stage::Accepted {
            return id;
        }
        app.ok(CLASSIFY, json!({"i": {"caseId": id, "category": "APPEAL_DEMAND"}}), unit).await;
        if stage == Stage::Led {
            app.ok(
                "mutation($i: DesignateCaseLeadInput!) { designateCaseLead(input: $i) { id } }",
                json!({"i": {"caseId": id, "leadId": self.lead_id}}),
                clerk,
            )
            .await;
        }
        if matches!(stage, Stage::InProgress | Stage::Led) {
            return id;
        }
        app.ok(
            ANSWER,
            json!({"i": {"caseId": id, "outcome": "SUPPORTED", "opinion": "已处理", "servedVia": "ONLINE"}}),
            unit,
        )
        .await;
        id
    }

    async fn version(&self, id: &str) -> Value {
        let body = self
            .app
            .graphql("query($id: ID!) { case(id: $id) { version status } }", json!({"id": id}), self.token(BureauClerk))
            .await;
        body["data"]["case"].clone()
    }
}

struct Op {
    name: &'static str,
    mutation: &'static str,
    stage: Stage,
    input: fn(&str, &World) -> Value,
    allowed: &'static [Actor],
}

fn ops() -> Vec<Op> {
    vec![
        Op {
            name: "routeCase",
            mutation: "mutation($i: RouteCaseInput!) { routeCase(input: $i) { id } }",
            stage: Stage::Submitted,
            input: |id, _| json!({"caseId": id, "action": "NOT_ACCEPT", "reason": "不属于信访事项"}),
            allowed: &[BureauClerk],
        },
        Op {
            name: "acceptCase",
            mutation: ACCEPT,
            stage: Stage::Assigned,
            input: |id, _| json!({"caseId": id}),
            allowed: &[UnitClerk],
        },
        Op {
            name: "objectToCase",
            mutation: OBJECT,
            stage: Stage::Assigned,
            input: |id, _| json!({"caseId": id, "reasons": "非本单位职责"}),
            allowed: &[UnitClerk],
        },
        Op {
            name: "decideObjection",
            mutation: "mutation($i: DecideObjectionInput!) { decideObjection(input: $i) { id } }",
            stage: Stage::Objected,
            input: |id, _| json!({"caseId": id, "agree": true, "opinion": "同意，重新转办"}),
            allowed: &[BureauClerk],
        },
        Op {
            name: "classifyCase",
            mutation: CLASSIFY,
            stage: Stage::Accepted,
            input: |id, _| json!({"caseId": id, "category": "SUGGESTION"}),
            allowed: &[UnitClerk],
        },
        Op {
            name: "designateCaseLead",
            mutation: "mutation($i: DesignateCaseLeadInput!) { designateCaseLead(input: $i) { id } }",
            stage: Stage::InProgress,
            input: |id, w| json!({"caseId": id, "leadId": w.lead_id, "backlog": true}),
            allowed: &[BureauClerk, Committee],
        },
        Op {
            name: "setResolutionPlan",
            mutation: "mutation($i: SetResolutionPlanInput!) { setResolutionPlan(input: $i) { id } }",
            stage: Stage::Led,
            input: |id, _| {
                let target = (Utc::now() + chrono::Duration::days(60)).date_naive();
                json!({"caseId": id, "team": ["住建局", "街道"], "plan": "摸清情况，分步化解", "targetDate": target,
                    "milestones": [{"title": "现场核查", "due": target}]})
            },
            allowed: &[CaseLead],
        },
        Op {
            name: "logActivity",
            mutation: "mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }",
            stage: Stage::Led,
            input: |id, _| json!({"caseId": id, "kind": "CONSULTATION", "happenedAt": Utc::now(), "note": "会商"}),
            allowed: &[BureauClerk, UnitClerk, CaseLead, Committee],
        },
        Op {
            name: "extendDeadline",
            mutation: "mutation($i: ExtendDeadlineInput!) { extendDeadline(input: $i) { id } }",
            stage: Stage::Led,
            input: |id, _| json!({"caseId": id, "days": 15, "reason": "需要评估"}),
            allowed: &[CaseLead],
        },
        Op {
            name: "answerCase",
            mutation: ANSWER,
            stage: Stage::Led,
            input: |id, _| json!({"caseId": id, "outcome": "EXPLAINED", "opinion": "已解释", "servedVia": "POST"}),
            allowed: &[UnitClerk, CaseLead],
        },
        Op {
            name: "closeCase",
            mutation: "mutation($i: CloseCaseInput!) { closeCase(input: $i) { id } }",
            stage: Stage::Answered,
            input: |id, _| json!({"caseId": id, "reason": "COMMITMENT_SIGNED"}),
            allowed: &[BureauClerk, UnitClerk],
        },
        Op {
            name: "evaluateCase",
            mutation: "mutation($i: EvaluateCaseInput!) { evaluateCase(input: $i) { id } }",
            stage: Stage::Answered,
            input: |id, _| json!({"caseId": id, "bureau": "SATISFIED", "unit": "BASICALLY_SATISFIED"}),
            allowed: &[Petitioner],
        },
        Op {
            name: "requestReview",
            mutation: "mutation($i: RequestReviewInput!) { requestReview(input: $i) { case { id } } }",
            stage: Stage::Answered,
            input: |id, _| json!({"caseId": id, "reason": "不服"}),
            allowed: &[Petitioner],
        },
        Op {
            name: "withdrawCase",
            mutation: "mutation($i: WithdrawCaseInput!) { withdrawCase(input: $i) { id } }",
            stage: Stage::Submitted,
            input: |id, _| json!({"caseId": id, "reason": "已自行解决"}),
            allowed: &[Petitioner],
        },
        Op {
            name: "revealPetitionerContact",
            mutation: "mutation($i: RevealPetitionerContactInput!) { revealPetitionerContact(input: $i) { phone } }",
            stage: Stage::Assigned,
            input: |id, _| json!({"caseId": id, "purpose": "电话回访"}),
            allowed: &[BureauClerk, UnitClerk, CaseLead, Committee],
        },
    ]
}

#[tokio::test]
async fn every_operation_by_every_role_in_and_out_of_scope() {
    let app = spawn_app().await;
    let mut tokens = Vec::new();
    for (actor, user) in [
        (Petitioner, "demo.petitioner"),
        (BureauClerk, "demo.clerk"),
        (UnitClerk, "demo.unit"),
        (CaseLead, "demo.lead"),
        (Committee, "demo.committee"),
        (Admin, "demo.admin"),
    ] {
        tokens.push((actor, Some(app.token(user).await)));
    }
    tokens.push((OtherUnitClerk, Some(app.staff("other.unit", Role::Clerk, "510502", "江阳区自然资源局").await)));
    tokens.push((OtherCountyClerk, Some(app.staff("naxi.clerk", Role::Clerk, "510503", "纳溪区信访局").await)));
    let other = app
        .graphql(
            "mutation { registerPetitioner(input: {username: \"other.person\", password: \"another-password\", displayName: \"他人\"}) { accessToken } }",
            json!({}),
            None,
        )
        .await;
    tokens.push((OtherPetitioner, other["data"]["registerPetitioner"]["accessToken"].as_str().map(str::to_owned)));
    tokens.push((Anonymous, None));
    let lead_id = app.ok("{ me { id } }", json!({}), tokens[3].1.as_deref().unwrap()).await["me"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let world = World { app, tokens, lead_id };

    let mut failures = Vec::new();
    for (n, op) in ops().into_iter().enumerate() {
        // Everyone who may not: one case, all refused, and it does not change.
        let id = world.prepare(op.stage, n).await;
        let before = world.version(&id).await;
        for actor in ALL.into_iter().filter(|a| !op.allowed.contains(a)) {
            let body = world.app.graphql(op.mutation, json!({"i": (op.input)(&id, &world)}), world.token(actor)).await;
            let expected = if actor == Anonymous {
                "UNAUTHENTICATED"
            } else if !world.sees(actor, op.stage) {
                "NOT_FOUND"
            } else {
                "FORBIDDEN"
            };
            let got = if body["errors"].is_null() { "OK".to_owned() } else { error_code(&body) };
            if got != expected {
                failures.push(format!("{} by {actor:?}: expected {expected}, got {got}: {body}", op.name));
            }
        }
        if world.version(&id).await != before {
            failures.push(format!("{}: refused attempts changed the case", op.name));
        }
        // Everyone who may: each on a fresh case, and it works.
        for actor in op.allowed {
            let id = world.prepare(op.stage, n).await;
            let body = world.app.graphql(op.mutation, json!({"i": (op.input)(&id, &world)}), world.token(*actor)).await;
            if !body["errors"].is_null() {
                failures.push(format!("{} by {actor:?}: expected OK: {body}", op.name));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn the_handling_unit_never_learns_who_made_an_accusation() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    let unit = app.token("demo.unit").await;
    let data = app
        .ok(
            "mutation($i: RecordPetitionInput!) { recordPetition(input: $i) { case { id } } }",
            json!({"i": {"jurisdictionCode": "510502", "channel": "LETTER", "receivedAt": Utc::now(), "category": "ACCUSATION",
                "title": "举报住建局某科室违规收费", "content": "举报内容", "petitioner": {"name": "赵某"}, "phone": "13912345678"}}),
            &clerk,
        )
        .await;
    let id = data["recordPetition"]["case"]["id"].as_str().unwrap().to_owned();
    assign(&app, &clerk, &id, 30).await;
    let q = "query($id: ID!) { case(id: $id) { petitionerName petitionerWithheld petitionerContact { phone } } }";
    let seen = app.ok(q, json!({"id": id}), &unit).await;
    assert!(seen["case"]["petitionerName"].is_null());
    assert_eq!(seen["case"]["petitionerWithheld"], true);
    assert!(seen["case"]["petitionerContact"].is_null());
    let reveal = "mutation($i: RevealPetitionerContactInput!) { revealPetitionerContact(input: $i) { phone } }";
    assert_eq!(app.fails(reveal, json!({"i": {"caseId": id, "purpose": "核实"}}), Some(&unit)).await, "FORBIDDEN");
    // The bureau sees the name, the contact masked, and in full only through the audited reveal.
    let bureau = app.ok(q, json!({"id": id}), &clerk).await;
    assert_eq!(bureau["case"]["petitionerName"], "赵某");
    assert_eq!(bureau["case"]["petitionerContact"]["phone"], "139****5678");
    let full = app.ok(reveal, json!({"i": {"caseId": id, "purpose": "电话核实举报细节"}}), &clerk).await;
    assert_eq!(full["revealPetitionerContact"]["phone"], "13912345678");
    let events =
        app.ok("query($id: ID!) { case(id: $id) { events { kind note staffOnly } } }", json!({"id": id}), &clerk).await;
    let audit = events["case"]["events"].as_array().unwrap().iter().find(|e| e["kind"] == "CONTACT_REVEALED").cloned();
    assert_eq!(audit.unwrap()["note"], "电话核实举报细节");
}

/// Who administers: every administrative operation × every kind of caller. An admin of the jurisdiction or of one
/// above it may; an admin beside it finds nothing (`NOT_FOUND`); anyone else is `FORBIDDEN` whatever they name;
/// no token is `UNAUTHENTICATED`; and refused attempts change nothing.
#[tokio::test]
async fn every_administrative_operation_by_every_kind_of_caller() {
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Who {
        Admin,
        CityAdmin,
        NeighbourAdmin,
        Clerk,
        UnitClerk,
        Lead,
        Committee,
        Petitioner,
        Anonymous,
    }
    let app = spawn_app().await;
    let mut tokens: Vec<(Who, Option<String>)> = Vec::new();
    for (who, user) in [
        (Who::Admin, "demo.admin"),
        (Who::Clerk, "demo.clerk"),
        (Who::UnitClerk, "demo.unit"),
        (Who::Lead, "demo.lead"),
        (Who::Committee, "demo.committee"),
        (Who::Petitioner, "demo.petitioner"),
    ] {
        tokens.push((who, Some(app.token(user).await)));
    }
    tokens.push((Who::CityAdmin, Some(app.staff("city.admin", Role::Admin, "510500", "泸州市信访局").await)));
    tokens.push((Who::NeighbourAdmin, Some(app.staff("naxi.admin", Role::Admin, "510503", "纳溪区信访局").await)));
    tokens.push((Who::Anonymous, None));
    let token = |who: Who| tokens.iter().find(|(w, _)| *w == who).and_then(|(_, t)| t.clone());
    let admin = token(Who::Admin).unwrap();
    let bureau = app.unit_id("510502", "江阳区信访局").await;
    // A fresh object for each attempt: a staff account (deactivated for reactivation) or a unit of 江阳区.
    let counter = std::sync::atomic::AtomicUsize::new(0);
    let fresh_account = |deactivated: bool| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (app, admin, bureau) = (&app, admin.clone(), bureau.clone());
        async move {
            let input = json!({"i": {"username": format!("matrix.{n}"), "displayName": "矩阵", "unitId": bureau, "roles": ["CLERK"]}});
            let made = app
                .ok(
                    "mutation($i: CreateStaffAccountInput!) { createStaffAccount(input: $i) { account { id } } }",
                    input,
                    &admin,
                )
                .await;
            let id = made["createStaffAccount"]["account"]["id"].as_str().unwrap().to_owned();
            if deactivated {
                app.ok("mutation($id: ID!) { deactivateAccount(id: $id) { id } }", json!({"id": id}), &admin).await;
            }
            id
        }
    };
    let fresh_unit = || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (app, admin) = (&app, admin.clone());
        async move {
            let input =
                json!({"i": {"jurisdictionCode": "510502", "kind": "HANDLING_UNIT", "name": format!("矩阵局 {n}")}});
            app.ok("mutation($i: CreateUnitInput!) { createUnit(input: $i) { id } }", input, &admin).await["createUnit"]
                ["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };

    let allowed = [Who::Admin, Who::CityAdmin];
    let everyone = [
        Who::Admin,
        Who::CityAdmin,
        Who::NeighbourAdmin,
        Who::Clerk,
        Who::UnitClerk,
        Who::Lead,
        Who::Committee,
        Who::Petitioner,
        Who::Anonymous,
    ];
    let mut failures = Vec::new();
    for op in [
        "createStaffAccount",
        "updateStaffAccount",
        "deactivateAccount",
        "reactivateAccount",
        "resetPassword",
        "createUnit",
        "updateUnit",
        "deactivateUnit",
    ] {
        for who in everyone {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (mutation, variables) = match op {
                "createStaffAccount" => (
                    "mutation($i: CreateStaffAccountInput!) { createStaffAccount(input: $i) { account { id } } }",
                    json!({"i": {"username": format!("made.{n}"), "displayName": "某", "unitId": bureau, "roles": ["CLERK"]}}),
                ),
                "updateStaffAccount" => (
                    "mutation($id: ID!, $i: UpdateStaffAccountInput!) { updateStaffAccount(id: $id, input: $i) { id } }",
                    json!({"id": fresh_account(false).await, "i": {"displayName": "改名"}}),
                ),
                "deactivateAccount" => ("mutation($id: ID!) { deactivateAccount(id: $id) { id } }", json!({"id": fresh_account(false).await})),
                "reactivateAccount" => ("mutation($id: ID!) { reactivateAccount(id: $id) { id } }", json!({"id": fresh_account(true).await})),
                "resetPassword" => ("mutation($id: ID!) { resetPassword(id: $id) { temporaryPassword } }", json!({"id": fresh_account(false).await})),
                "createUnit" => (
                    "mutation($i: CreateUnitInput!) { createUnit(input: $i) { id } }",
                    json!({"i": {"jurisdictionCode": "510502", "kind": "HANDLING_UNIT", "name": format!("新局 {n}")}}),
                ),
                "updateUnit" => (
                    "mutation($id: ID!, $i: UpdateUnitInput!) { updateUnit(id: $id, input: $i) { id } }",
                    json!({"id": fresh_unit().await, "i": {"name": format!("改名局 {n}")}}),
                ),
                _ => ("mutation($id: ID!) { deactivateUnit(id: $id) { id } }", json!({"id": fresh_unit().await})),
            };
            let events = "{ adminEvents(first: 1) { totalCount } }";
            let before = app.ok(events, json!({}), &admin).await;
            let body = app.graphql(mutation, variables, token(who).as_deref()).await;
            let got = if body["errors"].is_null() { "OK".to_owned() } else { error_code(&body) };
            let expected = match who {
                _ if allowed.contains(&who) => "OK",
                Who::Anonymous => "UNAUTHENTICATED",
                Who::NeighbourAdmin => "NOT_FOUND",
                _ => "FORBIDDEN",
            };
            if got != expected {
                failures.push(format!("{op} by {who:?}: expected {expected}, got {got}: {body}"));
            }
            if expected != "OK" && app.ok(events, json!({}), &admin).await != before {
                failures.push(format!("{op} by {who:?}: a refused attempt was logged or changed something"));
            }
        }
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}
