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

use super::language::{in_chinese, prefers_chinese};
use super::large_requests;
use super::request_id::RequestId;
use crate::error::ErrorCode;
use crate::graphql::context::{AppState, RequestInfo};
use crate::graphql::documents::Documents;
use crate::graphql::loaders::Loaders;
use crate::graphql::AppSchema;
use crate::services::sessions::{authenticate_session, TokenSession};

/// A GraphQL-shaped error response for requests refused before execution.
pub fn refusal(status: StatusCode, message: &str) -> HttpResponse {
    coded_refusal(status, ErrorCode::BadUserInput, message)
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

/// The refusal of a request beyond the caps checked before anything is parsed, so that no document or variable is
/// large enough to hold a worker: the query text, and the length of every list in the variables.
fn beyond_limits(request: &async_graphql::Request, limits: &crate::config::Limits) -> Option<Outcome> {
    if request.query.len() > limits.max_query_bytes {
        return Some(Outcome::Refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadUserInput,
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
            ErrorCode::BadUserInput,
            format!("a list in the variables holds {most} items; at most {} are accepted", limits.max_list_items),
        )
    })
}

/// What became of a request body: refused before execution, or executed. (Plain data, so that it can come back
/// from the lane for large requests.)
pub(super) enum Outcome {
    Refused(StatusCode, ErrorCode, String),
    /// The response, and the operation's name (for the metrics).
    Executed(Box<async_graphql::Response>, Option<String>),
}

/// Decodes the body, checks the caps, and executes the operation with the request's data.
async fn decode_and_execute(
    body: web::Bytes,
    limits: crate::config::Limits,
    schema: std::sync::Arc<AppSchema>,
    documents: std::sync::Arc<Documents>,
    info: RequestInfo,
    loaders: Loaders,
) -> Outcome {
    let (request, document_id) = match decode(&body) {
        Ok(decoded) => decoded,
        Err(why) => return Outcome::Refused(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, why),
    };
    match admitted(request, document_id.as_deref(), &limits, &documents) {
        Ok(request) => executed(request, &schema, info, loaders).await,
        Err(refused) => refused,
    }
}

/// `request` with its text (when it names a persisted document) and its parsed document, unless it goes beyond
/// the caps (checked before anything is parsed or remembered) or names no document this server runs.
pub(super) fn admitted(
    mut request: async_graphql::Request,
    document_id: Option<&str>,
    limits: &crate::config::Limits,
    documents: &Documents,
) -> Result<async_graphql::Request, Outcome> {
    if let Some(refused) = beyond_limits(&request, limits) {
        return Err(refused);
    }
    if let Err(refused) = documents.resolve(&mut request, document_id) {
        // An unknown hash is an everyday step of the protocol, not a broken request: Apollo's link switches
        // persisted queries off for good after a 4xx.
        let status = match refused.code {
            ErrorCode::PersistedQueryNotFound => StatusCode::OK,
            _ => StatusCode::BAD_REQUEST,
        };
        return Err(Outcome::Refused(status, refused.code, refused.message));
    }
    documents.prepare(&mut request);
    Ok(request)
}

/// Executes `request` with the request's data.
async fn executed(request: async_graphql::Request, schema: &AppSchema, info: RequestInfo, loaders: Loaders) -> Outcome {
    let operation = request.operation_name.clone().or_else(|| named_operation(&request.query));
    Outcome::Executed(Box::new(schema.execute(request.data(info).data(loaders)).await), operation)
}

/// The name of the document's first operation when it begins with one (`query CaseById { … }`): what the metrics
/// count a request under when the client did not send `operationName`. Comments before it are skipped.
pub(super) fn named_operation(query: &str) -> Option<String> {
    let mut rest = query.trim_start();
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
    }
    let rest = ["query", "mutation", "subscription"].iter().find_map(|k| rest.strip_prefix(k))?;
    let name: String = rest.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!name.is_empty() && rest.starts_with(char::is_whitespace)).then_some(name)
}

/// A POST body as a GraphQL request with its `documentId`, if any, or why it is none.
pub(super) fn decode(body: &[u8]) -> Result<(async_graphql::Request, Option<String>), String> {
    let mut value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Err(format!("the body is not valid JSON: {e}")),
    };
    if value.is_array() {
        return Err("batched requests are not supported; send one operation per request".to_owned());
    }
    let document_id = match value.as_object_mut().and_then(|body| body.remove("documentId")) {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(id)) => Some(id),
        Some(_) => return Err("documentId must be a string".to_owned()),
    };
    // A request naming a persisted document may leave the query out.
    if let Some(body) = value.as_object_mut() {
        body.entry("query").or_insert_with(|| serde_json::Value::String(String::new()));
    }
    let request = serde_json::from_value(value).map_err(|e| format!("not a GraphQL request: {e}"))?;
    Ok((request, document_id))
}

pub(super) fn bearer(req: &HttpRequest) -> Result<Option<String>, ()> {
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
pub(super) async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, HttpResponse> {
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
    documents: web::Data<Documents>,
) -> HttpResponse {
    let started = Instant::now();
    let multipart = req.mime_type().ok().flatten().is_some_and(|m| m.essence_str() == "multipart/form-data");
    if multipart && !asked_first(&req) {
        let chinese = prefers_chinese(&req);
        let message =
            if chinese { in_chinese("BAD_USER_INPUT", CROSS_SITE_REFUSAL) } else { CROSS_SITE_REFUSAL.into() };
        return refusal(StatusCode::BAD_REQUEST, &message);
    }
    let limit = if multipart { MULTIPART_BODY_BYTES } else { state.settings.limits.max_body_bytes };
    let body = match read_body(&req, payload, limit).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    if multipart {
        return execute_multipart(&req, body.freeze(), &state, &schema, &documents, started).await;
    }
    let is_json =
        req.mime_type().ok().flatten().is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
    if !is_json {
        return refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send operations as POST with Content-Type: application/json",
        );
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

const CROSS_SITE_REFUSAL: &str = "a multipart request needs a header a web page cannot send without asking first \
     (Apollo-Require-Preflight: true, X-Apollo-Operation-Name or X-Requested-With), so that no other site can send \
     it from a visitor's browser";

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
            return refusal(StatusCode::BAD_REQUEST, "one file per request: attach each file with its own attachFile")
        }
        Ok(request) => request,
        Err(ParseRequestError::PayloadTooLarge) => {
            let message = format!("a file has at most {} MiB", crate::domain::evidence::MAX_FILE_BYTES >> 20);
            return refusal(StatusCode::PAYLOAD_TOO_LARGE, &message);
        }
        Err(e) => return refusal(StatusCode::BAD_REQUEST, &format!("not a GraphQL multipart request: {e}")),
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
pub async fn execute_get(
    req: HttpRequest,
    params: web::Query<GetParams>,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    documents: web::Data<Documents>,
) -> HttpResponse {
    let started = Instant::now();
    let (request, document_id) = match get_request(params.into_inner()) {
        Ok(Some(asked)) => asked,
        Ok(None) if accepts(&req, "text/html") => return super::playground::page().await,
        Ok(None) => {
            return refusal(StatusCode::BAD_REQUEST, "GET needs a `query` parameter (or send operations as POST)")
        }
        Err(why) => return refusal(StatusCode::BAD_REQUEST, why),
    };
    let mut request = match admitted(request, document_id.as_deref(), &state.settings.limits, &documents) {
        Ok(request) => request,
        Err(refused) => return respond(&req, &state, Some(refused), started),
    };
    if is_mutation(&mut request) {
        let mut refused = refusal(StatusCode::METHOD_NOT_ALLOWED, "mutations are accepted only as POST");
        refused
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, actix_web::http::header::HeaderValue::from_static("POST"));
        return refused;
    }
    let (info, loaders) = request_data(&req, &state).await;
    let outcome = executed(request, &schema, info, loaders).await;
    respond(&req, &state, Some(outcome), started)
}

/// The GraphQL request a GET's parameters make and the persisted document they name; none without a query (or a
/// document); or why they make none.
pub(super) fn get_request(params: GetParams) -> Result<Option<(async_graphql::Request, Option<String>)>, &'static str> {
    let names_document = params.extensions.is_some() || params.document_id.is_some();
    let Some(query) = params.query.or_else(|| names_document.then(String::new)) else { return Ok(None) };
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name.filter(|n| !n.is_empty()) {
        request = request.operation_name(name);
    }
    if let Some(variables) = params.variables.filter(|v| !v.is_empty()) {
        match serde_json::from_str::<serde_json::Value>(&variables) {
            Ok(value @ serde_json::Value::Object(_)) => {
                request = request.variables(async_graphql::Variables::from_json(value));
            }
            _ => return Err("`variables` must be a JSON object"),
        }
    }
    if let Some(extensions) = params.extensions.filter(|v| !v.is_empty()) {
        match serde_json::from_str::<serde_json::Value>(&extensions) {
            Ok(value @ serde_json::Value::Object(_)) => {
                request.extensions = serde_json::from_value(value).unwrap_or_default();
            }
            _ => return Err("`extensions` must be a JSON object"),
        }
    }
    Ok(Some((request, params.document_id)))
}

/// The parameters of a GET request (GraphQL over HTTP).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetParams {
    query: Option<String>,
    variables: Option<String>,
    operation_name: Option<String>,
    /// JSON, as Apollo's link sends a persisted query's hash by GET.
    extensions: Option<String>,
    document_id: Option<String>,
}

/// Whether the operation the request would run is a mutation (or a subscription, which GET cannot carry either),
/// from the document [`Documents::prepare`] gave the request; one that does not parse is left to execution, which
/// reports it.
pub(super) fn is_mutation(request: &mut async_graphql::Request) -> bool {
    runs(request, |kind| kind != async_graphql::parser::types::OperationType::Query)
}

/// Whether the operation the request would run is of a kind `of` holds (any of them, when the document has several
/// operations and the request names none).
pub(super) fn runs(
    request: &mut async_graphql::Request,
    of: impl Fn(async_graphql::parser::types::OperationType) -> bool,
) -> bool {
    use async_graphql::parser::types::DocumentOperations;
    let name = request.operation_name.clone();
    let Ok(doc) = request.parsed_query() else { return false };
    let kind = |op: &async_graphql::parser::types::OperationDefinition| of(op.ty);
    match &doc.operations {
        DocumentOperations::Single(op) => kind(&op.node),
        DocumentOperations::Multiple(ops) => match &name {
            Some(name) => ops.get(name.as_str()).is_some_and(|op| kind(&op.node)),
            None => ops.values().any(|op| kind(&op.node)),
        },
    }
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

pub(super) async fn request_data(req: &HttpRequest, state: &AppState) -> (RequestInfo, Loaders) {
    let (info, loaders, _) = request_data_with_session(req, state).await;
    (info, loaders)
}

/// The request's data, and what a subscription keeps of its token (when it ends).
pub(super) async fn request_data_with_session(
    req: &HttpRequest,
    state: &AppState,
) -> (RequestInfo, Loaders, Option<TokenSession>) {
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let (auth, session) = match bearer(req) {
        Ok(token) => authenticate_session(state, token.as_deref()).await,
        Err(()) => (crate::graphql::context::Authentication::Invalid, None),
    };
    let roles = match auth.caller().map(|c| c.roles.as_slice()) {
        Some([one]) => one.as_str().into(),
        Some(several) => several.iter().map(|r| r.as_str()).collect::<Vec<_>>().join("|").into(),
        None => "ANONYMOUS".into(),
    };
    req.extensions_mut().insert(CallerRoles(roles));
    let client_ip = super::client_addr::client_addr(req, &state.settings.trusted_proxies);
    let loaders = Loaders::new(state, auth.caller());
    (RequestInfo { auth, request_id, client_ip }, loaders, session)
}

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
            error.message = in_chinese(&code, &error.message);
        }
        first_code.get_or_insert(code);
    }
    first_code
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
