//! The playground works offline in a real browser: headless Chromium, with every host but the test server made
//! unresolvable, loads the page, runs `{ me { username } }` with a demo token, and shows the answer.

use std::time::Duration;

use serde_json::{json, Value};

use crate::browser::{open_page, Browser, Page};
use crate::helpers::spawn_app;

#[tokio::test]
async fn playground_page_is_self_contained() {
    let app = spawn_app().await;
    // What a browser sends when the address is typed in.
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let res = app.client.get(format!("{}/graphql", app.address)).header("accept", browser).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains("default-src 'self'") && csp.contains("connect-src 'self'"), "{csp}");
    let html = res.text().await.unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "the page names no other host");
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
        "playground.js",
    ] {
        assert!(html.contains(&format!("/playground/{asset}")), "{asset} linked");
        let res = app.client.get(format!("{}/playground/{asset}", app.address)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{asset}");
    }
    let res = app.client.get(format!("{}/playground/nothing.js", app.address)).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

const TIMEOUT: Duration = Duration::from_secs(30);

/// Opens the playground of `app` in a fresh headless Chromium, with `token` in the token field.
async fn open_playground(app: &crate::helpers::TestApp, token: &str) -> (Browser, Page) {
    let (browser, mut page) = open_blank_playground(app).await;
    let set_token = format!(
        "(() => {{ const i = document.getElementById('token'); i.value = {}; i.dispatchEvent(new Event('input')); return true; }})()",
        serde_json::to_string(token).unwrap()
    );
    page.eval(&set_token).await;
    (browser, page)
}

/// Opens the playground of `app` in a fresh headless Chromium, as a first-time visitor: no token.
async fn open_blank_playground(app: &crate::helpers::TestApp) -> (Browser, Page) {
    let (browser, mut page) = open_page(&app.client, &[], &format!("{}/graphql", app.address)).await;
    page.wait_for("!!document.querySelector('.graphiql-query-editor .CodeMirror')", TIMEOUT).await;
    (browser, page)
}

impl Page {
    /// Clicks the element `selector` whose text contains `text`, once it is there.
    async fn click(&mut self, selector: &str, text: &str) {
        let find = format!(
            "(() => {{ const e = [...document.querySelectorAll({})].find(e => e.textContent.includes({})); if (e) {{ e.click(); return true; }} return false; }})()",
            serde_json::to_string(selector).unwrap(),
            serde_json::to_string(text).unwrap()
        );
        self.wait_for(&find, TIMEOUT).await;
    }

    /// Clicks the run button, as a person does after choosing a tab.
    async fn press_run(&mut self) {
        // GraphiQL reads the tab's operation after a short debounce.
        tokio::time::sleep(Duration::from_millis(800)).await;
        self.eval("document.querySelector('.graphiql-execute-button').click()").await;
    }

    /// Waits until the element `selector` shows text containing `needle`; returns its text.
    async fn text_containing(&mut self, selector: &str, needle: &str) -> String {
        let probe = format!(
            "(() => {{ const e = document.querySelector({}); const t = e && e.textContent; return t && t.includes({}) ? t : ''; }})()",
            serde_json::to_string(selector).unwrap(),
            serde_json::to_string(needle).unwrap()
        );
        self.wait_for(&probe, TIMEOUT).await.as_str().unwrap().to_owned()
    }

    /// Types `operation` into the editor as a user would and presses the run button.
    async fn run(&mut self, operation: &str) {
        self.eval("(() => { const cm = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror; cm.focus(); cm.execCommand('selectAll'); return true; })()").await;
        self.call("Input.insertText", json!({"text": operation})).await;
        // GraphiQL re-reads the operation from the editor after a short debounce.
        tokio::time::sleep(Duration::from_millis(800)).await;
        self.eval("document.querySelector('.graphiql-execute-button').click()").await;
    }

    /// Waits until the response panel shows text containing `needle`; returns it.
    async fn response_containing(&mut self, needle: &str) -> String {
        let probe = format!(
            "(() => {{ const r = document.querySelector('.graphiql-response .CodeMirror'); const v = r && r.CodeMirror.getValue(); return v && v.includes({}) ? v : ''; }})()",
            serde_json::to_string(needle).unwrap()
        );
        self.wait_for(&probe, TIMEOUT).await.as_str().unwrap().to_owned()
    }

    /// Every resource the page loaded that did not come from the server itself.
    async fn foreign_requests(&mut self) -> Value {
        self.eval(
            "performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(location.origin))",
        )
        .await
    }
}

#[tokio::test]
async fn playground_runs_a_query_in_a_real_browser_offline() {
    let app = spawn_app().await;
    let token = app.token("demo.clerk").await;
    let (_browser, mut page) = open_playground(&app, &token).await;
    page.run("{ me { username } }").await;
    let shown: Value = serde_json::from_str(&page.response_containing("username").await).unwrap();
    assert_eq!(shown, json!({"data": {"me": {"username": "demo.clerk"}}}));
    assert_eq!(page.foreign_requests().await, json!([]), "the playground fetched from other hosts");
}

#[tokio::test]
async fn playground_follows_a_subscription_live_offline() {
    let app = spawn_app().await;
    let token = app.token("demo.clerk").await;
    let petitioner = app.token("demo.petitioner").await;
    let (case, _, _) = crate::lifecycle::submit(&app, &petitioner, "菜市场油烟扰民").await;
    let (_browser, mut page) = open_playground(&app, &token).await;
    page.run("subscription { caseEvents(jurisdictionCode: \"510502\") { event { kind } case { id } } }").await;
    // The subscription is open once the server has it; then a change shows up in the response panel.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    crate::lifecycle::assign(&app, &token, &case, 30).await;
    let shown = page.response_containing("ASSIGNED").await;
    assert!(shown.contains(&case), "{shown}");
}

/// The first hour of an integrator, as a person clicks it: the Sign in tab and the run button (the header then
/// says who is signed in), the README's first query from its named tab, the documentation panel, and the live tab
/// following a change.
#[tokio::test]
async fn a_first_time_visitor_signs_in_by_clicking_and_reads_cases_docs_and_live_events() {
    let app = spawn_app().await;
    let (_browser, mut page) = open_blank_playground(&app).await;
    page.text_containing("#who", "not signed in").await;

    page.click(".graphiql-tab-button", "SignIn").await;
    page.press_run().await;
    let who = page.text_containing("#who", "signed in as").await;
    assert_eq!(who, "signed in as demo.clerk (CLERK)");

    page.click(".graphiql-tab-button", "MyCases").await;
    page.press_run().await;
    let shown: Value = serde_json::from_str(&page.response_containing("totalCount").await).unwrap();
    assert!(shown["errors"].is_null(), "{shown}");
    assert!(shown["data"]["cases"]["totalCount"].as_i64().unwrap() > 0, "{shown}");

    page.eval("document.querySelector('[aria-label=\"Show Documentation Explorer\"]').click()").await;
    let docs = page.text_containing(".graphiql-doc-explorer", "Subscription").await;
    assert!(docs.contains("Query") && docs.contains("Mutation"), "{docs}");

    let petitioner = app.token("demo.petitioner").await;
    let (case, _, _) = crate::lifecycle::submit(&app, &petitioner, "夜间施工噪音扰民").await;
    page.click(".graphiql-tab-button", "LiveCaseEvents").await;
    page.press_run().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let clerk = app.token("demo.clerk").await;
    crate::lifecycle::assign(&app, &clerk, &case, 30).await;
    let shown = page.response_containing("ASSIGNED").await;
    assert!(shown.contains("ASSIGNED"), "{shown}");
    assert_eq!(page.foreign_requests().await, json!([]), "the playground fetched from other hosts");
}
