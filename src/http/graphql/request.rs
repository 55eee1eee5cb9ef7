//! What a request is before it runs: its body read within the limit, decoded (POST) or taken from the query
//! string (GET), checked against the caps and the persisted documents, and the caller behind its token.

use super::*;

/// The refusal of a request beyond the caps checked before anything is parsed, so that no document or variable is
/// large enough to hold a worker: the query text, and the length of every list in the variables.
fn beyond_limits(request: &async_graphql::Request, limits: &crate::config::Limits) -> Option<Outcome> {
    if request.query.len() > limits.max_query_bytes {
        return Some(Outcome::Refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BadUserInput,
            Message::QueryTooLong(request.query.len().to_string(), limits.max_query_bytes.to_string()).english(),
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
            Message::ListTooLong(most.to_string(), limits.max_list_items.to_string()).english(),
        )
    })
}

/// What became of a request body: refused before execution, or executed. (Plain data, so that it can come back
/// from the lane for large requests.)
pub(in crate::http) enum Outcome {
    Refused(StatusCode, ErrorCode, String),
    /// The response, and the operation's name (for the metrics).
    Executed(Box<async_graphql::Response>, Option<String>),
}

/// Decodes the body, checks the caps, and executes the operation with the request's data.
pub(super) async fn decode_and_execute(
    body: web::Bytes,
    limits: crate::config::Limits,
    schema: std::sync::Arc<AppSchema>,
    documents: std::sync::Arc<Documents>,
    info: RequestInfo,
    loaders: Loaders,
) -> Outcome {
    let (request, document_id) = match decode(&body) {
        Ok(decoded) => decoded,
        Err(why) => return Outcome::Refused(StatusCode::BAD_REQUEST, ErrorCode::BadUserInput, why.english()),
    };
    match admitted(request, document_id.as_deref(), &limits, &documents) {
        Ok(request) => executed(request, &schema, info, loaders).await,
        Err(refused) => refused,
    }
}

/// `request` with its text (when it names a persisted document) and its parsed document, unless it goes beyond
/// the caps (checked before anything is parsed or remembered) or names no document this server runs.
pub(in crate::http) fn admitted(
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
pub(super) async fn executed(
    request: async_graphql::Request,
    schema: &AppSchema,
    info: RequestInfo,
    loaders: Loaders,
) -> Outcome {
    let operation = request.operation_name.clone().or_else(|| named_operation(&request.query));
    Outcome::Executed(Box::new(schema.execute(request.data(info).data(loaders)).await), operation)
}

/// The name of the document's first operation when it begins with one (`query CaseById { … }`): what the metrics
/// count a request under when the client did not send `operationName`. Comments before it are skipped.
pub(in crate::http) fn named_operation(query: &str) -> Option<String> {
    let mut rest = query.trim_start();
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
    }
    let rest = ["query", "mutation", "subscription"].iter().find_map(|k| rest.strip_prefix(k))?;
    let name: String = rest.trim_start().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!name.is_empty() && rest.starts_with(char::is_whitespace)).then_some(name)
}

/// A POST body as a GraphQL request with its `documentId`, if any, or why it is none.
pub(in crate::http) fn decode(body: &[u8]) -> Result<(async_graphql::Request, Option<String>), Message> {
    let mut value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Err(Message::BodyNotJson(e.to_string())),
    };
    if value.is_array() {
        return Err(Message::NoBatches);
    }
    let document_id = match value.as_object_mut().and_then(|body| body.remove("documentId")) {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(id)) => Some(id),
        Some(_) => return Err(Message::DocumentIdNotString),
    };
    // A request naming a persisted document may leave the query out.
    if let Some(body) = value.as_object_mut() {
        body.entry("query").or_insert_with(|| serde_json::Value::String(String::new()));
    }
    let request = serde_json::from_value(value).map_err(|e| Message::NotAGraphqlRequest(e.to_string()))?;
    Ok((request, document_id))
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
pub(in crate::http) async fn read_body(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, HttpResponse> {
    use futures_util::StreamExt;
    let too_large = || refusal(req, StatusCode::PAYLOAD_TOO_LARGE, Message::BodyTooLarge(limit.to_string()));
    let declared =
        req.headers().get(actix_web::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse().ok());
    if declared.is_some_and(|n: usize| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| refusal(req, StatusCode::BAD_REQUEST, Message::CannotReadBody(e.to_string())))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The GraphQL request a GET's parameters make and the persisted document they name; none without a query (or a
/// document); or why they make none.
pub(in crate::http) fn get_request(
    params: GetParams,
) -> Result<Option<(async_graphql::Request, Option<String>)>, Message> {
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
            _ => return Err(Message::VariablesNotObject),
        }
    }
    if let Some(extensions) = params.extensions.filter(|v| !v.is_empty()) {
        match serde_json::from_str::<serde_json::Value>(&extensions) {
            Ok(value @ serde_json::Value::Object(_)) => {
                request.extensions = serde_json::from_value(value).unwrap_or_default();
            }
            _ => return Err(Message::ExtensionsNotObject),
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
pub(in crate::http) fn is_mutation(request: &mut async_graphql::Request) -> bool {
    runs(request, |kind| kind != async_graphql::parser::types::OperationType::Query)
}

/// Whether the operation the request would run is of a kind `of` holds (any of them, when the document has several
/// operations and the request names none).
pub(in crate::http) fn runs(
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

pub(in crate::http) async fn request_data(req: &HttpRequest, state: &AppState) -> (RequestInfo, Loaders) {
    let (info, loaders, _) = request_data_with_session(req, state).await;
    (info, loaders)
}

/// The request's data, and what a subscription keeps of its token (when it ends).
pub(in crate::http) async fn request_data_with_session(
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
    let client_ip = crate::http::client_addr::client_addr(req, &state.settings.trusted_proxies);
    let loaders = Loaders::new(state, auth.caller());
    (RequestInfo { auth, request_id, client_ip }, loaders, session)
}
