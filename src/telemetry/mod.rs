//! Structured logs through `tracing`: JSON in production, readable text in development. `RUST_LOG` filters.
//!
//! The access log (a line per request) goes its own way: formatting a `tracing` event with its span as JSON and
//! writing it with a system call of its own cost about 16 µs a request, a sixth of the server's CPU for a read by
//! id. Its lines are gathered in memory instead and written together every [`ACCESS_FLUSH`] (or sooner when many
//! pile up), in the same shape on the same output. A crash loses at most that much of the access log; everything
//! else (errors above all) is still written at once through `tracing`.

use std::io::Write;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

use crate::config::LogFormat;

pub mod otlp;

/// Keeps the trace exporter for as long as the process runs; dropping it sends the spans still waiting.
pub struct Telemetry(Option<opentelemetry_sdk::trace::SdkTracerProvider>);

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.0.take() {
            if let Err(e) = provider.shutdown() {
                tracing::warn!(error = %e, "the last traces could not be sent");
            }
        }
    }
}

/// Logs (and traces over OTLP when the environment asks for them, see [`otlp`]) from here on.
pub fn init(format: LogFormat) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,diesel=warn"));
    let logs = match format {
        LogFormat::Json => fmt::layer().json().with_current_span(true).with_span_list(false).with_target(false).boxed(),
        LogFormat::Pretty => fmt::layer().with_target(false).boxed(),
    };
    let provider = otlp::provider()?;
    let traces = provider.as_ref().map(otlp::layer);
    // `try_init`: tests start many applications in one process; the first one installs the subscriber.
    let _ = tracing_subscriber::registry().with(filter).with(logs).with(traces).try_init();
    if ACCESS_LOG.set(AccessLog::new(format, Box::new(std::io::stdout()))).is_ok() {
        if let Some(log) = ACCESS_LOG.get() {
            log.keep_writing();
        }
    }
    Ok(Telemetry(provider))
}

/// How long an access log line may wait in memory before it is written.
pub const ACCESS_FLUSH: Duration = Duration::from_millis(100);
/// Written at once when this many bytes of lines are waiting (a burst of requests).
const ACCESS_BUFFER: usize = 64 * 1024;

/// A finished request, as the access log records it.
pub struct AccessLine<'a> {
    pub request_id: &'a str,
    pub method: &'a str,
    pub path: &'a str,
    pub status: u16,
    pub elapsed: Duration,
    /// For a GraphQL request: the operation's name as the client gave it.
    pub operation: Option<&'a str>,
    /// The caller's roles (`CLERK`, `CLERK|CASE_LEAD`), `ANONYMOUS` without a token; unknown for the routes that do
    /// not authenticate.
    pub role: Option<&'a str>,
    /// For a GraphQL request: `OK` or the first error's code.
    pub outcome: Option<&'a str>,
}

static ACCESS_LOG: OnceLock<AccessLog> = OnceLock::new();

/// Records `line` in the access log, when the server keeps one (not in tests, nor when `RUST_LOG` leaves out
/// `info`).
pub fn access(line: &AccessLine<'_>) {
    if let Some(log) = ACCESS_LOG.get() {
        if tracing::enabled!(tracing::Level::INFO) {
            log.record(line);
        }
    }
}

/// Writes out the access log lines still in memory (at shutdown).
pub fn flush_access_log() {
    if let Some(log) = ACCESS_LOG.get() {
        log.flush();
    }
}

struct AccessLog {
    format: LogFormat,
    pending: Mutex<Vec<u8>>,
    /// Wakes the writer early when a burst filled the buffer.
    full: Condvar,
    out: Mutex<Box<dyn Write + Send>>,
}

impl AccessLog {
    fn new(format: LogFormat, out: Box<dyn Write + Send>) -> AccessLog {
        AccessLog { format, pending: Mutex::default(), full: Condvar::new(), out: Mutex::new(out) }
    }

    /// Writes what piled up every [`ACCESS_FLUSH`], or sooner when a burst filled the buffer.
    fn keep_writing(&'static self) {
        let spawned = std::thread::Builder::new().name("access-log".into()).spawn(move || loop {
            if let Ok(pending) = self.pending.lock() {
                let _ = self.full.wait_timeout(pending, ACCESS_FLUSH);
            }
            self.flush();
        });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the access log's writer; lines are written at shutdown only");
        }
    }

    fn record(&self, line: &AccessLine<'_>) {
        let Ok(mut pending) = self.pending.lock() else { return };
        format_line(&mut pending, self.format, chrono::Utc::now(), line);
        if pending.len() >= ACCESS_BUFFER {
            self.full.notify_one();
        }
    }

    fn flush(&self) {
        let lines = match self.pending.lock() {
            Ok(mut pending) if !pending.is_empty() => std::mem::take(&mut *pending),
            _ => return,
        };
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(&lines).and_then(|()| out.flush());
        }
    }
}

/// One line, as `tracing`'s formatter would write the event `request done` in its `request` span.
fn format_line(into: &mut Vec<u8>, format: LogFormat, at: chrono::DateTime<chrono::Utc>, line: &AccessLine<'_>) {
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let elapsed_ms = line.elapsed.as_millis();
    let _ = match format {
        LogFormat::Json => {
            let text = |s: &str| serde_json::to_string(s).unwrap_or_default();
            let mut graphql = String::new();
            for (name, value) in [("operation", line.operation), ("role", line.role), ("code", line.outcome)] {
                if let Some(value) = value {
                    graphql.push_str(&format!(r#","{name}":{}"#, text(value)));
                }
            }
            writeln!(
                into,
                r#"{{"timestamp":"{at}","level":"INFO","fields":{{"message":"request done","status":{},"elapsed_ms":{elapsed_ms},"elapsed_us":{}{graphql}}},"span":{{"method":{},"path":{},"request_id":{},"name":"request"}}}}"#,
                line.status,
                line.elapsed.as_micros(),
                text(line.method),
                text(line.path),
                text(line.request_id),
            )
        }
        LogFormat::Pretty => {
            let mut graphql = String::new();
            for (name, value) in [("operation", line.operation), ("role", line.role), ("code", line.outcome)] {
                if let Some(value) = value {
                    graphql.push_str(&format!(" {name}={}", value.escape_debug()));
                }
            }
            writeln!(
                into,
                "{at}  INFO request{{request_id={} method={} path={}}}: request done status={} elapsed_ms={elapsed_ms}{graphql}",
                line.request_id,
                line.method,
                line.path.escape_debug(),
                line.status,
            )
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(path: &str) -> AccessLine<'_> {
        AccessLine {
            request_id: "d2d340c73b7b47099d84fed2229c95ba",
            method: "POST",
            path,
            status: 200,
            elapsed: Duration::from_micros(1_250),
            operation: Some("CaseById"),
            role: Some("CLERK|CASE_LEAD"),
            outcome: Some("NOT_FOUND"),
        }
    }

    #[test]
    fn json_lines_are_json_in_the_shape_tracing_wrote() {
        let mut out = Vec::new();
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-02T22:27:33.777089Z").unwrap().to_utc();
        format_line(&mut out, LogFormat::Json, at, &line("/files/\"x\"\n"));
        format_line(&mut out, LogFormat::Json, at, &line("/graphql"));
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2, "a path with a quote and a newline stays on its line: {text}");
        assert_eq!(lines[0]["span"]["path"], "/files/\"x\"\n");
        assert_eq!(lines[1]["timestamp"], "2026-12-02T22:27:33.777089Z");
        assert_eq!(lines[1]["level"], "INFO");
        assert_eq!(lines[1]["fields"]["message"], "request done");
        assert_eq!(lines[1]["fields"]["status"], 200);
        assert_eq!(lines[1]["fields"]["elapsed_ms"], 1);
        assert_eq!(lines[1]["fields"]["elapsed_us"], 1_250);
        assert_eq!(lines[1]["span"]["request_id"], "d2d340c73b7b47099d84fed2229c95ba");
        assert_eq!(lines[1]["span"]["method"], "POST");
        assert_eq!(lines[1]["fields"]["operation"], "CaseById");
        assert_eq!(lines[1]["fields"]["role"], "CLERK|CASE_LEAD");
        assert_eq!(lines[1]["fields"]["code"], "NOT_FOUND");
    }

    #[test]
    fn readable_lines_keep_a_line_each() {
        let mut out = Vec::new();
        format_line(&mut out, LogFormat::Pretty, chrono::Utc::now(), &line("/a\nb"));
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("request_id=d2d340c73b7b47099d84fed2229c95ba method=POST path=/a\\nb"), "{text}");
        assert!(text.ends_with("operation=CaseById role=CLERK|CASE_LEAD code=NOT_FOUND\n"), "{text}");
    }

    #[test]
    fn lines_wait_in_memory_until_flushed() {
        #[derive(Clone, Default)]
        struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let written = Shared::default();
        let log = AccessLog::new(LogFormat::Json, Box::new(written.clone()));
        log.record(&line("/graphql"));
        log.record(&line("/healthz"));
        assert!(written.0.lock().unwrap().is_empty());
        log.flush();
        let text = String::from_utf8(written.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.lines().nth(1).unwrap().contains("/healthz"));
        log.flush();
        assert_eq!(written.0.lock().unwrap().len(), text.len(), "nothing is written twice");
    }
}
