//! Whatever a client sends, it gets a GraphQL error with a code, never a 500, and the server stays responsive.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, TestApp};

async fn raw(app: &TestApp, content_type: &str, body: impl Into<reqwest::Body>) -> (u16, Value) {
    let res = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn malformed_requests_get_coded_errors() {
    let app = spawn_app().await;
    let cases: Vec<(&str, &str, u16)> = vec![
        ("malformed JSON", "{\"query\": ", 400),
        ("not an object", "42", 400),
        ("batched", "[{\"query\": \"{ __typename }\"}, {\"query\": \"{ __typename }\"}]", 400),
        ("bad GraphQL syntax", "{\"query\": \"{ me { \"}", 200),
        ("unknown field", "{\"query\": \"{ nothingHere }\"}", 200),
        ("wrong argument type", "{\"query\": \"{ jurisdiction(code: 510502) { name } }\"}", 200),
        (
            "wrong variable type",
            "{\"query\": \"query($n: Int) { cases(first: $n) { totalCount } }\", \"variables\": {\"n\": \"many\"}}",
            200,
        ),
        ("missing variable", "{\"query\": \"query($c: String!) { jurisdiction(code: $c) { name } }\"}", 200),
    ];
    for (what, body, status) in cases {
        let (got, json) = raw(&app, "application/json", body).await;
        assert_eq!(got, status, "{what}: {json}");
        assert_eq!(error_code(&json), "BAD_USER_INPUT", "{what}: {json}");
    }
    let (status, json) = raw(&app, "text/plain", "{\"query\": \"{ __typename }\"}").await;
    assert_eq!(status, 415);
    assert_eq!(error_code(&json), "BAD_USER_INPUT");
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_parsing() {
    let app = spawn_app().await;
    let padding = "x".repeat(1024 * 1024 + 10);
    let (status, json) =
        raw(&app, "application/json", format!("{{\"query\": \"{{ __typename }}\", \"p\": \"{padding}\"}}")).await;
    assert_eq!(status, 413);
    assert_eq!(error_code(&json), "BAD_USER_INPUT");
    // A body just under the limit is fine.
    let padding = "x".repeat(1000 * 1000);
    let (status, json) = raw(
        &app,
        "application/json",
        format!("{{\"query\": \"{{ __typename }}\", \"variables\": {{\"p\": \"{padding}\"}}}}"),
    )
    .await;
    assert_eq!(status, 200, "{json}");
}

#[tokio::test]
async fn abusive_queries_are_refused_quickly() {
    let app = spawn_app().await;
    // Depth: jurisdiction > parent > parent > ... beyond the limit of 10.
    let mut deep = String::from("code");
    for _ in 0..12 {
        deep = format!("parent {{ {deep} }}");
    }
    let body = app.graphql(&format!("{{ jurisdiction(code: \"510502\") {{ {deep} }} }}"), json!({}), None).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("nested too deep"), "{body}");

    let aliases: String = (0..16).map(|i| format!("a{i}: jurisdiction(code: \"510502\") {{ name }} ")).collect();
    let body = app.graphql(&format!("{{ {aliases} }}"), json!({}), None).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("aliases"), "{body}");
    let fifteen: String = (0..15).map(|i| format!("a{i}: jurisdiction(code: \"510502\") {{ name }} ")).collect();
    assert!(app.graphql(&format!("{{ {fifteen} }}"), json!({}), None).await["errors"].is_null());

    // Complexity: big pages of big pages.
    let body = app
        .graphql(
            "{ jurisdictions(first: 100) { nodes { children { children { units { jurisdiction { children { code } } } } } } } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    // The refusal says what the query costs and what is allowed, in words and in `extensions`.
    let cost = body["errors"][0]["extensions"]["cost"].as_u64().unwrap_or_else(|| panic!("a cost: {body}"));
    assert!(cost > 5000, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["limit"], 5000, "{body}");
    assert_eq!(body["errors"][0]["message"], format!("Query is too complex: it costs {cost}, at most 5000"));
    assert!(body.get("data").is_none(), "nothing ran: {body}");

    // Still responsive.
    let body = app.graphql("{ __typename }", json!({}), None).await;
    assert_eq!(body["data"]["__typename"], "Query");
}

#[tokio::test]
async fn mutations_do_not_run_over_get() {
    let app = spawn_app().await;
    let url = format!(
        "{}/graphql?query=mutation%7BregisterPetitioner(input%3A%7Busername%3A%22via.get%22%2Cpassword%3A%22a-long-enough-password%22%2CdisplayName%3A%22x%22%7D)%7BaccessToken%7D%7D",
        app.address
    );
    let res = app.client.get(url).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 405, "mutations only as POST");
    assert_eq!(res.headers()["allow"], "POST");
    // Nothing was created.
    let login = app
        .graphql(
            "mutation { login(username: \"via.get\", password: \"a-long-enough-password\") { accessToken } }",
            json!({}),
            None,
        )
        .await;
    assert_eq!(error_code(&login), "UNAUTHENTICATED");
}

#[tokio::test]
async fn control_characters_in_any_text_are_named_and_change_nothing() {
    use crate::lifecycle::{RECORD, SUBMIT};
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let count = crate::helpers::cases_and_history;
    let before = count(&app);
    let petition = |key: &str, value: &str| {
        let mut i = json!({"jurisdictionCode": "510502", "title": "标题", "content": "内容", "idempotencyKey": "nul"});
        i[key] = json!(value);
        json!({"i": i})
    };
    let recorded = json!({"i": {"jurisdictionCode": "510502", "channel": "VISIT", "receivedAt": "2026-11-01T09:00:00+08:00",
        "title": "t", "content": "c", "petitioner": {"name": "王某"}, "representatives": [{"name": "代表\u{1}"}]}});
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (SUBMIT, petition("jurisdictionCode", "510502\u{0}"), &petitioner, "input.jurisdictionCode"),
        (SUBMIT, petition("idempotencyKey", "k\u{0}"), &petitioner, "input.idempotencyKey"),
        (SUBMIT, petition("title", "响铃\u{7}"), &petitioner, "input.title"),
        (SUBMIT, petition("phone", "1381234\u{7f}5678"), &petitioner, "input.phone"),
        (RECORD, recorded, &clerk, "input.representatives.0.name"),
        (
            "query($s: String) { cases(filter: {search: $s}) { totalCount } }",
            json!({"s": "a\u{0}"}),
            &clerk,
            "filter.search",
        ),
        ("query($id: ID!) { case(id: $id) { id } }", json!({"id": "\u{0}"}), &clerk, "id"),
        // Written into the query itself, as GraphQL escapes.
        (
            r#"{ trackCase(reference: "510502-2022-\u0000", queryCode: "ABCDEFGH") { status } }"#,
            json!({}),
            "",
            "reference",
        ),
        (r#"mutation { login(username: "demo\u0000", password: "x") { accessToken } }"#, json!({}), "", "username"),
    ];
    for (query, variables, token, field) in cases {
        let body = app.graphql(query, variables, (!token.is_empty()).then_some(token)).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{field}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert_eq!(count(&app), before, "nothing was written");
    // Tabs and line breaks are text.
    let ok = app.ok(SUBMIT, petition("content", "第一行\n第二行\t完"), &petitioner).await;
    assert_eq!(ok["submitPetition"]["case"]["status"], "SUBMITTED");
}

#[tokio::test]
async fn huge_documents_and_lists_are_refused_before_parsing() {
    let app = spawn_app().await;
    // A 0.9 MiB document of one selection repeated: refused by its size, not after parsing it.
    let fields = "__typename ".repeat(90_000);
    let (status, json) = raw(&app, "application/json", json!({"query": format!("{{ {fields} }}")}).to_string()).await;
    assert_eq!((status, error_code(&json).as_str()), (413, "BAD_USER_INPUT"), "{json}");
    // An 80,000-element list variable: refused by its length.
    let ids: Vec<String> = (0..80_000).map(|i| format!("{i}")).collect();
    let query = "mutation($i: IssueSupervisionNoticeInput!) { issueSupervisionNotice(input: $i) { id } }";
    let body = json!({"query": query, "variables": {"i": {"caseIds": ids, "targetUnitId": "x", "noticeType": "SUPERVISION",
        "trigger": "OVERDUE_ACCEPTANCE", "requirements": "r"}}});
    let (status, json) = raw(&app, "application/json", body.to_string()).await;
    assert_eq!((status, error_code(&json).as_str()), (413, "BAD_USER_INPUT"), "{json}");
    // Just under both limits is an ordinary request.
    let fields = "__typename ".repeat(5_000);
    let (status, json) = raw(&app, "application/json", json!({"query": format!("{{ {fields} }}")}).to_string()).await;
    assert_eq!(status, 200, "{json}");
}

/// Bodies beyond a few KiB are decoded and run on a lane of their own (so that a burst of them cannot hold the HTTP
/// workers; bench/abuse.sh measures that): there they are served exactly like small ones, signed in, with nested
/// fields loaded in batches.
#[tokio::test]
async fn large_requests_are_served_like_small_ones() {
    let app = spawn_app().await;
    let token = app.token("demo.clerk").await;
    let query = "{ me { username } cases(first: 3) { nodes { reference jurisdiction { name } } } }";
    let padded = format!("{query}\n{}", "# a long comment, as generated clients send\n".repeat(1_000));
    assert!(padded.len() > 40_000);
    let small = app.ok(query, json!({}), &token).await;
    let large = app.ok(&padded, json!({}), &token).await;
    assert_eq!(large, small);
    assert_eq!(large["me"]["username"], "demo.clerk");
    assert_eq!(large["cases"]["nodes"].as_array().map(Vec::len), Some(3));
    assert!(large["cases"]["nodes"][0]["jurisdiction"]["name"].is_string(), "{large}");
}

/// GraphQL over HTTP: GET runs queries; `application/graphql-response+json` is answered in kind, with 400 for a
/// request that cannot be executed at all; without a query, a browser gets the playground and a program a refusal.
#[tokio::test]
async fn queries_run_over_get_and_the_graphql_response_media_type_is_honoured() {
    let app = spawn_app().await;
    let get = |query: &str, accept: &str| {
        let url = format!("{}/graphql", app.address);
        app.client.get(url).query(&[("query", query)]).header("accept", accept).send()
    };
    let res = get("{ jurisdiction(code: \"510502\") { name } }", "application/json").await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["jurisdiction"]["name"], "江阳区");

    let res = get("{ __typename }", "application/graphql-response+json").await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/graphql-response+json"));
    for broken in ["{ __typename", "{ noSuchField }"] {
        let res = get(broken, "application/graphql-response+json").await.unwrap();
        assert_eq!(res.status(), 400, "{broken}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
        // As plain JSON the same answer keeps 200, as older clients expect.
        assert_eq!(get(broken, "application/json").await.unwrap().status(), 200);
    }
    // A field error still answers 200: the request was executed.
    let res =
        get("{ case(id: \"00000000-0000-0000-0000-000000000000\") { id } }", "application/graphql-response+json").await;
    assert_eq!(res.unwrap().status(), 200);

    let url = format!("{}/graphql", app.address);
    let res = app.client.get(&url).header("accept", "application/json").send().await.unwrap();
    assert_eq!(res.status(), 400);
    let res = app.client.get(&url).query(&[("query", "{ __typename }"), ("variables", "[1]")]).send().await.unwrap();
    assert_eq!(res.status(), 400, "variables must be an object");
}

/// `Accept-Language: zh-CN` gets the messages in Chinese; the codes and fields stay the same, and English is the
/// default.
#[tokio::test]
async fn messages_are_in_chinese_when_the_client_asks_for_it() {
    let app = spawn_app().await;
    let token = app.token("demo.petitioner").await;
    let submit = "mutation($i: SubmitPetitionInput!) { submitPetition(input: $i) { case { id } } }";
    let input = json!({"i": {"jurisdictionCode": "510502", "title": "", "content": "内容", "idempotencyKey": "zh-1"}});
    let zh = [("accept-language", "zh-CN,zh;q=0.9,en;q=0.8")];
    let chinese = app.graphql_at(&app.address, submit, input.clone(), Some(&token), &zh).await;
    let english = app.graphql_at(&app.address, submit, input, Some(&token), &[]).await;
    assert_eq!(chinese["errors"][0]["message"], "不能为空", "{chinese}");
    assert_eq!(english["errors"][0]["message"], "must not be empty", "{english}");
    for key in ["code", "field"] {
        assert_eq!(chinese["errors"][0]["extensions"][key], english["errors"][0]["extensions"][key]);
    }
    let missing = app
        .graphql_at(
            &app.address,
            "{ case(id: \"00000000-0000-0000-0000-000000000000\") { id } }",
            json!({}),
            Some(&token),
            &zh,
        )
        .await;
    assert_eq!(missing["errors"][0]["message"], "未找到信访事项", "{missing}");
    assert_eq!(missing["errors"][0]["extensions"]["code"], "NOT_FOUND");
    // async-graphql's own messages keep their English behind the code's Chinese sentence.
    let unknown = app.graphql_at(&app.address, "{ noSuchField }", json!({}), Some(&token), &zh).await;
    let message = unknown["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("请求有误：") && message.contains("noSuchField"), "{message}");
}

/// The refusals of how a request arrives (its media type, its method, its body, its GET parameters, a persisted
/// query's form) are in the client's language too, with the same code and status; English stays the default.
#[tokio::test]
async fn refusals_before_the_operation_are_in_chinese_when_the_client_asks_for_it() {
    let app = spawn_app().await;
    let graphql = format!("{}/graphql", app.address);
    let post = |content_type: &'static str, body: &'static str, lang: &'static str| {
        let request = app.client.post(&graphql).header("content-type", content_type).body(body);
        async move { request.header("accept-language", lang).send().await.unwrap() }
    };
    let get = |params: Vec<(&'static str, &'static str)>, lang: &'static str| {
        let request = app.client.get(&graphql).header("accept", "application/json").query(&params);
        async move { request.header("accept-language", lang).send().await.unwrap() }
    };
    let persisted =
        r#"{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 2, "sha256Hash": "x"}}}"#;
    let asked: Vec<(&str, reqwest::Response, reqwest::Response, u16, &str, &str)> = vec![
        (
            "text/plain",
            post("text/plain", "{}", "zh-CN").await,
            post("text/plain", "{}", "en").await,
            415,
            "请以 POST 发送操作，Content-Type 为 application/json",
            "send operations as POST with Content-Type: application/json",
        ),
        (
            "GET without a query",
            get(vec![], "zh-CN").await,
            get(vec![], "en").await,
            400,
            "GET 请求需要 `query` 参数（或以 POST 发送操作）",
            "GET needs a `query` parameter (or send operations as POST)",
        ),
        (
            "variables not an object",
            get(vec![("query", "{ __typename }"), ("variables", "[1]")], "zh-CN").await,
            get(vec![("query", "{ __typename }"), ("variables", "[1]")], "en").await,
            400,
            "`variables` 必须是 JSON 对象",
            "`variables` must be a JSON object",
        ),
        (
            "a mutation by GET",
            get(vec![("query", "mutation { logout(refreshToken: \"x\") }")], "zh-CN").await,
            get(vec![("query", "mutation { logout(refreshToken: \"x\") }")], "en").await,
            405,
            "变更操作只接受 POST 请求",
            "mutations are accepted only as POST",
        ),
        (
            "a persisted query of another version",
            post("application/json", persisted, "zh-CN").await,
            post("application/json", persisted, "en").await,
            400,
            "extensions.persistedQuery：只支持版本 1",
            "extensions.persistedQuery: only version 1 is supported",
        ),
    ];
    for (what, chinese, english, status, zh, en) in asked {
        assert_eq!((chinese.status().as_u16(), english.status().as_u16()), (status, status), "{what}");
        let (chinese, english): (Value, Value) = (chinese.json().await.unwrap(), english.json().await.unwrap());
        assert_eq!(chinese["errors"][0]["message"], zh, "{what}: {chinese}");
        assert_eq!(english["errors"][0]["message"], en, "{what}: {english}");
        assert_eq!(error_code(&chinese), "BAD_USER_INPUT", "{what}");
        assert_eq!(error_code(&english), "BAD_USER_INPUT", "{what}");
    }
    // The body that is no JSON, read back from the English the decoder formed, keeps the parser's words.
    let (status, json) = {
        let res = post("application/json", "{not json", "zh-CN").await;
        (res.status().as_u16(), res.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 400);
    let message = json["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("请求体不是有效的 JSON：") && message.contains("line 1"), "{message}");
}
