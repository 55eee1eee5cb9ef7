//! The embedded cluster's start-up, as a developer's machine sees it after a crash or a reboot.

use std::os::unix::process::CommandExt;
use std::process::Command;

use diesel::Connection;
use petition_api::db::embedded::EmbeddedPostgres;

/// The user the embedded cluster runs as: `postgres` when we are root, else ourselves.
fn cluster_user_ids() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let id = |flag: &str| {
        let out = Command::new("id").args([flag, "postgres"]).output().expect("id");
        String::from_utf8_lossy(&out.stdout).trim().parse::<u32>().expect("the postgres user exists")
    };
    Some((id("-u"), id("-g")))
}

/// After a crash, `postmaster.pid` names a process number that now belongs to something else of the same user:
/// `pg_ctl status` then says "running", and PostgreSQL refuses to start over the file. Start-up connects, sees
/// nothing answers, and removes the stale file instead of reusing a cluster that is not there.
#[test]
fn a_stale_postmaster_pid_is_detected_by_connecting_and_cleared() {
    let root = EmbeddedPostgres::default_root("stale-pid");
    let pg = EmbeddedPostgres::start(&root, &[]).expect("the cluster starts");
    let pid_file = root.join("data").join("postmaster.pid");
    let recorded = std::fs::read_to_string(&pid_file).expect("a running cluster has a postmaster.pid");
    pg.stop().expect("the cluster stops");

    // A live process of the cluster's user, standing in for whatever got the old number after a reboot.
    let mut sleeper = Command::new("sleep");
    sleeper.arg("120");
    if let Some((uid, gid)) = cluster_user_ids() {
        sleeper.uid(uid).gid(gid);
    }
    let mut impostor = sleeper.spawn().expect("sleep");
    let stale = recorded.lines().skip(1).fold(impostor.id().to_string(), |file, line| file + "\n" + line) + "\n";
    std::fs::write(&pid_file, stale).unwrap();

    let started = EmbeddedPostgres::start(&root, &[]);
    let _ = impostor.kill();
    let _ = impostor.wait();
    let pg = started.expect("start-up sees through the stale file");
    let connected = diesel::PgConnection::establish(&pg.database_url("postgres"));
    pg.stop().expect("the cluster stops");
    assert!(connected.is_ok(), "the cluster it started answers: {:?}", connected.err());
}
