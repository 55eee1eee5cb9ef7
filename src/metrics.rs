//! What an operator watches, in Prometheus' text format at `GET /metrics`: GraphQL requests by operation and
//! outcome code, HTTP requests by route and status (exports, files and WebSocket upgrades too), their latency, the
//! database pool, live subscriptions, the deadline sweep, the process (memory, CPU, file descriptors) and the
//! build. Kept by hand (a few counters behind a mutex): nothing here is on a path hotter than the request it counts.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Operation names a process keeps apart; clients choose them, so the rest is counted as `other`.
const MAX_OPERATIONS: usize = 200;

#[derive(Default)]
struct Latency {
    /// Per bucket of [`BUCKETS`], then the count beyond.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
}

impl Latency {
    fn observe(&mut self, took: Duration) {
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len());
        self.buckets[bucket] += 1;
        self.sum += seconds;
    }

    /// The histogram's lines for one series, `labels` written as in `{...}` without the braces.
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(self.buckets.iter()) {
            cumulative += n;
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
        }
        let count = cumulative + self.buckets[BUCKETS.len()];
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

#[derive(Default)]
pub struct Metrics {
    /// (operation, outcome code) → requests.
    requests: Mutex<BTreeMap<(String, String), u64>>,
    /// The operation labels in use, at most [`MAX_OPERATIONS`] (and `other`).
    operations: Mutex<std::collections::HashSet<String>>,
    latency: Mutex<BTreeMap<String, Latency>>,
    /// (route pattern, status) -> HTTP requests and their latency.
    http: Mutex<BTreeMap<(&'static str, u16), Latency>>,
    subscriptions: AtomicI64,
    deadlines_missed: AtomicU64,
    notices_overdue: AtomicU64,
    cases_closed: AtomicU64,
}

/// The operation label of a request: its name if it looks like one (clients choose them), `anonymous` without.
fn operation_label(name: Option<&str>) -> String {
    match name {
        None | Some("") => "anonymous".to_owned(),
        Some(n) if n.len() <= 64 && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => n.to_owned(),
        Some(_) => "other".to_owned(),
    }
}

/// A held live subscription: counted while it lives.
pub struct SubscriptionGuard(Arc<Metrics>);

impl Drop for SubscriptionGuard {
    fn drop(&mut self) {
        self.0.subscriptions.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// One GraphQL request: its operation's name, its outcome (`OK` or the first error's code) and how long it took.
    pub fn request(&self, operation: Option<&str>, outcome: &str, took: Duration) {
        let mut label = operation_label(operation);
        if let Ok(mut operations) = self.operations.lock() {
            if !operations.contains(&label) {
                if operations.len() < MAX_OPERATIONS {
                    operations.insert(label.clone());
                } else {
                    label = "other".to_owned();
                }
            }
        }
        if let Ok(mut requests) = self.requests.lock() {
            *requests.entry((label.clone(), outcome.to_owned())).or_default() += 1;
        }
        if let Ok(mut latency) = self.latency.lock() {
            latency.entry(label).or_default().observe(took);
        }
    }

    /// One HTTP request: the route it matched (one of the server's patterns, or `unmatched`), its status and how
    /// long it took until the response's head was ready.
    pub fn http_request(&self, route: &'static str, status: u16, took: Duration) {
        if let Ok(mut http) = self.http.lock() {
            http.entry((route, status)).or_default().observe(took);
        }
    }

    /// A live subscription opened; it counts until the guard is dropped.
    pub fn subscription(self: &Arc<Self>) -> SubscriptionGuard {
        self.subscriptions.fetch_add(1, Ordering::Relaxed);
        SubscriptionGuard(self.clone())
    }

    /// What one run of the deadline sweep recorded.
    pub fn sweep(&self, deadlines_missed: u64, notices_overdue: u64, cases_closed: u64) {
        self.deadlines_missed.fetch_add(deadlines_missed, Ordering::Relaxed);
        self.notices_overdue.fetch_add(notices_overdue, Ordering::Relaxed);
        self.cases_closed.fetch_add(cases_closed, Ordering::Relaxed);
    }

    /// Everything, in Prometheus' text format, with the pool's state as it is now.
    /// The requests: GraphQL's by operation and outcome, with their latency, and HTTP's by route and status.
    fn render_requests(&self, out: &mut String) {
        out.push_str("# HELP petition_requests_total GraphQL requests by operation name and outcome code.\n");
        out.push_str("# TYPE petition_requests_total counter\n");
        if let Ok(requests) = self.requests.lock() {
            for ((op, code), n) in requests.iter() {
                let _ = writeln!(out, "petition_requests_total{{operation=\"{op}\",code=\"{code}\"}} {n}");
            }
        }
        out.push_str("# HELP petition_request_duration_seconds GraphQL request latency by operation name.\n");
        out.push_str("# TYPE petition_request_duration_seconds histogram\n");
        if let Ok(latency) = self.latency.lock() {
            for (op, l) in latency.iter() {
                l.render(out, "petition_request_duration_seconds", &format!("operation=\"{op}\""));
            }
        }
        out.push_str(
            "# HELP petition_http_request_duration_seconds HTTP requests by route and status, and how long each took \
             until its response began (a WebSocket's upgrade, an export's first rows).\n",
        );
        out.push_str("# TYPE petition_http_request_duration_seconds histogram\n");
        if let Ok(http) = self.http.lock() {
            for ((route, status), l) in http.iter() {
                let labels = format!("route=\"{route}\",status=\"{status}\"");
                l.render(out, "petition_http_request_duration_seconds", &labels);
            }
        }
    }

    pub fn render(&self, pool: PoolState) -> String {
        let mut out = String::new();
        self.render_requests(&mut out);
        let _ = writeln!(
            out,
            "# HELP petition_build_info The running build.\n# TYPE petition_build_info gauge\n\
             petition_build_info{{version=\"{}\",revision=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION"),
            env!("BUILD_REVISION")
        );
        process::render(&mut out);
        let (pool_connections, pool_idle) = (pool.connections, pool.idle);
        let gauges = [
            ("petition_db_pool_connections", "Database connections open in the pool.", i64::from(pool_connections)),
            (
                "petition_db_pool_in_use",
                "Database connections in use (a pool always in full use makes requests wait, then UNAVAILABLE).",
                i64::from(pool_connections.saturating_sub(pool_idle)),
            ),
            (
                "petition_db_key_read_sessions",
                "Database sessions the HTTP workers hold for reads by key (one per worker), besides the pool.",
                i64::try_from(pool.key_read_sessions).unwrap_or(i64::MAX),
            ),
            ("petition_live_subscriptions", "Live subscriptions open.", self.subscriptions.load(Ordering::Relaxed)),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        let counters = [
            ("petition_sweep_deadlines_missed_total", "Missed deadlines the sweep recorded.", &self.deadlines_missed),
            (
                "petition_sweep_notices_overdue_total",
                "Supervision notices the sweep found overdue.",
                &self.notices_overdue,
            ),
            (
                "petition_sweep_cases_closed_total",
                "Answered cases the sweep closed (no review asked).",
                &self.cases_closed,
            ),
        ];
        let counters =
            counters.map(|(name, help, value)| (name, help, value.load(Ordering::Relaxed) as f64)).into_iter();
        let pool_counters = [
            (
                "petition_db_pool_waits_total",
                "Times work waited for a connection because none was idle.",
                pool.waits as f64,
            ),
            (
                "petition_db_pool_wait_seconds_total",
                "Time spent waiting for a connection, in all.",
                pool.waited_seconds,
            ),
            (
                "petition_db_pool_timeouts_total",
                "Waits for a connection that ran out (answered UNAVAILABLE).",
                pool.timeouts as f64,
            ),
            (
                "petition_db_key_read_sessions_lost_total",
                "Sessions for reads by key found lost (the database restarted, an administrator ended them) and replaced.",
                pool.key_read_sessions_lost as f64,
            ),
        ];
        for (name, help, value) in counters.chain(pool_counters) {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}");
        }
        out
    }
}

/// The standard process metrics (Prometheus' client libraries name them so), read from `/proc/self`: memory, CPU
/// time, file descriptors, start time. Left out where `/proc` is not there.
mod process {
    use std::fmt::Write;

    pub fn render(out: &mut String) {
        let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return };
        // The fields after the command's name, which is in parentheses and may hold spaces; `field(n)` is the
        // n-th field as proc(5) numbers them.
        let Some((_, rest)) = stat.rsplit_once(')') else { return };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        // SAFETY: sysconf has no preconditions.
        let (ticks, page) =
            unsafe { (libc::sysconf(libc::_SC_CLK_TCK) as f64, libc::sysconf(libc::_SC_PAGESIZE) as f64) };
        let boot = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| s.lines().find_map(|l| l.strip_prefix("btime ")?.trim().parse::<f64>().ok()))
            .unwrap_or(0.0);
        let open_fds = std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0) as f64;
        let max_fds = std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|l| {
                l.lines().find(|l| l.starts_with("Max open files"))?.split_whitespace().nth(3)?.parse::<f64>().ok()
            })
            .unwrap_or(0.0);
        let cpu = (field(14) + field(15)) / ticks;
        let metrics = [
            ("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.", cpu),
            ("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", field(24) * page),
            ("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", field(23)),
            ("process_open_fds", "gauge", "Open file descriptors.", open_fds),
            ("process_max_fds", "gauge", "The most file descriptors the process may open.", max_fds),
            (
                "process_start_time_seconds",
                "gauge",
                "Start time since the epoch, in seconds.",
                boot + field(22) / ticks,
            ),
        ];
        for (name, kind, help, value) in metrics {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        }
    }
}

/// The database pool as `/metrics` shows it.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoolState {
    pub connections: u32,
    pub idle: u32,
    pub waits: u64,
    pub waited_seconds: f64,
    pub timeouts: u64,
    pub key_read_sessions: usize,
    pub key_read_sessions_lost: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_operation_and_outcome_and_names_are_bounded() {
        let m = Metrics::default();
        m.request(Some("CaseById"), "OK", Duration::from_millis(3));
        m.request(Some("CaseById"), "NOT_FOUND", Duration::from_millis(30));
        m.request(None, "OK", Duration::from_secs(9));
        m.request(Some("bad\"name} 1"), "OK", Duration::from_millis(1));
        let pool = PoolState {
            connections: 4,
            idle: 1,
            waits: 7,
            waited_seconds: 0.25,
            timeouts: 1,
            key_read_sessions: 2,
            key_read_sessions_lost: 3,
        };
        let text = m.render(pool);
        assert!(text.contains("petition_requests_total{operation=\"CaseById\",code=\"OK\"} 1"), "{text}");
        assert!(text.contains("petition_requests_total{operation=\"CaseById\",code=\"NOT_FOUND\"} 1"));
        assert!(
            text.contains("petition_requests_total{operation=\"other\",code=\"OK\"} 1"),
            "no client text in a label"
        );
        assert!(text.contains("petition_request_duration_seconds_bucket{operation=\"CaseById\",le=\"0.005\"} 1"));
        assert!(text.contains("petition_request_duration_seconds_bucket{operation=\"anonymous\",le=\"+Inf\"} 1"));
        assert!(text.contains("petition_db_pool_in_use 3"));
        assert!(text.contains("petition_db_pool_waits_total 7") && text.contains("petition_db_pool_timeouts_total 1"));
        assert!(text.contains("petition_db_pool_wait_seconds_total 0.25"), "{text}");
        assert!(text.contains("petition_db_key_read_sessions 2") && text.contains("key_read_sessions_lost_total 3"));
        for n in 0..(MAX_OPERATIONS + 10) {
            m.request(Some(&format!("Op{n}")), "OK", Duration::from_millis(1));
        }
        let labels =
            m.requests.lock().unwrap().keys().map(|(op, _)| op.clone()).collect::<std::collections::BTreeSet<_>>();
        assert!(labels.len() <= MAX_OPERATIONS + 1, "at most the bound, and `other`");
    }
}
