//! `/graphql/stream`: GraphQL over Server-Sent Events (the `graphql-sse` protocol, distinct connections mode), for
//! backends behind proxies that drop WebSockets. One operation per request: `POST` with a JSON body as on
//! `/graphql`, or `GET` with its parameters (queries and subscriptions; mutations only as POST); the bearer token
//! in `Authorization`, as on `/graphql`. The answer is `text/event-stream`: a `next` event per result (one for a
//! query or mutation, one per update for a subscription), then `complete`. What fails before execution (a body
//! that does not decode, a document that does not validate, a refused token) is a `next` event with the errors,
//! coded and in the request's language as over `/graphql`, then `complete`: the protocol asks for that rather than
//! a 4xx, which an `EventSource` could not read. A subscription ends when its token expires (then `complete`),
//! when the client goes away, or at the next event after a password or role change; a comment every
//! [`KEEP_ALIVE`] keeps idle proxies from closing the connection.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use super::graphql::{
    admitted, code_errors, decode, get_request, mutations_only_by_post, named_operation, read_body, refusal,
    request_data_with_session, runs, unless_json, Answered, GetParams, Outcome, Served,
};
use super::language::prefers_chinese;
use super::request_id::RequestId;
use crate::error::Message;
use crate::graphql::context::AppState;
use crate::graphql::live::SubscriptionBudget;
use crate::graphql::AppSchema;

/// How often an idle stream carries a comment, well within proxies' read timeouts (nginx's is 60 s by default).
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

const COMPLETE: &[u8] = b"event: complete\ndata:\n\n";

/// `POST /graphql/stream`.
pub async fn post(req: HttpRequest, payload: web::Payload, served: Served) -> HttpResponse {
    let Served { state, schema, documents } = served;
    if let Some(refused) = unless_json(&req) {
        return refused;
    }
    let body = match read_body(&req, payload, state.settings.limits.max_body_bytes).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let admitted = match decode(&body) {
        Ok((request, document_id)) => admitted(request, document_id.as_deref(), &state.settings.limits, &documents),
        Err(why) => {
            Err(Outcome::Refused(StatusCode::BAD_REQUEST, crate::error::ErrorCode::BadUserInput, why.english()))
        }
    };
    stream(&req, state.into_inner(), schema.into_inner(), admitted).await
}

/// `GET /graphql/stream` (as an `EventSource` would ask).
pub async fn get(req: HttpRequest, params: web::Query<GetParams>, served: Served) -> HttpResponse {
    let Served { state, schema, documents } = served;
    let (request, document_id) = match get_request(params.into_inner()) {
        Ok(Some(asked)) => asked,
        Ok(None) => return refusal(&req, StatusCode::BAD_REQUEST, Message::GetNeedsQuery),
        Err(why) => return refusal(&req, StatusCode::BAD_REQUEST, why),
    };
    let mut admitted = admitted(request, document_id.as_deref(), &state.settings.limits, &documents);
    if let Ok(request) = &mut admitted {
        if runs(request, |kind| kind == async_graphql::parser::types::OperationType::Mutation) {
            return mutations_only_by_post(&req);
        }
    }
    stream(&req, state.into_inner(), schema.into_inner(), admitted).await
}

/// The event stream of an admitted request, or of its refusal.
async fn stream(
    req: &HttpRequest,
    state: std::sync::Arc<AppState>,
    schema: std::sync::Arc<AppSchema>,
    admitted: Result<async_graphql::Request, Outcome>,
) -> HttpResponse {
    let chinese = prefers_chinese(req);
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone()).unwrap_or_default();
    let request = match admitted {
        Ok(request) => request,
        Err(refused) => {
            // What was refused before execution, as the one result of the stream.
            let mut response = match refused {
                Outcome::Refused(_, code, message) => {
                    let mut error = async_graphql::ServerError::new(message, None);
                    error.extensions.get_or_insert_with(Default::default).set("code", code.as_str());
                    async_graphql::Response::from_errors(vec![error])
                }
                Outcome::Executed(response, _) => *response,
            };
            let code = code_errors(&mut response.errors, chinese, &request_id).unwrap_or_else(|| "OK".into());
            let events = [next_event(&response), COMPLETE.to_vec()].concat();
            return events_response(Answered { operation: None, code: code.into() }).body(events);
        }
    };
    let operation = request.operation_name.clone().or_else(|| named_operation(&request.query));
    let (info, loaders, session) = request_data_with_session(req, &state).await;
    let mut request = request.data(info).data(loaders).data(SubscriptionBudget::default());
    if let Some(session) = session {
        request = request.data(session);
    }
    let results = schema.execute_stream(request).map(move |mut response| {
        code_errors(&mut response.errors, chinese, &request_id);
        next_event(&response)
    });
    let events = futures_util::stream::unfold(Some(Box::pin(results)), |results| async move {
        let mut results = results?;
        tokio::select! {
            next = results.next() => match next {
                Some(event) => Some((event, Some(results))),
                None => Some((COMPLETE.to_vec(), None)),
            },
            () = tokio::time::sleep(KEEP_ALIVE) => Some((b": keep-alive\n\n".to_vec(), Some(results))),
        }
    });
    let answered = Answered { operation, code: "OK".into() };
    events_response(answered).streaming(events.map(|bytes| Ok::<_, actix_web::Error>(web::Bytes::from(bytes))))
}

/// A `next` event holding one execution result (its JSON has no line breaks, so one `data` line holds it).
fn next_event(response: &async_graphql::Response) -> Vec<u8> {
    let json = serde_json::to_string(response).unwrap_or_default();
    format!("event: next\ndata: {json}\n\n").into_bytes()
}

fn events_response(answered: Answered) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response
        .content_type("text/event-stream; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        // Neither compressed (each event would wait in the compressor) nor buffered by nginx.
        .insert_header(("Content-Encoding", "identity"))
        .insert_header(("X-Accel-Buffering", "no"));
    response.extensions_mut().insert(answered);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_is_one_next_event_on_one_data_line() {
        let response = async_graphql::Response::new(async_graphql::value!({ "a": "两\n行" }));
        assert_eq!(
            String::from_utf8(next_event(&response)).unwrap(),
            "event: next\ndata: {\"data\":{\"a\":\"两\\n行\"}}\n\n"
        );
    }
}
