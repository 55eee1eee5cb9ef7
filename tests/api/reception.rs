//! Leaders' reception days: scheduled and published by the bureau, shown on the public schedule without who
//! booked, booked by petitioners never beyond the capacity however many book at once, and cancelled with a reason
//! those who booked read.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app_with, TestApp};

const SCHEDULE: &str =
    "mutation($i: ScheduleReceptionInput!) { scheduleReception(input: $i) { id status freePlaces } }";
const PUBLISH: &str = "mutation($id: ID!) { publishReception(sessionId: $id) { status } }";
const BOOK: &str = "mutation($i: BookReceptionInput!) { bookReception(input: $i) { id status } }";
const PUBLIC: &str = "query($c: String!, $from: NaiveDate!, $to: NaiveDate!) { receptionSchedule(jurisdictionCode: $c,
    from: $from, to: $to) { id kind leaderTitle leaderName place capacity freePlaces bookings { id } } }";

async fn register(app: &TestApp, n: usize) -> String {
    let q = "mutation($i: RegisterPetitionerInput!) { registerPetitioner(input: $i) { accessToken } }";
    let i = json!({"username": format!("visitor.{n}"), "password": "a-long-enough-password", "displayName": format!("来访人{n}")});
    let body = app.graphql(q, json!({"i": i}), None).await;
    body["data"]["registerPetitioner"]["accessToken"].as_str().unwrap_or_else(|| panic!("{body}")).to_owned()
}

async fn scheduled(app: &TestApp, clerk: &str, capacity: i32) -> String {
    let lead = app.ok("{ me { id } }", json!({}), &app.token("demo.lead").await).await["me"]["id"].clone();
    let start = petition_api::clock::Clock::now(&*app.clock) + chrono::Duration::days(3);
    let input = json!({"i": {"jurisdictionCode": "510502", "leaderAccountId": lead, "leaderTitle": "区委书记",
        "kind": "PUBLIC_RECEPTION", "startsAt": start, "endsAt": start + chrono::Duration::hours(3),
        "place": "江阳区人民来访接待中心", "capacity": capacity}});
    let session = app.ok(SCHEDULE, input, clerk).await;
    session["scheduleReception"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn bookings_at_the_same_moment_never_exceed_the_places() {
    let app = spawn_app_with(&[("REGISTRATIONS_PER_HOUR", "100")]).await;
    let clerk = app.token("demo.clerk").await;
    let session = scheduled(&app, &clerk, 3).await;
    let today = app.clock_today();
    let window = json!({"c": "510502", "from": today, "to": today + chrono::Duration::days(7)});

    // Not public until published.
    assert_eq!(app.graphql(PUBLIC, window.clone(), None).await["data"]["receptionSchedule"], json!([]));
    app.ok(PUBLISH, json!({"id": session}), &clerk).await;

    let mut petitioners = Vec::new();
    for n in 0..8 {
        petitioners.push(register(&app, n).await);
    }
    // Eight petitioners book the three places at the same moment, each twice.
    let attempts = petitioners.iter().flat_map(|token| {
        let input = json!({"i": {"sessionId": session, "matter": "征地补偿标准过低"}});
        [app.graphql(BOOK, input.clone(), Some(token)), app.graphql(BOOK, input, Some(token))]
    });
    let answers: Vec<Value> = futures_util::future::join_all(attempts).await;
    let booked = answers.iter().filter(|a| a["errors"].is_null()).count();
    assert_eq!(booked, 3, "{answers:?}");
    assert!(answers.iter().filter(|a| !a["errors"].is_null()).all(|a| error_code(a) == "CONFLICT"), "{answers:?}");

    // The public schedule shows the session, full, and never who booked.
    let public = app.graphql(PUBLIC, window.clone(), None).await;
    let shown = &public["data"]["receptionSchedule"][0];
    assert_eq!(shown["freePlaces"], 0, "{public}");
    assert_eq!(shown["leaderTitle"], "区委书记");
    assert!(shown["bookings"].is_null(), "{public}");
    // The bureau sees who booked, and so do the bureaus above it, which may keep its reception days too; a
    // handling unit, a neighbouring county's bureau and a committee do not.
    let desk = app.ok(PUBLIC, window.clone(), &clerk).await;
    assert_eq!(desk["receptionSchedule"][0]["bookings"].as_array().map(Vec::len), Some(3), "{desk}");
    for (who, sees) in [
        ("demo.city", true),
        ("demo.province", true),
        ("demo.unit", false),
        ("demo.naxi.clerk", false),
        ("demo.city.committee", false),
    ] {
        let token = app.token(who).await;
        let read = app.ok(PUBLIC, window.clone(), &token).await;
        let bookings = &read["receptionSchedule"][0]["bookings"];
        assert_eq!(bookings.as_array().map(Vec::len), sees.then_some(3), "{who}: {read}");
    }
}

/// A schedule's leaders, the desk's bookings and visits, and a petitioner's booked sessions are read together, not
/// one statement per session.
#[tokio::test]
async fn a_schedule_and_the_bookings_read_each_level_in_one_statement() {
    let app = spawn_app_with(&[]).await;
    let clerk = app.token("demo.clerk").await;
    let petitioner = app.token("demo.petitioner").await;
    let today = app.clock_today();
    let window = json!({"c": "510502", "from": today, "to": today + chrono::Duration::days(7)});
    let schedule = "query($c: String!, $from: NaiveDate!, $to: NaiveDate!) {
        receptionSchedule(jurisdictionCode: $c, from: $from, to: $to) { leaderName } }";
    let mine = "{ myReceptionBookings { matter session { leaderTitle leaderName } } }";
    let desk = "query($c: String!, $from: NaiveDate!, $to: NaiveDate!) {
        receptionSchedule(jurisdictionCode: $c, from: $from, to: $to) { bookings { matter } visits { persons } } }";
    let naxi = app.token("demo.naxi.clerk").await;
    let mut reads = Vec::new();
    for n in 1..=3 {
        let session = scheduled(&app, &clerk, 5).await;
        app.ok(PUBLISH, json!({"id": session}), &clerk).await;
        app.ok(BOOK, json!({"i": {"sessionId": session, "matter": "噪音扰民"}}), &petitioner).await;
        let listed = app.ok(schedule, window.clone(), &petitioner).await;
        assert!(listed["receptionSchedule"].as_array().unwrap().iter().all(|s| s["leaderName"].is_string()));
        let booked = app.ok(mine, json!({}), &petitioner).await;
        assert!(booked["myReceptionBookings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["session"]["leaderName"].is_string()));
        // The bureau's desk sees who booked each session; another county's clerk sees the sessions, not who.
        let kept = app.ok(desk, window.clone(), &clerk).await;
        let sessions = kept["receptionSchedule"].as_array().unwrap();
        assert_eq!(sessions.len(), n);
        assert!(
            sessions.iter().all(|s| s["bookings"][0]["matter"] == "噪音扰民" && s["visits"] == json!([])),
            "{kept}"
        );
        let elsewhere = app.ok(desk, window.clone(), &naxi).await;
        let sessions = elsewhere["receptionSchedule"].as_array().unwrap();
        assert_eq!(sessions.len(), n);
        assert!(sessions.iter().all(|s| s["bookings"].is_null() && s["visits"].is_null()), "{elsewhere}");
        reads.push((
            app.statements_of(schedule, window.clone(), &petitioner).await,
            app.statements_of(mine, json!({}), &petitioner).await,
            app.statements_of(desk, window.clone(), &clerk).await,
        ));
    }
    assert!(reads.windows(2).all(|w| w[0] == w[1]), "the same statements for 1, 2 and 3 sessions: {reads:?}");
}

#[tokio::test]
async fn a_cancelled_session_tells_those_who_booked_why() {
    let app = spawn_app_with(&[]).await;
    let clerk = app.token("demo.clerk").await;
    let petitioner = app.token("demo.petitioner").await;
    let session = scheduled(&app, &clerk, 10).await;
    // A petitioner cannot book what is not published; another county's clerk cannot touch it.
    let early = app.graphql(BOOK, json!({"i": {"sessionId": session, "matter": "噪音"}}), Some(&petitioner)).await;
    assert_eq!(error_code(&early), "NOT_FOUND", "{early}");
    let naxi = app.token("demo.naxi.clerk").await;
    assert_eq!(error_code(&app.graphql(PUBLISH, json!({"id": session}), Some(&naxi)).await), "NOT_FOUND");
    app.ok(PUBLISH, json!({"id": session}), &clerk).await;
    app.ok(BOOK, json!({"i": {"sessionId": session, "matter": "小区噪音扰民"}}), &petitioner).await;

    let cancel = "mutation($i: CancelReceptionInput!) { cancelReception(input: $i) { status } }";
    app.ok(cancel, json!({"i": {"sessionId": session, "reason": "领导临时出差，改期另行通知"}}), &clerk).await;
    let mine = app
        .ok("{ myReceptionBookings { matter status session { status cancellationReason } } }", json!({}), &petitioner)
        .await;
    let booking = &mine["myReceptionBookings"][0];
    assert_eq!(booking["session"]["status"], "CANCELLED");
    assert_eq!(booking["session"]["cancellationReason"], "领导临时出差，改期另行通知");
    // And it is gone from the public schedule.
    let today = app.clock_today();
    let window = json!({"c": "510000", "from": today, "to": today + chrono::Duration::days(7)});
    assert_eq!(app.graphql(PUBLIC, window, None).await["data"]["receptionSchedule"], json!([]));
}

/// At the session the bureau records who was received: an existing case (a RECEPTION entry in its history, the
/// leader taking charge of it there) and a petition raised on the spot (channel VISIT); the portal's figures count
/// sessions held, persons received and cases taken in charge.
#[tokio::test]
async fn a_session_records_who_was_received_and_the_figures_count_it() {
    let app = spawn_app_with(&[]).await;
    let clerk = app.token("demo.clerk").await;
    let petitioner = app.token("demo.petitioner").await;
    let (case, _, _) = crate::lifecycle::submit(&app, &petitioner, "老旧小区加装电梯").await;
    let session = scheduled(&app, &clerk, 10).await;
    app.ok(PUBLISH, json!({"id": session}), &clerk).await;
    let record = "mutation($i: RecordReceptionVisitInput!) { recordReceptionVisit(input: $i) { queryCode
        visit { newPetition leaderTookCharge persons case { id channel caseLead { name } } } } }";
    let existing = json!({"i": {"sessionId": session, "caseId": case, "persons": 2, "leaderTakesCharge": true}});
    let early = app.graphql(record, existing.clone(), Some(&clerk)).await;
    assert_eq!(error_code(&early), "INVALID_TRANSITION", "not before it begins: {early}");

    app.clock.advance(chrono::Duration::days(3) + chrono::Duration::hours(1));
    let clerk = app.token("demo.clerk").await;
    let visit = app.ok(record, existing.clone(), &clerk).await["recordReceptionVisit"].clone();
    assert_eq!(visit["visit"]["leaderTookCharge"], true);
    assert!(visit["visit"]["case"]["caseLead"]["name"].is_string(), "the leader leads the case now: {visit}");
    let raised = json!({"i": {"sessionId": session, "petition": {"title": "拖欠农民工工资",
        "content": "工地拖欠工资三个月。", "petitionerName": "王某"}}});
    let new = app.ok(record, raised, &clerk).await["recordReceptionVisit"].clone();
    assert_eq!(new["visit"]["newPetition"], true);
    assert_eq!(new["visit"]["case"]["channel"], "VISIT");
    assert!(new["queryCode"].is_string());
    assert_eq!(error_code(&app.graphql(record, existing.clone(), Some(&clerk)).await), "CONFLICT");
    // Another county's clerk sees the published session, and may not record at it.
    let naxi = app.token("demo.naxi.clerk").await;
    assert_eq!(error_code(&app.graphql(record, existing, Some(&naxi)).await), "FORBIDDEN");

    let history = app
        .ok(
            "query($id: ID!) { case(id: $id) { events { kind note
                detail { ... on LeadDesignatedDetail { receptionSessionId } } } } }",
            json!({"id": case}),
            &clerk,
        )
        .await;
    let events = history["case"]["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["kind"] == "RECEPTION"), "{history}");
    let designated = events.iter().find(|e| e["kind"] == "CASE_LEAD_DESIGNATED").expect("the leader took charge");
    assert_eq!(designated["detail"]["receptionSessionId"], session.as_str(), "the session is its origin");

    let today = app.clock_today();
    let query =
        "query($from: NaiveDate!, $to: NaiveDate!) { jurisdiction(code: \"510502\") { stats(from: $from, to: $to) {
        reception { sessionsHeld personsReceived casesReceived newPetitions
          takenInChargeResolved { numerator denominator } byKind { kind sessionsHeld personsReceived } } } } }";
    let committee = app.token("demo.committee").await;
    // From the day before: the session began an hour ago, which is yesterday from 23:00 to midnight in Shanghai.
    let yesterday = today - chrono::Duration::days(1);
    let stats = app.ok(query, json!({"from": yesterday, "to": today}), &committee).await;
    assert_eq!(
        stats["jurisdiction"]["stats"]["reception"],
        json!({"sessionsHeld": 1, "personsReceived": 3, "casesReceived": 2, "newPetitions": 1,
            "takenInChargeResolved": {"numerator": 0, "denominator": 1},
            "byKind": [{"kind": "PUBLIC_RECEPTION", "sessionsHeld": 1, "personsReceived": 3}]}),
        "{stats}"
    );

    // A province's portal opens its cities and their counties: the county's session counts at every level, and
    // each level's reception figures cost one statement at most, however many jurisdictions it has.
    let levels = |reception: &str| {
        format!(
            "query($from: NaiveDate!, $to: NaiveDate!) {{ jurisdiction(code: \"510000\") {{ stats(from: $from, to: $to)
            {{ received {reception} }} children {{ code stats(from: $from, to: $to) {{ received {reception} }}
            children {{ code stats(from: $from, to: $to) {{ received {reception} }} }} }} }} }}"
        )
    };
    let with = levels("reception { sessionsHeld personsReceived }");
    let days = json!({"from": yesterday, "to": today});
    let rollup = app.ok(&with, days.clone(), &committee).await;
    let province = &rollup["jurisdiction"];
    assert_eq!(province["stats"]["reception"]["personsReceived"], 3, "{rollup}");
    let city = province["children"].as_array().unwrap().iter().find(|c| c["code"] == "510500").unwrap();
    assert_eq!(city["stats"]["reception"]["sessionsHeld"], 1);
    let counties = city["children"].as_array().unwrap();
    assert!(counties.len() > 1, "the city has several counties: {city}");
    for county in counties {
        let held = if county["code"] == "510502" { 1 } else { 0 };
        assert_eq!(county["stats"]["reception"]["sessionsHeld"], held, "{county}");
    }
    let read = app.statements_of(&with, days.clone(), &committee).await;
    let without = app.statements_of(&levels(""), days, &committee).await;
    // (Levels asked for at the same moment share their statement; one per jurisdiction would be one per city
    // and county, more than three.)
    assert!((1..=3).contains(&(read - without)), "at most one statement per level: {}", read - without);
}
