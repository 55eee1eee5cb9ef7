//! CSV exports for portals: what a portal sees, scope-checked and filtered exactly as `cases` and `stats`, streamed
//! page after page, UTF-8 with a byte order mark.

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

/// GETs an export; the status, the `Content-Type` and the body as text.
async fn export(
    app: &TestApp,
    path: &str,
    query: &[(&str, &str)],
    token: Option<&str>,
    lang: &str,
) -> (u16, String, String) {
    let mut req = app.client.get(format!("{}/export/{path}", app.address)).query(query).header("accept-language", lang);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let content_type = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, content_type, res.text().await.unwrap())
}

/// The rows of a CSV body (no quoted line breaks in these tests), without the byte order mark.
fn rows(body: &str) -> Vec<Vec<String>> {
    let body = body.strip_prefix('\u{feff}').expect("a byte order mark first");
    body.split("\r\n").filter(|l| !l.is_empty()).map(|l| l.split(',').map(str::to_owned).collect()).collect()
}

/// Every reference `cases(filter)` lists for `token`, through all pages.
async fn references(app: &TestApp, token: &str, filter: Value) -> Vec<String> {
    let query = "query($f: CaseFilterInput, $a: String) { cases(filter: $f, first: 100, after: $a) {
        pageInfo { hasNextPage endCursor } nodes { reference } } }";
    let (mut all, mut after) = (Vec::new(), Value::Null);
    loop {
        let data = app.ok(query, json!({ "f": filter, "a": after }), token).await;
        all.extend(
            data["cases"]["nodes"].as_array().unwrap().iter().map(|n| n["reference"].as_str().unwrap().to_owned()),
        );
        if data["cases"]["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = data["cases"]["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn a_case_export_holds_exactly_what_the_list_shows_across_pages() {
    let app = spawn_app().await;
    // Enough cases for several pages of the export.
    app.generate(260).await;

    let committee = app.token("demo.committee").await;
    let (status, content_type, body) = export(&app, "cases.csv", &[], Some(&committee), "en").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let table = rows(&body);
    assert_eq!(table[0][..3], ["reference", "status", "channel"]);
    let exported: Vec<&String> = table[1..].iter().map(|r| &r[0]).collect();
    let listed = references(&app, &committee, json!({})).await;
    assert!(listed.len() > 200, "several pages: {}", listed.len());
    assert_eq!(exported, listed.iter().collect::<Vec<_>>());

    // With the list's filters, and in the order asked for; the header in Chinese for a Chinese browser.
    let filter = json!({ "jurisdictionCode": "510502", "status": ["ASSIGNED", "ACCEPTED", "SUBMITTED"] });
    let query = [("filter", filter.to_string()), ("order", "RECEIVED_ASC".to_owned())];
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, _, body) = export(&app, "cases.csv", &query, Some(&committee), "zh-CN,zh;q=0.9").await;
    let table = rows(&body);
    assert_eq!(table[0][0], "编号");
    let mut listed = references(&app, &committee, filter).await;
    listed.reverse();
    assert!(!listed.is_empty());
    assert_eq!(table[1..].iter().map(|r| r[0].clone()).collect::<Vec<_>>(), listed);
    assert!(table[1..].iter().all(|r| r[6] == "510502"), "{table:?}");

    // Scope: a clerk of another county exports none of 江阳区's cases, exactly as their list shows none.
    let naxi = app.token("demo.naxi.clerk").await;
    let (_, _, body) =
        export(&app, "cases.csv", &[("filter", r#"{"jurisdictionCode":"510502"}"#)], Some(&naxi), "en").await;
    assert_eq!(rows(&body).len(), 1, "only the header: {body}");
}

#[tokio::test]
async fn an_export_is_refused_like_the_query_it_runs() {
    let app = spawn_app().await;
    let (status, _, body) = export(&app, "cases.csv", &[], None, "en").await;
    assert_eq!(status, 401);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");

    let clerk = app.token("demo.clerk").await;
    for (filter, field) in [("[1]", "filter"), (r#"{"unitId":"nonsense"}"#, "filter.unitId")] {
        let (status, _, body) = export(&app, "cases.csv", &[("filter", filter)], Some(&clerk), "en").await;
        assert_eq!(status, 400, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let petitioner = app.token("demo.petitioner").await;
    let period = [("jurisdictionCode", "510500"), ("from", "2026-01-01"), ("to", "2026-12-31")];
    let (status, _, body) = export(&app, "figures.csv", &period, Some(&petitioner), "en").await;
    assert_eq!(status, 403, "{body}");
    let (status, _, _) = export(&app, "figures.csv", &period[..1], Some(&clerk), "en").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_figures_export_holds_the_figures_of_the_place_and_each_child() {
    let app = spawn_app().await;
    let committee = app.token("demo.city.committee").await;
    let year = app.clock_today().format("%Y").to_string();
    let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let period = [("jurisdictionCode", "510500"), ("from", from.as_str()), ("to", to.as_str())];
    let (status, _, body) = export(&app, "figures.csv", &period, Some(&committee), "en").await;
    assert_eq!(status, 200, "{body}");
    let table = rows(&body);
    assert_eq!(
        table[0][..6],
        [
            "code",
            "name",
            "received",
            "timelyAcceptance numerator",
            "timelyAcceptance denominator",
            "timelyAcceptance rate"
        ]
    );

    let query = "query($from: NaiveDate!, $to: NaiveDate!) { jurisdiction(code: \"510500\") {
        code stats(from: $from, to: $to) { received onTimeAnswer { numerator denominator } }
        children { code stats(from: $from, to: $to) { received onTimeAnswer { numerator denominator } } } } }";
    let data = app.ok(query, json!({ "from": from, "to": to }), &committee).await;
    let place = &data["jurisdiction"];
    let expected: Vec<&Value> = std::iter::once(place).chain(place["children"].as_array().unwrap()).collect();
    assert_eq!(table.len() - 1, expected.len());
    let on_time = table[0].iter().position(|h| h == "onTimeAnswer numerator").unwrap();
    for (row, want) in table[1..].iter().zip(expected) {
        assert_eq!(row[0], want["code"].as_str().unwrap());
        assert_eq!(row[2], want["stats"]["received"].to_string());
        assert_eq!(row[on_time], want["stats"]["onTimeAnswer"]["numerator"].to_string());
        assert_eq!(row[on_time + 1], want["stats"]["onTimeAnswer"]["denominator"].to_string());
    }
    assert!(table[1..].iter().any(|r| r[2] != "0"), "some figures to compare: {table:?}");
}

/// GETs an export as bytes: status, headers, body.
async fn download(
    app: &TestApp,
    path: &str,
    query: &[(&str, &str)],
    token: &str,
    lang: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let req = app.client.get(format!("{}/export/{path}", app.address)).query(query).header("accept-language", lang);
    let res = req.bearer_auth(token).send().await.unwrap();
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    (status, headers, res.bytes().await.unwrap().to_vec())
}

/// The first sheet of a workbook, read by a spreadsheet reader: its name and its rows.
fn sheet(bytes: &[u8]) -> (String, Vec<Vec<calamine::Data>>) {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).unwrap();
    (name, range.rows().map(<[calamine::Data]>::to_vec).collect())
}

/// The worksheet's own XML, for what a reader does not report (the frozen header).
fn sheet_xml(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut xml).unwrap();
    xml
}

fn day(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::DateTime(at) => at.as_datetime().unwrap().format("%Y-%m-%d").to_string(),
        other => panic!("a date cell, not {other:?}"),
    }
}

fn moment(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::DateTime(at) => at.as_datetime().unwrap().format("%Y-%m-%dT%H:%M:%S+08:00").to_string(),
        other => panic!("a date cell, not {other:?}"),
    }
}

fn words(cell: &calamine::Data) -> String {
    match cell {
        calamine::Data::String(s) => s.clone(),
        calamine::Data::Empty => String::new(),
        other => panic!("a text cell, not {other:?}"),
    }
}

const LISTED: &str = "query($f: CaseFilterInput, $a: String) { cases(filter: $f, first: 100, after: $a) {
    pageInfo { hasNextPage endCursor } nodes { reference status channel receivedAt groupSize overdue nextDueAt nextDueOn
    deadlines { owedByStaff status dueOn dueAt } } } }";

/// Every case `cases(filter)` lists for `token` with the fields the workbook test compares.
async fn listed(app: &TestApp, token: &str, filter: Value) -> Vec<Value> {
    let (mut all, mut after) = (Vec::new(), Value::Null);
    loop {
        let data = app.ok(LISTED, json!({ "f": filter, "a": after }), token).await;
        all.extend(data["cases"]["nodes"].as_array().unwrap().iter().cloned());
        if data["cases"]["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = data["cases"]["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn an_excel_export_holds_the_lists_rows_as_numbers_dates_and_yes_no_under_a_frozen_header() {
    let app = spawn_app().await;
    app.generate(260).await;
    let committee = app.token("demo.committee").await;
    let filter = json!({ "jurisdictionCode": "510500" });
    let query = [("filter", filter.to_string())];
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, headers, bytes) = download(&app, "cases.xlsx", &query, &committee, "en").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let today = app.clock_today();
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains(&format!("filename=\"cases-510500-{today}.xlsx\"")), "{disposition}");

    let (name, rows) = sheet(&bytes);
    assert_eq!(name, "cases");
    let header: Vec<String> = rows[0].iter().map(words).collect();
    let at = |column: &str| header.iter().position(|h| h == column).unwrap_or_else(|| panic!("{column}: {header:?}"));
    let want = listed(&app, &committee, filter.clone()).await;
    assert!(want.len() > 100, "more than a page: {}", want.len());
    assert_eq!(rows.len() - 1, want.len());
    let mut due_days = 0;
    for (row, case) in rows[1..].iter().zip(&want) {
        assert_eq!(words(&row[at("reference")]), case["reference"].as_str().unwrap());
        assert_eq!(words(&row[at("status")]), case["status"].as_str().unwrap());
        assert_eq!(row[at("groupSize")], calamine::Data::Float(case["groupSize"].as_f64().unwrap()));
        assert_eq!(row[at("overdue")], calamine::Data::Bool(case["overdue"].as_bool().unwrap()));
        assert_eq!(moment(&row[at("receivedAt")]), case["receivedAt"].as_str().unwrap());
        // The next deadline as its last day, the day `deadlines` gives as `dueOn`, not the midnight after it.
        match case["nextDueOn"].as_str() {
            Some(due_on) => {
                assert_eq!(day(&row[at("nextDueOn")]), due_on);
                let deadline = case["deadlines"].as_array().unwrap().iter().find(|d| d["dueAt"] == case["nextDueAt"]);
                assert_eq!(deadline.unwrap()["dueOn"], due_on);
                due_days += 1;
            }
            None => assert_eq!(row[at("nextDueOn")], calamine::Data::Empty),
        }
    }
    assert!(due_days > 10, "open cases with deadlines to compare: {due_days}");
    let xml = sheet_xml(&bytes);
    assert!(
        xml.contains(r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#),
        "{xml:.600}"
    );

    // In Chinese: the sheet, the header, the closed sets and yes/no in Chinese; the same rows.
    let (_, headers, bytes) = download(&app, "cases.xlsx", &query, &committee, "zh-CN,zh;q=0.9").await;
    let disposition = headers["content-disposition"].to_str().unwrap();
    let chinese_name = format!("信访事项-510500-{today}.xlsx");
    let encoded = utf8_percent(&chinese_name);
    assert!(disposition.ends_with(&format!("filename*=UTF-8''{encoded}")), "{disposition}");
    let (name, rows) = sheet(&bytes);
    assert_eq!((name.as_str(), words(&rows[0][0]).as_str()), ("信访事项", "编号"));
    let statuses: std::collections::BTreeSet<String> = rows[1..].iter().map(|r| words(&r[1])).collect();
    assert!(statuses.iter().all(|s| !s.is_ascii()), "{statuses:?}");
    assert!(statuses.contains("已交办") || statuses.contains("已受理"), "{statuses:?}");
    let overdue = rows[0].iter().position(|h| words(h) == "超期").unwrap();
    for (row, case) in rows[1..].iter().zip(&want) {
        assert_eq!(words(&row[overdue]), if case["overdue"] == true { "是" } else { "否" });
    }
    assert_eq!(rows.len() - 1, want.len());
}

#[tokio::test]
async fn a_csv_export_in_chinese_names_values_in_chinese_and_due_days_as_days() {
    let app = spawn_app().await;
    let committee = app.token("demo.committee").await;
    let (_, _, body) = export(&app, "cases.csv", &[], Some(&committee), "zh-CN").await;
    let table = rows(&body);
    let column = |name: &str| table[0].iter().position(|h| h == name).unwrap();
    let want = listed(&app, &committee, json!({})).await;
    assert_eq!(table.len() - 1, want.len());
    for (row, case) in table[1..].iter().zip(&want) {
        assert!(!row[column("状态")].is_ascii(), "{row:?}");
        assert!(!row[column("渠道")].is_ascii(), "{row:?}");
        assert!(["是", "否"].contains(&row[column("超期")].as_str()), "{row:?}");
        assert_eq!(row[column("下一期限（截止日）")], case["nextDueOn"].as_str().unwrap_or_default());
    }
    assert!(want.iter().any(|c| c["nextDueOn"].is_string()));
}

#[tokio::test]
async fn escalations_and_supervision_notices_are_exported_like_cases() {
    use crate::lifecycle::{assign, submit};
    let app = spawn_app().await;
    let petitioner = app.token("demo.petitioner").await;
    let clerk = app.token("demo.clerk").await;
    let committee = app.token("demo.committee").await;
    let (case, reference, _) = submit(&app, &petitioner, "河道污染跨区").await;
    assign(&app, &clerk, &case, 30).await;
    let escalate = "mutation($i: EscalateCaseInput!) { escalateCase(input: $i) { escalation { id } } }";
    app.ok(
        escalate,
        json!({"i": {"caseId": case, "kind": "URGENT_REPORT", "reason": "群体性苗头", "decisionDays": 3}}),
        &clerk,
    )
    .await;
    let unit = app.unit_id("510502", "江阳区住房和城乡建设局").await;
    let issue = "mutation($i: IssueSupervisionNoticeInput!) { issueSupervisionNotice(input: $i) { id } }";
    let notice = json!({"i": {"caseIds": [case], "targetUnitId": unit, "noticeType": "LISTED",
        "trigger": "OVERDUE_HANDLING", "requirements": "=请于十日内书面反馈", "responseDueOn": app.clock_today().succ_opt().unwrap().to_string()}});
    app.ok(issue, notice, &committee).await;

    let listed = app
        .ok(
            "{ escalations(first: 50) { nodes { kind dueOn requestedAt case { reference } } }
            supervisionNotices(first: 50) { nodes { noticeType responseDueOn cases { reference } } } }",
            json!({}),
            &committee,
        )
        .await;
    let (status, _, body) = export(&app, "escalations.csv", &[], Some(&committee), "en").await;
    assert_eq!(status, 200, "{body}");
    let table = rows(&body);
    assert_eq!(table[0][..3], ["caseReference", "kind", "status"]);
    let escalations = listed["escalations"]["nodes"].as_array().unwrap();
    assert_eq!(table.len() - 1, escalations.len());
    let due = table[0].iter().position(|h| h == "dueOn").unwrap();
    for (row, e) in table[1..].iter().zip(escalations) {
        assert_eq!(
            (row[0].as_str(), row[1].as_str()),
            (e["case"]["reference"].as_str().unwrap(), e["kind"].as_str().unwrap())
        );
        assert_eq!(row[due], e["dueOn"].as_str().unwrap());
    }
    assert!(table[1..].iter().any(|r| r[0] == reference && r[1] == "URGENT_REPORT"));

    let (status, headers, bytes) = download(&app, "supervision-notices.xlsx", &[], &committee, "zh-CN").await;
    assert_eq!(status, 200);
    assert!(headers["content-disposition"].to_str().unwrap().contains("supervision-notices-"), "{headers:?}");
    let (name, sheet_rows) = sheet(&bytes);
    assert_eq!(name, "督办通知");
    let notices = listed["supervisionNotices"]["nodes"].as_array().unwrap();
    assert_eq!(sheet_rows.len() - 1, notices.len());
    let header: Vec<String> = sheet_rows[0].iter().map(words).collect();
    let at = |h: &str| header.iter().position(|x| x == h).unwrap();
    let ours =
        sheet_rows[1..].iter().find(|r| words(&r[at("涉及信访事项")]) == reference).expect("the notice about the case");
    assert_eq!(words(&ours[at("督办类型")]), "挂牌督办");
    assert_eq!(words(&ours[at("督办事由")]), "办理超期");
    assert_eq!(day(&ours[at("反馈期限（截止日）")]), app.clock_today().succ_opt().unwrap().to_string());
    // In a workbook, text is text: a leading `=` is not a formula, and stays as written.
    assert_eq!(words(&ours[at("督办要求")]), "=请于十日内书面反馈");
    assert!(notices.iter().any(|n| n["responseDueOn"] == app.clock_today().succ_opt().unwrap().to_string()));
}

#[tokio::test]
async fn export_parameters_are_refused_with_a_code_and_the_field_in_the_requests_language() {
    let app = spawn_app().await;
    let clerk = app.token("demo.clerk").await;
    for (path, query, field, english, chinese) in [
        (
            "cases.csv",
            ("order", "NEWEST"),
            "order",
            "must be one of RECEIVED_DESC, RECEIVED_ASC",
            "应为以下之一：RECEIVED_DESC, RECEIVED_ASC",
        ),
        (
            "cases.xlsx",
            ("filter", "[1]"),
            "filter",
            "must be a CaseFilterInput as a JSON object",
            "应为 JSON 对象形式的 CaseFilterInput",
        ),
        (
            "escalations.xlsx",
            ("order", "RECEIVED_ASC"),
            "order",
            "this export takes no order",
            "此导出不接受 order 参数",
        ),
        (
            "figures.xlsx",
            ("from", "2026-01-01"),
            "jurisdictionCode",
            "jurisdictionCode, from and to (ISO dates) are all needed",
            "须同时提供",
        ),
    ] {
        for (lang, message) in [("en", english), ("zh-CN", chinese)] {
            let (status, _, body) = export(&app, path, &[query], Some(&clerk), lang).await;
            assert_eq!(status, 400, "{path}: {body}");
            let body: Value = serde_json::from_str(&body).unwrap();
            let error = &body["errors"][0];
            assert_eq!(
                (error["extensions"]["code"].as_str(), error["extensions"]["field"].as_str()),
                (Some("BAD_USER_INPUT"), Some(field)),
                "{body}"
            );
            assert!(error["message"].as_str().unwrap().starts_with(message), "{path} {lang}: {body}");
        }
    }
    // A refusal by the query itself (a filter value the API refuses) is coded as over /graphql, in Chinese too.
    let (status, _, body) =
        export(&app, "escalations.csv", &[("filter", r#"{"caseId":"nonsense"}"#)], Some(&clerk), "zh-CN").await;
    assert_eq!(status, 400, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    assert!(!body["errors"][0]["message"].as_str().unwrap().is_ascii(), "{body}");
}

#[tokio::test]
async fn a_figures_workbook_holds_numbers_and_names_the_place_and_period() {
    let app = spawn_app().await;
    let committee = app.token("demo.city.committee").await;
    let year = app.clock_today().format("%Y").to_string();
    let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let period = [("jurisdictionCode", "510500"), ("from", from.as_str()), ("to", to.as_str())];
    let (status, headers, bytes) = download(&app, "figures.xlsx", &period, &committee, "zh-CN").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains(&format!("filename=\"figures-510500-{from}-to-{to}.xlsx\"")), "{disposition}");
    let (name, rows) = sheet(&bytes);
    assert_eq!(name, "信访工作统计");
    let data = app
        .ok("query($from: NaiveDate!, $to: NaiveDate!) { jurisdiction(code: \"510500\") { name stats(from: $from, to: $to) { received } } }",
            json!({ "from": from, "to": to }), &committee)
        .await;
    assert!(disposition.contains(&utf8_percent(data["jurisdiction"]["name"].as_str().unwrap())), "{disposition}");
    assert_eq!(words(&rows[1][0]), "510500");
    assert_eq!(rows[1][2], calamine::Data::Float(data["jurisdiction"]["stats"]["received"].as_f64().unwrap()));
    assert!(
        rows[1..].iter().all(|r| r[3..].iter().all(|c| matches!(c, calamine::Data::Float(_) | calamine::Data::Empty))),
        "{rows:?}"
    );
}

fn utf8_percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

const HISTORY: &str = "query($id: ID!) { case(id: $id) { reference historyDigest
    events { kind chainPosition previousDigest digest staffOnly note } } }";

#[tokio::test]
async fn a_case_history_export_carries_each_entrys_place_and_digest_in_the_chain() {
    let app = spawn_app().await;
    let (id, reference) = crate::history_chain::a_case_with_history(&app).await;
    let unit = app.token("demo.unit").await;
    let note = json!({"i": {"caseId": id, "kind": "NOTE", "happenedAt": chrono::Utc::now(), "note": "已电话联系"}});
    app.ok("mutation($i: LogActivityInput!) { logActivity(input: $i) { id } }", note, &unit).await;
    let clerk = app.token("demo.clerk").await;
    let seen = app.ok(HISTORY, json!({"id": id}), &clerk).await;
    let entries = seen["case"]["events"].as_array().unwrap().clone();
    assert!(entries.len() >= 4, "{entries:?}");

    // CSV by the case's id: an entry a row, in chain order; each row names the digest before it, the row above's,
    // and the last digest is the case's receipt.
    let (status, content_type, body) = export(&app, "case-history.csv", &[("caseId", &id)], Some(&clerk), "en").await;
    assert_eq!((status, content_type.as_str()), (200, "text/csv; charset=utf-8"), "{body}");
    let table = rows(&body);
    let column = |name: &str| table[0].iter().position(|h| h == name).unwrap_or_else(|| panic!("{name}"));
    let (position, kind, previous, digest) =
        (column("chainPosition"), column("kind"), column("previousDigest"), column("digest"));
    assert_eq!(table.len() - 1, entries.len(), "{body}");
    for (at, (row, entry)) in table[1..].iter().zip(&entries).enumerate() {
        assert_eq!(row[position], (at + 1).to_string());
        assert_eq!(row[kind], entry["kind"].as_str().unwrap());
        assert_eq!(row[digest], entry["digest"].as_str().unwrap());
        assert_eq!(row[digest].len(), 64, "{row:?}");
        let before = if at == 0 { "" } else { table[at][digest].as_str() };
        assert_eq!(row[previous], before, "{row:?}");
    }
    assert_eq!(table.last().unwrap()[digest], seen["case"]["historyDigest"].as_str().unwrap());

    // Excel by its reference, in Chinese: the same digests, the kinds in Chinese, named after the case.
    let (status, headers, bytes) =
        download(&app, "case-history.xlsx", &[("reference", &reference)], &clerk, "zh-CN").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let chinese_name = format!("信访事项履历-{reference}-{}.xlsx", app.clock_today());
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.contains(&format!("filename=\"case-history-{reference}-")), "{disposition}");
    assert!(disposition.ends_with(&format!("filename*=UTF-8''{}", utf8_percent(&chinese_name))), "{disposition}");
    let (name, sheet_rows) = sheet(&bytes);
    assert_eq!((name.as_str(), words(&sheet_rows[0][0]).as_str()), ("信访事项履历", "序号"));
    let digests: Vec<String> = sheet_rows[1..].iter().map(|r| words(&r[digest])).collect();
    assert_eq!(digests, table[1..].iter().map(|r| r[digest].clone()).collect::<Vec<_>>());
    assert!(sheet_rows[1..].iter().all(|r| !words(&r[kind]).is_ascii()), "{sheet_rows:?}");
    assert_eq!(sheet_rows[1][position], calamine::Data::Float(1.0));

    // The petitioner's copy: the public entries only, without the chain (it runs through entries they do not
    // see), exactly as `Case.events` shows them.
    let petitioner = app.token("demo.petitioner").await;
    let own = app.ok(HISTORY, json!({"id": id}), &petitioner).await;
    let public = own["case"]["events"].as_array().unwrap();
    let (status, _, body) = export(&app, "case-history.csv", &[("caseId", &id)], Some(&petitioner), "en").await;
    assert_eq!(status, 200, "{body}");
    let mine = rows(&body);
    assert_eq!(mine.len() - 1, public.len());
    assert!(public.len() < entries.len(), "the note is staff-only: {public:?}");
    assert!(mine[1..].iter().all(|r| r[digest].is_empty() && r[position].is_empty()), "{mine:?}");

    // Outside the caller's scope, by id or by reference: NOT_FOUND, and nothing of the case.
    let naxi = app.token("demo.naxi.clerk").await;
    for query in [("caseId", id.as_str()), ("reference", reference.as_str())] {
        let (status, _, body) = export(&app, "case-history.csv", &[query], Some(&naxi), "en").await;
        assert_eq!(status, 404, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND", "{body}");
        assert!(!body.to_string().contains(&reference) || query.0 == "reference", "{body}");
    }
    // Bad parameters: refused with the parameter named, in the request's language.
    for (query, message) in [
        (vec![], "caseId or reference is needed"),
        (vec![("caseId", "510502-2026-000001")], "must be a case's id (a UUID)"),
    ] {
        let (status, _, body) = export(&app, "case-history.csv", &query, Some(&clerk), "en").await;
        assert_eq!(status, 400, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["errors"][0]["extensions"]["field"], "caseId", "{body}");
        assert_eq!(body["errors"][0]["message"], message, "{body}");
    }
    let (_, _, body) = export(&app, "case-history.xlsx", &[], Some(&clerk), "zh-CN").await;
    assert!(body.contains("须提供 caseId 或 reference"), "{body}");
}
