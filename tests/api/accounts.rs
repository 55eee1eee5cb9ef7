use serde_json::json;

use crate::helpers::{error_code, spawn_app, DEMO_PASSWORD};

const ME: &str = "{ me { username roles unit { name kind } jurisdiction { code name } } }";

#[tokio::test]
async fn every_demo_account_signs_in_and_sees_itself() {
    let app = spawn_app().await;
    let expected = [
        ("demo.petitioner", "PETITIONER", None, None),
        ("demo.clerk", "CLERK", Some("BUREAU"), Some("510502")),
        ("demo.lead", "CASE_LEAD", Some("BUREAU"), Some("510502")),
        ("demo.committee", "COMMITTEE_MEMBER", Some("COMMITTEE"), Some("510000")),
        ("demo.admin", "ADMIN", Some("BUREAU"), Some("510502")),
        ("demo.city.committee", "COMMITTEE_MEMBER", Some("COMMITTEE"), Some("510500")),
        ("demo.naxi.clerk", "CLERK", Some("BUREAU"), Some("510503")),
        ("demo.naxi.unit", "CLERK", Some("HANDLING_UNIT"), Some("510503")),
    ];
    for (username, role, unit_kind, jurisdiction) in expected {
        let token = app.token(username).await;
        let body = app.graphql(ME, json!({}), Some(&token)).await;
        let me = &body["data"]["me"];
        assert_eq!(me["username"], username, "{body}");
        assert_eq!(me["roles"], json!([role]));
        assert_eq!(me["unit"]["kind"].as_str(), unit_kind);
        assert_eq!(me["jurisdiction"]["code"].as_str(), jurisdiction);
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_answer_alike() {
    let app = spawn_app().await;
    let q = "mutation($u: String!) { login(username: $u, password: \"not-the-password\") { accessToken } }";
    let wrong = app.graphql(q, json!({"u": "demo.clerk"}), None).await;
    let unknown = app.graphql(q, json!({"u": "nobody.here"}), None).await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    assert_eq!(wrong["errors"][0]["message"], unknown["errors"][0]["message"]);
    assert_eq!(wrong["errors"][0]["extensions"], unknown["errors"][0]["extensions"]);
}

#[tokio::test]
async fn repeated_failures_are_refused_for_a_while() {
    let app = spawn_app().await;
    let q = "mutation { login(username: \"demo.lead\", password: \"guess-guess-guess\") { accessToken } }";
    let mut codes = Vec::new();
    for _ in 0..9 {
        codes.push(error_code(&app.graphql(q, json!({}), None).await));
    }
    assert_eq!(codes[0], "UNAUTHENTICATED");
    assert_eq!(codes.last().unwrap(), "RATE_LIMITED", "{codes:?}");
    // Even the right password is refused while locked.
    let q = "mutation($p: String!) { login(username: \"demo.lead\", password: $p) { accessToken } }";
    let body = app.graphql(q, json!({"p": DEMO_PASSWORD}), None).await;
    assert_eq!(error_code(&body), "RATE_LIMITED");
    assert!(body["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn registration_normalises_and_validates() {
    let app = spawn_app().await;
    let q = "mutation($i: RegisterPetitionerInput!) { registerPetitioner(input: $i) { accessToken account { username roles } } }";
    let short =
        app.graphql(q, json!({"i": {"username": "new.user", "password": "short", "displayName": "王某"}}), None).await;
    assert_eq!(error_code(&short), "BAD_USER_INPUT");
    assert_eq!(short["errors"][0]["extensions"]["field"], "input.password");

    let ok = app
        .graphql(
            q,
            json!({"i": {"username": "Ｗang.Xiao", "password": "a-long-enough-password", "displayName": "王某"}}),
            None,
        )
        .await;
    assert_eq!(ok["data"]["registerPetitioner"]["account"]["username"], "wang.xiao", "{ok}");
    assert_eq!(ok["data"]["registerPetitioner"]["account"]["roles"], json!(["PETITIONER"]));

    let again = app
        .graphql(
            q,
            json!({"i": {"username": "wang.xiao", "password": "another-long-password", "displayName": "王"}}),
            None,
        )
        .await;
    assert_eq!(error_code(&again), "BAD_USER_INPUT");
    assert_eq!(again["errors"][0]["extensions"]["field"], "input.username");

    let long_name = "x".repeat(65);
    let bad = app
        .graphql(
            q,
            json!({"i": {"username": long_name, "password": "a-long-enough-password", "displayName": "王"}}),
            None,
        )
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");

    // The new petitioner can sign in with the name as typed on a full-width keyboard.
    let login = app
        .graphql(
            "mutation { login(username: \"ＷANG.xiao\", password: \"a-long-enough-password\") { accessToken } }",
            json!({}),
            None,
        )
        .await;
    assert!(login["data"]["login"]["accessToken"].is_string(), "{login}");
}

const REFRESH: &str = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }";

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = spawn_app().await;
    let first = app.login_payload("demo.clerk", DEMO_PASSWORD).await;
    let r1 = first["refreshToken"].as_str().unwrap();

    let second = app.graphql(REFRESH, json!({"t": r1}), None).await;
    let r2 = second["data"]["refreshToken"]["refreshToken"].as_str().expect("rotated").to_owned();
    assert_ne!(r1, r2);

    // r1 again: a stolen copy. Refused, and r2 (same family) dies with it.
    let reuse = app.graphql(REFRESH, json!({"t": r1}), None).await;
    assert_eq!(error_code(&reuse), "UNAUTHENTICATED");
    let after = app.graphql(REFRESH, json!({"t": r2}), None).await;
    assert_eq!(error_code(&after), "UNAUTHENTICATED");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let session = app.login_payload("demo.clerk", DEMO_PASSWORD).await;
    let r = session["refreshToken"].as_str().unwrap();
    let out = app.graphql("mutation($t: String!) { logout(refreshToken: $t) }", json!({"t": r}), None).await;
    assert_eq!(out["data"]["logout"], true);
    assert_eq!(error_code(&app.graphql(REFRESH, json!({"t": r}), None).await), "UNAUTHENTICATED");
    // Unknown tokens answer the same.
    let out = app.graphql("mutation { logout(refreshToken: \"nonsense\") }", json!({}), None).await;
    assert_eq!(out["data"]["logout"], true);
}

/// Until `token` is refused at `address`: an ended session reaches the other servers by announcement, within
/// moments. Panics if it is still accepted after two seconds.
async fn until_refused(app: &crate::helpers::TestApp, address: &str, token: &str) {
    for _ in 0..40 {
        let body = app.graphql_at(address, ME, json!({}), Some(token), &[]).await;
        if !body["errors"].is_null() {
            assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{address} still accepts an access token of an ended session");
}

#[tokio::test]
async fn signing_out_ends_the_sessions_access_tokens_at_once_on_every_server() {
    let app = spawn_app().await;
    let other = app.another_server().await;
    let ended = app.login_payload("demo.clerk", DEMO_PASSWORD).await;
    let kept = app.login_payload("demo.clerk", DEMO_PASSWORD).await;
    let (ended_access, kept_access) = (ended["accessToken"].as_str().unwrap(), kept["accessToken"].as_str().unwrap());
    // Both servers know the caller already: the remembered caller must not outlive the session.
    app.until_caller_remembered(ended_access).await;
    for address in [&app.address, &other] {
        app.ok_at(address, ME, json!({}), ended_access).await;
    }

    let out =
        app.graphql("mutation($t: String!) { logout(refreshToken: $t) }", json!({"t": ended["refreshToken"]}), None);
    assert_eq!(out.await["data"]["logout"], true);
    let here = app.graphql(ME, json!({}), Some(ended_access)).await;
    assert_eq!(error_code(&here), "UNAUTHENTICATED", "the server that signed out refuses at once: {here}");
    until_refused(&app, &other, ended_access).await;
    // A server started afterwards knows too.
    let later = app.another_server().await;
    until_refused(&app, &later, ended_access).await;
    // The account's other session goes on.
    for address in [&app.address, &other, &later] {
        assert_eq!(app.ok_at(address, ME, json!({}), kept_access).await["me"]["username"], "demo.clerk");
    }
}

#[tokio::test]
async fn a_reused_refresh_token_ends_every_access_token_of_its_session() {
    let app = spawn_app().await;
    let other = app.another_server().await;
    let first = app.login_payload("demo.clerk", DEMO_PASSWORD).await;
    let rotated = app.graphql(REFRESH, json!({"t": first["refreshToken"]}), None).await;
    let second_access = rotated["data"]["refreshToken"]["accessToken"].as_str().expect("rotated").to_owned();
    let first_access = first["accessToken"].as_str().unwrap();
    app.until_caller_remembered(first_access).await;
    app.ok_at(&other, ME, json!({}), &second_access).await;

    // The first refresh token again: someone kept a copy. Everything the session issued stops working.
    let reuse = app.graphql(REFRESH, json!({"t": first["refreshToken"]}), None).await;
    assert_eq!(error_code(&reuse), "UNAUTHENTICATED");
    for token in [first_access, second_access.as_str()] {
        assert_eq!(error_code(&app.graphql(ME, json!({}), Some(token)).await), "UNAUTHENTICATED");
        until_refused(&app, &other, token).await;
    }
}

#[tokio::test]
async fn changing_the_password_invalidates_older_tokens() {
    let app = spawn_app().await;
    let old = app.login_payload("demo.petitioner", DEMO_PASSWORD).await;
    let old_access = old["accessToken"].as_str().unwrap();
    let q =
        "mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken } }";

    let wrong = app.graphql(q, json!({"c": "not-my-password", "n": "a-brand-new-password"}), Some(old_access)).await;
    assert_eq!(error_code(&wrong), "UNAUTHENTICATED");
    let weak = app.graphql(q, json!({"c": DEMO_PASSWORD, "n": "short"}), Some(old_access)).await;
    assert_eq!(error_code(&weak), "BAD_USER_INPUT");
    assert_eq!(weak["errors"][0]["extensions"]["field"], "newPassword");

    let changed = app.graphql(q, json!({"c": DEMO_PASSWORD, "n": "a-brand-new-password"}), Some(old_access)).await;
    let new_access = changed["data"]["changePassword"]["accessToken"].as_str().expect("new session").to_owned();

    assert_eq!(error_code(&app.graphql(ME, json!({}), Some(old_access)).await), "UNAUTHENTICATED");
    assert_eq!(error_code(&app.graphql(REFRESH, json!({"t": old["refreshToken"]}), None).await), "UNAUTHENTICATED");
    let me = app.graphql(ME, json!({}), Some(&new_access)).await;
    assert_eq!(me["data"]["me"]["username"], "demo.petitioner");
    app.login_payload("demo.petitioner", "a-brand-new-password").await;
}

#[tokio::test]
async fn changing_roles_invalidates_older_tokens() {
    let app = spawn_app().await;
    let token = app.token("demo.lead").await;
    assert_eq!(app.graphql(ME, json!({}), Some(&token)).await["data"]["me"]["roles"], json!(["CASE_LEAD"]));
    app.until_caller_remembered(&token).await;
    {
        let mut conn = app.conn();
        use diesel::RunQueryDsl;
        diesel::sql_query(
            "UPDATE accounts SET roles = '{CASE_LEAD,CLERK}', token_version = token_version + 1 \
             WHERE username = 'demo.lead'",
        )
        .execute(&mut conn)
        .unwrap();
    }
    // Changed outside this server (as by another instance): it stops accepting the token once the database
    // announces the change, within moments.
    let mut code = String::new();
    for _ in 0..40 {
        code = match app.graphql(ME, json!({}), Some(&token)).await["errors"][0]["extensions"]["code"].as_str() {
            Some(c) => c.to_owned(),
            None => String::new(),
        };
        if code == "UNAUTHENTICATED" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(code, "UNAUTHENTICATED");
    let fresh = app.token("demo.lead").await;
    assert_eq!(app.graphql(ME, json!({}), Some(&fresh)).await["data"]["me"]["roles"], json!(["CASE_LEAD", "CLERK"]));
}

#[tokio::test]
async fn behind_a_trusted_proxy_failures_count_per_client_not_per_proxy() {
    let app = spawn_app().await;
    let proxied = app.another_server_with(&[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let login = |server: String, forwarded: &'static str, user: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let q = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
            let vars = json!({"u": user, "p": password});
            let body = app.graphql_at(&server, q, vars, None, &[("x-forwarded-for", forwarded)]).await;
            body["errors"][0]["extensions"]["code"].as_str().unwrap_or("OK").to_owned()
        }
    };
    // A guesser behind the proxy locks out its own address...
    let mut last = String::new();
    for i in 0..9 {
        let user = ["demo.lead", "demo.unit", "demo.city"][i % 3];
        last = login(proxied.clone(), "203.0.113.7", user, "guess-guess-guess").await;
    }
    assert_eq!(last, "RATE_LIMITED");
    assert_eq!(login(proxied.clone(), "203.0.113.7", "demo.clerk", DEMO_PASSWORD).await, "RATE_LIMITED");
    // ...not everyone else behind the same proxy.
    assert_eq!(login(proxied.clone(), "198.51.100.1", "demo.clerk", DEMO_PASSWORD).await, "OK");
    // A server that does not trust its peer ignores the header: a client cannot pick its own address.
    for _ in 0..9 {
        last = login(app.address.clone(), "192.0.2.1", "demo.lead", "guess-guess-guess").await;
    }
    assert_eq!(last, "RATE_LIMITED");
    assert_eq!(login(app.address.clone(), "192.0.2.99", "demo.clerk", DEMO_PASSWORD).await, "RATE_LIMITED");
}

#[tokio::test]
async fn registrations_from_one_address_are_limited() {
    let app = crate::helpers::spawn_app_with(&[("REGISTRATIONS_PER_HOUR", "3")]).await;
    let q = "mutation($i: RegisterPetitionerInput!) { registerPetitioner(input: $i) { accessToken } }";
    let register = |n: usize| {
        let i = json!({"username": format!("burst.{n}"), "password": "a-long-enough-password", "displayName": "某人"});
        app.graphql(q, json!({"i": i}), None)
    };
    for n in 0..3 {
        assert!(register(n).await["errors"].is_null(), "registration {n} is allowed");
    }
    let refused = register(3).await;
    assert_eq!(error_code(&refused), "RATE_LIMITED", "{refused}");
    assert!(refused["errors"][0]["extensions"]["retryAfterSeconds"].as_u64().unwrap() > 0);
    // Signing in is a separate matter.
    assert!(app
        .graphql(
            "mutation { login(username: \"burst.0\", password: \"a-long-enough-password\") { accessToken } }",
            json!({}),
            None
        )
        .await["errors"]
        .is_null());
}
