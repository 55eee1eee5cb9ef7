//! Administration: an admin onboards staff of its own jurisdiction, changes them, ends their access, and the log
//! shows who did what.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp, DEMO_PASSWORD};
use crate::lifecycle::{assign, RECORD, ROUTE};

const CREATE: &str = "mutation($i: CreateStaffAccountInput!) { createStaffAccount(input: $i) {
    temporaryPassword account { id username displayName roles active unit { name } jurisdiction { code } } } }";
const UPDATE: &str =
    "mutation($id: ID!, $i: UpdateStaffAccountInput!) { updateStaffAccount(id: $id, input: $i) { id roles displayName } }";
const DEACTIVATE: &str = "mutation($id: ID!) { deactivateAccount(id: $id) { id active } }";
const REACTIVATE: &str = "mutation($id: ID!) { reactivateAccount(id: $id) { id active } }";
const RESET: &str = "mutation($id: ID!) { resetPassword(id: $id) { temporaryPassword account { id } } }";
const LOGIN: &str = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) {
    accessToken refreshToken mustChangePassword account { id } } }";
const CHANGE: &str =
    "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }";
const LOG: &str = "query($f: AdminEventFilterInput) { adminEvents(filter: $f, first: 50) { totalCount
    nodes { action subjectKind subjectId actorName jurisdictionCode before after } } }";

async fn login(app: &TestApp, username: &str, password: &str) -> Value {
    app.graphql(LOGIN, json!({"u": username, "p": password}), None).await
}

/// Creates a staff account as `admin`; returns (id, temporary password).
async fn create(app: &TestApp, admin: &str, username: &str, unit: &str, roles: Value) -> (String, String) {
    let input =
        json!({"i": {"username": username, "displayName": format!("{username} 同志"), "unitId": unit, "roles": roles}});
    let data = app.ok(CREATE, input, admin).await;
    let made = &data["createStaffAccount"];
    assert_eq!(made["account"]["active"], true);
    (made["account"]["id"].as_str().unwrap().to_owned(), made["temporaryPassword"].as_str().unwrap().to_owned())
}

/// Signs in with a temporary password and changes it; returns the new access token.
async fn first_sign_in(app: &TestApp, username: &str, temporary: &str) -> String {
    let signed = login(app, username, temporary).await;
    assert_eq!(signed["data"]["login"]["mustChangePassword"], true, "{signed}");
    let provisional = signed["data"]["login"]["accessToken"].as_str().unwrap().to_owned();
    // Nothing but the password change (and reading one's own account) until then.
    let cases = app.graphql("{ cases(first: 1) { totalCount } }", json!({}), Some(&provisional)).await;
    assert_eq!(error_code(&cases), "FORBIDDEN", "{cases}");
    assert!(cases["errors"][0]["message"].as_str().unwrap().contains("changePassword"), "{cases}");
    let me = app.ok("{ me { username } }", json!({}), &provisional).await;
    assert_eq!(me["me"]["username"], username);
    let changed = app.ok(CHANGE, json!({"c": temporary, "n": "my-own-password-2026"}), &provisional).await;
    changed["changePassword"]["accessToken"].as_str().unwrap().to_owned()
}

async fn log_of(app: &TestApp, admin: &str, subject: &str) -> Vec<Value> {
    let data = app.ok(LOG, json!({"f": {"subjectId": subject}}), admin).await;
    data["adminEvents"]["nodes"].as_array().unwrap().clone()
}

/// The README's onboarding walk: the admin makes a clerk and a case lead; the clerk signs in, must change the
/// temporary password, records a petition and designates the lead, found through `accounts`.
#[tokio::test]
async fn an_admin_onboards_a_clerk_and_a_lead_who_then_work_a_case() {
    let app = spawn_app().await;
    let admin = app.token("demo.admin").await;
    let bureau = app.unit_id("510502", "江阳区信访局").await;
    let (clerk_id, clerk_temporary) = create(&app, &admin, "zhang.clerk", &bureau, json!(["CLERK"])).await;
    let (lead_id, _) = create(&app, &admin, "li.lead", &bureau, json!(["CASE_LEAD"])).await;

    let clerk = first_sign_in(&app, "zhang.clerk", &clerk_temporary).await;
    assert_eq!(
        login(&app, "zhang.clerk", &clerk_temporary).await["errors"][0]["extensions"]["code"],
        "UNAUTHENTICATED"
    );
    let leads = app
        .ok(
            "{ accounts(filter: {role: CASE_LEAD, active: true, search: \"li.\"}, first: 10) { nodes { id username } } }",
            json!({}),
            &clerk,
        )
        .await;
    assert_eq!(leads["accounts"]["nodes"], json!([{"id": lead_id, "username": "li.lead"}]));

    let recorded = app
        .ok(
            RECORD,
            json!({"i": {"jurisdictionCode": "510502", "channel": "VISIT", "receivedAt": chrono::Utc::now(), "title": "小区围墙倒塌无人修复",
                "content": "围墙倒塌两月无人修复。", "petitioner": {"name": "王某"}}}),
            &clerk,
        )
        .await;
    let case = recorded["recordPetition"]["case"]["id"].as_str().unwrap().to_owned();
    assign(&app, &clerk, &case, 30).await;
    let designate = "mutation($i: DesignateCaseLeadInput!) { designateCaseLead(input: $i) { caseLead { id name } } }";
    let led = app.ok(designate, json!({"i": {"caseId": case, "leadId": lead_id}}), &clerk).await;
    assert_eq!(led["designateCaseLead"]["caseLead"]["id"], lead_id.as_str());

    // The log shows who made them, and never a password.
    let entries = log_of(&app, &admin, &clerk_id).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["action"], "ACCOUNT_CREATED");
    assert_eq!(entries[0]["actorName"], "demo.admin");
    assert_eq!(entries[0]["jurisdictionCode"], "510502");
    assert_eq!(entries[0]["after"]["roles"], json!(["CLERK"]));
    assert!(entries[0]["before"].is_null());
    let all = app.ok(LOG, json!({}), &admin).await.to_string();
    assert!(!all.contains(&clerk_temporary) && !all.contains("argon2"), "no password in the log");
}

#[tokio::test]
async fn deactivating_an_account_ends_its_sign_in_tokens_and_sessions_at_once() {
    let app = spawn_app().await;
    let other = app.another_server().await;
    let admin = app.token("demo.admin").await;
    let bureau = app.unit_id("510502", "江阳区信访局").await;
    let (id, temporary) = create(&app, &admin, "leaving.clerk", &bureau, json!(["CLERK"])).await;
    let token = first_sign_in(&app, "leaving.clerk", &temporary).await;
    let session = login(&app, "leaving.clerk", "my-own-password-2026").await;
    let refresh = session["data"]["login"]["refreshToken"].as_str().unwrap().to_owned();
    app.until_caller_remembered(&token).await;
    app.ok_at(&other, "{ me { username } }", json!({}), &token).await;

    assert_eq!(app.ok(DEACTIVATE, json!({"id": id}), &admin).await["deactivateAccount"]["active"], false);
    let here = app.graphql("{ me { username } }", json!({}), Some(&token)).await;
    assert_eq!(error_code(&here), "UNAUTHENTICATED", "{here}");
    let mut refused_there = false;
    for _ in 0..40 {
        let there = app.graphql_at(&other, "{ me { username } }", json!({}), Some(&token), &[]).await;
        if !there["errors"].is_null() {
            refused_there = error_code(&there) == "UNAUTHENTICATED";
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(refused_there, "the other server refuses the token too");
    let renewed = app.graphql(
        "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }",
        json!({"t": refresh}),
        None,
    );
    assert_eq!(error_code(&renewed.await), "UNAUTHENTICATED");
    let signed = login(&app, "leaving.clerk", "my-own-password-2026").await;
    assert_eq!(error_code(&signed), "UNAUTHENTICATED");
    assert!(signed["errors"][0]["message"].as_str().unwrap().contains("deactivated"), "{signed}");
    // Once is enough.
    assert_eq!(error_code(&app.graphql(DEACTIVATE, json!({"id": id}), Some(&admin)).await), "INVALID_TRANSITION");

    app.ok(REACTIVATE, json!({"id": id}), &admin).await;
    let back = login(&app, "leaving.clerk", "my-own-password-2026").await;
    assert!(back["errors"].is_null(), "{back}");
    let actions: Vec<Value> = log_of(&app, &admin, &id).await.iter().map(|e| e["action"].clone()).collect();
    assert_eq!(
        actions,
        json!(["ACCOUNT_REACTIVATED", "ACCOUNT_DEACTIVATED", "ACCOUNT_CREATED"]).as_array().unwrap().clone()
    );
}

#[tokio::test]
async fn a_reset_password_ends_the_old_one_and_must_be_changed() {
    let app = spawn_app().await;
    let admin = app.token("demo.admin").await;
    let clerk = app.token("demo.clerk").await;
    let id = app.ok("{ me { id } }", json!({}), &clerk).await["me"]["id"].as_str().unwrap().to_owned();
    let reset = app.ok(RESET, json!({"id": id}), &admin).await;
    let temporary = reset["resetPassword"]["temporaryPassword"].as_str().unwrap().to_owned();
    assert_eq!(error_code(&app.graphql("{ me { id } }", json!({}), Some(&clerk)).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&login(&app, "demo.clerk", DEMO_PASSWORD).await), "UNAUTHENTICATED");
    let token = first_sign_in(&app, "demo.clerk", &temporary).await;
    app.ok("{ cases(first: 1) { totalCount } }", json!({}), &token).await;
}

#[tokio::test]
async fn roles_and_units_change_and_end_older_tokens() {
    let app = spawn_app().await;
    let admin = app.token("demo.admin").await;
    let bureau = app.unit_id("510502", "江阳区信访局").await;
    let (id, temporary) = create(&app, &admin, "moving.clerk", &bureau, json!(["CLERK"])).await;
    let token = first_sign_in(&app, "moving.clerk", &temporary).await;
    let changed = app.ok(UPDATE, json!({"id": id, "i": {"roles": ["CLERK", "CASE_LEAD"]}}), &admin).await;
    assert_eq!(changed["updateStaffAccount"]["roles"], json!(["CLERK", "CASE_LEAD"]));
    assert_eq!(error_code(&app.graphql("{ me { id } }", json!({}), Some(&token)).await), "UNAUTHENTICATED");
    // A new name alone does not end anything.
    let token =
        app.login_payload("moving.clerk", "my-own-password-2026").await["accessToken"].as_str().unwrap().to_owned();
    app.ok(UPDATE, json!({"id": id, "i": {"displayName": "张某 (调任)"}}), &admin).await;
    app.ok("{ me { id } }", json!({}), &token).await;
    let entries = log_of(&app, &admin, &id).await;
    assert_eq!(entries[0]["before"]["displayName"], "moving.clerk 同志");
    assert_eq!(entries[0]["after"]["displayName"], "张某 (调任)");
}

/// Everything an admin may not do is refused, with the field named where there is one, and changes nothing.
#[tokio::test]
async fn admins_act_only_inside_their_subtree_and_bad_input_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.token("demo.admin").await;
    let bureau = app.unit_id("510502", "江阳区信访局").await;
    let elsewhere = app.unit_id("510504", "龙马潭区信访局").await;
    let before = app.ok(LOG, json!({}), &admin).await["adminEvents"]["totalCount"].clone();
    let input = |unit: &str, username: &str, roles: Value| json!({"i": {"username": username, "displayName": "某人", "unitId": unit, "roles": roles}});
    let refusals = [
        (input(&elsewhere, "outside.clerk", json!(["CLERK"])), "NOT_FOUND", Some("input.unitId")),
        (input("not-an-id", "bad.unit", json!(["CLERK"])), "NOT_FOUND", Some("input.unitId")),
        (input(&bureau, "new.petitioner", json!(["PETITIONER"])), "BAD_USER_INPUT", Some("input.roles")),
        (input(&bureau, "no.roles", json!([])), "BAD_USER_INPUT", Some("input.roles")),
        (input(&bureau, "demo.clerk", json!(["CLERK"])), "BAD_USER_INPUT", Some("input.username")),
        (input(&bureau, "x", json!(["CLERK"])), "BAD_USER_INPUT", Some("input.username")),
    ];
    for (variables, code, field) in refusals {
        let body = app.graphql(CREATE, variables.clone(), Some(&admin)).await;
        assert_eq!(error_code(&body), code, "{variables}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"].as_str(), field, "{body}");
    }
    // Someone above or beside the admin's jurisdiction does not exist for it.
    let city_clerk = app.token("demo.city").await;
    let city_id = app.ok("{ me { id } }", json!({}), &city_clerk).await["me"]["id"].as_str().unwrap().to_owned();
    for mutation in [DEACTIVATE, RESET] {
        assert_eq!(error_code(&app.graphql(mutation, json!({"id": city_id}), Some(&admin)).await), "NOT_FOUND");
    }
    assert_eq!(
        error_code(
            &app.graphql("query($id: ID!) { account(id: $id) { id } }", json!({"id": city_id}), Some(&admin)).await
        ),
        "NOT_FOUND"
    );
    // The last admin of 江阳区 cannot step down.
    let admin_id = app.ok("{ me { id } }", json!({}), &admin).await["me"]["id"].as_str().unwrap().to_owned();
    assert_eq!(error_code(&app.graphql(DEACTIVATE, json!({"id": admin_id}), Some(&admin)).await), "FORBIDDEN");
    let demote = json!({"id": admin_id, "i": {"roles": ["CLERK"]}});
    assert_eq!(error_code(&app.graphql(UPDATE, demote, Some(&admin)).await), "FORBIDDEN");
    // Nobody but an admin administers, or reads the log.
    let clerk = app.token("demo.clerk").await;
    assert_eq!(
        error_code(&app.graphql(CREATE, input(&bureau, "by.clerk", json!(["CLERK"])), Some(&clerk)).await),
        "FORBIDDEN"
    );
    assert_eq!(error_code(&app.graphql(LOG, json!({}), Some(&clerk)).await), "FORBIDDEN");
    assert_eq!(app.ok(LOG, json!({}), &admin).await["adminEvents"]["totalCount"], before, "nothing was written");
}

/// Petitioners see no staff account; staff see those of their own subtree or unit only.
#[tokio::test]
async fn who_reads_which_accounts() {
    let app = spawn_app().await;
    let q = "{ accounts(first: 100) { totalCount nodes { username } } }";
    let names = |v: &Value| -> Vec<String> {
        v["accounts"]["nodes"].as_array().unwrap().iter().map(|n| n["username"].as_str().unwrap().to_owned()).collect()
    };
    let petitioner = app.token("demo.petitioner").await;
    assert_eq!(app.ok(q, json!({}), &petitioner).await["accounts"]["totalCount"], 0);
    let clerk = app.token("demo.clerk").await;
    let seen = names(&app.ok(q, json!({}), &clerk).await);
    for name in ["demo.clerk", "demo.lead", "demo.unit", "demo.admin"] {
        assert!(seen.contains(&name.to_owned()), "{name} in {seen:?}");
    }
    for name in ["demo.city", "demo.province", "demo.petitioner", "demo.lead.510504"] {
        assert!(!seen.contains(&name.to_owned()), "{name} not in {seen:?}");
    }
    let unit_clerk = app.token("demo.unit").await;
    assert_eq!(names(&app.ok(q, json!({}), &unit_clerk).await), vec!["demo.unit".to_owned()]);
    let committee = app.token("demo.committee").await;
    assert!(names(&app.ok(q, json!({}), &committee).await).contains(&"demo.lead.510504".to_owned()));
}

const CREATE_UNIT: &str =
    "mutation($i: CreateUnitInput!) { createUnit(input: $i) { id name kind active jurisdiction { code } } }";

#[tokio::test]
async fn units_are_created_renamed_and_deactivated_once_no_open_case_is_with_them() {
    let app = spawn_app().await;
    let admin = app.token("demo.admin").await;
    let clerk = app.token("demo.clerk").await;
    let unit = |name: &str, code: &str| json!({"i": {"jurisdictionCode": code, "kind": "HANDLING_UNIT", "name": name}});
    let made = app.ok(CREATE_UNIT, unit("江阳区教育局", "510502"), &admin).await;
    let education = made["createUnit"]["id"].as_str().unwrap().to_owned();
    assert_eq!(made["createUnit"]["active"], true);
    for (variables, code, field) in [
        (unit("江阳区教育局", "510502"), "BAD_USER_INPUT", "input.name"),
        (unit("龙马潭区教育局", "510504"), "NOT_FOUND", "input.jurisdictionCode"),
        (unit("某局", "999999"), "NOT_FOUND", "input.jurisdictionCode"),
        (unit(" ", "510502"), "BAD_USER_INPUT", "input.name"),
    ] {
        let body = app.graphql(CREATE_UNIT, variables, Some(&admin)).await;
        assert_eq!(
            (error_code(&body).as_str(), body["errors"][0]["extensions"]["field"].as_str()),
            (code, Some(field))
        );
    }
    assert_eq!(error_code(&app.graphql(CREATE_UNIT, unit("某局", "510502"), Some(&clerk)).await), "FORBIDDEN");

    let rename = "mutation($id: ID!, $i: UpdateUnitInput!) { updateUnit(id: $id, input: $i) { name } }";
    app.ok(rename, json!({"id": education, "i": {"name": "江阳区教育和体育局"}}), &admin).await;
    let entries = log_of(&app, &admin, &education).await;
    assert_eq!(
        (entries[0]["action"].clone(), entries[0]["after"]["name"].clone()),
        (json!("UNIT_UPDATED"), json!("江阳区教育和体育局"))
    );

    // A case with the unit holds it open; the refusal says how many.
    let recorded = app
        .ok(
            RECORD,
            json!({"i": {"jurisdictionCode": "510502", "channel": "LETTER", "receivedAt": chrono::Utc::now(),
                "title": "学校周边交通拥堵", "content": "上下学时段拥堵严重。", "petitioner": {"name": "赵某"}}}),
            &clerk,
        )
        .await;
    let case = recorded["recordPetition"]["case"]["id"].as_str().unwrap().to_owned();
    let assign_to =
        |case: &str, unit: &str| json!({"i": {"caseId": case, "action": "ASSIGN", "unitId": unit, "handlingDays": 30}});
    app.ok(ROUTE, assign_to(&case, &education), &clerk).await;
    let deactivate = "mutation($id: ID!) { deactivateUnit(id: $id) { active } }";
    let held = app.graphql(deactivate, json!({"id": education}), Some(&admin)).await;
    assert_eq!(error_code(&held), "INVALID_TRANSITION");
    assert!(held["errors"][0]["message"].as_str().unwrap().starts_with("1 open case"), "{held}");

    // An empty unit goes; it then takes no new staff and no new case, and lists as deactivated.
    let spare = app.ok(CREATE_UNIT, unit("江阳区临时工作组", "510502"), &admin).await["createUnit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.ok(deactivate, json!({"id": spare}), &admin).await["deactivateUnit"]["active"], false);
    assert_eq!(error_code(&app.graphql(deactivate, json!({"id": spare}), Some(&admin)).await), "INVALID_TRANSITION");
    let staff = json!({"i": {"username": "late.joiner", "displayName": "某人", "unitId": spare, "roles": ["CLERK"]}});
    let body = app.graphql(CREATE, staff, Some(&admin)).await;
    assert_eq!(
        (error_code(&body).as_str(), body["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.unitId"))
    );
    let recorded = app
        .ok(
            RECORD,
            json!({"i": {"jurisdictionCode": "510502", "channel": "LETTER", "receivedAt": chrono::Utc::now(),
                "title": "路灯损坏", "content": "路灯损坏一周。", "petitioner": {"name": "钱某"}}}),
            &clerk,
        )
        .await;
    let other_case = recorded["recordPetition"]["case"]["id"].as_str().unwrap().to_owned();
    let body = app.graphql(ROUTE, assign_to(&other_case, &spare), Some(&clerk)).await;
    assert_eq!(
        (error_code(&body).as_str(), body["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("input.unitId"))
    );
    let listed = app
        .ok("{ units(filter: {within: \"510502\", active: false}, first: 50) { nodes { id } } }", json!({}), &admin)
        .await;
    assert_eq!(listed["units"]["nodes"], json!([{"id": spare}]));
}

/// Runs the real binary against the database at `urls` as production would (two roles, strong secrets); returns
/// (success, standard output, standard error).
pub fn command(urls: &petition_api::startup::DatabaseUrls, args: &[&str]) -> (bool, String, String) {
    let run = crate::helpers::run_binary(args, &crate::helpers::production_env(urls));
    (run.code == Some(0), run.stdout, run.stderr)
}

/// From an empty production database: the regions and the first admin from the command line, then through the
/// API alone a unit, a clerk and a case lead, and the clerk's first case; then a bureau's staff from a CSV file,
/// twice (the second run finds everything there).
#[tokio::test]
async fn a_fresh_production_database_is_put_into_use() {
    let (database, urls) = crate::helpers::empty_database();
    let (ok, out, err) = command(&urls, &["import-regions", "data/demo/regions.csv"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("jurisdictions added"), "{out}");
    let (ok, out, err) = command(&urls, &["create-admin", "--jurisdiction", "510502", "--username", "chen.admin"]);
    assert!(ok, "{out}{err}");
    let temporary = out.lines().find_map(|l| l.split(": ").nth(1)).expect("the temporary password").trim().to_owned();
    let (ok, _, err) = command(&urls, &["create-admin", "--jurisdiction", "510502", "--username", "chen.admin"]);
    assert!(!ok && err.contains("exists"), "a second admin of that name is refused: {err}");
    // The server's own role owns nothing: with its credentials in place of the owner's, no command may act.
    let server_only = petition_api::startup::DatabaseUrls { server: urls.server.clone(), owner: urls.server.clone() };
    let (ok, _, err) =
        command(&server_only, &["create-admin", "--jurisdiction", "510502", "--username", "mallory.admin"]);
    assert!(!ok && err.contains("MIGRATION_DATABASE_URL"), "{err}");
    // Nor can code that links the library: the operator's proof comes only with a connection as the tables' owner.
    let refused = petition_api::services::administration::Operator::connect(&urls.server).err().expect("refused");
    assert!(refused.to_string().contains("does not own the tables"), "{refused}");
    assert!(petition_api::services::administration::Operator::connect(&urls.owner).is_ok());

    let app = crate::helpers::spawn_app_over(database, &[]).await;
    let admin = first_sign_in(&app, "chen.admin", &temporary).await;
    let units = app
        .ok("{ units(filter: {within: \"510502\", kind: BUREAU}, first: 5) { nodes { id name } } }", json!({}), &admin)
        .await;
    let bureau = units["units"]["nodes"][0]["id"].as_str().expect("create-admin made the bureau").to_owned();
    let housing = app
        .ok(
            CREATE_UNIT,
            json!({"i": {"jurisdictionCode": "510502", "kind": "HANDLING_UNIT", "name": "江阳区住房和城乡建设局"}}),
            &admin,
        )
        .await["createUnit"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, clerk_temporary) = create(&app, &admin, "first.clerk", &bureau, json!(["CLERK"])).await;
    let (lead, _) = create(&app, &admin, "first.lead", &bureau, json!(["CASE_LEAD"])).await;
    let clerk = first_sign_in(&app, "first.clerk", &clerk_temporary).await;
    let found = app.ok("{ accounts(filter: {role: CASE_LEAD}, first: 5) { nodes { id } } }", json!({}), &clerk).await;
    assert_eq!(found["accounts"]["nodes"], json!([{"id": lead}]));
    let recorded = app
        .ok(
            RECORD,
            json!({"i": {"jurisdictionCode": "510502", "channel": "VISIT", "receivedAt": chrono::Utc::now(),
                "title": "第一件信访事项", "content": "楼道照明损坏。", "petitioner": {"name": "刘某"}}}),
            &clerk,
        )
        .await;
    let case = recorded["recordPetition"]["case"]["id"].as_str().unwrap().to_owned();
    app.ok(ROUTE, json!({"i": {"caseId": case, "action": "ASSIGN", "unitId": housing, "handlingDays": 30}}), &clerk)
        .await;
    let designate = "mutation($i: DesignateCaseLeadInput!) { designateCaseLead(input: $i) { caseLead { id } } }";
    app.ok(designate, json!({"i": {"caseId": case, "leadId": lead}}), &clerk).await;

    // A bureau's staff from a file: made once, found there the second time.
    let (ok, out, err) = command(&urls, &["import-staff", "data/staff-sample.csv"]);
    assert!(ok, "{out}{err}");
    assert!(err.contains("4 lines: 4 accounts made, 0 updated, 0 already there as described, 0 refused"), "{err}");
    let passwords: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(passwords.len(), 4, "{out}");
    let (line, username, password) = {
        let f: Vec<&str> = passwords[2].split(',').collect();
        (f[0], f[1], f[2])
    };
    assert_eq!((line, username), ("4", "sun.housing"));
    let unit_clerk = first_sign_in(&app, username, password).await;
    let me = app.ok("{ me { roles unit { name kind } } }", json!({}), &unit_clerk).await;
    assert_eq!(me["me"]["unit"], json!({"name": "江阳区住房和城乡建设局", "kind": "HANDLING_UNIT"}));
    let (ok, _, err) = command(&urls, &["import-staff", "data/staff-sample.csv"]);
    assert!(
        ok && err.contains("4 lines: 0 accounts made, 0 updated, 4 already there as described, 0 refused"),
        "{err}"
    );
    let log = app.ok(LOG, json!({"f": {"action": "ACCOUNT_CREATED"}}), &admin).await;
    let by: Vec<&str> =
        log["adminEvents"]["nodes"].as_array().unwrap().iter().map(|e| e["actorName"].as_str().unwrap()).collect();
    assert_eq!(by.iter().filter(|a| **a == "petition-api import-staff").count(), 4, "{by:?}");
    assert_eq!(by.iter().filter(|a| **a == "petition-api create-admin").count(), 1, "{by:?}");
}

/// A staff file with faults: each faulty line is refused with its reason and writes nothing; the good ones go in.
#[tokio::test]
async fn faulty_staff_lines_are_refused_with_their_reasons() {
    let (database, urls) = crate::helpers::empty_database();
    assert!(command(&urls, &["import-regions", "data/demo/regions.csv"]).0);
    let file = std::env::temp_dir().join(format!("staff-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(
        &file,
        "username,display_name,jurisdiction_code,unit_name,unit_kind,roles
good.clerk,某甲,510502,江阳区信访局,BUREAU,CLERK
nowhere.clerk,某乙,999999,某局,BUREAU,CLERK
bad.role,某丙,510502,江阳区信访局,BUREAU,ROOT
bad.kind,某丁,510502,江阳区某局,AGENCY,CLERK
petitioner.too,某戊,510502,江阳区信访局,BUREAU,PETITIONER
good.clerk,某甲,510503,纳溪区信访局,BUREAU,CLERK
short,line
",
    )
    .unwrap();
    let (ok, _, err) = command(&urls, &["import-staff", file.to_str().unwrap()]);
    std::fs::remove_file(&file).ok();
    assert!(!ok, "a file with refused lines fails: {err}");
    for expected in [
        "line 3 refused: jurisdiction_code",
        "line 4 refused: roles",
        "line 5 refused: unit_kind",
        "line 6 refused: roles",
        "line 7 refused: username: an account good.clerk exists and differs from this line (unit: 江阳区信访局 (510502) → \
         纳溪区信访局 (510503)); run with --update",
        "line 8 refused: line",
        "7 lines: 1 accounts made, 0 updated, 0 already there as described, 6 refused",
    ] {
        assert!(err.contains(expected), "`{expected}` in {err}");
    }
    // Nothing of a refused line was written: no unit 江阳区某局, no 纳溪区 bureau.
    let app = crate::helpers::spawn_app_over(database, &[]).await;
    let units = crate::helpers::number(&mut app.conn(), "SELECT count(*) AS n FROM units", &[]);
    assert_eq!(units, 1, "only the good line's unit");
}
