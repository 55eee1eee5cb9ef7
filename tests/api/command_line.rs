//! The command line as an operator meets it, with the real binary: help and version, usage errors, made-up data
//! kept out of production databases, staff files that differ from the accounts, start-up errors that name the
//! setting to change, and the embedded cluster left to whoever uses it last.

use std::io::BufRead;

use crate::helpers::{number, production_env, run_binary, spare_database_urls, BinaryRun};

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn run(args: &[&str]) -> BinaryRun {
    run_binary(args, &env(&[]))
}

#[test]
fn help_and_version_exit_0_and_usage_errors_exit_2() {
    for args in [&["--help"][..], &["-h"], &["help"]] {
        let out = run(args);
        assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
        for command in
            ["serve", "import-regions", "create-admin", "import-staff", "generate", "verify-history", "print-schema"]
        {
            assert!(out.stdout.contains(command), "{args:?} lists {command}: {}", out.stdout);
        }
    }
    let version = run(&["--version"]);
    assert_eq!((version.code, version.stdout.trim()), (Some(0), concat!("petition-api ", env!("CARGO_PKG_VERSION"))));
    for command in ["serve", "import-regions", "create-admin", "import-staff", "generate", "print-schema"] {
        for args in [vec![command, "--help"], vec!["help", command]] {
            let out = run(&args);
            assert_eq!(out.code, Some(0), "{args:?}: {}", out.stderr);
            assert!(out.stdout.starts_with(&format!("Usage: petition-api {command}")), "{args:?}: {}", out.stdout);
        }
    }
    assert!(run(&["generate", "--help"]).stdout.contains("--allow-production"));
    for (args, says) in [
        (&["serv"][..], "unknown command `serv`"),
        (&["--verbose"], "unknown option `--verbose`"),
        (&["generate", "--case", "5"], "`generate` has no option `--case`"),
        (&["generate", "--cases"], "--cases needs a value"),
        (&["import-staff"], "`import-staff` needs FILE.csv"),
    ] {
        let out = run(args);
        assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(says) && out.stderr.contains("Usage:"), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// `generate` writes made-up cases that could never be removed from an append-only history: refused in production
/// (by `APP_ENV`, and by the database's own memory of having served production when `APP_ENV` is forgotten),
/// unless the operator says so.
#[test]
fn made_up_data_stays_out_of_production_databases() {
    let (urls, _guard) = spare_database_urls();
    let cases = |urls: &petition_api::startup::DatabaseUrls| {
        let mut conn = <diesel::PgConnection as diesel::Connection>::establish(&urls.owner).unwrap();
        number(&mut conn, "SELECT count(*) AS n FROM cases", &[])
    };
    let before = cases(&urls);
    let production = production_env(&urls);
    let out = run_binary(&["generate", "--cases", "20", "--years", "1"], &production);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("APP_ENV=production") && out.stderr.contains("--allow-production"), "{}", out.stderr);
    assert_eq!(cases(&urls), before, "nothing written");

    // APP_ENV forgotten: the database remembers it served production.
    let forgot = env(&[("DATABASE_URL", &urls.server), ("MIGRATION_DATABASE_URL", &urls.owner), ("RUST_LOG", "warn")]);
    let out = run_binary(&["generate", "--cases", "20", "--years", "1"], &forgot);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("used with APP_ENV=production since"), "{}", out.stderr);
    // A development server would load the demo data into it: it does not start.
    let out = run_binary(&["serve"], &[forgot.clone(), env(&[("PORT", "0")])].concat());
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("refusing to write the demo data") && out.stderr.contains("DEMO_DATA=false"));
    assert_eq!(cases(&urls), before, "nothing written");

    let out = run_binary(&["generate", "--cases", "20", "--years", "1", "--allow-production"], &production);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(cases(&urls), before + 20);
}

/// A start that cannot work names the setting to change instead of the database's words.
#[test]
fn start_up_errors_name_the_setting() {
    // Only the server's role: it owns nothing and cannot create the tables.
    let (_, urls) = crate::helpers::empty_database();
    let out = run_binary(&["serve"], &env(&[("DATABASE_URL", &urls.server), ("PORT", "0"), ("RUST_LOG", "warn")]));
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("set MIGRATION_DATABASE_URL"), "{}", out.stderr);

    // Only the owner's URL, no APP_ENV: the operator meant that database, not a new embedded one.
    let scratch = petition_api::db::embedded::EmbeddedPostgres::default_root(&format!("cli-{}", uuid::Uuid::new_v4()));
    let cli_env = env(&[("MIGRATION_DATABASE_URL", &urls.owner), ("EMBEDDED_PG_DIR", scratch.to_str().unwrap())]);
    let out = run_binary(&["import-regions", "data/demo/regions.csv"], &cli_env);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("MIGRATION_DATABASE_URL is set but DATABASE_URL is not"), "{}", out.stderr);
    assert!(!scratch.exists(), "no embedded cluster was made");

    let out = run_binary(&["serve"], &env(&[("PORT", "eighty")]));
    assert_eq!(out.code, Some(1));
    assert!(out.stderr.contains("PORT"), "{}", out.stderr);

    // A database that works, and one setting beside it that does not.
    let (urls, _guard) = spare_database_urls();
    let works = [("DATABASE_URL", urls.server.as_str()), ("MIGRATION_DATABASE_URL", &urls.owner), ("PORT", "0")];
    for (setting, value) in [
        ("DATABASE_READ_URL", "postgres://petition_server@127.0.0.1:1/petition"),
        ("FILES_DIR", "/proc/no-such-folder/files"),
        ("TRUSTED_DOCUMENTS", "/no/such/manifest.json"),
    ] {
        let settings = [&works[..], &[(setting, value), ("DB_POOL_WAIT_MS", "300"), ("RUST_LOG", "off")]].concat();
        let out = run_binary(&["serve"], &env(&settings));
        assert_eq!(out.code, Some(1), "{setting}: {}", out.stderr);
        assert!(out.stderr.contains(setting), "{setting} named in: {}", out.stderr);
    }
}

/// A staff line that names an existing account differently is a difference: refused with what differs, or applied
/// with `--update` and logged; never "already there".
#[tokio::test]
async fn staff_lines_that_differ_from_their_accounts_are_reported_and_applied_on_request() {
    let (database, urls) = crate::helpers::empty_database();
    let command = |args: &[&str]| run_binary(args, &production_env(&urls));
    assert_eq!(command(&["import-regions", "data/demo/regions.csv"]).code, Some(0));
    let dir = std::env::temp_dir().join(format!("staff-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let header = "username,display_name,jurisdiction_code,unit_name,unit_kind,roles\n";
    let first = dir.join("first.csv");
    std::fs::write(&first, format!("{header}moving.clerk,某甲,510502,江阳区信访局,BUREAU,CLERK\n")).unwrap();
    let second = dir.join("second.csv");
    std::fs::write(
        &second,
        format!("{header}moving.clerk,某甲乙,510502,江阳区住房和城乡建设局,HANDLING_UNIT,CLERK|CASE_LEAD\n"),
    )
    .unwrap();
    let made = command(&["import-staff", first.to_str().unwrap()]);
    assert_eq!(made.code, Some(0), "{}", made.stderr);

    let refused = command(&["import-staff", second.to_str().unwrap()]);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    for says in [
        "line 2 refused: username: an account moving.clerk exists and differs from this line",
        "display name: 某甲 → 某甲乙",
        "unit: 江阳区信访局 (510502) → 江阳区住房和城乡建设局 (510502)",
        "roles: CLERK → CLERK|CASE_LEAD",
        "run with --update",
    ] {
        assert!(refused.stderr.contains(says), "`{says}` in {}", refused.stderr);
    }
    let app = crate::helpers::spawn_app_over(database, &[]).await;
    let unit_of = |app: &crate::helpers::TestApp| {
        number(
            &mut app.conn(),
            "SELECT count(*) AS n FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.username = 'moving.clerk' \
             AND u.kind = 'HANDLING_UNIT'",
            &[],
        )
    };
    assert_eq!(unit_of(&app), 0, "the refusal changed nothing");

    let updated = command(&["import-staff", "--update", second.to_str().unwrap()]);
    assert_eq!(updated.code, Some(0), "{}", updated.stderr);
    assert!(updated.stderr.contains("line 2 updated moving.clerk: display name: 某甲 → 某甲乙"), "{}", updated.stderr);
    assert!(updated.stderr.contains("1 lines: 0 accounts made, 1 updated"), "{}", updated.stderr);
    assert_eq!(unit_of(&app), 1);
    let again = command(&["import-staff", "--update", second.to_str().unwrap()]);
    assert!(again.stderr.contains("0 updated, 1 already there as described"), "{}", again.stderr);
    std::fs::remove_dir_all(&dir).ok();

    // The update is in the administration log, with before and after, under the command's name.
    let mut conn = app.conn();
    let logged = number(
        &mut conn,
        "SELECT count(*) AS n FROM admin_events WHERE action = 'ACCOUNT_UPDATED' AND actor_name = \
         'petition-api import-staff' AND before->>'displayName' = '某甲' AND after->>'displayName' = '某甲乙'",
        &[],
    );
    assert_eq!(logged, 1);
}

/// A command run beside a development server that uses the embedded cluster leaves the cluster running; the server,
/// when it stops last, stops it.
#[test]
fn a_command_never_stops_the_embedded_cluster_a_server_uses() {
    let root = petition_api::db::embedded::EmbeddedPostgres::default_root(&format!("cli-{}", uuid::Uuid::new_v4()));
    let dev = env(&[("EMBEDDED_PG_DIR", root.to_str().unwrap()), ("PORT", "0"), ("RUST_LOG", "warn")]);
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_petition-api"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(dev.iter().map(|(k, v)| (k, v)))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server");
    let mut lines = std::io::BufReader::new(server.stdout.take().unwrap()).lines();
    let listening = lines.find_map(|l| l.ok()?.split("http://").nth(1).map(|a| a.replace("/graphql", "")));
    let address = listening.map(|a| a.split_whitespace().next().unwrap().to_owned()).expect("the server listens");
    let ready = || {
        std::process::Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", &format!("http://{address}/readyz")])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    assert_eq!(ready(), "200");

    let staff = std::env::temp_dir().join(format!("staff-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(
        &staff,
        "username,display_name,jurisdiction_code,unit_name,unit_kind,roles\nbeside.clerk,某甲,510502,江阳区信访局,BUREAU,CLERK\n",
    )
    .unwrap();
    let out = run_binary(&["import-staff", staff.to_str().unwrap()], &dev);
    std::fs::remove_file(&staff).ok();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(ready(), "200", "the server's database is still there after the command");

    // SIGTERM: the server stops, and with nobody else using it, so does the cluster.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    assert!(server.wait().unwrap().success());
    let pid_file = root.join("dev").join("data").join("postmaster.pid");
    assert!(!pid_file.exists(), "the last user stopped the cluster");
    std::fs::remove_dir_all(&root).ok();
}
