//! Real clients, unmodified, against a started server: Apollo Client (relay-style paging through its cache,
//! automatic persisted queries by POST and GET, errorPolicy 'all'), urql with its defaults and its file uploads,
//! graphql-ws, graphql-sse, GraphQL Code Generator from the live URL, the Standard Webhooks library checking deliveries, the `graphql-http` package's
//! GraphQL-over-HTTP audits, and what another site's form makes a browser send. They live in `tests/clients` as Node
//! tests; this test installs them from the npm registry (`npm ci`, once per change of `package-lock.json`) and
//! runs them with `node --test` against a server of its own.
//!
//! Needs Node 20 or later with npm (`scripts/install-system-packages test` installs Debian's when missing).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::{spawn_app_with, DEMO_PASSWORD};

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("clients")
}

/// Runs `program` with `args` in `dir`; panics with its output when it fails.
fn run(dir: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{program}` ({e}): install Node 20+ with npm"));
    assert!(
        output.status.success(),
        "`{program} {}` failed:\n{}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Installs the clients exactly as `package-lock.json` pins them, unless that is what is installed already.
fn install_clients(dir: &Path) {
    let lock = std::fs::read(dir.join("package-lock.json")).expect("tests/clients/package-lock.json");
    let wanted = petition_api::graphql::documents::sha256_hex(&String::from_utf8_lossy(&lock));
    let stamp = dir.join("node_modules").join(".installed-from");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return;
    }
    run(dir, "npm", &["ci", "--no-audit", "--no-fund", "--loglevel=error"], &[]);
    std::fs::write(&stamp, wanted).expect("write the install stamp");
}

#[tokio::test]
async fn apollo_urql_graphql_ws_graphql_sse_codegen_and_the_http_audit_work_unmodified() {
    let dir = clients_dir();
    tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || install_clients(&dir)
    })
    .await
    .unwrap();
    // With webhook delivery on: the webhook test (the Standard Webhooks library) waits for a POST.
    let app = spawn_app_with(&[("WEBHOOK_INTERVAL_MS", "100")]).await;
    let url = format!("{}/graphql", app.address);
    tokio::task::spawn_blocking(move || {
        let env = [("GRAPHQL_URL", url.as_str()), ("DEMO_PASSWORD", DEMO_PASSWORD), ("NO_COLOR", "1")];
        let mut tests: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".test.mjs"))
            .collect();
        tests.sort();
        assert!(tests.len() >= 5, "the client tests are there: {tests:?}");
        let mut args = vec!["--test", "--test-reporter=spec"];
        args.extend(tests.iter().map(String::as_str));
        run(&dir, "node", &args, &env);
    })
    .await
    .unwrap();
}
