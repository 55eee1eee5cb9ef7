//! `POST /graphql`: one JSON operation per request.
//!
//! The body is read with a size limit (refused before parsing), must be `application/json` (which also keeps
//! browsers' cross-site form posts out), must be a single operation (no array batches), and every error that
//! leaves carries an `extensions.code`: errors async-graphql raises itself (syntax, validation, limits) are the
//! client's fault and become `BAD_USER_INPUT`; `INTERNAL` ones get the request id.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use async_graphql::ErrorExtensionValues;

use super::language::{in_chinese, prefers_chinese, render};
use super::large_requests;
use super::request_id::RequestId;
use crate::error::{ErrorCode, Message};
use crate::graphql::context::{AppState, RequestInfo};
use crate::graphql::documents::Documents;
use crate::graphql::loaders::Loaders;
use crate::graphql::AppSchema;
use crate::services::sessions::{authenticate_session, TokenSession};

mod request;

pub use request::GetParams;
pub(super) use request::*;

/// What every GraphQL endpoint answers from, registered as app data at start-up: the state, the schema and the
/// persisted documents, taken from the request as one extractor.
pub struct Served {
    pub state: web::Data<AppState>,
    pub schema: web::Data<AppSchema>,
    pub documents: web::Data<Documents>,
}

impl actix_web::FromRequest for Served {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let served = || {
            Some(Served {
                state: req.app_data::<web::Data<AppState>>()?.clone(),
                schema: req.app_data::<web::Data<AppSchema>>()?.clone(),
                documents: req.app_data::<web::Data<Documents>>()?.clone(),
            })
        };
        // Only a server wired without its app data could miss them: a fault of ours, not the client's.
        std::future::ready(
            served().ok_or_else(|| actix_web::error::ErrorInternalServerError("the server lacks its state")),
        )
    }
}

/// A GraphQL-shaped error response for a request refused before execution, in the request's language.
pub fn refusal(req: &HttpRequest, status: StatusCode, message: Message) -> HttpResponse {
    coded_refusal(status, ErrorCode::BadUserInput, &render(&message, prefers_chinese(req)))
}

/// The HTTP status of a refusal with `code`, for the routes beside `/graphql` (exports, file downloads), whose
/// answers are the error itself rather than a GraphQL response.
pub(super) fn status_of(code: &str) -> StatusCode {
    match code {
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
        "RATE_LIMITED" => StatusCode::TOO_MANY_REQUESTS,
        "INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

pub(super) fn coded_refusal(status: StatusCode, code: ErrorCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code.as_str() } }]
    }))
}

pub async fn execute(req: HttpRequest, payload: web::Payload, served: Served) -> HttpResponse {
    let Served { state, schema, documents } = served;
    let started = Instant::now();
    let multipart = req.mime_type().ok().flatten().is_some_and(|m| m.essence_str() == "multipart/form-data");
    if multipart && !asked_first(&req) {
        return refusal(&req, StatusCode::BAD_REQUEST, Message::MultipartPreflight);
    }
    let limit = if multipart { MULTIPART_BODY_BYTES } else { state.settings.limits.max_body_bytes };
    let body = match read_body(&req, payload, limit).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    if multipart {
        return execute_multipart(&req, body.freeze(), &state, &schema, &documents, started).await;
    }
    if let Some(refused) = unless_json(&req) {
        return refused;
    }
    let (info, loaders) = request_data(&req, &state).await;
    let large = body.len() > large_requests::INLINE_BODY_BYTES;
    let work = decode_and_execute(
        body.freeze(),
        state.settings.limits.clone(),
        schema.into_inner(),
        documents.into_inner(),
        info,
        loaders,
    );
    let outcome = if large { large_requests::run(work).await } else { Some(work.await) };
    respond(&req, &state, outcome, started)
}

/// The headers of which one, not empty, makes a multipart request acceptable: a web page can only send them after
/// the browser asked this server (a CORS preflight), which answers only the configured origins. A form on any other
/// site can post `multipart/form-data` from a visitor's browser without asking: it must not run operations (those
/// that need no token, such as registering, or anything on an intranet server the site's author cannot reach).
/// The same headers as Apollo Server's CSRF prevention, and `X-Requested-With`. Proxies add none of them.
pub(super) const PREFLIGHT_HEADERS: [&str; 3] =
    ["apollo-require-preflight", "x-apollo-operation-name", "x-requested-with"];

/// Whether the request carries one of [`PREFLIGHT_HEADERS`].
fn asked_first(req: &HttpRequest) -> bool {
    PREFLIGHT_HEADERS.iter().any(|name| req.headers().get(*name).is_some_and(|v| !v.as_bytes().trim_ascii().is_empty()))
}

/// The largest GraphQL multipart request: one file of the largest size accepted, and the operation beside it.
const MULTIPART_BODY_BYTES: usize = crate::domain::evidence::MAX_FILE_BYTES + 256 * 1024;

/// A GraphQL multipart request (the file upload specification): one operation and at most one file, of at most
/// the largest size accepted; the operation is checked and run like any other. It must carry one of
/// [`PREFLIGHT_HEADERS`] (checked before the body is read).
async fn execute_multipart(
    req: &HttpRequest,
    body: web::Bytes,
    state: &AppState,
    schema: &AppSchema,
    documents: &Documents,
    started: Instant,
) -> HttpResponse {
    use async_graphql::ParseRequestError;
    let content_type = req.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    // The limit is per part: a file of exactly the largest size passes, and the operation and map beside it have
    // the rest of the body's allowance (async-graphql's `max_num_files` would cap the whole request at the size of
    // the files alone).
    let options =
        async_graphql::http::MultipartOptions::default().max_file_size(crate::domain::evidence::MAX_FILE_BYTES);
    let reader = futures_util::io::AllowStdIo::new(std::io::Cursor::new(body));
    let request = match async_graphql::http::receive_body(content_type, reader, options).await {
        Ok(request) if request.uploads.len() > 1 => {
            return refusal(req, StatusCode::BAD_REQUEST, Message::OneUploadPerRequest)
        }
        Ok(request) => request,
        Err(ParseRequestError::PayloadTooLarge) => {
            let most = (crate::domain::evidence::MAX_FILE_BYTES >> 20).to_string();
            return refusal(req, StatusCode::PAYLOAD_TOO_LARGE, Message::FileTooLarge(most));
        }
        Err(e) => return refusal(req, StatusCode::BAD_REQUEST, Message::NotMultipart(e.to_string())),
    };
    let outcome = match admitted(request, None, &state.settings.limits, documents) {
        Ok(request) => {
            let (info, loaders) = request_data(req, state).await;
            executed(request, schema, info, loaders).await
        }
        Err(refused) => refused,
    };
    respond(req, state, Some(outcome), started)
}

/// `GET /graphql`: with a `query` parameter, a query (never a mutation: 405); without one, the playground for a
/// browser, and a refusal for anyone else. WebSocket upgrades are routed to the subscriptions before this.
pub async fn execute_get(req: HttpRequest, params: web::Query<GetParams>, served: Served) -> HttpResponse {
    let Served { state, schema, documents } = served;
    let started = Instant::now();
    let (request, document_id) = match get_request(params.into_inner()) {
        Ok(Some(asked)) => asked,
        Ok(None) if accepts(&req, "text/html") => return super::playground::page().await,
        Ok(None) => return refusal(&req, StatusCode::BAD_REQUEST, Message::GetNeedsQuery),
        Err(why) => return refusal(&req, StatusCode::BAD_REQUEST, why),
    };
    let mut request = match admitted(request, document_id.as_deref(), &state.settings.limits, &documents) {
        Ok(request) => request,
        Err(refused) => return respond(&req, &state, Some(refused), started),
    };
    if is_mutation(&mut request) {
        return mutations_only_by_post(&req);
    }
    let (info, loaders) = request_data(&req, &state).await;
    let outcome = executed(request, &schema, info, loaders).await;
    respond(&req, &state, Some(outcome), started)
}

/// Whether the request's `Accept` header names `media_type`.
fn accepts(req: &HttpRequest, media_type: &str) -> bool {
    req.headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.split(',').any(|part| part.trim().starts_with(media_type)))
}

/// Who is calling and the loaders of this request.
/// What became of a GraphQL request, for the access log: the operation's name and `OK` or the first error's code.
#[derive(Clone, Debug)]
pub struct Answered {
    pub operation: Option<String>,
    pub code: std::borrow::Cow<'static, str>,
}

/// Who made a request, for the access log: the caller's roles joined by `|`, or `ANONYMOUS`.
#[derive(Clone, Debug)]
pub struct CallerRoles(pub std::borrow::Cow<'static, str>);

/// The HTTP answer to what became of a request. Every error leaves with a code; with `Accept:
/// application/graphql-response+json` the answer has that type, and a request that could not be executed at all
/// (it does not parse or validate) is a 400, as GraphQL over HTTP asks.
fn respond(req: &HttpRequest, state: &AppState, outcome: Option<Outcome>, started: Instant) -> HttpResponse {
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let chinese = prefers_chinese(req);
    let mut operation = None;
    let mut response = match outcome {
        Some(Outcome::Executed(response, name)) => {
            operation = name;
            *response
        }
        Some(Outcome::Refused(status, code, message)) => {
            state.metrics.request(None, code.as_str(), started.elapsed());
            let message = if chinese { in_chinese(code.as_str(), &message) } else { message };
            let mut answer = coded_refusal(status, code, &message);
            answer.extensions_mut().insert(Answered { operation: None, code: code.as_str().into() });
            return answer;
        }
        None => {
            tracing::error!("a large request failed on its lane");
            let mut error = async_graphql::ServerError::new("internal error", None);
            error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", "INTERNAL");
            async_graphql::Response::from_errors(vec![error])
        }
    };
    let first_code = code_errors(&mut response.errors, chinese, &request_id);
    let unavailable = response
        .errors
        .iter()
        .any(|e| e.extensions.as_ref().and_then(|x| x.get("code")) == Some(&async_graphql::Value::from("UNAVAILABLE")));
    state.metrics.request(operation.as_deref(), first_code.as_deref().unwrap_or("OK"), started.elapsed());
    let graphql_response = accepts(req, GRAPHQL_RESPONSE);
    // Nothing of the request could be served because the database is away: say so at the HTTP level too, so that
    // proxies and clients retry instead of treating the body as an answer.
    let mut answer = if unavailable && crate::graphql::nulls::served_nothing(&response.data) {
        let mut answer = HttpResponse::ServiceUnavailable();
        answer.insert_header(("Retry-After", crate::error::UNAVAILABLE_RETRY_SECS.to_string()));
        answer
    } else if graphql_response && not_executed(&response) {
        HttpResponse::BadRequest()
    } else {
        HttpResponse::Ok()
    };
    let body = if not_executed(&response) {
        // Nothing was executed, so the answer has no `data` entry at all (the GraphQL specification's "request
        // error"), rather than `data: null`, which would say that execution failed at the root.
        serde_json::json!({ "errors": response.errors }).to_string()
    } else {
        serde_json::to_string(&response).unwrap_or_default()
    };
    let media_type = if graphql_response { GRAPHQL_RESPONSE } else { "application/json" };
    answer.content_type(format!("{media_type}; charset=utf-8"));
    let mut answer = answer.body(body);
    answer.extensions_mut().insert(Answered { operation, code: first_code.map_or("OK".into(), Into::into) });
    answer
}

/// Gives every error a code (an uncoded one is the client's: `BAD_USER_INPUT`), the request id to `INTERNAL`
/// ones, and the message in Chinese for a Chinese reader; the first error's code.
pub(super) fn code_errors(
    errors: &mut [async_graphql::ServerError],
    chinese: bool,
    request_id: &str,
) -> Option<String> {
    let mut first_code = None;
    for error in errors {
        let ext = error.extensions.get_or_insert_with(ErrorExtensionValues::default);
        let code = match ext.get("code") {
            Some(async_graphql::Value::String(code)) => code.clone(),
            _ => {
                ext.set("code", "BAD_USER_INPUT");
                "BAD_USER_INPUT".to_owned()
            }
        };
        if code == "INTERNAL" {
            ext.set("requestId", request_id);
        }
        if chinese {
            // The service's own errors carry their message as a value; any other text is read back.
            error.message = match error.source.as_ref().and_then(|s| s.downcast_ref::<Message>()) {
                Some(message) => message.chinese(),
                None => in_chinese(&code, &error.message),
            };
        }
        first_code.get_or_insert(code);
    }
    first_code
}

/// The refusal of a body that is not JSON (which also keeps browsers' cross-site form posts out).
pub(super) fn unless_json(req: &HttpRequest) -> Option<HttpResponse> {
    let is_json =
        req.mime_type().ok().flatten().is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
    (!is_json).then(|| refusal(req, StatusCode::UNSUPPORTED_MEDIA_TYPE, Message::SendJsonPost))
}

/// The refusal of a mutation sent by GET: 405, allowing POST.
pub(super) fn mutations_only_by_post(req: &HttpRequest) -> HttpResponse {
    let mut refused = refusal(req, StatusCode::METHOD_NOT_ALLOWED, Message::MutationsOnlyPost);
    refused
        .headers_mut()
        .insert(actix_web::http::header::ALLOW, actix_web::http::header::HeaderValue::from_static("POST"));
    refused
}

/// The media type of GraphQL over HTTP's answers.
const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Whether nothing of the request was executed: no data, and only errors of the request itself (no path into the
/// data), such as a document that does not parse or validate.
fn not_executed(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty())
}

#[cfg(test)]
mod tests {
    use super::named_operation;

    #[test]
    fn operations_are_named_from_the_document() {
        assert_eq!(named_operation("query CaseById($id: ID!) { case(id: $id) { id } }").as_deref(), Some("CaseById"));
        assert_eq!(named_operation("# a comment\n  mutation Submit { x }").as_deref(), Some("Submit"));
        assert_eq!(named_operation("{ __typename }"), None);
        assert_eq!(named_operation("query { x }"), None);
        assert_eq!(named_operation("queryX { x }"), None);
    }
}
