//! The deployment as shipped: `deploy/nginx.conf` run by the machine's nginx exactly as it is, but for the lines
//! of its SITE block (certificate paths, ports, upstream addresses), in front of two instances of the real binary
//! started as `deploy/petition-api@.service` says, with `deploy/petition-api.env` filled in as an operator would.
//! Everything a client does goes through the proxy over TLS: queries by POST and GET, a mutation, a subscription
//! over WSS that hears an event, the playground and every asset it loads, a 20 MiB upload and its download, a CSV
//! export read to its end, the probes, and `/metrics` from the operators' network only. systemd checks the unit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spare_database_urls, DEMO_PASSWORD};
use crate::lifecycle::SUBMIT;

const REPOSITORY: &str = env!("CARGO_MANIFEST_DIR");
const SITE_START: &str = "# ---- SITE:";
const SITE_END: &str = "# ---- end of SITE ----";

/// Processes this test started, ended with it whatever happens.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        }
        for child in &mut self.0 {
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn nginx_binary() -> PathBuf {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("nginx is installed (scripts/install-system-packages test installs Debian's)")
}

/// `deploy/nginx.conf` with the SITE block's addresses replaced, and nothing else: the upstream servers by
/// `upstreams`, the ports by `http` and `https` on the loopback address, the certificate by `certificate`.
fn site_config(upstreams: &[u16], http: u16, https: u16, certificate: &Path) -> String {
    let shipped = std::fs::read_to_string(Path::new(REPOSITORY).join("deploy/nginx.conf")).unwrap();
    let start = shipped.find(SITE_START).expect("the SITE block's start");
    let end = shipped.find(SITE_END).expect("the SITE block's end");
    let (before, site, after) = (&shipped[..start], &shipped[start..end], &shipped[end..]);
    let mut replaced = BTreeMap::<&str, usize>::new();
    let mut lines = Vec::new();
    for line in site.lines() {
        let trimmed = line.trim();
        let mut count = |what| *replaced.entry(what).or_default() += 1;
        if trimmed.starts_with("server 127.0.0.1:") {
            count("upstream");
            if replaced["upstream"] == 1 {
                for port in upstreams {
                    lines.push(format!("    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;"));
                }
            }
        } else if trimmed == "listen 80;" {
            count("http");
            lines.push(format!("    listen 127.0.0.1:{http};"));
        } else if trimmed == "listen 443 ssl http2;" {
            count("https");
            lines.push(format!("    listen 127.0.0.1:{https} ssl http2;"));
        } else if trimmed.starts_with("ssl_certificate ") {
            count("certificate");
            lines.push(format!("    ssl_certificate     {};", certificate.with_extension("crt").display()));
        } else if trimmed.starts_with("ssl_certificate_key ") {
            count("key");
            lines.push(format!("    ssl_certificate_key {};", certificate.with_extension("key").display()));
        } else {
            lines.push(line.to_owned());
        }
    }
    for what in ["upstream", "http", "https", "certificate", "key"] {
        assert!(replaced.get(what).is_some_and(|n| *n >= 1), "the SITE block of deploy/nginx.conf has its {what}");
    }
    format!("{before}{}\n{after}", lines.join("\n"))
}

/// The environment an instance of `deploy/petition-api@.service` runs with on port `port`: the unit's
/// `Environment=` lines, overridden by its `EnvironmentFile=` (as systemd does), the example file filled in with
/// `filled` where it leaves a value for the operator. Returns it with the unit's command line.
fn unit_environment(port: u16, filled: &BTreeMap<&str, String>) -> (Vec<String>, Vec<(String, String)>) {
    let unit = std::fs::read_to_string(Path::new(REPOSITORY).join("deploy/petition-api@.service")).unwrap();
    let mut env = Vec::new();
    let mut command = Vec::new();
    let mut file = None;
    for line in unit.lines() {
        if let Some(assignment) = line.strip_prefix("Environment=") {
            let (k, v) = assignment.split_once('=').unwrap();
            env.push((k.to_owned(), v.replace("%i", &port.to_string())));
        } else if let Some(path) = line.strip_prefix("EnvironmentFile=") {
            file = Some(path.to_owned());
        } else if let Some(exec) = line.strip_prefix("ExecStart=") {
            command = exec.split_whitespace().map(str::to_owned).collect();
        }
    }
    assert_eq!(file.as_deref(), Some("/etc/petition-api/petition-api.env"), "the unit reads the example's place");
    assert_eq!(command.first().map(String::as_str), Some("/usr/local/bin/petition-api"));
    let example = std::fs::read_to_string(Path::new(REPOSITORY).join("deploy/petition-api.env")).unwrap();
    let mut left_to_operator = Vec::new();
    for line in example.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (k, v) = line.split_once('=').expect("KEY=VALUE lines");
        let value = if v.is_empty() || v.contains("CHANGE-ME") || k == "FILES_DIR" {
            left_to_operator.push(k);
            filled.get(k).cloned().unwrap_or_else(|| panic!("the test fills {k} in"))
        } else {
            v.to_owned()
        };
        env.retain(|(key, _)| key != k);
        env.push((k.to_owned(), value));
    }
    left_to_operator.sort();
    let mut expected: Vec<&str> = filled.keys().copied().collect();
    expected.sort();
    assert_eq!(left_to_operator, expected, "the example leaves exactly these to the operator");
    (command, env)
}

/// systemd's own check of the unit (`systemd-analyze verify`), as instance `port`, with the binary where the unit
/// expects it replaced by the one built.
fn verify_unit(work: &Path, port: u16) {
    let unit = std::fs::read_to_string(Path::new(REPOSITORY).join("deploy/petition-api@.service")).unwrap();
    let instance = work.join(format!("petition-api@{port}.service"));
    std::fs::write(&instance, unit.replace("/usr/local/bin/petition-api", env!("CARGO_BIN_EXE_petition-api"))).unwrap();
    let verified = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&instance)
        .output()
        .expect("systemd-analyze (scripts/install-system-packages test installs systemd)");
    let said = String::from_utf8_lossy(&verified.stderr).into_owned() + &String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success() && said.trim().is_empty(), "systemd-analyze verify: {said}");
}

/// A self-signed server certificate for 127.0.0.1 (not a CA's: TLS clients refuse a CA certificate as a server's),
/// as `openssl` makes one: `<base>.crt` and `<base>.key`.
fn certificate(base: &Path) {
    let config = base.with_extension("cnf");
    std::fs::write(
        &config,
        "[req]\ndistinguished_name = dn\nx509_extensions = leaf\nprompt = no\n[dn]\nCN = 127.0.0.1\n[leaf]\n\
         basicConstraints = critical, CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\n\
         extendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1, DNS:localhost\n",
    )
    .unwrap();
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-config"])
        .arg(&config)
        .arg("-keyout")
        .arg(base.with_extension("key"))
        .arg("-out")
        .arg(base.with_extension("crt"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl");
    assert!(made.success(), "openssl made the certificate");
}

/// Waits until `url` answers 200 (a server starting, nginx starting).
async fn until_ready(client: &reqwest::Client, url: &str) {
    for _ in 0..300 {
        if client.get(url).send().await.is_ok_and(|r| r.status() == 200) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never answered");
}

#[tokio::test]
async fn the_shipped_nginx_configuration_serves_every_route_of_two_instances() {
    let (urls, _database) = spare_database_urls();
    let work = std::env::temp_dir().join(format!("deployment-{}", uuid::Uuid::new_v4()));
    let temp = work.join("tmp");
    std::fs::create_dir_all(&temp).unwrap();
    // nginx's workers (another user when the master is root) write request bodies and responses there.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o777)).unwrap();
    let mut processes = Processes(Vec::new());

    // Two instances, as the unit starts them, with the example settings filled in.
    let binary = env!("CARGO_BIN_EXE_petition-api");
    let metrics_token = "operators-metrics-token-0123456789";
    let filled: BTreeMap<&str, String> = [
        ("DATABASE_URL", urls.server.clone()),
        ("MIGRATION_DATABASE_URL", urls.owner.clone()),
        ("JWT_SECRET", "kR7vQ2mX9pL4sT8wZ1nB6yH3cF5gJ0dAeUiOoPqWxV".to_owned()),
        ("QUERY_CODE_SECRET", "Zp4Lq8Wm2Xn6Rb0Tv3Yc7Hd1Jf5Kg9Ns2Qa8Ue4Io6".to_owned()),
        ("WEBHOOK_SECRETS_KEY", "Hs5Wd9Qm3Tx7Lb1Vk6Rc0Yn4Jg8Fp2Ze5Ua9Oi3".to_owned()),
        ("METRICS_TOKEN", metrics_token.to_owned()),
        ("FILES_DIR", work.join("files").display().to_string()),
    ]
    .into_iter()
    .collect();
    let plain = reqwest::Client::new();
    let instances = [free_port(), free_port()];
    verify_unit(&work, instances[0]);
    for port in instances {
        let (command, env) = unit_environment(port, &filled);
        let log = std::fs::File::create(work.join(format!("instance-{port}.log"))).unwrap();
        let child = Command::new(binary)
            .args(&command[1..])
            .current_dir("/")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start an instance");
        processes.0.push(child);
    }
    for port in instances {
        until_ready(&plain, &format!("http://127.0.0.1:{port}/readyz")).await;
    }

    // nginx with the shipped site, in a main configuration of the test's own (Debian's nginx.conf includes
    // conf.d/*.conf in its http block the same way).
    let (http, https) = (free_port(), free_port());
    certificate(&work.join("api"));
    std::fs::write(work.join("petition-api.conf"), site_config(&instances, http, https, &work.join("api"))).unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    let main = format!(
        "{user}daemon off;\nworker_processes 1;\npid {w}/nginx.pid;\nerror_log {w}/error.log warn;\nevents {{ \
         worker_connections 256; }}\nhttp {{\n  access_log {w}/access.log;\n  client_body_temp_path {t}/body;\n  \
         proxy_temp_path {t}/proxy;\n  fastcgi_temp_path {t}/fastcgi;\n  uwsgi_temp_path {t}/uwsgi;\n  \
         scgi_temp_path {t}/scgi;\n  include {w}/petition-api.conf;\n}}\n",
        user = if root { "user root;\n" } else { "" },
        w = work.display(),
        t = temp.display()
    );
    std::fs::write(work.join("nginx.conf"), main).unwrap();
    let nginx = nginx_binary();
    let conf = work.join("nginx.conf");
    let checked = Command::new(&nginx).arg("-t").arg("-c").arg(&conf).arg("-p").arg(&work).output().unwrap();
    assert!(checked.status.success(), "nginx -t: {}", String::from_utf8_lossy(&checked.stderr));
    let child = Command::new(&nginx)
        .arg("-c")
        .arg(&conf)
        .arg("-p")
        .arg(&work)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    processes.0.push(child);

    let pem = std::fs::read(work.join("api.crt")).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("https://127.0.0.1:{https}");
    until_ready(&client, &format!("{base}/healthz")).await;
    until_ready(&client, &format!("{base}/readyz")).await;

    // Plain HTTP is sent to HTTPS.
    let stays = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let redirected = stays.get(format!("http://127.0.0.1:{http}/graphql")).send().await.unwrap();
    assert_eq!(redirected.status(), 301);
    assert_eq!(redirected.headers()["location"], "https://127.0.0.1/graphql");
    let graphql = |query: &str, variables: Value, token: Option<&str>| {
        let mut req = client.post(format!("{base}/graphql")).json(&json!({"query": query, "variables": variables}));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200);
            let body: Value = res.json().await.unwrap();
            assert!(body["errors"].is_null(), "{body}");
            body["data"].clone()
        }
    };
    let login = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
    let token = |user: &'static str| {
        let graphql = &graphql;
        async move {
            let data = graphql(login, json!({"u": user, "p": DEMO_PASSWORD}), None).await;
            data["login"]["accessToken"].as_str().unwrap().to_owned()
        }
    };
    let clerk = token("demo.clerk").await;
    let petitioner = token("demo.petitioner").await;

    // A query by GET.
    let got = client.get(format!("{base}/graphql")).query(&[("query", "query WhoAmI { me { username } }")]);
    let got = got.bearer_auth(&clerk);
    let got: Value = got.send().await.unwrap().json().await.unwrap();
    assert_eq!(got["data"]["me"]["username"], "demo.clerk", "{got}");

    // A subscription over WSS hears the mutation that follows (whichever instance serves either).
    let mut tls = rustls::RootCertStore::empty();
    for cert in <rustls_pki_types::CertificateDer as rustls_pki_types::pem::PemObject>::pem_slice_iter(&pem) {
        tls.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(tls)
        .with_no_client_auth();
    let mut request = format!("wss://127.0.0.1:{https}/graphql").into_client_request().unwrap();
    request.headers_mut().insert("Sec-WebSocket-Protocol", "graphql-transport-ws".parse().unwrap());
    let connector = tokio_tungstenite::Connector::Rustls(Arc::new(config));
    let (mut socket, _) =
        tokio_tungstenite::connect_async_tls_with_config(request, None, false, Some(connector)).await.unwrap();
    let init = json!({"type": "connection_init", "payload": {"authorization": format!("Bearer {clerk}")}});
    socket.send(Message::Text(init.to_string())).await.unwrap();
    let subscribe = json!({"id": "1", "type": "subscribe", "payload": {"query":
        "subscription { caseEvents(jurisdictionCode: \"510502\") { event { kind } case { id } } }"}});
    socket.send(Message::Text(subscribe.to_string())).await.unwrap();
    read_until(&mut socket, "connection_ack").await;
    // The same subscription over Server-Sent Events: its events pass the proxy as they come, not when a buffer fills.
    let sse = client
        .post(format!("{base}/graphql/stream"))
        .header("accept", "text/event-stream")
        .bearer_auth(&clerk)
        .json(&json!({"query": "subscription { caseEvents(jurisdictionCode: \"510502\") { event { kind } case { id } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sse.headers()["content-type"], "text/event-stream; charset=utf-8");
    let mut sse = sse.bytes_stream();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let submitted = graphql(
        SUBMIT,
        json!({"i": {"jurisdictionCode": "510502", "title": "经代理提交的事项", "content": "经代理提交的事项，请求处理。",
            "phone": "13812345678", "idempotencyKey": "through-the-proxy"}}),
        Some(&petitioner),
    )
    .await;
    let case = submitted["submitPetition"]["case"]["id"].as_str().unwrap().to_owned();
    let event = read_until(&mut socket, "next").await;
    assert_eq!(event["payload"]["data"]["caseEvents"]["case"]["id"], case.as_str(), "{event}");
    let mut heard = String::new();
    while !heard.contains(&case) {
        let chunk =
            tokio::time::timeout(Duration::from_secs(10), sse.next()).await.expect("the event through the proxy");
        heard.push_str(std::str::from_utf8(&chunk.unwrap().unwrap()).unwrap());
    }
    assert!(heard.contains("event: next\ndata: {\"data\":{\"caseEvents\""), "{heard}");
    drop(sse);

    // The playground, and every asset it loads.
    let page = client.get(format!("{base}/graphql")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let assets: Vec<&str> = html.split('"').filter(|part| part.starts_with("/playground/")).collect();
    assert!(assets.len() >= 6, "{assets:?}");
    for asset in assets {
        let res = client.get(format!("{base}{asset}")).send().await.unwrap();
        assert_eq!(res.status(), 200, "{asset}");
        assert!(!res.bytes().await.unwrap().is_empty(), "{asset}");
    }

    // A 20 MiB photo up, and down again.
    let mut photo = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    photo.resize(20 * 1024 * 1024, 7);
    let attach = "mutation($input: AttachFileInput!, $file: Upload!) { attachFile(input: $input, file: $file) { \
                  sha256 downloadPath } }";
    let operations =
        json!({"query": attach, "variables": {"input": {"caseId": case, "kind": "EVIDENCE"}, "file": null}});
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({"0": ["variables.file"]}).to_string())
        .part(
            "0",
            reqwest::multipart::Part::bytes(photo.clone()).file_name("现场照片.jpg").mime_str("image/jpeg").unwrap(),
        );
    let res =
        client.post(format!("{base}/graphql")).bearer_auth(&petitioner).header("apollo-require-preflight", "true");
    let res = res.multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let attached: Value = res.json().await.unwrap();
    let sha = hex::encode(Sha256::digest(&photo));
    assert_eq!(attached["data"]["attachFile"]["sha256"], sha.as_str(), "{attached}");
    let path = attached["data"]["attachFile"]["downloadPath"].as_str().unwrap();
    let download = client.get(format!("{base}{path}")).bearer_auth(&petitioner).send().await.unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(hex::encode(Sha256::digest(download.bytes().await.unwrap())), sha);

    // A CSV export, streamed to its end: every case of the list, and the file complete.
    let total = graphql("{ cases(filter: {jurisdictionCode: \"510502\"}) { totalCount } }", json!({}), Some(&clerk))
        .await["cases"]["totalCount"]
        .as_i64()
        .unwrap();
    let export = client
        .get(format!("{base}/export/cases.csv"))
        .query(&[("filter", json!({"jurisdictionCode": "510502"}).to_string())])
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let mut stream = export.bytes_stream();
    let mut text = Vec::new();
    while let Some(chunk) = stream.next().await {
        text.extend_from_slice(&chunk.expect("the export arrives whole"));
    }
    let rows = records(&String::from_utf8(text).unwrap()) - 1;
    assert_eq!(rows, total);

    // /metrics: the operators' network (with the token), and nobody else.
    let scrape = client.get(format!("{base}/metrics")).bearer_auth(metrics_token).send().await.unwrap();
    assert_eq!(scrape.status(), 200);
    let outsider = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .local_address(Some(std::net::IpAddr::from([127, 0, 0, 2])))
        .build()
        .unwrap();
    let refused = outsider.get(format!("{base}/metrics")).bearer_auth(metrics_token).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(client.get(format!("{base}/nothing-here")).send().await.unwrap().status(), 404);

    // Both instances served requests through the proxy.
    for port in instances {
        let metrics = plain
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .bearer_auth(metrics_token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let served: u64 = metrics
            .lines()
            .filter(|l| l.starts_with("petition_requests_total{"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum();
        assert!(served > 0, "instance {port} served nothing");
    }
    drop(processes);

    // The instances' logs: each request with its operation, the caller's role and the outcome; and no warning,
    // since the example settings leave nothing open.
    let logs: String = instances
        .iter()
        .map(|port| std::fs::read_to_string(work.join(format!("instance-{port}.log"))).unwrap())
        .collect();
    let access = logs.lines().find(|l| l.contains(r#""operation":"WhoAmI""#)).expect("the access log names it");
    assert!(access.contains(r#""role":"CLERK","code":"OK""#), "{access}");
    let warnings: Vec<&str> = logs.lines().filter(|l| l.contains(r#""level":"WARN""#)).collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    std::fs::remove_dir_all(&work).ok();
}

/// The next graphql-transport-ws message of `kind` (answering pings, skipping the rest).
async fn read_until<S>(socket: &mut tokio_tungstenite::WebSocketStream<S>, kind: &str) -> Value
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next()).await.expect("a message in time");
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("the connection ended: {other:?}"),
        };
        let value: Value = serde_json::from_str(&text).unwrap();
        if value["type"] == "ping" {
            socket.send(Message::Text(json!({"type": "pong"}).to_string())).await.unwrap();
        } else if value["type"] == kind {
            return value;
        }
    }
}

/// The records of a CSV text: line ends outside quoted fields.
fn records(csv: &str) -> i64 {
    let mut quoted = false;
    let mut records = 0;
    for c in csv.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => records += 1,
            _ => {}
        }
    }
    records
}
