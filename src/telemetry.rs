//! Structured logs through `tracing`: JSON in production, readable text in development. `RUST_LOG` filters.

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,diesel=warn"));
    let builder = fmt().with_env_filter(filter).with_target(false);
    // `try_init`: tests start many applications in one process; the first one installs the subscriber.
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}
