//! The embedded development database: a private PostgreSQL cluster run from the machine's own server binaries.
//!
//! Used when no `DATABASE_URL` is given in development, and by the test harness. The cluster lives in a folder of
//! its own, listens only on a Unix socket in that folder (no TCP port to collide with), and is reused on the next
//! start. PostgreSQL refuses to run as root, so when this process is root (CI, containers) the cluster runs as the
//! unprivileged `postgres` system user, in a folder under /var/tmp that user can reach.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{anyhow, bail, Context};

const INSTALL_HINT: &str = "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found. Install them with \
`sudo apt-get install postgresql` on Debian/Ubuntu (or your system's PostgreSQL server package), set PG_BIN_DIR to \
the folder holding them, or set DATABASE_URL to use an existing database.";

/// The system user that runs the cluster when this process is root.
const SERVICE_USER: &str = "postgres";

/// The role that owns the tables and runs the migrations (what `MIGRATION_DATABASE_URL` names in production).
pub const OWNER_ROLE: &str = "petition_owner";
/// The role the server works as (what `DATABASE_URL` names in production): it owns nothing (see `db::privileges`).
pub const SERVER_ROLE: &str = "petition_server";

pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    root: PathBuf,
    run_as: Option<&'static str>,
    /// A shared lock on `in-use.lock` for as long as this process uses the cluster: every process that uses it
    /// holds one (the server, a command run beside it, the tests), so none stops it under another.
    in_use: Option<std::fs::File>,
}

/// What [`EmbeddedPostgres::release`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Released {
    Stopped,
    /// Another process still uses the cluster.
    LeftRunning,
}

impl EmbeddedPostgres {
    /// The folder for a cluster called `name` (`dev`, `test`): `EMBEDDED_PG_DIR` if set, else under /var/tmp, which
    /// survives reboots and is reachable by the `postgres` user even when we run as root.
    pub fn default_root(name: &str) -> PathBuf {
        if let Some(dir) = std::env::var_os("EMBEDDED_PG_DIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir).join(name);
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        let uid = unsafe { libc::geteuid() };
        PathBuf::from(format!("/var/tmp/petition-api-{uid}")).join(name)
    }

    /// Initialises the cluster in `root` on first use and starts it unless it is already running.
    /// `settings` are extra `postgres -c` settings.
    pub fn start(root: &Path, settings: &[(&str, &str)]) -> anyhow::Result<EmbeddedPostgres> {
        let bin_dir = find_bin_dir().ok_or_else(|| anyhow!(INSTALL_HINT))?;
        // SAFETY: as above.
        let run_as = (unsafe { libc::geteuid() } == 0).then_some(SERVICE_USER);
        let mut pg = EmbeddedPostgres { bin_dir, root: root.to_path_buf(), run_as, in_use: None };
        pg.prepare_folders()?;
        // Waits while another process is stopping the cluster (it holds the lock exclusively meanwhile).
        pg.in_use = Some(pg.lock_in_use(libc::LOCK_SH)?);
        if !pg.data_dir().join("PG_VERSION").exists() {
            tracing::info!(dir = %pg.data_dir().display(), "initialising embedded PostgreSQL cluster");
            let data = pg.data_dir();
            pg.run(
                "initdb",
                &["-D", path_str(&data)?, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"],
            )
            .with_context(|| format!("initdb failed in {}", data.display()))?;
        }
        if pg.is_running() {
            if pg.answers() {
                tracing::info!(dir = %pg.root.display(), "embedded PostgreSQL already running; reusing it");
                return Ok(pg);
            }
            pg.clear_stale_pid_file()?;
        }
        let mut options = format!("-k {} -c listen_addresses=''", shell_quote(path_str(&pg.socket_dir())?));
        for (key, value) in settings {
            options.push_str(&format!(" -c {key}={value}"));
        }
        let (data, log) = (pg.data_dir(), pg.root.join("postgres.log"));
        pg.run("pg_ctl", &["-D", path_str(&data)?, "-l", path_str(&log)?, "-o", &options, "-w", "-t", "60", "start"])
            .with_context(|| format!("PostgreSQL did not start in {}; see {}", data.display(), log.display()))?;
        tracing::info!(dir = %pg.root.display(), "embedded PostgreSQL started");
        Ok(pg)
    }

    /// A libpq URL for `database` on this cluster's socket, as the cluster's superuser.
    pub fn database_url(&self, database: &str) -> String {
        self.database_url_as("postgres", database)
    }

    /// A libpq URL for `database` on this cluster's socket, as `role`.
    pub fn database_url_as(&self, role: &str, database: &str) -> String {
        let socket = self.socket_dir().to_string_lossy().replace('%', "%25").replace('/', "%2F").replace(' ', "%20");
        format!("postgres://{role}@/{database}?host={socket}")
    }

    /// Creates the owner and server roles if they do not exist yet: login roles without any special power.
    pub fn ensure_roles(&self) -> anyhow::Result<()> {
        use diesel::prelude::*;
        let mut conn = self.connect("postgres")?;
        for role in [OWNER_ROLE, SERVER_ROLE] {
            diesel::sql_query(format!(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN \
                 CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$"
            ))
            .execute(&mut conn)
            .with_context(|| format!("cannot create the role {role} in the cluster in {}", self.root.display()))?;
        }
        Ok(())
    }

    /// Creates `database`, owned by [`OWNER_ROLE`], if it does not exist yet. A database of an earlier version,
    /// whose tables the cluster's superuser owns, is kept under another name and a new one is made.
    pub fn ensure_database(&self, database: &str) -> anyhow::Result<()> {
        use diesel::prelude::*;
        self.ensure_roles()?;
        let mut conn = self.connect("postgres")?;
        #[derive(QueryableByName)]
        struct Owner {
            #[diesel(sql_type = diesel::sql_types::Text)]
            owner: String,
        }
        let owner =
            diesel::sql_query("SELECT pg_get_userbyid(datdba)::text AS owner FROM pg_database WHERE datname = $1")
                .bind::<diesel::sql_types::Text, _>(database)
                .get_result::<Owner>(&mut conn)
                .optional()?
                .map(|o| o.owner);
        let quoted = database.replace('"', "");
        if owner.as_deref() == Some(OWNER_ROLE) {
            return Ok(());
        }
        if let Some(owner) = owner {
            let kept = format!("{quoted}_owned_by_{owner}");
            tracing::warn!(
                database,
                kept = %kept,
                "the development database predates separate owner and server roles; kept under another name, \
                 starting a new one"
            );
            diesel::sql_query(format!("ALTER DATABASE \"{quoted}\" RENAME TO \"{kept}\"")).execute(&mut conn)?;
        }
        diesel::sql_query(format!("CREATE DATABASE \"{quoted}\" OWNER {OWNER_ROLE}")).execute(&mut conn)?;
        Ok(())
    }

    fn connect(&self, database: &str) -> anyhow::Result<diesel::PgConnection> {
        use diesel::Connection;
        diesel::PgConnection::establish(&self.database_url(database))
            .with_context(|| format!("cannot connect to the PostgreSQL cluster in {}", self.root.display()))
    }

    /// Stops the cluster unless another process still uses it (it holds its own lock on `in-use.lock`): a command
    /// run beside a server, or a server started beside a command, leaves the cluster to whoever ends last.
    pub fn release(mut self) -> anyhow::Result<Released> {
        drop(self.in_use.take());
        let Ok(alone) = self.lock_in_use(libc::LOCK_EX | libc::LOCK_NB) else {
            tracing::info!(dir = %self.root.display(), "embedded PostgreSQL left running: another process uses it");
            return Ok(Released::LeftRunning);
        };
        // Held while stopping, so that a process starting meanwhile waits, then starts the cluster again.
        self.stop()?;
        drop(alone);
        Ok(Released::Stopped)
    }

    /// `in-use.lock` in the cluster's folder, locked as `how` (`flock`; released when the file is closed, or when
    /// the process ends however it ends).
    fn lock_in_use(&self, how: libc::c_int) -> anyhow::Result<std::fs::File> {
        use std::os::fd::AsRawFd;
        let path = self.root.join("in-use.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        // SAFETY: flock on a descriptor this function owns; it has no other precondition.
        if unsafe { libc::flock(file.as_raw_fd(), how) } != 0 {
            bail!("{} is locked: {}", path.display(), std::io::Error::last_os_error());
        }
        Ok(file)
    }

    /// Stops the cluster, whoever else uses it.
    pub fn stop(&self) -> anyhow::Result<()> {
        let data = self.data_dir();
        self.run("pg_ctl", &["-D", path_str(&data)?, "-m", "fast", "-w", "stop"])?;
        tracing::info!(dir = %self.root.display(), "embedded PostgreSQL stopped");
        Ok(())
    }

    fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn socket_dir(&self) -> PathBuf {
        self.root.join("run")
    }

    fn is_running(&self) -> bool {
        let data = self.data_dir();
        let Ok(data) = path_str(&data) else { return false };
        self.command("pg_ctl").args(["-D", data, "status"]).output().map(|o| o.status.success()).unwrap_or(false)
    }

    /// Whether the cluster accepts connections on its socket, waiting a few seconds for one that is starting up
    /// (another process may have just started it).
    fn answers(&self) -> bool {
        use diesel::Connection;
        let url = self.database_url("postgres");
        for attempt in 0..25 {
            if diesel::PgConnection::establish(&url).is_ok() {
                return true;
            }
            // A process that is not PostgreSQL will not start answering.
            if attempt == 0 && self.pid_file_names_a_postgres() == Some(false) {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        false
    }

    /// Whether the process `postmaster.pid` names is a PostgreSQL one; `None` when that cannot be told.
    fn pid_file_names_a_postgres(&self) -> Option<bool> {
        let pid = self.pid_in_file()?;
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
        Some(name.trim() == "postgres" || name.trim() == "postmaster")
    }

    fn pid_in_file(&self) -> Option<u32> {
        std::fs::read_to_string(self.pid_file()).ok()?.lines().next()?.trim().parse().ok()
    }

    fn pid_file(&self) -> PathBuf {
        self.data_dir().join("postmaster.pid")
    }

    /// `pg_ctl` takes the cluster for running because `postmaster.pid` names a live process, yet nothing answers
    /// on the socket: after a crash or a reboot the number now belongs to some other process. The file is removed
    /// when that process is certainly not PostgreSQL; otherwise the error names the file and what to do.
    fn clear_stale_pid_file(&self) -> anyhow::Result<()> {
        let file = self.pid_file();
        let pid = self.pid_in_file().map_or_else(|| "?".to_owned(), |p| p.to_string());
        if self.pid_file_names_a_postgres() == Some(false) {
            tracing::warn!(
                file = %file.display(),
                pid,
                "stale postmaster.pid: the process it names is not PostgreSQL; removing the file"
            );
            std::fs::remove_file(&file).with_context(|| format!("cannot remove the stale {}", file.display()))?;
            return Ok(());
        }
        bail!(
            "the embedded PostgreSQL in {} does not accept connections, though {} names a running process (PID \
             {pid}): stop that PostgreSQL, or if none runs there, remove the file",
            self.root.display(),
            file.display()
        )
    }

    fn prepare_folders(&self) -> anyhow::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        if let Some(parent) = self.root.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        for dir in [self.root.clone(), self.socket_dir()] {
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::set_permissions(&self.root, std::fs::Permissions::from_mode(0o700))?;
        if let Some(user) = self.run_as {
            let status = Command::new("chown")
                .args(["-R", &format!("{user}:"), path_str(&self.root)?])
                .status()
                .context("chown not found")?;
            if !status.success() {
                bail!(
                    "cannot hand {} to the `{user}` system user (does it exist? the postgresql package creates it)",
                    self.root.display()
                );
            }
            // The user must be able to reach its folder from /.
            let mut dir = self.root.parent();
            while let Some(d) = dir {
                if d.as_os_str().len() > 1 {
                    let mode = std::fs::metadata(d)?.permissions().mode();
                    if mode & 0o001 == 0 {
                        bail!("{} is not reachable by the `{user}` user; set EMBEDDED_PG_DIR elsewhere", d.display());
                    }
                }
                dir = d.parent();
            }
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let exe = self.bin_dir.join(program);
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        // The service user may not be able to enter our working directory.
        cmd.current_dir(&self.root);
        cmd
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<Output> {
        let output = self.command(program).args(args).output().with_context(|| format!("cannot run {program}"))?;
        if !output.status.success() {
            bail!(
                "{program} exited with {}: {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(output)
    }
}

fn path_str(path: &Path) -> anyhow::Result<&str> {
    path.to_str().ok_or_else(|| anyhow!("path {} is not UTF-8", path.display()))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn has_server_binaries(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres"].iter().all(|b| dir.join(b).is_file())
}

/// `PG_BIN_DIR`, then `pg_config --bindir`, then `PATH`, then the usual install folders (newest version first).
fn find_bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PG_BIN_DIR").map(PathBuf::from) {
        return has_server_binaries(&dir).then_some(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_server_binaries(&dir) {
            return Some(dir);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        if let Some(dir) = std::env::split_paths(&path).find(|d| has_server_binaries(d)) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    versions
        .into_iter()
        .map(|(_, d)| d)
        .chain(["/usr/local/pgsql/bin", "/usr/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin"].map(PathBuf::from))
        .find(|d| has_server_binaries(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_points_at_the_socket_folder() {
        let pg = EmbeddedPostgres { bin_dir: "/x".into(), root: "/var/tmp/p a/dev".into(), run_as: None, in_use: None };
        assert_eq!(pg.database_url("petition"), "postgres://postgres@/petition?host=%2Fvar%2Ftmp%2Fp%20a%2Fdev%2Frun");
    }

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }
}
