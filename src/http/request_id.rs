//! A request id for every request: taken from a well-formed `x-request-id` header or made up, put in the tracing
//! span of the request, returned in the response header, and attached to `INTERNAL` errors so that a client's
//! report leads straight to the log line. The same middleware, outermost, sees every request end: it writes the
//! access line, counts the request in the HTTP metrics, and completes the request's span for traces over OTLP.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn acceptable(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        // Filled in for traces over OTLP (`telemetry::otlp`), and only then.
        otel.name = tracing::field::Empty,
        otel.kind = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        "http.route" = tracing::field::Empty,
        "http.response.status_code" = tracing::field::Empty,
        "graphql.operation.name" = tracing::field::Empty,
        "petition.caller.roles" = tracing::field::Empty,
        "petition.outcome" = tracing::field::Empty,
    );
    let traced = crate::telemetry::otlp::enabled();
    if traced {
        crate::telemetry::otlp::continue_trace(&span, req.headers());
        let route = super::route_label(req.match_pattern().as_deref());
        span.record("otel.name", format!("{} {route}", req.method()));
        span.record("otel.kind", "server");
        span.record("http.route", route);
    }
    let started = std::time::Instant::now();
    let state = req.app_data::<actix_web::web::Data<crate::state::AppState>>().cloned();
    async move {
        let method = req.method().clone();
        let path = req.path().to_owned();
        let mut res = next.call(req).await?;
        let elapsed = started.elapsed();
        let status = res.status().as_u16();
        if let Some(state) = state {
            state.metrics.http_request(super::route_label(res.request().match_name()), status, elapsed);
        }
        // Taken out of the extensions rather than copied: nothing reads them after this.
        let graphql = res.response_mut().extensions_mut().remove::<super::graphql::Answered>();
        let role = res.request().extensions_mut().remove::<super::graphql::CallerRoles>().map(|r| r.0);
        if traced {
            complete_span(status, graphql.as_ref(), role.as_deref());
        }
        crate::telemetry::access(&crate::telemetry::AccessLine {
            request_id: &id,
            method: method.as_str(),
            path: &path,
            status,
            elapsed,
            operation: graphql.as_ref().and_then(|g| g.operation.as_deref()),
            role: role.as_deref(),
            outcome: graphql.as_ref().map(|g| g.code.as_ref()),
        });
        if let Ok(value) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(HeaderName::from_static(HEADER), value);
        }
        Ok(res)
    }
    .instrument(span)
    .await
}

/// The request's span, for traces over OTLP: its status, and what became of a GraphQL request.
fn complete_span(status: u16, graphql: Option<&super::graphql::Answered>, role: Option<&str>) {
    let span = tracing::Span::current();
    span.record("http.response.status_code", status);
    if let Some(g) = graphql {
        span.record("graphql.operation.name", g.operation.as_deref().unwrap_or("anonymous"));
        span.record("petition.outcome", g.code.as_ref());
    }
    if let Some(role) = role {
        span.record("petition.caller.roles", role);
    }
    if status >= 500 {
        span.record("otel.status_code", "error");
    }
}
