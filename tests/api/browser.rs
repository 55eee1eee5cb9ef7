//! Headless Chromium driven over the DevTools protocol, for the tests that act as a person in a browser does. It
//! must be installed (`.ci/run` and `scripts/test` install Debian's `chromium`); set `CHROMIUM` to use another
//! binary.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

pub struct Browser {
    child: Child,
    _profile: TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts headless Chromium with `hosts` resolving to the loopback address; returns it with the DevTools port.
fn launch_chromium(hosts: &[&str]) -> (Browser, u16) {
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    let profile = std::env::temp_dir().join(format!("petition-chromium-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&profile).unwrap();
    let mut child = Command::new(&binary)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--remote-debugging-port=0",
            "about:blank",
        ])
        // The network is cut off: nothing resolves but the loopback address and the test's own host names.
        .arg(format!(
            "--host-resolver-rules={}MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            hosts.iter().map(|h| format!("MAP {h} 127.0.0.1, ")).collect::<String>()
        ))
        .arg(format!("--user-data-dir={}", profile.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{binary}` ({e}); install Debian's `chromium` or set CHROMIUM"));
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let port = loop {
        let line = lines.next().expect("Chromium printed its DevTools address").unwrap();
        if let Some(rest) = line.split("ws://127.0.0.1:").nth(1) {
            break rest.split('/').next().unwrap().parse::<u16>().unwrap();
        }
    };
    // Keep draining stderr so Chromium never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Browser { child, _profile: TempDir(profile) }, port)
}

pub struct Page {
    pub ws: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    pub next_id: u64,
}

impl Page {
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws.send(Message::Text(msg)).await.unwrap();
        loop {
            let msg = self.ws.next().await.expect("DevTools connection open").unwrap();
            if let Message::Text(text) = msg {
                let v: Value = serde_json::from_str(&text).unwrap();
                if v["id"] == id {
                    return v;
                }
            }
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    pub async fn eval(&mut self, expression: &str) -> Value {
        let res = self.call("Runtime.evaluate", json!({"expression": expression, "returnByValue": true})).await;
        res["result"]["result"]["value"].clone()
    }

    /// Evaluates `expression` until it is truthy, or panics after `timeout`.
    pub async fn wait_for(&mut self, expression: &str, timeout: Duration) -> Value {
        let start = Instant::now();
        loop {
            let v = self.eval(expression).await;
            if !(v.is_null() || v == false || v == "") {
                return v;
            }
            if start.elapsed() > timeout {
                let text = self.eval("document.body.innerText.slice(0, 3000)").await;
                let shot = self.call("Page.captureScreenshot", json!({"format": "png"})).await;
                if let Some(data) = shot["result"]["data"].as_str() {
                    use base64::Engine;
                    let png = base64::engine::general_purpose::STANDARD.decode(data).unwrap_or_default();
                    let path = std::env::temp_dir().join("playground-failure.png");
                    let _ = std::fs::write(&path, png);
                    eprintln!("screenshot: {}", path.display());
                }
                panic!("timed out waiting for `{expression}`; the page shows:\n{text}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A fresh headless Chromium (with `hosts` resolving to the loopback address) showing `url`.
pub async fn open_page(client: &reqwest::Client, hosts: &[&str], url: &str) -> (Browser, Page) {
    let (browser, port) = launch_chromium(hosts);
    let targets: Value =
        client.get(format!("http://127.0.0.1:{port}/json/list")).send().await.unwrap().json().await.unwrap();
    let ws_url = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "page")
        .and_then(|t| t["webSocketDebuggerUrl"].as_str())
        .expect("a page target")
        .to_owned();
    let (ws, _) = tokio_tungstenite::connect_async(ws_url).await.unwrap();
    let mut page = Page { ws, next_id: 0 };
    page.call("Page.navigate", json!({"url": url})).await;
    (browser, page)
}
