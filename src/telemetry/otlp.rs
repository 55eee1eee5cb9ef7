//! Traces over OTLP, for operators who run a collector (an OpenTelemetry Collector, Jaeger, Tempo, SkyWalking's
//! OTLP receiver). Configured by the OpenTelemetry specification's own variables: on when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, unless `OTEL_SDK_DISABLED=true`
//! or `OTEL_TRACES_EXPORTER=none`; `OTEL_EXPORTER_OTLP_PROTOCOL` (`http/protobuf` by default, or `http/json`),
//! `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` and
//! `OTEL_BSP_*` as the specification says.
//!
//! Each HTTP request is a server span (`POST /graphql`) with its status, and for GraphQL the operation's name, the
//! caller's roles and the outcome code; it continues the trace of an incoming `traceparent`. Each SQL statement is
//! a client span beneath it, with the statement's text and never its parameters (they hold petitioners' words).
//! Off, none of this costs anything: the spans' extra fields stay empty and no statement span is made.

use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::SdkTracerProvider;

static ON: AtomicBool = AtomicBool::new(false);

/// Whether traces are exported (the process configured an OTLP endpoint).
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Whether `lookup` (the environment) asks for traces over OTLP.
pub fn configured(lookup: impl Fn(&str) -> Option<String>) -> bool {
    let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
    let endpoint = get("OTEL_EXPORTER_OTLP_ENDPOINT").or_else(|| get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
    let disabled = get("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
        || get("OTEL_TRACES_EXPORTER").is_some_and(|v| v.eq_ignore_ascii_case("none"));
    endpoint.is_some() && !disabled
}

/// The tracer provider the environment asks for, if any (the exporter reads the `OTEL_*` variables itself).
pub fn provider() -> anyhow::Result<Option<SdkTracerProvider>> {
    if !configured(|k| std::env::var(k).ok()) {
        return Ok(None);
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder().with_http().build().map_err(|e| {
        anyhow::anyhow!("OTEL_EXPORTER_OTLP_* settings cannot make an OTLP exporter (http/protobuf or http/json): {e}")
    })?;
    let mut resource = opentelemetry_sdk::Resource::builder()
        .with_attribute(opentelemetry::KeyValue::new("service.version", env!("CARGO_PKG_VERSION")));
    if std::env::var_os("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name("petition-api");
    }
    let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource.build()).build();
    opentelemetry::global::set_text_map_propagator(opentelemetry_sdk::propagation::TraceContextPropagator::new());
    ON.store(true, Ordering::Relaxed);
    Ok(Some(provider))
}

/// The layer that turns `tracing` spans into OpenTelemetry spans.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer("petition-api"))
}

/// Makes `span` continue the trace whose `traceparent` (and `tracestate`) came with the request.
pub fn continue_trace(span: &tracing::Span, headers: &actix_web::http::header::HeaderMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    struct Headers<'a>(&'a actix_web::http::header::HeaderMap);
    impl opentelemetry::propagation::Extractor for Headers<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|v| v.to_str().ok())
        }
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|k| k.as_str()).collect()
        }
    }
    let parent = opentelemetry::global::get_text_map_propagator(|p| p.extract(&Headers(headers)));
    let _ = span.set_parent(parent);
}

/// The spans of SQL statements on one connection, opened when a statement starts and closed when it finishes
/// (several may be in flight on a pipelined connection; they finish in order).
#[derive(Default)]
pub struct StatementSpans(std::collections::VecDeque<tracing::Span>);

impl StatementSpans {
    /// Follows one of diesel's instrumentation events (nothing when traces are off).
    pub fn follow(&mut self, event: &diesel::connection::InstrumentationEvent<'_>) {
        use diesel::connection::InstrumentationEvent;
        if !enabled() {
            return;
        }
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                // diesel shows a statement as its text, then ` -- binds: [...]`: the parameters stay out.
                let shown = query.to_string();
                let text = shown.rsplit_once(" -- binds: ").map_or(shown.as_str(), |(sql, _)| sql);
                let operation = text.split_whitespace().next().unwrap_or("SQL").to_ascii_uppercase();
                let span = tracing::info_span!(
                    "db.query",
                    otel.name = %operation,
                    otel.kind = "client",
                    otel.status_code = tracing::field::Empty,
                    "db.system.name" = "postgresql",
                    "db.query.text" = %text,
                );
                self.0.push_back(span);
            }
            InstrumentationEvent::FinishQuery { error, .. } => {
                if let Some(span) = self.0.pop_front() {
                    if error.is_some() {
                        span.record("otel.status_code", "error");
                    }
                }
            }
            _ => {}
        }
    }
}
