//! `POST /graphql`: one JSON operation per request.
//!
//! The body is read with a size limit (refused before parsing), must be `application/json` (which also keeps
//! browsers' cross-site form posts out), must be a single operation (no array batches), and every error that
//! leaves carries an `extensions.code`: errors async-graphql raises itself (syntax, validation, limits) are the
//! client's fault and become `BAD_USER_INPUT`; `INTERNAL` ones get the request id.

use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use async_graphql::ErrorExtensionValues;

use super::large_requests;
use super::request_id::RequestId;
use crate::auth::session::authenticate;
use crate::graphql::context::{AppState, RequestInfo};
use crate::graphql::loaders::Loaders;
use crate::graphql::AppSchema;

/// A GraphQL-shaped error response for requests refused before execution.
pub fn refusal(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": "BAD_USER_INPUT" } }]
    }))
}

/// The refusal of a request beyond the caps checked before anything is parsed, so that no document or variable is
/// large enough to hold a worker: the query text, and the length of every list in the variables.
fn beyond_limits(request: &async_graphql::Request, limits: &crate::config::Limits) -> Option<Outcome> {
    if request.query.len() > limits.max_query_bytes {
        return Some(Outcome::Refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the query text is {} bytes; at most {} are accepted", request.query.len(), limits.max_query_bytes),
        ));
    }
    fn longest(value: &async_graphql::Value) -> usize {
        match value {
            async_graphql::Value::List(items) => items.iter().map(longest).max().unwrap_or(0).max(items.len()),
            async_graphql::Value::Object(fields) => fields.values().map(longest).max().unwrap_or(0),
            _ => 0,
        }
    }
    let most = request.variables.values().map(longest).max().unwrap_or(0);
    (most > limits.max_list_items).then(|| {
        Outcome::Refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("a list in the variables holds {most} items; at most {} are accepted", limits.max_list_items),
        )
    })
}

/// What became of a request body: refused before execution, or executed. (Plain data, so that it can come back
/// from the lane for large requests.)
enum Outcome {
    Refused(StatusCode, String),
    Executed(async_graphql::Response),
}

/// Decodes the body, checks the caps, and executes the operation with the request's data.
async fn decode_and_execute(
    body: web::Bytes,
    limits: crate::config::Limits,
    schema: std::sync::Arc<AppSchema>,
    info: RequestInfo,
    loaders: Loaders,
) -> Outcome {
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return Outcome::Refused(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {e}")),
    };
    if value.is_array() {
        return Outcome::Refused(
            StatusCode::BAD_REQUEST,
            "batched requests are not supported; send one operation per request".to_owned(),
        );
    }
    let request: async_graphql::Request = match serde_json::from_value(value) {
        Ok(r) => r,
        Err(e) => return Outcome::Refused(StatusCode::BAD_REQUEST, format!("not a GraphQL request: {e}")),
    };
    if let Some(refused) = beyond_limits(&request, &limits) {
        return refused;
    }
    Outcome::Executed(schema.execute(request.data(info).data(loaders)).await)
}

fn bearer(req: &HttpRequest) -> Result<Option<String>, ()> {
    let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION) else { return Ok(None) };
    let value = value.to_str().map_err(|_| ())?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(()),
    }
}

/// Reads the body, refusing it as soon as it is known to exceed `limit` (by its declared length, or while it
/// streams in), before any parsing.
async fn read_body(req: &HttpRequest, mut payload: web::Payload, limit: usize) -> Result<web::BytesMut, HttpResponse> {
    use futures_util::StreamExt;
    let too_large = || refusal(StatusCode::PAYLOAD_TOO_LARGE, &format!("the request body exceeds {limit} bytes"));
    let declared =
        req.headers().get(actix_web::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
    if declared.is_some_and(|n: usize| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| refusal(StatusCode::BAD_REQUEST, &format!("cannot read the body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub async fn execute(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> HttpResponse {
    let body = match read_body(&req, payload, state.settings.limits.max_body_bytes).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let is_json =
        req.mime_type().ok().flatten().is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
    if !is_json {
        return refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send operations as POST with Content-Type: application/json",
        );
    }
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let auth = match bearer(&req) {
        Ok(token) => authenticate(&state, token.as_deref()).await,
        Err(()) => crate::graphql::context::Authentication::Invalid,
    };
    let client_ip = super::client_addr::client_addr(&req, &state.settings.trusted_proxies);
    let loaders = Loaders::new(&state, auth.caller());
    let info = RequestInfo { auth, request_id: request_id.clone(), client_ip };
    let large = body.len() > large_requests::INLINE_BODY_BYTES;
    let work = decode_and_execute(body.freeze(), state.settings.limits.clone(), schema.into_inner(), info, loaders);
    let outcome = if large { large_requests::run(work).await } else { Some(work.await) };
    let mut response = match outcome {
        Some(Outcome::Executed(response)) => response,
        Some(Outcome::Refused(status, message)) => return refusal(status, &message),
        None => {
            tracing::error!("a large request failed on its lane");
            let mut error = async_graphql::ServerError::new("internal error", None);
            error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", "INTERNAL");
            async_graphql::Response::from_errors(vec![error])
        }
    };
    let mut unavailable = false;
    for error in &mut response.errors {
        let ext = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
        let code = match ext.get("code") {
            Some(async_graphql::Value::String(code)) => code.clone(),
            _ => {
                ext.set("code", "BAD_USER_INPUT");
                "BAD_USER_INPUT".to_owned()
            }
        };
        if code == "INTERNAL" {
            ext.set("requestId", request_id.as_str());
        }
        unavailable |= code == "UNAVAILABLE";
    }
    // Nothing of the request could be served because the database is away: say so at the HTTP level too, so that
    // proxies and clients retry instead of treating the body as an answer.
    if unavailable && response.data == async_graphql::Value::Null {
        return HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", crate::error::UNAVAILABLE_RETRY_SECS.to_string()))
            .json(response);
    }
    HttpResponse::Ok().json(response)
}
