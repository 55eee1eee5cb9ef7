//! Cross-site requests in a real browser: a page on another site that a clerk happens to open makes the browser
//! post to the API (a form the visitor clicks, a form-like `fetch`); none of it runs. The same page served from
//! a portal's origin (`CORS_ORIGINS`) uploads as Apollo's and urql's upload links do, with the preflight-forcing
//! header, and that runs. Sites are told apart by host name, each resolved by the browser to a small page server
//! of the test's own.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::browser::open_page;
use crate::helpers::{spawn_app_with, TestApp};

const ELSEWHERE: &str = "elsewhere.example";
const PORTAL: &str = "portal.example";

/// The page: two forms a visitor may submit (into a frame, so the page stays), and two scripted posts.
fn page(api: &str) -> String {
    let register = |username: &str| {
        json!({"query": "mutation($i: RegisterPetitionerInput!) { registerPetitioner(input: $i) { accessToken } }",
            "variables": {"i": {"username": username, "password": "a-long-enough-password", "displayName": "某"}}})
        .to_string()
    };
    let escape = |text: String| text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    // A text/plain form whose one field spells a JSON body: name `{"query": …, "x": "` and value `"}`.
    let text_body = register("WHO.form.text");
    let (name, value) = (format!("{}, \"x\": \"", &text_body[..text_body.len() - 1]), "\"}".to_owned());
    format!(
        r#"<!doctype html><meta charset="utf-8"><title>奖品领取</title>
<iframe name="sink" id="sink"></iframe>
<form id="multipart" method="post" enctype="multipart/form-data" action="{api}/graphql" target="sink">
  <textarea name="operations">{multipart}</textarea><input name="map" value="{{}}">
  <button type="submit">领取奖品</button>
</form>
<form id="text" method="post" enctype="text/plain" action="{api}/graphql" target="sink">
  <input name="{name}" value="{value}"><button type="submit">再领一次</button>
</form>
<script>
  const who = location.hostname.split('.')[0];
  for (const field of document.querySelectorAll('textarea, input')) {{
    field.name = field.name.replaceAll('WHO', who);
    field.value = field.value.replaceAll('WHO', who);
  }}
  window.loads = 0;
  document.getElementById('sink').addEventListener('load', () => window.loads++);
  window.results = {{}};
  const body = (username) => {{
    const form = new FormData();
    form.set('operations', {register_template}.replace('WHO_NAME', username));
    form.set('map', '{{}}');
    return form;
  }};
  window.post = async () => {{
    // As a form would: no header of the page's own, so no preflight.
    try {{
      await fetch('{api}/graphql', {{ method: 'POST', mode: 'no-cors', body: body(who + '.fetch.plain') }});
      window.results.plain = 'sent';
    }} catch (e) {{ window.results.plain = 'failed: ' + e; }}
    // As an upload link does: with the preflight-forcing header.
    try {{
      const res = await fetch('{api}/graphql', {{
        method: 'POST', headers: {{ 'apollo-require-preflight': 'true' }}, body: body(who + '.fetch.header') }});
      window.results.header = 'answered: ' + JSON.stringify(await res.json());
    }} catch (e) {{ window.results.header = 'failed: ' + e; }}
  }};
</script>"#,
        multipart = escape(register("WHO.form.multipart")),
        name = escape(name),
        value = escape(value),
        register_template = serde_json::to_string(&register("WHO_NAME")).unwrap(),
    )
}

/// Serves `html` to every request on `listener`, as any web server would.
fn serve_page(listener: tokio::net::TcpListener, html: String) {
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let html = html.clone();
            tokio::spawn(async move {
                let mut request = vec![0u8; 8192];
                let _ = socket.read(&mut request).await;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{html}",
                    html.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
}

/// The accounts whose username starts with `prefix.`.
fn accounts_like(app: &TestApp, prefix: &str) -> Vec<String> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Account {
        #[diesel(sql_type = diesel::sql_types::Text)]
        username: String,
    }
    diesel::sql_query("SELECT username FROM accounts WHERE username LIKE $1 ORDER BY username")
        .bind::<diesel::sql_types::Text, _>(format!("{prefix}.%"))
        .load::<Account>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|a| a.username)
        .collect()
}

/// Opens the page from `host`, clicks both forms' buttons as a visitor would, and runs the scripted posts.
async fn visit(app: &TestApp, host: &str, port: u16) -> serde_json::Value {
    let url = format!("http://{host}:{port}/");
    let (_browser, mut page) = open_page(&app.client, &[ELSEWHERE, PORTAL], &url).await;
    let timeout = Duration::from_secs(30);
    page.wait_for("typeof window.post === 'function'", timeout).await;
    page.eval("document.querySelector('#multipart button').click()").await;
    page.wait_for("window.loads >= 1", timeout).await;
    page.eval("document.querySelector('#text button').click()").await;
    page.wait_for("window.loads >= 2", timeout).await;
    page.eval("window.post()").await;
    page.wait_for("window.results.plain && window.results.header && JSON.stringify(window.results)", timeout).await
}

#[tokio::test]
async fn another_sites_page_makes_the_browser_run_nothing_and_a_portals_upload_runs() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // The portal's pages may call the API; the other site's may not.
    let app = spawn_app_with(&[("CORS_ORIGINS", &format!("http://{PORTAL}:{port}"))]).await;
    serve_page(listener, page(&app.address));

    let results = visit(&app, ELSEWHERE, port).await;
    // Both forms reached the server (the frame loaded its answer) and ran nothing; the form-like post ran nothing;
    // the post with the header was stopped by the browser, whose preflight the server did not grant.
    assert!(results.as_str().unwrap().contains(r#""header":"failed: TypeError"#), "{results}");
    assert_eq!(accounts_like(&app, "elsewhere"), Vec::<String>::new(), "{results}");

    let results = visit(&app, PORTAL, port).await;
    assert!(results.as_str().unwrap().contains("accessToken"), "{results}");
    assert_eq!(accounts_like(&app, "portal"), ["portal.fetch.header"], "only what an upload link sends: {results}");
}
